#include "daemon/broker/group_registry.h"

#include <algorithm>
#include <map>
#include <set>

#include "daemon/broker/broker.h"

namespace ks::server {

const GroupMembers* GroupRegistry::live_protocol(const std::string& group) const {
  for (const GroupMembers* p : protocols_)
    if (p->has_members(group)) return p;
  return nullptr;
}

bool GroupRegistry::live_elsewhere(const std::string& group, const GroupMembers* self) const {
  const GroupMembers* live = live_protocol(group);
  return live != nullptr && live != self;
}

std::vector<std::pair<std::string, std::string_view>> GroupRegistry::live_groups() const {
  std::vector<std::pair<std::string, std::string_view>> out;
  for (const GroupMembers* p : protocols_)
    for (auto& name : p->live_groups()) out.emplace_back(std::move(name), p->kind());
  std::sort(out.begin(), out.end());
  return out;
}

Result<std::vector<meta::CommitEntry>> GroupRegistry::committed(const std::string& group) const {
  return meta_->fetch_offsets(group);
}

Status GroupRegistry::commit(const std::string& group, const std::vector<meta::CommitEntry>& entries) {
  if (entries.empty()) return Status::OK();
  return meta_->commit_offsets(group, entries);
}

Result<std::vector<std::string>> GroupRegistry::stored_names() const { return meta_->list_groups(); }

std::optional<Offset> GroupRegistry::committed_offset(int64_t stored) {
  if (stored < 0) return std::nullopt;
  return Offset(stored);
}

Result<std::vector<meta::CommitEntry>> GroupRegistry::rows_of(const std::vector<OffsetEntry>& offsets,
                                                             int64_t now_ms) {
  std::vector<meta::CommitEntry> rows;
  for (const auto& o : offsets) {
    if (o.offset < Offset(0)) return Status::InvalidArgument("negative offset for " + o.tp.topic);
    rows.push_back({o.tp.topic, o.tp.partition, o.offset.value(), "", now_ms});
  }
  return rows;
}

Status GroupRegistry::in_use_if_live(const std::string& group, const char* doing) const {
  const GroupMembers* live = live_protocol(group);
  if (live == nullptr) return Status::OK();
  return Status::GroupInUse("group '" + group + "' has live " + (live->kind() == "ks" ? "" : "Kafka ") +
                            "members; stop its consumers before " + doing);
}

namespace {

Result<Broker::Offsets> offsets_of(Broker* broker, const TopicPartition& tp) {
  auto name = existing_topic_name(tp.topic);
  if (!name.ok()) return name.status();
  return broker->offsets(*name, PartitionId(tp.partition));
}

}  // namespace

Status GroupRegistry::reset(const std::string& group, const std::vector<OffsetEntry>& offsets, int64_t now_ms) {
  KS_RETURN_IF_ERROR(validate_group_id(group));
  KS_RETURN_IF_ERROR(in_use_if_live(group, "resetting offsets"));
  for (const auto& o : offsets) {
    auto se = offsets_of(broker_, o.tp);
    if (!se.ok()) return se.status();
  }
  auto rows = rows_of(offsets, now_ms);
  if (!rows.ok()) return rows.status();
  return commit(group, *rows);
}

Status GroupRegistry::remove(const std::string& group) {
  KS_RETURN_IF_ERROR(in_use_if_live(group, "deleting it"));
  bool known = false;
  for (GroupMembers* p : protocols_)
    if (p->forget(group)) known = true;
  Status s = meta_->delete_group(group);
  if (s.code() == Code::kNotFound && known) return Status::OK();
  return s;
}

std::optional<std::pair<const GroupMembers*, GroupView>> GroupRegistry::pick_view(const std::string& group) const {
  std::optional<std::pair<const GroupMembers*, GroupView>> any;
  for (const GroupMembers* p : protocols_) {
    auto v = p->view(group);
    if (!v) continue;
    if (!v->members.empty()) return std::make_pair(p, std::move(*v));
    if (!any) any = std::make_pair(p, std::move(*v));
  }
  return any;
}

Result<GroupInfo> GroupRegistry::describe(const std::string& group) {
  auto committed = meta_->fetch_offsets(group);
  if (!committed.ok()) return committed.status();
  auto picked = pick_view(group);
  const bool live = picked && !picked->second.members.empty();
  if (committed->empty() && !live) {
    auto names = meta_->list_groups();
    if (!names.ok()) return names.status();
    if (std::find(names->begin(), names->end(), group) == names->end())
      return Status::NotFound("group '" + group + "' does not exist");
  }
  GroupInfo info;
  info.name = group;
  info.state = "empty";
  std::map<TopicPartition, OffsetInfo> rows;
  for (const auto& c : *committed)
    rows[{c.topic, c.partition}] = {{c.topic, c.partition}, committed_offset(c.offset), Offset(0), 0, ""};
  std::set<std::string> topics;
  // Every partition of a topic some member reads gets a row, for its lag.
  auto add_topic_rows = [&](const std::string& t) {
    topics.insert(t);
    auto name = TopicName::Parse(t);
    auto n = name.ok() ? broker_->partition_count(*name, false) : Result<int32_t>(name.status());
    for (int32_t p = 0; n.ok() && p < *n; ++p)
      if (!rows.count({t, p})) rows[{t, p}] = {{t, p}, std::nullopt, Offset(0), 0, ""};
  };
  if (picked) {
    GroupView& v = picked->second;
    info.generation = v.generation;
    info.state = v.state;
    if (!v.members.empty()) info.protocol = std::string(picked->first->kind());
    for (auto& m : v.members) {
      for (const auto& t : m.topics) add_topic_rows(t);
      for (const auto& tp : m.owned) {
        if (!rows.count(tp)) rows[tp] = {tp, std::nullopt, Offset(0), 0, ""};
        rows[tp].owner = m.id;
      }
      info.members.push_back(std::move(m));
    }
  }
  for (auto& [tp, row] : rows) {
    topics.insert(tp.topic);
    auto se = offsets_of(broker_, tp);
    if (!se.ok()) continue;  // the topic or partition is gone: no row
    row.end = se->end;
    row.lag = se->end - (row.committed ? std::max(*row.committed, se->start) : se->start);
    if (row.lag < 0) row.lag = 0;
    info.lag += row.lag;
    info.offsets.push_back(row);
  }
  info.topics.assign(topics.begin(), topics.end());
  return info;
}

Result<std::vector<GroupInfo>> GroupRegistry::list() {
  auto names = meta_->list_groups();
  if (!names.ok()) return names.status();
  std::set<std::string> all(names->begin(), names->end());
  for (const auto& [name, kind] : live_groups()) all.insert(name);
  std::vector<GroupInfo> out;
  for (const auto& n : all) {
    auto d = describe(n);
    if (d.ok()) out.push_back(std::move(*d));
  }
  return out;
}

}  // namespace ks::server
