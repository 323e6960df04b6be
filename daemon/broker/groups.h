// The group coordinator for native consumers: members join a group with
// the topics they read, and the daemon assigns each partition to one live
// member. Runs on the loop thread; committed offsets live in SQLite.
//
// Ownership moves safely: when the assignment changes, a partition stays
// with its old owner until that member commits and joins again (it learns
// of the change because its generation is stale), and only then goes to
// the new one. So a member that keeps running never has its partitions
// read by another member at the same time; only a member that vanishes
// (connection closed, session expired) hands over what it did not commit.
//
// A client of the GroupRegistry, which owns the group names, the committed
// offsets and the rule that Kafka clients and ks members never share a
// live group; describe, list, reset and remove live there.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/types.h"
#include "daemon/broker/group_registry.h"

namespace ks::server {

class Broker;

struct JoinRequest {
  std::string group;
  std::vector<std::string> topics;
  std::string member_id;  // empty: a new member
  int64_t session_timeout_ms = 10000;
  std::string host;
  int64_t pid = 0;
  uint64_t connection = 0;  // the member leaves when this connection closes
};

struct Assigned {
  TopicPartition tp;
  std::optional<Offset> committed;  // nullopt: the group never committed it
};

struct JoinResult {
  std::string member_id;
  int32_t generation;
  std::vector<Assigned> assignment;
};

class Groups final : public GroupMembers {
 public:
  // `broker` and `registry` must outlive this object.
  Groups(Broker* broker, GroupRegistry* registry) : broker_(broker), registry_(registry) {}

  Result<JoinResult> join(const JoinRequest& req, int64_t now_ms);
  // OK when the member is live and its generation current;
  // kRebalanceInProgress when it must commit and join again;
  // kNotFound when the member is unknown (expired: join anew).
  Status check(const std::string& group, const std::string& member_id, int32_t generation, int64_t now_ms);
  // Like check(), and every partition must be one the member owns.
  Status check_owns(const std::string& group, const std::string& member_id, int32_t generation,
                    const std::vector<TopicPartition>& tps, int64_t now_ms);
  Status commit(const std::string& group, const std::string& member_id, const std::vector<OffsetEntry>& offsets,
                int64_t now_ms);
  Status leave(const std::string& group, const std::string& member_id, const std::vector<OffsetEntry>& offsets,
               int64_t now_ms);
  // Members that joined through this connection leave (without commits).
  void connection_closed(uint64_t connection, int64_t now_ms);
  // Members silent past their session timeout leave.
  void expire(int64_t now_ms);
  // Called with a group's name whenever its generation moves, so pending
  // long polls of its members can answer at once.
  void set_rebalance_hook(std::function<void(const std::string&)> hook) { hook_ = std::move(hook); }

  // GroupMembers: what the registry asks of ks's members.
  std::string_view kind() const override { return "ks"; }
  bool has_members(const std::string& group) const override;
  std::vector<std::string> live_groups() const override;
  std::optional<GroupView> view(const std::string& group) const override;
  bool forget(const std::string& group) override { return groups_.erase(group) > 0; }

 private:
  struct Member {
    std::string id, host;
    int64_t pid = 0;
    std::vector<std::string> topics;
    int64_t session_timeout_ms = 10000;
    int64_t last_seen_ms = 0;
    uint64_t connection = 0;
    int32_t generation = -1;  // the last generation this member saw
  };
  struct Group {
    int32_t generation = 0;
    std::map<std::string, Member> members;
    std::map<TopicPartition, std::string> owner;
    std::map<TopicPartition, std::string> target;
  };

  // Recomputes the target assignment and hands unowned partitions to their
  // target; bumps the generation when anything changed.
  void rebalance(const std::string& name, Group& g, bool force_bump);
  void drop_member(const std::string& name, Group& g, const std::string& member_id);
  Status commit_entries(const std::string& group, const std::vector<OffsetEntry>& offsets, int64_t now_ms);
  // kGroupInUse when another protocol's members hold the group.
  Status refuse_if_elsewhere(const std::string& group) const;

  Broker* broker_;
  GroupRegistry* registry_;
  std::map<std::string, Group> groups_;
  uint64_t next_member_ = 1;
  std::function<void(const std::string&)> hook_;
};

}  // namespace ks::server
