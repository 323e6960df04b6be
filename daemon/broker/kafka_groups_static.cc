// KafkaGroups: static membership (KIP-345, `group.instance.id`). A static
// member that restarts comes back under its instance id with a new member
// id; it takes its old place (and assignment) without a rebalance when its
// subscription is unchanged, and the old member id is fenced
// (FENCED_INSTANCE_ID) so that a zombie of the old process cannot commit.
// A static member does not send LeaveGroup when it closes: only its
// session timeout (or an explicit LeaveGroup by instance id) removes it.
#include <string>
#include <utility>

#include "daemon/broker/kafka_groups.h"
#include "daemon/broker/kafka_groups_state.h"
#include "daemon/broker/logging.h"
#include "daemon/kafka/errors.h"

namespace ks::server {

int16_t KafkaGroups::check_instance(const std::string& group, const std::optional<std::string>& instance_id,
                                    const std::string& member_id) const {
  if (!instance_id) return kafka::kNone;
  const Group* g = find(group);
  if (g == nullptr) return kafka::kNone;
  auto st = g->statics.find(*instance_id);
  if (st == g->statics.end() || st->second == member_id) return kafka::kNone;
  return kafka::kFencedInstanceId;
}

bool KafkaGroups::join_static(const KafkaJoinRequest& req, int64_t now_ms, JoinCallback& done, Outbox& out) {
  auto fail = [&](int16_t error) {
    KafkaJoinResult r;
    r.error = error;
    r.member_id = req.member_id;
    out.join(std::move(done), std::move(r));
    return true;
  };
  Group* g = find(req.group);
  const std::string* known = nullptr;
  if (g != nullptr) {
    auto st = g->statics.find(*req.instance_id);
    if (st != g->statics.end()) known = &st->second;
  }
  if (!req.member_id.empty()) {
    // A rejoin under a member id: it must be the instance's current one.
    if (known == nullptr) return fail(kafka::kUnknownMemberId);
    if (*known != req.member_id) return fail(kafka::kFencedInstanceId);
    return false;
  }
  if (known == nullptr) {
    if (!supports(g, req, "")) return fail(kafka::kInconsistentGroupProtocol);
    auto& slot = groups_[req.group];
    if (!slot) {
      slot = std::make_unique<Group>();
      slot->name = req.group;
    }
    add_member(*slot, new_member_id(req.client_id), req, now_ms, std::move(done), out);
    return true;
  }
  const std::string old_id = *known;
  if (!supports(g, req, old_id)) return fail(kafka::kInconsistentGroupProtocol);
  replace_static(*g, old_id, req, now_ms, std::move(done), out);
  return true;
}

void KafkaGroups::replace_static(Group& g, const std::string& old_id, const KafkaJoinRequest& req, int64_t now_ms,
                                 JoinCallback done, Outbox& out) {
  Member m = std::move(g.members.at(old_id));
  g.members.erase(old_id);
  // Whatever the old process still waits for is answered: it is fenced.
  if (m.join_cb) {
    KafkaJoinResult r;
    r.error = kafka::kFencedInstanceId;
    r.member_id = old_id;
    out.join(std::move(m.join_cb), std::move(r));
    m.join_cb = nullptr;
  }
  if (m.sync_cb) out.sync(std::move(m.sync_cb), {kafka::kFencedInstanceId, ""});
  m.sync_cb = nullptr;
  const std::string new_id = new_member_id(req.client_id);
  const std::string old_leader = g.leader;
  if (g.leader == old_id) g.leader = new_id;
  if (g.awaiting_sync.erase(old_id)) g.awaiting_sync.insert(new_id);
  const std::string* old_meta = m.metadata_for(g.protocol);
  const std::string old_metadata = old_meta != nullptr ? *old_meta : std::string();
  m.id = new_id;
  Member& nm = g.members[new_id] = std::move(m);
  g.statics[*req.instance_id] = new_id;
  log_info("kafka group %s: static member %s came back as %s (member %s fenced)", g.name.c_str(),
           req.instance_id->c_str(), new_id.c_str(), old_id.c_str());
  switch (g.state) {
    case State::kStable: {
      update_member(nm, req, now_ms, nullptr, out);
      const std::string* meta = nm.metadata_for(g.protocol);
      if (meta != nullptr && *meta == old_metadata) {
        // Nothing changed: the current generation stands. The answer names
        // the leader as it was, so that a returning leader does not take
        // itself for the leader and compute an assignment no one would
        // receive; it syncs and gets its old assignment back.
        KafkaJoinResult r;
        r.generation = g.generation;
        r.protocol_name = g.protocol;
        r.leader = old_leader == old_id ? old_id : g.leader;
        r.member_id = new_id;
        out.join(std::move(done), std::move(r));
        return;
      }
      nm.join_cb = std::move(done);
      return prepare_rebalance(g, now_ms, "a static member's subscription changed", out);
    }
    case State::kCompletingRebalance:
      update_member(nm, req, now_ms, std::move(done), out);
      return prepare_rebalance(g, now_ms, "a static member came back during a rebalance", out);
    case State::kPreparingRebalance:
      update_member(nm, req, now_ms, std::move(done), out);
      return maybe_complete_join(g, now_ms, out);
    case State::kEmpty:
      update_member(nm, req, now_ms, std::move(done), out);
      return prepare_rebalance(g, now_ms, "a member joined", out);
  }
}

}  // namespace ks::server
