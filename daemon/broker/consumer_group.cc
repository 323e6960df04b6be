// ConsumerGroups: heartbeats, joins, leaves and timeouts. See
// consumer_group.h for the protocol, consumer_group_reconcile.cc for the
// assignment side.
#include "daemon/broker/consumer_group.h"

#include <algorithm>
#include <cstdio>
#include <utility>

#include "daemon/broker/consumer_group_state.h"
#include "daemon/broker/logging.h"
#include "daemon/kafka/errors.h"

namespace ks::server {

ConsumerGroups::ConsumerGroups(Broker* broker, GroupRegistry* registry)
    : broker_(broker), registry_(registry), rng_(std::random_device{}()) {}

ConsumerGroups::~ConsumerGroups() = default;

void ConsumerGroups::clear() { groups_.clear(); }

ConsumerGroups::Group* ConsumerGroups::find(const std::string& name) const {
  auto it = groups_.find(name);
  return it == groups_.end() ? nullptr : it->second.get();
}

std::string ConsumerGroups::new_member_id() {
  // Kafka's member ids in this protocol are random UUIDs (base64 from v1,
  // made by the client); any unique string does.
  char id[40];
  const unsigned long long a = rng_(), b = rng_();
  std::snprintf(id, sizeof id, "%016llx%016llx", a, b);
  return id;
}

bool ConsumerGroups::has_members(const std::string& group) const {
  const Group* g = find(group);
  return g != nullptr && !g->members.empty();
}

bool ConsumerGroups::is_consumer_group(const std::string& group) const { return find(group) != nullptr; }

std::vector<std::string> ConsumerGroups::live_groups() const {
  std::vector<std::string> out;
  for (const auto& [name, g] : groups_)
    if (!g->members.empty()) out.push_back(name);
  return out;
}

bool ConsumerGroups::forget(const std::string& group) {
  const Group* g = find(group);
  if (g == nullptr || !g->members.empty()) return false;
  groups_.erase(group);
  return true;
}

int16_t ConsumerGroups::validate(const ConsumerHeartbeat& hb, std::string* why) const {
  auto bad = [&](const char* text) {
    *why = text;
    return static_cast<int16_t>(kafka::kInvalidRequest);
  };
  if (hb.group.empty()) return bad("GroupId can't be empty.");
  if (hb.instance_id && hb.instance_id->empty()) return bad("InstanceId can't be empty.");
  if (hb.rack_id && hb.rack_id->empty()) return bad("RackId can't be empty.");
  if (hb.member_epoch < kStaticLeaveEpoch) return bad("MemberEpoch is invalid.");
  if (hb.member_epoch == kStaticLeaveEpoch && !hb.instance_id)
    return bad("InstanceId can't be null when leaving as a static member.");
  if (hb.member_epoch != kJoinEpoch && hb.member_id.empty()) return bad("MemberId can't be empty.");
  if (hb.member_epoch == kJoinEpoch) {
    if (hb.rebalance_timeout_ms < 0) return bad("RebalanceTimeoutMs must be provided in first request.");
    if (!hb.owned || !hb.owned->empty()) return bad("TopicPartitions must be empty when (re-)joining.");
    if (!hb.topics && !hb.regex)
      return bad("SubscribedTopicNames or SubscribedTopicRegex must be set in first request.");
  }
  if (hb.regex && !hb.regex->empty())
    return bad("ks does not support regular expression subscriptions (SubscribedTopicRegex) yet.");
  if (hb.assignor && !known_assignor(*hb.assignor)) {
    *why = "ServerAssignor " + *hb.assignor + " is not supported. Supported assignors: uniform, range.";
    return kafka::kUnsupportedAssignor;
  }
  return kafka::kNone;
}

ConsumerHeartbeatResult ConsumerGroups::heartbeat(const ConsumerHeartbeat& hb, int64_t now_ms) {
  ConsumerHeartbeatResult res;
  res.heartbeat_interval_ms = heartbeat_ms_;
  res.member_id = hb.member_id;
  res.member_epoch = hb.member_epoch;
  if ((res.error = validate(hb, &res.error_message)) != kafka::kNone) return res;
  if (registry_->live_elsewhere(hb.group, this)) {
    // Kafka converts an empty classic group; one with live members (or a
    // group of ks's own consumers) stays what it is.
    res.error = kafka::kGroupIdNotFound;
    res.error_message = "Group " + hb.group + " is not a consumer group.";
    return res;
  }
  if (hb.member_epoch == kLeaveEpoch || hb.member_epoch == kStaticLeaveEpoch) {
    Group* g = find(hb.group);
    if (g == nullptr) {
      res.error = kafka::kUnknownMemberId;
      return res;
    }
    return leave(*g, hb, now_ms);
  }
  auto& slot = groups_[hb.group];
  if (!slot) {
    slot = std::make_unique<Group>();
    slot->name = hb.group;
  }
  Group& g = *slot;
  const int32_t epoch_before = g.group_epoch;
  Member* m = member_for(g, hb, now_ms, &res);
  if (m == nullptr) {
    if (g.members.empty() && g.group_epoch == 0) groups_.erase(hb.group);
    return res;
  }
  m->last_seen_ms = now_ms;
  m->client_id = hb.client_id;
  m->client_host = hb.client_host;
  // One bump per heartbeat, whether it joined, changed its subscription
  // or both.
  if (update_subscription(g, *m, hb) && g.group_epoch == epoch_before) ++g.group_epoch;
  refresh_target(g);
  reconcile(g, *m, hb.owned);
  if (!m->revoking.empty() && m->revoke_deadline_ms == 0) m->revoke_deadline_ms = now_ms + m->rebalance_timeout_ms;
  res.member_id = m->id;
  res.member_epoch = m->epoch;
  const bool differs = hb.owned && *hb.owned != m->assigned;
  if (hb.member_epoch == kJoinEpoch || !m->last_sent || *m->last_sent != m->assigned || differs) {
    res.assignment = m->assigned;
    m->last_sent = m->assigned;
  }
  return res;
}

ConsumerGroups::Member* ConsumerGroups::member_for(Group& g, const ConsumerHeartbeat& hb, int64_t now_ms,
                                                   ConsumerHeartbeatResult* res) {
  auto fail = [&](int16_t error, std::string why) -> Member* {
    res->error = error;
    res->error_message = std::move(why);
    return nullptr;
  };
  if (hb.member_epoch != kJoinEpoch) {
    auto it = g.members.find(hb.member_id);
    if (it == g.members.end())
      return fail(kafka::kUnknownMemberId, "Member " + hb.member_id + " is not a member of group " + g.name + ".");
    Member& m = it->second;
    if (hb.member_epoch == m.epoch) return &m;
    // A member may lag one epoch behind while it still owns no more than
    // it was given (its answer was lost); otherwise it is fenced.
    bool lagging = hb.member_epoch == m.previous_epoch;
    if (lagging && hb.owned)
      for (const auto& [t, ps] : *hb.owned)
        for (int32_t p : ps) {
          auto a = m.assigned.find(t);
          if (a == m.assigned.end() || !a->second.count(p)) lagging = false;
        }
    if (lagging) return &m;
    return fail(kafka::kFencedMemberEpoch, "The consumer group member has a " +
                                               std::string(hb.member_epoch < m.epoch ? "smaller" : "larger") +
                                               " member epoch (" + std::to_string(hb.member_epoch) +
                                               ") than the one known by the group coordinator (" +
                                               std::to_string(m.epoch) + ").");
  }
  // Epoch 0: a join, or a rejoin after being fenced.
  std::string id = hb.member_id.empty() ? new_member_id() : hb.member_id;
  if (hb.instance_id) {
    auto st = g.statics.find(*hb.instance_id);
    if (st != g.statics.end() && st->second != id) {
      Member& old = g.members.at(st->second);
      if (!old.left_static)
        return fail(kafka::kUnreleasedInstanceId, "Static member " + st->second + " with instance id " +
                                                      *hb.instance_id + " is still active in group " + g.name + ".");
      // The static member is back: it takes its old place and assignment.
      Member m = std::move(old);
      g.members.erase(st->second);
      log_info("kafka group %s: static member %s came back as %s", g.name.c_str(), hb.instance_id->c_str(),
               id.c_str());
      if (auto t = g.target.find(m.id); t != g.target.end()) {
        Assignment target = std::move(t->second);
        g.target.erase(t);
        g.target[id] = std::move(target);
      }
      m.id = id;
      m.left_static = false;
      m.last_sent.reset();
      st->second = id;
      return &(g.members[id] = std::move(m));
    }
  }
  auto it = g.members.find(id);
  if (it != g.members.end()) {
    // A known member joining again gave up everything it had.
    Member& m = it->second;
    m.assigned.clear();
    m.revoking.clear();
    m.revoke_deadline_ms = 0;
    m.epoch = 0;
    m.previous_epoch = -1;
    m.left_static = false;
    m.last_sent.reset();
    return &m;
  }
  Member& m = g.members[id];
  m.id = id;
  m.instance_id = hb.instance_id;
  if (hb.instance_id) g.statics[*hb.instance_id] = id;
  m.last_seen_ms = now_ms;
  ++g.group_epoch;
  log_info("kafka group %s: member %s joined (consumer protocol, client %s at %s)", g.name.c_str(), id.c_str(),
           hb.client_id.c_str(), hb.client_host.c_str());
  return &m;
}

bool ConsumerGroups::update_subscription(Group& g, Member& m, const ConsumerHeartbeat& hb) {
  (void)g;
  bool changed = false;
  if (hb.rebalance_timeout_ms >= 0) m.rebalance_timeout_ms = hb.rebalance_timeout_ms;
  if (hb.rack_id) m.rack_id = hb.rack_id;
  if (hb.topics) {
    std::vector<std::string> topics = *hb.topics;
    std::sort(topics.begin(), topics.end());
    topics.erase(std::unique(topics.begin(), topics.end()), topics.end());
    changed = changed || topics != m.topics;
    m.topics = std::move(topics);
  }
  if (hb.assignor && *hb.assignor != m.assignor) {
    m.assignor = *hb.assignor;
    changed = true;
  }
  return changed;
}

ConsumerHeartbeatResult ConsumerGroups::leave(Group& g, const ConsumerHeartbeat& hb, int64_t now_ms) {
  (void)now_ms;
  ConsumerHeartbeatResult res;
  res.heartbeat_interval_ms = 0;
  res.member_id = hb.member_id;
  res.member_epoch = hb.member_epoch;
  std::string id = hb.member_id;
  if (hb.instance_id) {
    auto st = g.statics.find(*hb.instance_id);
    if (st == g.statics.end()) {
      res.error = kafka::kUnknownMemberId;
      return res;
    }
    if (st->second != hb.member_id) {
      res.error = kafka::kFencedInstanceId;
      return res;
    }
  }
  auto it = g.members.find(id);
  if (it == g.members.end()) {
    res.error = kafka::kUnknownMemberId;
    return res;
  }
  if (hb.member_epoch == kStaticLeaveEpoch) {
    // Gone for now: the place and the partitions wait for the instance
    // until the session timeout.
    it->second.left_static = true;
    log_info("kafka group %s: static member %s left for now", g.name.c_str(), id.c_str());
    return res;
  }
  remove_member(g, id, "left the group");
  return res;
}

void ConsumerGroups::remove_member(Group& g, const std::string& id, const char* why) {
  auto it = g.members.find(id);
  if (it == g.members.end()) return;
  if (it->second.instance_id) {
    auto st = g.statics.find(*it->second.instance_id);
    if (st != g.statics.end() && st->second == id) g.statics.erase(st);
  }
  g.members.erase(it);
  g.target.erase(id);
  ++g.group_epoch;
  log_info("kafka group %s: member %s %s (group epoch %d)", g.name.c_str(), id.c_str(), why, g.group_epoch);
}

void ConsumerGroups::tick(int64_t now_ms) {
  for (auto& [name, g] : groups_) {
    std::vector<std::pair<std::string, const char*>> out;
    for (const auto& [id, m] : g->members) {
      if (now_ms - m.last_seen_ms > session_ms_)
        out.emplace_back(id, "missed its session timeout");
      else if (!m.revoking.empty() && m.revoke_deadline_ms != 0 && now_ms > m.revoke_deadline_ms)
        out.emplace_back(id, "did not revoke its partitions within the rebalance timeout");
    }
    for (const auto& [id, why] : out) {
      log_warn("kafka group %s: member %s %s", name.c_str(), id.c_str(), why);
      remove_member(*g, id, why);
    }
    if (!out.empty()) refresh_target(*g);
  }
}

}  // namespace ks::server
