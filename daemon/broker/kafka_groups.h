// The group coordinator for Kafka clients: the classic JoinGroup /
// SyncGroup protocol, where the daemon collects members and the leader
// member computes the assignment (opaque bytes to the daemon). Runs on the
// loop thread; answers that must wait (a join until the rebalance
// completes, a follower's sync until the leader's) are delivered through
// callbacks. A client of the GroupRegistry, which owns the committed
// offsets and the rule that a group has Kafka or ks members, never both, so
// `ks group list|describe|reset` see Kafka groups too.
//
// Error results are Kafka error codes (daemon/kafka/errors.h).
//
// Membership is memory only: after a restart every member is unknown and
// rejoins (clients do so on UNKNOWN_MEMBER_ID / ILLEGAL_GENERATION); the
// committed offsets are durable (see MetaStore).
//
// Time comes from the caller (`now_ms`), never from a clock, so tests drive
// timeouts with fake times. Timeouts fire in tick(), so they are as precise
// as its period (the daemon ticks every 100 ms).
//
// Callbacks run only after the group's state is complete and consistent, at
// the end of the call that triggered them; a callback may call back into
// this object.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "daemon/broker/group_registry.h"

namespace ks::server {

class Broker;

struct KafkaJoinRequest {
  std::string group;
  std::string member_id;  // empty: a new member
  std::string protocol_type;  // "consumer" for consumers
  std::string client_id, client_host;
  int32_t session_timeout_ms = 10000;
  int32_t rebalance_timeout_ms = 10000;  // v0: the session timeout
  std::vector<std::pair<std::string, std::string>> protocols;  // name, metadata
  // JoinGroup v4+: a new member first gets MEMBER_ID_REQUIRED with its id
  // (never a static member, which Kafka admits at once).
  bool require_known_member_id = false;
  // JoinGroup v5+: group.instance.id (KIP-345, static membership).
  std::optional<std::string> instance_id = {};
};

struct KafkaJoinResult {
  int16_t error = 0;
  int32_t generation = -1;
  std::string protocol_name;
  std::string leader;
  std::string member_id;
  // Every member's metadata for the chosen protocol: only to the leader.
  std::vector<std::pair<std::string, std::string>> members;
  // Each member's group.instance.id, parallel to `members`.
  std::vector<std::optional<std::string>> member_instances = {};
};

struct KafkaSyncResult {
  int16_t error = 0;
  std::string assignment;
};

struct KafkaCommitEntry {
  std::string topic;
  int32_t partition;
  int64_t offset;
  std::string metadata = {};  // the client's string, returned by fetch_offsets
  int32_t leader_epoch = -1;  // OffsetCommit v6+; returned by fetch_offsets
};

struct KafkaCommittedOffset {
  std::string topic;
  int32_t partition;
  int64_t offset;  // -1: none
  int16_t error = 0;
  std::string metadata = {};
  int32_t leader_epoch = -1;
};

struct KafkaMemberInfo {
  std::string member_id, client_id, client_host;
  std::optional<std::string> instance_id;
  std::string metadata;    // for the group's protocol
  std::string assignment;  // from the last sync
};

struct KafkaGroupInfo {
  int16_t error = 0;
  std::string group;
  std::string state;  // Kafka's names: Empty, PreparingRebalance, CompletingRebalance, Stable, Dead
  std::string protocol_type, protocol;
  std::vector<KafkaMemberInfo> members;
  int32_t generation = 0;
  // Why a Dead group is not described: DescribeGroups v6+ answers it as
  // GROUP_ID_NOT_FOUND with this message, as Kafka does; "" otherwise.
  std::string not_found;
};

// Kafka's initial rebalance delay (group.initial.rebalance.delay.ms, 3 s in
// Kafka): the first join to an empty group is answered only after this
// quiet time, which each further new member restarts (up to the rebalance
// timeout), so consumers started together land in one generation. Short,
// because every consumer of an idle group waits for it once.
inline constexpr int64_t kInitialRebalanceDelayMs = 300;
// A Kafka member's session timeout must lie in this range.
inline constexpr int32_t kMinSessionTimeoutMs = 1000;
inline constexpr int32_t kMaxSessionTimeoutMs = 300000;

// The consumer protocol's embedded formats, which the daemon otherwise
// treats as opaque bytes (protocol type "consumer"; every version, since
// later versions only append fields). Big-endian:
//   Subscription: version int16, topics [int32 count, (int16 len, bytes)],
//                 user data (int32 len or -1), v1+: owned partitions, ...
//   Assignment:   version int16, [int32 count, (topic string,
//                 [int32 count, int32 partition])], user data.
// nullopt when the bytes are malformed; never reads past the end.
std::optional<std::vector<std::string>> decode_subscription_topics(std::string_view metadata);
std::optional<std::vector<TopicPartition>> decode_assignment(std::string_view assignment);

class KafkaGroups final : public GroupMembers {
 public:
  // `broker` and `registry` must outlive this object.
  KafkaGroups(Broker* broker, GroupRegistry* registry);
  ~KafkaGroups() override;
  KafkaGroups(const KafkaGroups&) = delete;
  KafkaGroups& operator=(const KafkaGroups&) = delete;

  using JoinCallback = std::function<void(const KafkaJoinResult&)>;
  using SyncCallback = std::function<void(const KafkaSyncResult&)>;

  // `done` runs once: at once, or when the rebalance completes.
  void join(const KafkaJoinRequest& req, int64_t now_ms, JoinCallback done);
  // `done` runs once: at once, or when the leader's assignment arrives.
  void sync(const std::string& group, int32_t generation, const std::string& member_id,
            const std::vector<std::pair<std::string, std::string>>& assignments, int64_t now_ms,
            SyncCallback done);
  int16_t heartbeat(const std::string& group, int32_t generation, const std::string& member_id, int64_t now_ms);
  // With `instance_id` (LeaveGroup v3+): the static member of that
  // instance leaves; an empty member id matches it, another one is
  // FENCED_INSTANCE_ID.
  int16_t leave(const std::string& group, const std::string& member_id, int64_t now_ms,
                const std::optional<std::string>& instance_id = std::nullopt);
  // Static membership: FENCED_INSTANCE_ID when `instance_id` belongs to
  // another member id of the group (a newer instance took it over), else
  // 0. SyncGroup, Heartbeat and OffsetCommit ask this first, as Kafka does.
  int16_t check_instance(const std::string& group, const std::optional<std::string>& instance_id,
                         const std::string& member_id) const;

  // Generation -1 with an empty member id: a consumer that assigns
  // partitions itself; accepted while the group has no members.
  // One error code per entry, in order.
  std::vector<int16_t> commit(const std::string& group, int32_t generation, const std::string& member_id,
                              const std::vector<KafkaCommitEntry>& entries, int64_t now_ms);
  // Stores offsets whose committer was checked elsewhere (a member of a
  // consumer-protocol group): UNKNOWN_TOPIC_OR_PARTITION per missing
  // partition, the rest durable as meta.db is.
  std::vector<int16_t> store_offsets(const std::string& group, const std::vector<KafkaCommitEntry>& entries,
                                     int64_t now_ms);
  // The named partitions, or (tps empty and all=true) every committed one.
  Result<std::vector<KafkaCommittedOffset>> fetch_offsets(
      const std::string& group, const std::vector<std::pair<std::string, int32_t>>& tps, bool all);

  // Like Kafka's DescribeGroups: members' metadata and assignments only
  // while Stable; "Empty" for a group known only by its committed offsets,
  // "Dead" for an unknown one (never an error).
  KafkaGroupInfo describe(const std::string& group);
  // For `ks group describe`: the live group in any state, each member with
  // the metadata of the group's protocol (or its first) and its last
  // assignment. nullopt when the group has no Kafka members.
  std::optional<KafkaGroupInfo> inspect(const std::string& group) const;
  // Every group known to the meta store or live here, sorted: name and
  // protocol type ("ks" while native members are live; the Kafka members'
  // type, usually "consumer"; "consumer" for a group known only by its
  // committed offsets).
  std::vector<std::pair<std::string, std::string>> list();

  // Session timeouts, rebalance timeouts, delayed joins.
  void tick(int64_t now_ms);

  // GroupMembers: what the registry asks of Kafka's members. view() is
  // inspect() in ks's terms (nullopt without members).
  std::string_view kind() const override { return "kafka"; }
  bool has_members(const std::string& group) const override;
  std::vector<std::string> live_groups() const override;
  std::optional<GroupView> view(const std::string& group) const override;
  // Forgets an empty group's in-memory state (its generation): the group is
  // being deleted. False (and nothing changes) while it has members.
  bool forget(const std::string& group) override;
  // Waiting joins and syncs get COORDINATOR_NOT_AVAILABLE and members
  // are forgotten (daemon stop).
  void clear();

 private:
  struct Member;
  struct Group;
  // Collects the callbacks that come due during one call and runs them
  // when it goes out of scope, after the state is consistent.
  class Outbox;

  Group* find(const std::string& name) const;
  std::string new_member_id(const std::string& client_id);
  // True while another protocol's members hold the group.
  bool live_elsewhere(const std::string& group) const;
  // Whether a member offering these protocols may join (or stay in) `g`,
  // ignoring `self`'s current protocols.
  // `g` null: a group that does not exist yet.
  bool supports(const Group* g, const KafkaJoinRequest& req, const std::string& self) const;
  void add_member(Group& g, const std::string& id, const KafkaJoinRequest& req, int64_t now_ms,
                  JoinCallback done, Outbox& out);
  // A join carrying group.instance.id (kafka_groups_static.cc). True when
  // it was answered or parked; false: go on as a known member's rejoin.
  bool join_static(const KafkaJoinRequest& req, int64_t now_ms, JoinCallback& done, Outbox& out);
  // A known instance comes back with a new member id: the old id is
  // fenced, the member keeps its place and its assignment.
  void replace_static(Group& g, const std::string& old_id, const KafkaJoinRequest& req, int64_t now_ms,
                      JoinCallback done, Outbox& out);
  // Takes the request's protocols and timeouts; `done` waits for the
  // rebalance.
  void update_member(Member& m, const KafkaJoinRequest& req, int64_t now_ms, JoinCallback done, Outbox& out);
  void prepare_rebalance(Group& g, int64_t now_ms, const char* reason, Outbox& out);
  void maybe_complete_join(Group& g, int64_t now_ms, Outbox& out);
  void complete_join(Group& g, int64_t now_ms, Outbox& out);
  void remove_member(Group& g, const std::string& id, int64_t now_ms, const char* reason, Outbox& out);
  KafkaJoinResult join_result(const Group& g, const Member& m) const;
  void tick_group(Group& g, int64_t now_ms, Outbox& out);

  Broker* broker_;
  GroupRegistry* registry_;
  std::map<std::string, std::unique_ptr<Group>> groups_;
  uint64_t next_member_ = 1;  // join order: the oldest member leads
  std::mt19937_64 rng_;
};

}  // namespace ks::server
