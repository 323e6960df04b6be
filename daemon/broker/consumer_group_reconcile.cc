// ConsumerGroups: the target assignment, each member's reconciliation
// toward it, offset-commit checks and the views of a group.
#include <algorithm>
#include <utility>

#include "common/types.h"
#include "daemon/broker/broker.h"
#include "daemon/broker/consumer_group.h"
#include "daemon/broker/consumer_group_state.h"
#include "daemon/broker/logging.h"
#include "daemon/kafka/errors.h"

namespace ks::server {
namespace {

bool holds(const Assignment& a, const std::string& topic, int32_t p) {
  auto it = a.find(topic);
  return it != a.end() && it->second.count(p) != 0;
}

// a - b, and a ∩ b.
Assignment minus(const Assignment& a, const Assignment& b) {
  Assignment out;
  for (const auto& [t, ps] : a)
    for (int32_t p : ps)
      if (!holds(b, t, p)) out[t].insert(p);
  return out;
}
Assignment common(const Assignment& a, const Assignment& b) {
  Assignment out;
  for (const auto& [t, ps] : a)
    for (int32_t p : ps)
      if (holds(b, t, p)) out[t].insert(p);
  return out;
}
bool intersects(const Assignment& a, const Assignment& b) { return !common(a, b).empty(); }

}  // namespace

void ConsumerGroups::refresh_target(Group& g) {
  // The partition counts of every subscribed topic that exists.
  std::map<std::string, int32_t> counts;
  for (const auto& [id, m] : g.members)
    for (const auto& t : m.topics) {
      if (counts.count(t)) continue;
      auto name = TopicName::Parse(t);
      if (!name.ok()) continue;
      auto n = broker_->partition_count(*name, false);
      if (n.ok()) counts[t] = *n;
    }
  if (counts != g.topic_partitions) {
    // A subscribed topic appeared, went or grew.
    if (g.assignment_epoch == g.group_epoch) ++g.group_epoch;
    g.topic_partitions = std::move(counts);
  }
  if (g.group_epoch <= g.assignment_epoch) return;
  std::vector<AssignorMember> members;
  std::string assignor;
  for (const auto& [id, m] : g.members) {
    AssignorMember am{id, {m.topics.begin(), m.topics.end()}, {}};
    if (auto t = g.target.find(id); t != g.target.end()) am.previous = t->second;
    members.push_back(std::move(am));
    if (assignor.empty()) assignor = m.assignor;
  }
  g.assignor = assignor.empty() ? std::string(kUniformAssignor) : assignor;
  g.target = assign_with(g.assignor, members, g.topic_partitions);
  g.assignment_epoch = g.group_epoch;
  log_info("kafka group %s: target assignment of epoch %d by %s for %zu member(s)", g.name.c_str(),
           g.assignment_epoch, g.assignor.c_str(), g.members.size());
}

bool ConsumerGroups::held_by_other(const Group& g, const Member& self, const std::string& topic,
                                   int32_t partition) const {
  for (const auto& [id, m] : g.members)
    if (&m != &self && (holds(m.assigned, topic, partition) || holds(m.revoking, topic, partition))) return true;
  return false;
}

void ConsumerGroups::reconcile(Group& g, Member& m, const std::optional<Assignment>& owned) {
  if (m.left_static) return;
  const Assignment& target = g.target[m.id];
  if (!m.revoking.empty()) {
    // The member keeps its epoch until its heartbeat shows it let go.
    if (!owned || intersects(*owned, m.revoking)) return;
    m.revoking.clear();
    m.revoke_deadline_ms = 0;
  }
  Assignment drop = minus(m.assigned, target);
  if (!drop.empty()) {
    m.assigned = common(m.assigned, target);
    m.revoking = std::move(drop);
    return;
  }
  // Only partitions nobody else still holds; the rest come with a later
  // heartbeat, once their owners revoked them.
  for (const auto& [t, ps] : target)
    for (int32_t p : ps)
      if (!holds(m.assigned, t, p) && !held_by_other(g, m, t, p)) m.assigned[t].insert(p);
  if (m.epoch != g.assignment_epoch) {
    m.previous_epoch = m.epoch;
    m.epoch = g.assignment_epoch;
  }
}

std::optional<int16_t> ConsumerGroups::check_commit(const std::string& group, const std::string& member_id,
                                                    int32_t epoch) const {
  const Group* g = find(group);
  // An empty group is committed to as a classic one would be (a client
  // assigning itself, the admin client).
  if (g == nullptr || g->members.empty()) return std::nullopt;
  auto it = g->members.find(member_id);
  if (it == g->members.end()) return kafka::kUnknownMemberId;
  if (epoch > it->second.epoch) return kafka::kFencedMemberEpoch;
  if (epoch < it->second.epoch) return kafka::kStaleMemberEpoch;
  return kafka::kNone;
}

std::string ConsumerGroups::state_of(const Group& g) const {
  if (g.members.empty()) return "Empty";
  if (g.group_epoch > g.assignment_epoch) return "Assigning";
  for (const auto& [id, m] : g.members) {
    auto t = g.target.find(id);
    const bool at_target = t == g.target.end() ? m.assigned.empty() : m.assigned == t->second;
    if (m.epoch != g.assignment_epoch || !m.revoking.empty() || !at_target) return "Reconciling";
  }
  return "Stable";
}

std::optional<ConsumerGroupInfo> ConsumerGroups::describe(const std::string& group) const {
  const Group* g = find(group);
  if (g == nullptr) return std::nullopt;
  ConsumerGroupInfo info;
  info.group = group;
  info.state = state_of(*g);
  info.group_epoch = g->group_epoch;
  info.assignment_epoch = g->assignment_epoch;
  info.assignor = g->assignor.empty() ? std::string(kUniformAssignor) : g->assignor;
  for (const auto& [id, m] : g->members) {
    ConsumerMemberInfo mi;
    mi.member_id = id;
    mi.instance_id = m.instance_id;
    mi.rack_id = m.rack_id;
    mi.member_epoch = m.left_static ? kStaticLeaveEpoch : m.epoch;
    mi.client_id = m.client_id;
    mi.client_host = m.client_host;
    mi.topics = m.topics;
    mi.assignment = m.assigned;
    if (auto t = g->target.find(id); t != g->target.end()) mi.target = t->second;
    info.members.push_back(std::move(mi));
  }
  return info;
}

std::optional<GroupView> ConsumerGroups::view(const std::string& group) const {
  auto d = describe(group);
  if (!d || d->members.empty()) return std::nullopt;
  GroupView v;
  v.generation = d->group_epoch;
  v.state = d->state == "Stable" ? "stable" : d->state == "Empty" ? "empty" : "rebalancing";
  for (const auto& m : d->members) {
    MemberInfo mi{m.member_id, m.client_host, 0, m.topics, {}, m.client_id};
    for (const auto& [t, ps] : m.assignment)
      for (int32_t p : ps) mi.owned.push_back({t, p});
    v.members.push_back(std::move(mi));
  }
  return v;
}

}  // namespace ks::server
