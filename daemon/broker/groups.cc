#include "daemon/broker/groups.h"

#include <algorithm>
#include <set>

#include "common/types.h"
#include "daemon/broker/broker.h"
#include "daemon/broker/kafka_groups.h"
#include "daemon/broker/logging.h"

namespace ks::server {
namespace {

constexpr size_t kMaxGroupName = 255;

Status rebalance_needed(const std::string& group) {
  return Status::Busy("rebalance_in_progress: group '" + group + "' changed; commit and join again");
}

Status in_use_by_kafka(const std::string& group) {
  return Status::Busy("group '" + group + "' is in use by Kafka clients");
}

// The broker's view of a topic a member or a request names (as a string
// until the group registry takes strong types too).
Result<int32_t> partitions_of(Broker* broker, const std::string& topic) {
  auto name = TopicName::Parse(topic);
  if (!name.ok()) return name.status();
  return broker->partition_count(*name, false);
}

Result<Broker::Offsets> offsets_of(Broker* broker, const TopicPartition& tp) {
  auto name = existing_topic_name(tp.topic);
  if (!name.ok()) return name.status();
  return broker->offsets(*name, PartitionId(tp.partition));
}

// A row of meta.db's offsets: Kafka clients may store -1 ("none").
std::optional<Offset> committed_offset(int64_t stored) {
  if (stored < 0) return std::nullopt;
  return Offset(stored);
}

// Kafka's group states as `ks group` shows them.
std::string ks_state(const std::string& kafka_state) {
  if (kafka_state == "Stable") return "stable";
  if (kafka_state == "Empty" || kafka_state == "Dead") return "empty";
  return "rebalancing";
}

}  // namespace

bool Groups::has_members(const std::string& group) const {
  auto it = groups_.find(group);
  return it != groups_.end() && !it->second.members.empty();
}

std::vector<std::string> Groups::live_groups() const {
  std::vector<std::string> out;
  for (const auto& [name, g] : groups_)
    if (!g.members.empty()) out.push_back(name);
  return out;
}

bool Groups::kafka_live(const std::string& group) const {
  return kafka_ != nullptr && kafka_->has_members(group);
}

Result<JoinResult> Groups::join(const JoinRequest& req, int64_t now_ms) {
  KS_RETURN_IF_ERROR(validate_name(req.group, "group", kMaxGroupName));
  if (req.topics.empty()) return Status::InvalidArgument("a group member needs at least one topic");
  if (kafka_live(req.group)) return in_use_by_kafka(req.group);
  for (const auto& t : req.topics) {
    auto n = partitions_of(broker_, t);
    if (!n.ok()) return n.status();
  }
  Group& g = groups_[req.group];
  std::string id = req.member_id;
  bool changed = false;
  if (id.empty() || !g.members.count(id)) {
    id = (req.host.empty() ? std::string("member") : req.host) + "-" + std::to_string(req.pid) + "-" +
         std::to_string(next_member_++);
    Member m;
    m.id = id;
    g.members[id] = m;
    changed = true;
    log_info("group %s: member %s joined (topics:%zu)", req.group.c_str(), id.c_str(), req.topics.size());
  }
  Member& m = g.members[id];
  std::vector<std::string> topics = req.topics;
  std::sort(topics.begin(), topics.end());
  topics.erase(std::unique(topics.begin(), topics.end()), topics.end());
  if (m.topics != topics) changed = true;
  m.topics = topics;
  m.host = req.host;
  m.pid = req.pid;
  m.session_timeout_ms = std::clamp<int64_t>(req.session_timeout_ms, 1000, 300000);
  m.last_seen_ms = now_ms;
  m.connection = req.connection;
  // A member joining again has committed what it read: it lets go of the
  // partitions that are meant for someone else.
  bool released = false;
  for (auto it = g.owner.begin(); it != g.owner.end();) {
    auto t = g.target.find(it->first);
    if (it->second == id && (t == g.target.end() || t->second != id)) {
      it = g.owner.erase(it);
      released = true;
    } else {
      ++it;
    }
  }
  rebalance(req.group, g, changed || released);
  m.generation = g.generation;

  JoinResult out{id, g.generation, {}};
  auto committed = meta_->fetch_offsets(req.group);
  if (!committed.ok()) return committed.status();
  std::map<TopicPartition, Offset> commits;
  for (const auto& c : *committed) commits[{c.topic, c.partition}] = Offset(c.offset);
  for (const auto& [tp, owner] : g.owner) {
    if (owner != id) continue;
    auto c = commits.find(tp);
    out.assignment.push_back({tp, c == commits.end() ? std::nullopt : committed_offset(c->second.value())});
  }
  return out;
}

void Groups::rebalance(const std::string& name, Group& g, bool force_bump) {
  // Which members read each topic, and how many partitions it has.
  std::map<std::string, std::vector<std::string>> readers;
  for (const auto& [id, m] : g.members)
    for (const auto& t : m.topics) readers[t].push_back(id);
  std::map<TopicPartition, std::string> target;
  for (auto& [topic, ids] : readers) {
    auto count = partitions_of(broker_, topic);
    if (!count.ok()) continue;  // deleted meanwhile
    std::sort(ids.begin(), ids.end());
    const int32_t n = *count;
    const size_t k = ids.size();
    // Quotas: n / k each, the first n % k members one more. Keep current
    // targets within quota (sticky), then fill from the rest.
    std::map<std::string, int32_t> quota, have;
    for (size_t i = 0; i < k; ++i)
      quota[ids[i]] = n / static_cast<int32_t>(k) + (static_cast<int32_t>(i) < n % static_cast<int32_t>(k) ? 1 : 0);
    std::vector<int32_t> unplaced;
    for (int32_t p = 0; p < n; ++p) {
      TopicPartition tp{topic, p};
      auto prev = g.target.find(tp);
      if (prev != g.target.end() && quota.count(prev->second) && have[prev->second] < quota[prev->second]) {
        target[tp] = prev->second;
        ++have[prev->second];
      } else {
        unplaced.push_back(p);
      }
    }
    size_t next = 0;
    for (int32_t p : unplaced) {
      while (have[ids[next % k]] >= quota[ids[next % k]]) ++next;
      const std::string& who = ids[next % k];
      target[{topic, p}] = who;
      ++have[who];
    }
  }
  bool changed = force_bump || target != g.target;
  g.target = std::move(target);
  // Partitions nobody owns go to their target now; owned partitions whose
  // owner is gone are free.
  for (auto it = g.owner.begin(); it != g.owner.end();) {
    if (!g.members.count(it->second) || !g.target.count(it->first)) {
      it = g.owner.erase(it);
      changed = true;
    } else {
      ++it;
    }
  }
  for (const auto& [tp, who] : g.target) {
    if (!g.owner.count(tp)) {
      g.owner[tp] = who;
      changed = true;
    }
  }
  if (changed) {
    ++g.generation;
    if (hook_) hook_(name);
  }
}

Status Groups::check(const std::string& group, const std::string& member_id, int32_t generation, int64_t now_ms) {
  auto it = groups_.find(group);
  if (it == groups_.end() || !it->second.members.count(member_id))
    return Status::NotFound("unknown member '" + member_id + "' of group '" + group + "' (expired?); join again");
  Member& m = it->second.members[member_id];
  m.last_seen_ms = now_ms;
  if (generation != it->second.generation) return rebalance_needed(group);
  return Status::OK();
}

Status Groups::check_owns(const std::string& group, const std::string& member_id, int32_t generation,
                          const std::vector<TopicPartition>& tps, int64_t now_ms) {
  KS_RETURN_IF_ERROR(check(group, member_id, generation, now_ms));
  const Group& g = groups_.at(group);
  for (const auto& tp : tps) {
    auto o = g.owner.find(tp);
    if (o == g.owner.end() || o->second != member_id) return rebalance_needed(group);
  }
  return Status::OK();
}

Status Groups::commit_entries(const std::string& group, const std::vector<OffsetEntry>& offsets, int64_t now_ms) {
  std::vector<meta::CommitEntry> entries;
  for (const auto& o : offsets) {
    if (o.offset < Offset(0)) return Status::InvalidArgument("negative offset for " + o.tp.topic);
    entries.push_back({o.tp.topic, o.tp.partition, o.offset.value(), "", now_ms});
  }
  if (entries.empty()) return Status::OK();
  return meta_->commit_offsets(group, entries);
}

Status Groups::commit(const std::string& group, const std::string& member_id,
                      const std::vector<OffsetEntry>& offsets, int64_t now_ms) {
  KS_RETURN_IF_ERROR(validate_name(group, "group", kMaxGroupName));
  if (member_id.empty()) {
    if (has_members(group))
      return Status::Busy("group '" + group + "' has live members; only they commit");
    if (kafka_live(group)) return in_use_by_kafka(group);
    return commit_entries(group, offsets, now_ms);
  }
  auto it = groups_.find(group);
  if (it == groups_.end() || !it->second.members.count(member_id))
    return Status::NotFound("unknown member '" + member_id + "' of group '" + group + "'");
  it->second.members[member_id].last_seen_ms = now_ms;
  for (const auto& o : offsets) {
    auto own = it->second.owner.find(o.tp);
    if (own == it->second.owner.end() || own->second != member_id)
      return Status::Busy("rebalance_in_progress: " + o.tp.topic + "-" + std::to_string(o.tp.partition) +
                          " is not owned by " + member_id);
  }
  return commit_entries(group, offsets, now_ms);
}

void Groups::drop_member(const std::string& name, Group& g, const std::string& member_id) {
  g.members.erase(member_id);
  log_info("group %s: member %s left", name.c_str(), member_id.c_str());
  rebalance(name, g, true);
}

Status Groups::leave(const std::string& group, const std::string& member_id,
                     const std::vector<OffsetEntry>& offsets, int64_t now_ms) {
  Status s = commit(group, member_id, offsets, now_ms);
  auto it = groups_.find(group);
  if (it != groups_.end() && it->second.members.count(member_id)) drop_member(group, it->second, member_id);
  return s;
}

void Groups::connection_closed(uint64_t connection, int64_t now_ms) {
  (void)now_ms;
  for (auto& [name, g] : groups_) {
    std::vector<std::string> gone;
    for (const auto& [id, m] : g.members)
      if (m.connection == connection) gone.push_back(id);
    for (const auto& id : gone) drop_member(name, g, id);
  }
}

void Groups::expire(int64_t now_ms) {
  for (auto& [name, g] : groups_) {
    std::vector<std::string> gone;
    for (const auto& [id, m] : g.members)
      if (now_ms - m.last_seen_ms > m.session_timeout_ms) gone.push_back(id);
    for (const auto& id : gone) {
      log_warn("group %s: member %s missed its session timeout", name.c_str(), id.c_str());
      drop_member(name, g, id);
    }
  }
}

Status Groups::reset(const std::string& group, const std::vector<OffsetEntry>& offsets, int64_t now_ms) {
  KS_RETURN_IF_ERROR(validate_name(group, "group", kMaxGroupName));
  if (has_members(group) || kafka_live(group))
    return Status::Busy("group '" + group + "' has live " + (has_members(group) ? "" : "Kafka ") +
                        "members; stop its consumers before resetting offsets");
  for (const auto& o : offsets) {
    auto se = offsets_of(broker_, o.tp);
    if (!se.ok()) return se.status();
  }
  return commit_entries(group, offsets, now_ms);
}

Status Groups::remove(const std::string& group) {
  if (has_members(group) || kafka_live(group))
    return Status::Busy("group '" + group + "' has live " + (has_members(group) ? "" : "Kafka ") +
                        "members; stop its consumers before deleting it");
  bool known = groups_.erase(group) > 0;
  if (kafka_ != nullptr && kafka_->forget(group)) known = true;
  Status s = meta_->delete_group(group);
  if (s.code() == Code::kNotFound && known) return Status::OK();
  return s;
}

Result<Groups::GroupInfo> Groups::describe(const std::string& group) {
  auto committed = meta_->fetch_offsets(group);
  if (!committed.ok()) return committed.status();
  auto it = groups_.find(group);
  std::optional<KafkaGroupInfo> kafka = kafka_ != nullptr ? kafka_->inspect(group) : std::nullopt;
  bool live = (it != groups_.end() && !it->second.members.empty()) || kafka;
  if (committed->empty() && !live) {
    auto names = meta_->list_groups();
    if (!names.ok()) return names.status();
    if (std::find(names->begin(), names->end(), group) == names->end())
      return Status::NotFound("group '" + group + "' does not exist");
  }
  GroupInfo info;
  info.name = group;
  std::map<TopicPartition, OffsetInfo> rows;
  for (const auto& c : *committed)
    rows[{c.topic, c.partition}] = {{c.topic, c.partition}, committed_offset(c.offset), Offset(0), 0, ""};
  std::set<std::string> topics;
  bool moving = false;
  // Every partition of a topic some member reads gets a row, for its lag.
  auto add_topic_rows = [&](const std::string& t) {
    topics.insert(t);
    auto n = partitions_of(broker_, t);
    for (int32_t p = 0; n.ok() && p < *n; ++p)
      if (!rows.count({t, p})) rows[{t, p}] = {{t, p}, std::nullopt, Offset(0), 0, ""};
  };
  if (kafka) {
    info.generation = kafka->generation;
    info.protocol = "kafka";
    for (const auto& km : kafka->members) {
      MemberInfo mi{km.member_id, km.client_host, 0, {}, {}, km.client_id};
      // Only the consumer protocol's bytes have a known layout.
      if (kafka->protocol_type == "consumer") {
        mi.topics = decode_subscription_topics(km.metadata).value_or(std::vector<std::string>{});
        mi.owned = decode_assignment(km.assignment).value_or(std::vector<TopicPartition>{});
      }
      std::sort(mi.topics.begin(), mi.topics.end());
      mi.topics.erase(std::unique(mi.topics.begin(), mi.topics.end()), mi.topics.end());
      std::sort(mi.owned.begin(), mi.owned.end());
      mi.owned.erase(std::unique(mi.owned.begin(), mi.owned.end()), mi.owned.end());
      for (const auto& t : mi.topics) add_topic_rows(t);
      for (const auto& tp : mi.owned) {
        if (!rows.count(tp)) rows[tp] = {tp, std::nullopt, Offset(0), 0, ""};
        rows[tp].owner = km.member_id;
      }
      info.members.push_back(std::move(mi));
    }
  } else if (it != groups_.end()) {
    const Group& g = it->second;
    info.generation = g.generation;
    for (const auto& [id, m] : g.members) {
      MemberInfo mi{id, m.host, m.pid, m.topics, {}};
      for (const auto& [tp, owner] : g.owner)
        if (owner == id) mi.owned.push_back(tp);
      info.members.push_back(std::move(mi));
      for (const auto& t : m.topics) add_topic_rows(t);
    }
    if (!g.members.empty()) info.protocol = "ks";
    for (const auto& [tp, owner] : g.owner)
      if (rows.count(tp)) rows[tp].owner = owner;
    for (const auto& [tp, who] : g.target) {
      auto o = g.owner.find(tp);
      if (o == g.owner.end() || o->second != who) moving = true;
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
  if (kafka)
    info.state = ks_state(kafka->state);
  else
    info.state = info.members.empty() ? "empty" : moving ? "rebalancing" : "stable";
  return info;
}

Result<std::vector<Groups::GroupInfo>> Groups::list() {
  auto names = meta_->list_groups();
  if (!names.ok()) return names.status();
  std::set<std::string> all(names->begin(), names->end());
  for (const auto& [name, g] : groups_)
    if (!g.members.empty()) all.insert(name);
  if (kafka_ != nullptr)
    for (const auto& [name, type] : kafka_->list())
      if (kafka_->has_members(name)) all.insert(name);
  std::vector<GroupInfo> out;
  for (const auto& n : all) {
    auto d = describe(n);
    if (d.ok()) out.push_back(std::move(*d));
  }
  return out;
}

}  // namespace ks::server
