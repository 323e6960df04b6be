#include "daemon/broker/groups.h"

#include <algorithm>
#include <set>

#include "common/types.h"
#include "daemon/broker/broker.h"
#include "daemon/broker/logging.h"

namespace ks::server {
namespace {

Status rebalance_needed(const std::string& group) {
  return Status::RebalanceInProgress("group '" + group + "' changed; commit and join again");
}

// The broker's view of a topic a member or a request names (as a string
// until the group registry takes strong types too).
Result<int32_t> partitions_of(Broker* broker, const std::string& topic) {
  auto name = TopicName::Parse(topic);
  if (!name.ok()) return name.status();
  return broker->partition_count(*name, false);
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

Status Groups::refuse_if_elsewhere(const std::string& group) const {
  const GroupMembers* live = registry_->live_protocol(group);
  if (live == nullptr || live == this) return Status::OK();
  return Status::GroupInUse("group '" + group + "' is in use by " +
                            (live->kind() == "kafka" ? std::string("Kafka clients") : std::string(live->kind()) + " members"));
}

Result<JoinResult> Groups::join(const JoinRequest& req, int64_t now_ms) {
  KS_RETURN_IF_ERROR(validate_group_id(req.group));
  if (req.topics.empty()) return Status::InvalidArgument("a group member needs at least one topic");
  KS_RETURN_IF_ERROR(refuse_if_elsewhere(req.group));
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
  auto committed = registry_->committed(req.group);
  if (!committed.ok()) return committed.status();
  std::map<TopicPartition, Offset> commits;
  for (const auto& c : *committed) commits[{c.topic, c.partition}] = Offset(c.offset);
  for (const auto& [tp, owner] : g.owner) {
    if (owner != id) continue;
    auto c = commits.find(tp);
    out.assignment.push_back(
        {tp, c == commits.end() ? std::nullopt : GroupRegistry::committed_offset(c->second.value())});
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
  auto rows = GroupRegistry::rows_of(offsets, now_ms);
  if (!rows.ok()) return rows.status();
  return registry_->commit(group, *rows);
}

Status Groups::commit(const std::string& group, const std::string& member_id,
                      const std::vector<OffsetEntry>& offsets, int64_t now_ms) {
  KS_RETURN_IF_ERROR(validate_group_id(group));
  if (member_id.empty()) {
    if (has_members(group))
      return Status::GroupInUse("group '" + group + "' has live members; only they commit");
    KS_RETURN_IF_ERROR(refuse_if_elsewhere(group));
    return commit_entries(group, offsets, now_ms);
  }
  auto it = groups_.find(group);
  if (it == groups_.end() || !it->second.members.count(member_id))
    return Status::NotFound("unknown member '" + member_id + "' of group '" + group + "'");
  it->second.members[member_id].last_seen_ms = now_ms;
  for (const auto& o : offsets) {
    auto own = it->second.owner.find(o.tp);
    if (own == it->second.owner.end() || own->second != member_id)
      return Status::RebalanceInProgress(o.tp.topic + "-" + std::to_string(o.tp.partition) +
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

std::optional<GroupView> Groups::view(const std::string& group) const {
  auto it = groups_.find(group);
  if (it == groups_.end()) return std::nullopt;
  const Group& g = it->second;
  GroupView v;
  v.generation = g.generation;
  bool moving = false;
  for (const auto& [tp, who] : g.target) {
    auto o = g.owner.find(tp);
    if (o == g.owner.end() || o->second != who) moving = true;
  }
  v.state = g.members.empty() ? "empty" : moving ? "rebalancing" : "stable";
  for (const auto& [id, m] : g.members) {
    MemberInfo mi{id, m.host, m.pid, m.topics, {}};
    for (const auto& [tp, owner] : g.owner)
      if (owner == id) mi.owned.push_back(tp);
    v.members.push_back(std::move(mi));
  }
  return v;
}

}  // namespace ks::server
