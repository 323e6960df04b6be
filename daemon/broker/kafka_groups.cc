#include "daemon/broker/kafka_groups.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "common/types.h"
#include "daemon/kafka/errors.h"
#include "daemon/broker/broker.h"
#include "daemon/broker/kafka_groups_state.h"
#include "daemon/broker/logging.h"

namespace ks::server {

using kafka_groups_detail::state_name;
using kafka_groups_detail::valid_group;


KafkaGroups::KafkaGroups(Broker* broker, GroupRegistry* registry)
    : broker_(broker), registry_(registry), rng_(std::random_device{}()) {}

KafkaGroups::~KafkaGroups() = default;

KafkaGroups::Group* KafkaGroups::find(const std::string& name) const {
  auto it = groups_.find(name);
  return it == groups_.end() ? nullptr : it->second.get();
}

bool KafkaGroups::live_elsewhere(const std::string& group) const {
  return registry_->live_elsewhere(group, this);
}

std::vector<std::string> KafkaGroups::live_groups() const {
  std::vector<std::string> out;
  for (const auto& [name, g] : groups_)
    if (!g->members.empty()) out.push_back(name);
  return out;
}

bool KafkaGroups::has_members(const std::string& group) const {
  const Group* g = find(group);
  return g != nullptr && !g->members.empty();
}

std::string KafkaGroups::new_member_id(const std::string& client_id) {
  // Random like Kafka's UUIDs, so an id from before a restart never names
  // a new member.
  char suffix[40];
  const unsigned long long a = rng_(), b = rng_();
  std::snprintf(suffix, sizeof suffix, "%08llx-%04llx-%04llx-%04llx-%012llx", a >> 32, (a >> 16) & 0xffff,
                a & 0xffff, b >> 48, b & 0xffffffffffffULL);
  return (client_id.empty() ? std::string("member") : client_id) + "-" + suffix;
}

bool KafkaGroups::supports(const Group* g, const KafkaJoinRequest& req, const std::string& self) const {
  if (req.protocol_type.empty() || req.protocols.empty()) return false;
  bool others = false;
  if (g != nullptr)
    for (const auto& [id, m] : g->members)
      if (id != self) others = true;
  if (!others) return true;
  if (req.protocol_type != g->protocol_type) return false;
  // Some protocol of the newcomer that every other member supports.
  for (const auto& [name, meta] : req.protocols) {
    bool all = true;
    for (const auto& [id, m] : g->members)
      if (id != self && m.metadata_for(name) == nullptr) all = false;
    if (all) return true;
  }
  return false;
}

KafkaJoinResult KafkaGroups::join_result(const Group& g, const Member& m) const {
  KafkaJoinResult r;
  r.generation = g.generation;
  r.protocol_name = g.protocol;
  r.leader = g.leader;
  r.member_id = m.id;
  if (m.id == g.leader) {
    for (const Member* o : g.by_age()) {
      const std::string* meta = o->metadata_for(g.protocol);
      r.members.emplace_back(o->id, meta != nullptr ? *meta : std::string());
      r.member_instances.push_back(o->instance_id);
    }
  }
  return r;
}

void KafkaGroups::join(const KafkaJoinRequest& req, int64_t now_ms, JoinCallback done) {
  Outbox out;
  auto fail = [&](int16_t error, const std::string& member_id) {
    KafkaJoinResult r;
    r.error = error;
    r.member_id = member_id;
    out.join(std::move(done), std::move(r));
  };
  if (!valid_group(req.group)) return fail(kafka::kInvalidGroupId, req.member_id);
  if (req.session_timeout_ms < kMinSessionTimeoutMs || req.session_timeout_ms > kMaxSessionTimeoutMs)
    return fail(kafka::kInvalidSessionTimeout, req.member_id);
  if (live_elsewhere(req.group)) {
    log_warn("kafka group %s: join refused, the group has live ks members", req.group.c_str());
    return fail(kafka::kInconsistentGroupProtocol, req.member_id);
  }
  if (req.instance_id && join_static(req, now_ms, done, out)) return;
  Group* existing = find(req.group);
  auto group = [&]() -> Group& {
    auto& slot = groups_[req.group];
    if (!slot) {
      slot = std::make_unique<Group>();
      slot->name = req.group;
    }
    return *slot;
  };

  if (req.member_id.empty() || (existing != nullptr && existing->pending.count(req.member_id))) {
    if (!supports(existing, req, "")) return fail(kafka::kInconsistentGroupProtocol, req.member_id);
    if (!req.member_id.empty()) {
      existing->pending.erase(req.member_id);
      return add_member(*existing, req.member_id, req, now_ms, std::move(done), out);
    }
    std::string id = new_member_id(req.client_id);
    if (req.require_known_member_id) {
      group().pending[id] = now_ms + req.session_timeout_ms;
      return fail(kafka::kMemberIdRequired, id);
    }
    return add_member(group(), id, req, now_ms, std::move(done), out);
  }

  if (existing == nullptr || !existing->members.count(req.member_id))
    return fail(kafka::kUnknownMemberId, req.member_id);
  Group& g = *existing;
  Member& m = g.members.at(req.member_id);
  if (!supports(&g, req, m.id)) return fail(kafka::kInconsistentGroupProtocol, m.id);
  const bool same = m.protocols == req.protocols;
  switch (g.state) {
    case State::kPreparingRebalance:
      update_member(m, req, now_ms, std::move(done), out);
      return maybe_complete_join(g, now_ms, out);
    case State::kCompletingRebalance:
    case State::kStable:
      // A follower that asks again with nothing changed gets the current
      // generation back; the leader rejoining, or changed metadata, means
      // the assignment must be computed anew.
      if (same && (g.state == State::kCompletingRebalance || m.id != g.leader)) {
        m.last_seen_ms = now_ms;
        out.join(std::move(done), join_result(g, m));
        return;
      }
      update_member(m, req, now_ms, std::move(done), out);
      return prepare_rebalance(g, now_ms, same ? "the leader rejoined" : "a member's metadata changed", out);
    case State::kEmpty:
      break;
  }
  fail(kafka::kUnknownMemberId, req.member_id);
}

void KafkaGroups::add_member(Group& g, const std::string& id, const KafkaJoinRequest& req, int64_t now_ms,
                             JoinCallback done, Outbox& out) {
  if (g.members.empty()) g.protocol_type = req.protocol_type;
  Member& m = g.members[id];
  m.id = id;
  m.seq = next_member_++;
  m.instance_id = req.instance_id;
  if (req.instance_id) g.statics[*req.instance_id] = id;
  update_member(m, req, now_ms, std::move(done), out);
  if (g.leader.empty()) g.leader = id;
  log_info("kafka group %s: member %s joined (client %s at %s)", g.name.c_str(), id.c_str(),
           req.client_id.c_str(), req.client_host.c_str());
  if (g.state != State::kPreparingRebalance) return prepare_rebalance(g, now_ms, "a member joined", out);
  if (g.initial_delay) g.join_deadline_ms = std::min(now_ms + kInitialRebalanceDelayMs, g.join_cap_ms);
  maybe_complete_join(g, now_ms, out);
}

void KafkaGroups::update_member(Member& m, const KafkaJoinRequest& req, int64_t now_ms, JoinCallback done,
                                Outbox& out) {
  if (m.join_cb) {
    // An earlier join of the same member (the client gave up on it):
    // answered so that its connection is not left waiting.
    KafkaJoinResult r;
    r.error = kafka::kRebalanceInProgress;
    r.member_id = m.id;
    out.join(std::move(m.join_cb), std::move(r));
  }
  m.client_id = req.client_id;
  m.client_host = req.client_host;
  m.protocols = req.protocols;
  m.session_timeout_ms = req.session_timeout_ms;
  m.rebalance_timeout_ms = req.rebalance_timeout_ms > 0 ? req.rebalance_timeout_ms : req.session_timeout_ms;
  m.last_seen_ms = now_ms;
  m.join_cb = std::move(done);
}

void KafkaGroups::prepare_rebalance(Group& g, int64_t now_ms, const char* reason, Outbox& out) {
  if (g.state == State::kCompletingRebalance) {
    // The assignment of this generation will never come: the waiting
    // followers rejoin.
    for (auto& [id, m] : g.members) {
      m.assignment.clear();
      if (m.sync_cb) out.sync(std::move(m.sync_cb), {kafka::kRebalanceInProgress, ""});
      m.sync_cb = nullptr;
    }
  }
  g.awaiting_sync.clear();
  g.initial_delay = g.state == State::kEmpty;
  if (g.initial_delay) {
    g.join_deadline_ms = now_ms + std::min(kInitialRebalanceDelayMs, g.rebalance_timeout_ms());
    g.join_cap_ms = now_ms + g.rebalance_timeout_ms();
  } else {
    g.join_deadline_ms = now_ms + g.rebalance_timeout_ms();
  }
  g.state = State::kPreparingRebalance;
  log_info("kafka group %s: rebalancing generation %d: %s", g.name.c_str(), g.generation, reason);
  maybe_complete_join(g, now_ms, out);
}

void KafkaGroups::maybe_complete_join(Group& g, int64_t now_ms, Outbox& out) {
  if (g.state != State::kPreparingRebalance) return;
  if (!g.members.empty()) {
    if (g.initial_delay || !g.pending.empty()) return;
    for (const auto& [id, m] : g.members)
      if (!m.join_cb) return;
  }
  complete_join(g, now_ms, out);
}

void KafkaGroups::complete_join(Group& g, int64_t now_ms, Outbox& out) {
  g.initial_delay = false;
  // Members that did not rejoin in time are out.
  for (auto it = g.members.begin(); it != g.members.end();) {
    if (it->second.join_cb) {
      ++it;
      continue;
    }
    log_warn("kafka group %s: member %s did not rejoin within the rebalance timeout", g.name.c_str(),
             it->first.c_str());
    if (it->second.sync_cb) out.sync(std::move(it->second.sync_cb), {kafka::kUnknownMemberId, ""});
    it = g.members.erase(it);
  }
  if (!g.members.count(g.leader)) g.leader = g.oldest();
  ++g.generation;
  if (g.members.empty()) {
    g.state = State::kEmpty;
    g.protocol.clear();
    log_info("kafka group %s: empty at generation %d", g.name.c_str(), g.generation);
    return;
  }
  // Each member votes for its favourite protocol among those all support;
  // ties go to the leader's preference.
  const Member& leader = g.members.at(g.leader);
  std::map<std::string, int> votes;
  for (const auto& [id, m] : g.members) {
    for (const auto& [name, meta] : m.protocols) {
      bool all = true;
      for (const auto& [oid, o] : g.members)
        if (o.metadata_for(name) == nullptr) all = false;
      if (all) {
        ++votes[name];
        break;
      }
    }
  }
  g.protocol = leader.protocols.empty() ? std::string() : leader.protocols.front().first;
  int best = -1;
  for (const auto& [name, meta] : leader.protocols) {
    auto v = votes.find(name);
    if (v != votes.end() && v->second > best) {
      best = v->second;
      g.protocol = name;
    }
  }
  g.state = State::kCompletingRebalance;
  g.awaiting_sync.clear();
  for (const auto& [id, m] : g.members) g.awaiting_sync.insert(id);
  g.sync_deadline_ms = now_ms + g.rebalance_timeout_ms();
  log_info("kafka group %s: generation %d with %zu member(s), protocol %s, leader %s", g.name.c_str(),
           g.generation, g.members.size(), g.protocol.c_str(), g.leader.c_str());
  for (auto& [id, m] : g.members) {
    m.last_seen_ms = now_ms;
    out.join(std::move(m.join_cb), join_result(g, m));
    m.join_cb = nullptr;
  }
}

void KafkaGroups::remove_member(Group& g, const std::string& id, int64_t now_ms, const char* reason,
                                Outbox& out) {
  auto it = g.members.find(id);
  if (it == g.members.end()) return;
  Member m = std::move(it->second);
  g.members.erase(it);
  g.awaiting_sync.erase(id);
  if (m.instance_id) {
    auto st = g.statics.find(*m.instance_id);
    if (st != g.statics.end() && st->second == id) g.statics.erase(st);
  }
  log_info("kafka group %s: member %s %s", g.name.c_str(), id.c_str(), reason);
  if (m.join_cb) {
    KafkaJoinResult r;
    r.error = kafka::kUnknownMemberId;
    r.member_id = id;
    out.join(std::move(m.join_cb), std::move(r));
  }
  if (m.sync_cb) out.sync(std::move(m.sync_cb), {kafka::kUnknownMemberId, ""});
  if (g.leader == id) g.leader = g.oldest();
  switch (g.state) {
    case State::kPreparingRebalance:
      return maybe_complete_join(g, now_ms, out);
    case State::kCompletingRebalance:
    case State::kStable:
      return prepare_rebalance(g, now_ms, reason, out);
    case State::kEmpty:
      return;
  }
}

void KafkaGroups::sync(const std::string& group, int32_t generation, const std::string& member_id,
                       const std::vector<std::pair<std::string, std::string>>& assignments, int64_t now_ms,
                       SyncCallback done) {
  Outbox out;
  auto answer = [&](int16_t error, std::string assignment) {
    out.sync(std::move(done), {error, std::move(assignment)});
  };
  if (!valid_group(group)) return answer(kafka::kInvalidGroupId, "");
  Group* g = find(group);
  if (g == nullptr || !g->members.count(member_id)) return answer(kafka::kUnknownMemberId, "");
  if (generation != g->generation) return answer(kafka::kIllegalGeneration, "");
  Member& m = g->members.at(member_id);
  m.last_seen_ms = now_ms;
  switch (g->state) {
    case State::kEmpty:
      return answer(kafka::kUnknownMemberId, "");
    case State::kPreparingRebalance:
      return answer(kafka::kRebalanceInProgress, "");
    case State::kStable:
      g->awaiting_sync.erase(member_id);
      return answer(kafka::kNone, m.assignment);
    case State::kCompletingRebalance:
      break;
  }
  g->awaiting_sync.erase(member_id);
  if (m.sync_cb) out.sync(std::move(m.sync_cb), {kafka::kRebalanceInProgress, ""});
  m.sync_cb = std::move(done);
  if (member_id != g->leader) return;  // waits for the leader
  std::map<std::string, std::string> given;
  for (const auto& [id, a] : assignments) given.emplace(id, a);
  for (auto& [id, mm] : g->members) {
    auto a = given.find(id);
    mm.assignment = a == given.end() ? std::string() : a->second;
  }
  g->state = State::kStable;
  log_info("kafka group %s: generation %d is stable", g->name.c_str(), g->generation);
  for (auto& [id, mm] : g->members) {
    if (!mm.sync_cb) continue;
    mm.last_seen_ms = now_ms;
    out.sync(std::move(mm.sync_cb), {kafka::kNone, mm.assignment});
    mm.sync_cb = nullptr;
  }
}

int16_t KafkaGroups::heartbeat(const std::string& group, int32_t generation, const std::string& member_id,
                               int64_t now_ms) {
  if (!valid_group(group)) return kafka::kInvalidGroupId;
  Group* g = find(group);
  if (g == nullptr) return kafka::kUnknownMemberId;
  auto it = g->members.find(member_id);
  if (it == g->members.end()) return kafka::kUnknownMemberId;
  if (generation != g->generation) return kafka::kIllegalGeneration;
  it->second.last_seen_ms = now_ms;
  return g->state == State::kPreparingRebalance ? kafka::kRebalanceInProgress : kafka::kNone;
}

int16_t KafkaGroups::leave(const std::string& group, const std::string& member_id, int64_t now_ms,
                           const std::optional<std::string>& instance_id) {
  if (!valid_group(group)) return kafka::kInvalidGroupId;
  Group* g = find(group);
  std::string id = member_id;
  if (instance_id && g != nullptr) {
    auto st = g->statics.find(*instance_id);
    if (st == g->statics.end()) return kafka::kUnknownMemberId;
    if (!member_id.empty() && member_id != st->second) return kafka::kFencedInstanceId;
    id = st->second;
  }
  if (g == nullptr || !g->members.count(id)) return kafka::kUnknownMemberId;
  Outbox out;
  remove_member(*g, id, now_ms, "left the group", out);
  return kafka::kNone;
}

void KafkaGroups::tick(int64_t now_ms) {
  Outbox out;
  for (auto& [name, g] : groups_) tick_group(*g, now_ms, out);
}

void KafkaGroups::tick_group(Group& g, int64_t now_ms, Outbox& out) {
  bool pending_gone = false;
  for (auto it = g.pending.begin(); it != g.pending.end();) {
    if (now_ms >= it->second) {
      it = g.pending.erase(it);
      pending_gone = true;
    } else {
      ++it;
    }
  }
  std::vector<std::string> silent;
  for (const auto& [id, m] : g.members)
    if (!m.join_cb && !m.sync_cb && now_ms - m.last_seen_ms > m.session_timeout_ms) silent.push_back(id);
  for (const auto& id : silent) {
    log_warn("kafka group %s: member %s missed its session timeout", g.name.c_str(), id.c_str());
    remove_member(g, id, now_ms, "expired", out);
  }
  if (pending_gone) maybe_complete_join(g, now_ms, out);
  if (g.state == State::kPreparingRebalance && now_ms >= g.join_deadline_ms) complete_join(g, now_ms, out);
  if ((g.state == State::kCompletingRebalance || g.state == State::kStable) && !g.awaiting_sync.empty() &&
      now_ms >= g.sync_deadline_ms) {
    std::vector<std::string> late(g.awaiting_sync.begin(), g.awaiting_sync.end());
    for (const auto& id : late) remove_member(g, id, now_ms, "did not sync within the rebalance timeout", out);
  }
}

bool KafkaGroups::forget(const std::string& group) {
  const Group* g = find(group);
  if (g == nullptr || !g->members.empty()) return false;
  groups_.erase(group);
  return true;
}

void KafkaGroups::clear() {
  // Waiting joins and syncs are answered, so their connections can finish
  // and close; the clients look for the coordinator again.
  Outbox out;
  for (auto& [name, g] : groups_) {
    for (auto& [id, m] : g->members) {
      KafkaJoinResult jr;
      jr.error = kafka::kCoordinatorNotAvailable;
      jr.member_id = id;
      out.join(std::move(m.join_cb), std::move(jr));
      m.join_cb = nullptr;
      KafkaSyncResult sr;
      sr.error = kafka::kCoordinatorNotAvailable;
      out.sync(std::move(m.sync_cb), std::move(sr));
      m.sync_cb = nullptr;
    }
  }
  groups_.clear();
}

}  // namespace ks::server
