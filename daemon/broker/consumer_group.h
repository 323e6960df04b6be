// The group coordinator for Kafka's consumer protocol (KIP-848,
// `group.protocol=consumer`): members only heartbeat
// (ConsumerGroupHeartbeat) and the broker computes the assignment.
//
// - Every change of membership or subscription bumps the group epoch; the
//   target assignment is then recomputed by the server-side assignor
//   (`uniform`, the default, or `range`) and stamped with that epoch.
// - Each member reconciles toward its target one heartbeat at a time: it
//   is first told to give up what it must revoke (its epoch unchanged);
//   once its heartbeat no longer lists them, it gets its new epoch and the
//   target's partitions that nobody else still holds. A partition thus
//   goes to its new owner only after the old owner released it.
// - Static members (instance id) leave with epoch -2 and keep their place
//   until their session times out; coming back under the same instance id
//   they take their old assignment over without a rebalance.
//
// Membership is memory only, like KafkaGroups: after a restart members
// get UNKNOWN_MEMBER_ID and join again. Committed offsets go through the
// GroupRegistry. Runs on the loop thread; time comes from the caller.
// Error results are Kafka error codes.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "daemon/broker/consumer_group_assign.h"
#include "daemon/broker/group_registry.h"

namespace ks::server {

class Broker;

// Kafka 4.4's defaults (group.consumer.heartbeat.interval.ms,
// group.consumer.session.timeout.ms).
inline constexpr int32_t kConsumerHeartbeatIntervalMs = 5000;
inline constexpr int32_t kConsumerSessionTimeoutMs = 45000;

// Member epochs with a meaning of their own in a heartbeat.
inline constexpr int32_t kJoinEpoch = 0;
inline constexpr int32_t kLeaveEpoch = -1;
inline constexpr int32_t kStaticLeaveEpoch = -2;

struct ConsumerHeartbeat {
  std::string group, member_id;
  int32_t member_epoch = 0;
  std::optional<std::string> instance_id, rack_id;
  int32_t rebalance_timeout_ms = -1;  // -1: unchanged
  std::optional<std::vector<std::string>> topics;  // null: unchanged
  std::optional<std::string> regex;                // null: unchanged
  std::optional<std::string> assignor;             // null: unchanged
  std::optional<Assignment> owned;                 // null: unchanged
  std::string client_id, client_host;
};

struct ConsumerHeartbeatResult {
  int16_t error = 0;
  std::string error_message;
  std::string member_id;
  int32_t member_epoch = 0;
  int32_t heartbeat_interval_ms = kConsumerHeartbeatIntervalMs;
  std::optional<Assignment> assignment;  // sent when it changed
};

struct ConsumerMemberInfo {
  std::string member_id;
  std::optional<std::string> instance_id, rack_id;
  int32_t member_epoch = 0;
  std::string client_id, client_host;
  std::vector<std::string> topics;
  Assignment assignment, target;
};

struct ConsumerGroupInfo {
  int16_t error = 0;
  std::string group, state;  // Empty, Assigning, Reconciling, Stable, Dead
  int32_t group_epoch = 0, assignment_epoch = 0;
  std::string assignor;
  std::vector<ConsumerMemberInfo> members;
};

class ConsumerGroups final : public GroupMembers {
 public:
  // `broker` (topics, partition counts) and `registry` must outlive this.
  ConsumerGroups(Broker* broker, GroupRegistry* registry);
  ~ConsumerGroups() override;
  ConsumerGroups(const ConsumerGroups&) = delete;
  ConsumerGroups& operator=(const ConsumerGroups&) = delete;

  ConsumerHeartbeatResult heartbeat(const ConsumerHeartbeat& hb, int64_t now_ms);

  // OffsetCommit / OffsetFetch by a member of a consumer-protocol group:
  // nullopt when `group` is not one (the classic rules apply), else 0 or
  // the error (UNKNOWN_MEMBER_ID, STALE_MEMBER_EPOCH, FENCED_MEMBER_EPOCH).
  // Epoch -1 with no member id: a client that assigns itself, allowed only
  // while the group is empty.
  std::optional<int16_t> check_commit(const std::string& group, const std::string& member_id, int32_t epoch) const;

  // nullopt when the group is not a consumer-protocol group.
  std::optional<ConsumerGroupInfo> describe(const std::string& group) const;
  bool is_consumer_group(const std::string& group) const;

  // Session and revocation timeouts.
  void tick(int64_t now_ms);
  // Tests and the daemon's options: session timeout and heartbeat interval.
  void set_timeouts(int32_t session_ms, int32_t heartbeat_ms) {
    session_ms_ = session_ms;
    heartbeat_ms_ = heartbeat_ms;
  }
  void clear();

  // GroupMembers.
  std::string_view kind() const override { return "kafka"; }
  bool has_members(const std::string& group) const override;
  std::vector<std::string> live_groups() const override;
  std::optional<GroupView> view(const std::string& group) const override;
  bool forget(const std::string& group) override;

 private:
  struct Member;
  struct Group;

  Group* find(const std::string& name) const;
  std::string new_member_id();
  // Steps of heartbeat() (consumer_group.cc).
  int16_t validate(const ConsumerHeartbeat& hb, std::string* why) const;
  ConsumerHeartbeatResult leave(Group& g, const ConsumerHeartbeat& hb, int64_t now_ms);
  // The member the heartbeat is from, created or taken over on a join;
  // null with `res->error` set when it is refused.
  Member* member_for(Group& g, const ConsumerHeartbeat& hb, int64_t now_ms, ConsumerHeartbeatResult* res);
  // Applies the heartbeat's subscription fields; true when they changed.
  bool update_subscription(Group& g, Member& m, const ConsumerHeartbeat& hb);
  void remove_member(Group& g, const std::string& id, const char* why);
  // Recomputes the target assignment when the group epoch moved.
  void refresh_target(Group& g);
  // Reconciliation (consumer_group_reconcile.cc): moves the member one
  // step toward its target; `owned` is what its heartbeat says it holds.
  void reconcile(Group& g, Member& m, const std::optional<Assignment>& owned);
  bool held_by_other(const Group& g, const Member& self, const std::string& topic, int32_t partition) const;
  std::string state_of(const Group& g) const;

  Broker* broker_;
  GroupRegistry* registry_;
  std::map<std::string, std::unique_ptr<Group>> groups_;
  int32_t session_ms_ = kConsumerSessionTimeoutMs;
  int32_t heartbeat_ms_ = kConsumerHeartbeatIntervalMs;
  std::mt19937_64 rng_;
};

}  // namespace ks::server
