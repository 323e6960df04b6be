// What a group member (`ks consume -g`, cli/commands/group_member.h) asks
// of the daemon, typed: join, heartbeat, commit, leave, and the group's
// committed offsets. NativeGroupClient speaks the native ops
// (common/protocol.h) over a Client; unit tests give the member a fake.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/client.h"
#include "common/status.h"
#include "common/types.h"

namespace ks::cli {

// Who a member is in its group, sent with each of its requests (and its
// fetches, which the daemon refuses once the generation is stale).
struct MemberIdentity {
  std::string group;
  std::string member_id;  // empty: not joined (or forgotten after expiry)
  int32_t generation = 0;
};

struct JoinRequest {
  std::string group;
  std::vector<std::string> topics;
  std::string member_id;  // empty to join as a new member
  int64_t session_timeout_ms = 10000;
  std::string client_host;
  int64_t client_pid = 0;
};

struct AssignedPartition {
  std::string topic;
  PartitionId partition;
  std::optional<Offset> committed;  // the group's commit, none before the first
};

struct JoinAnswer {
  std::string member_id;
  int32_t generation = 0;
  std::vector<AssignedPartition> assignment;
};

// One committed position: the next offset the group will read.
struct GroupOffset {
  std::string topic;
  PartitionId partition;
  Offset offset;
};

// What a refused group request means to a member. One place reads the
// daemon's codes for it (group_outcome), so a change of codes is made here.
enum class GroupOutcome {
  kOk,
  kRebalance,  // the group moved to a new generation: commit, join again
  kExpired,    // the daemon no longer knows the member: join again as new
  kFailed,     // anything else (a lost daemon, a full disk): not the group's doing
};
GroupOutcome group_outcome(const Status& s);

// Whether a member's fetch was refused because the group moved on (the
// per-request error of a fetch answer), as opposed to a real error.
bool fetch_refused_by_group(const nlohmann::json& error);

class GroupClient {
 public:
  virtual ~GroupClient() = default;
  virtual Result<JoinAnswer> join(const JoinRequest& request) = 0;
  virtual Status heartbeat(const MemberIdentity& me) = 0;
  virtual Status commit(const MemberIdentity& me, const std::vector<GroupOffset>& offsets) = 0;
  // `offsets` none: leave without committing (--commit never).
  virtual Status leave(const MemberIdentity& me, const std::optional<std::vector<GroupOffset>>& offsets) = 0;
  // The group's committed offsets on `topic` (describe_group).
  virtual Result<std::map<PartitionId, Offset>> committed(const std::string& group, const std::string& topic) = 0;
};

// The native protocol's group ops over `client`, which must outlive this.
class NativeGroupClient final : public GroupClient {
 public:
  explicit NativeGroupClient(Client* client) : client_(client) {}
  Result<JoinAnswer> join(const JoinRequest& request) override;
  Status heartbeat(const MemberIdentity& me) override;
  Status commit(const MemberIdentity& me, const std::vector<GroupOffset>& offsets) override;
  Status leave(const MemberIdentity& me, const std::optional<std::vector<GroupOffset>>& offsets) override;
  Result<std::map<PartitionId, Offset>> committed(const std::string& group, const std::string& topic) override;

 private:
  Client* client_;
};

}  // namespace ks::cli
