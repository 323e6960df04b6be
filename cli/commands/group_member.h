// A member of a consumer group as `ks consume -g` runs it: joins, holds
// its assignment and where it is in each partition, tracks which records
// the reader has taken so commits cover only those (at least once),
// heartbeats, and leaves with a final commit. It owns all of that state;
// the fetch loop (consume_fetch.h) advances the partitions it hands out,
// and the consume command decides what to do with each typed outcome.
//
// The daemon is reached through a GroupClient (cli/group_client.h), so
// unit tests drive a member against a fake.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands/consume_fetch.h"
#include "cli/group_client.h"
#include "common/status.h"

namespace ks::cli {

struct MemberOptions {
  std::string group;
  std::string topic;
  bool commits = true;  // --commit auto; never: peek without committing
  int64_t session_timeout_ms = 10000;
  std::string client_host;
  int64_t client_pid = 0;
};

// What a group request came to; `status` says why when not kOk.
struct MemberResult {
  GroupOutcome outcome = GroupOutcome::kOk;
  Status status;

  bool ok() const { return outcome == GroupOutcome::kOk; }
  // The group moved on (rebalance or expiry): commit and join again.
  bool moved_on() const { return outcome == GroupOutcome::kRebalance || outcome == GroupOutcome::kExpired; }
  static MemberResult Of(const Status& s) { return {group_outcome(s), s}; }
};

class GroupMember {
 public:
  // Where a partition new to this member starts, and where it stops: from
  // the group's commit when there is one, else --from; --until sets the
  // stop. The consume command supplies it (it knows the partitions' ranges).
  using Placement = std::function<PartState(PartitionId partition, std::optional<Offset> committed)>;
  using Clock = std::function<int64_t()>;  // steady ms

  // `client` is borrowed and must outlive the member.
  GroupMember(GroupClient* client, MemberOptions options, Placement placement, Clock clock);

  // Joins (again, after a rebalance: partitions it keeps go on from where
  // the reader is; new ones start at the group's commit or the placement).
  MemberResult join();
  // After the group moved on: commits what the reader took, forgets the
  // member id when the daemon no longer knows it, and joins again. A
  // commit refused by the rebalance is expected; other failures are not.
  MemberResult rejoin();
  MemberResult heartbeat();
  // Commits each assigned partition's next offset the reader has taken
  // (or, before any, where the member started reading it).
  MemberResult commit();
  // Whether a periodic commit is due (a second since the last attempt).
  bool commit_due() const;
  // Leaves the group, committing what the reader took (unless commits are
  // off); a no-op when not joined.
  Status leave();

  // A record written to stdout's buffer, not yet flushed.
  void written(PartitionId partition, Offset offset);
  // Everything written has been flushed to the reader.
  void flushed();
  // A record the reader certainly has: a drained pipe, a settled --exec.
  void taken(PartitionId partition, Offset offset);

  // The assignment, which the fetch loop advances.
  std::vector<PartState>& parts() { return parts_; }
  const MemberIdentity& identity() const { return me_; }
  const MemberOptions& options() const { return options_; }

 private:
  std::vector<GroupOffset> commit_offsets() const;
  PartState place(const AssignedPartition& a);

  GroupClient* client_;
  MemberOptions options_;
  Placement placement_;
  Clock clock_;
  MemberIdentity me_;
  std::vector<PartState> parts_;
  std::map<PartitionId, Offset> taken_;    // next offset the reader has taken
  std::map<PartitionId, Offset> written_;  // written to the buffer, not flushed
  std::map<PartitionId, Offset> started_;  // where this member started reading
  int64_t last_commit_ms_;
};

}  // namespace ks::cli
