// The one registry of consumer groups: it owns the group names, their
// committed offsets (in meta.db) and the rule that a group has live members
// of one membership protocol at a time. The two protocols (Groups: ks's
// native one; KafkaGroups: Kafka's classic JoinGroup/SyncGroup) are its
// clients: they manage their own members and never point at each other;
// whatever concerns a group whichever protocol runs it (describe, list,
// reset, remove, committing offsets, refusing the other kind of member)
// is decided here, asking each protocol for its members through the narrow
// GroupMembers interface.
//
// Runs on the loop thread. Committed offsets are durable as meta.db is
// (see Broker::when_meta_durable); membership is memory only.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "common/types.h"
#include "daemon/meta/meta_store.h"

namespace ks::server {

class Broker;

struct TopicPartition {
  std::string topic;
  int32_t partition;
  auto operator<=>(const TopicPartition&) const = default;
};

struct OffsetEntry {
  TopicPartition tp;
  Offset offset;  // a negative one is refused (kInvalidArgument)
};

struct MemberInfo {
  std::string id, host;
  int64_t pid;
  std::vector<std::string> topics;
  std::vector<TopicPartition> owned;
  std::string client_id = {};  // Kafka members: the client's client.id
};

struct OffsetInfo {
  TopicPartition tp;
  std::optional<Offset> committed;  // nullopt: never committed
  Offset end;
  int64_t lag = 0;
  std::string owner;
};

// A group as `ks group describe|list` shows it, whichever protocol runs it.
struct GroupInfo {
  std::string name, state;
  int32_t generation = 0;
  std::vector<MemberInfo> members;
  std::vector<OffsetInfo> offsets;
  std::vector<std::string> topics;
  int64_t lag = 0;
  // Whose members are live: "ks", "kafka", or empty when none are.
  std::string protocol;
};

// One protocol's members of a group, in ks's terms.
struct GroupView {
  int32_t generation = 0;
  std::string state;  // "stable", "rebalancing" or "empty"
  std::vector<MemberInfo> members;  // topics and owned partitions sorted, unique
};

// What the registry asks of a membership protocol. Implementations
// register with the registry, which they must outlive.
class GroupMembers {
 public:
  virtual ~GroupMembers() = default;
  // "ks" or "kafka": GroupInfo::protocol while this protocol's members are live.
  virtual std::string_view kind() const = 0;
  virtual bool has_members(const std::string& group) const = 0;
  // Groups with live members, sorted.
  virtual std::vector<std::string> live_groups() const = 0;
  // nullopt when this protocol knows nothing of the group.
  virtual std::optional<GroupView> view(const std::string& group) const = 0;
  // The group is being removed and has no members: drop what memory holds
  // of it (its generation). True when there was something.
  virtual bool forget(const std::string& group) = 0;
};

class GroupRegistry {
 public:

  // `broker` (partition counts and log ends, for lag) and `meta` must
  // outlive the registry.
  GroupRegistry(Broker* broker, meta::MetaStore* meta) : broker_(broker), meta_(meta) {}

  // Adds a membership protocol; `p` must outlive the registry.
  void add_protocol(GroupMembers* p) { protocols_.push_back(p); }

  // The rule: the protocol whose members are live in `group`, or null.
  const GroupMembers* live_protocol(const std::string& group) const;
  // True when `group` has live members of a protocol other than `self`.
  bool live_elsewhere(const std::string& group, const GroupMembers* self) const;
  // Every group with live members, sorted, with its protocol's kind.
  std::vector<std::pair<std::string, std::string_view>> live_groups() const;

  // Committed offsets, for the protocols (which check membership first).
  Result<std::vector<meta::CommitEntry>> committed(const std::string& group) const;
  Status commit(const std::string& group, const std::vector<meta::CommitEntry>& entries);
  // Names known to meta.db (committed offsets), sorted.
  Result<std::vector<std::string>> stored_names() const;

  // Offsets set by hand (no live members of any kind): kGroupInUse otherwise.
  Status reset(const std::string& group, const std::vector<OffsetEntry>& offsets, int64_t now_ms);
  // Forgets the group and its offsets; kGroupInUse while it has live members.
  Status remove(const std::string& group);
  // Kafka's OffsetDelete (group_registry_admin.cc). Whether the group
  // exists: it has stored offsets or a protocol knows it.
  Result<bool> exists(const std::string& group) const;
  // The topics the group's live members subscribe to; empty when none are live.
  std::set<std::string> subscribed_topics(const std::string& group) const;
  // Removes the committed offsets of `partitions` (those it has); the
  // caller leaves out the topics live members subscribe to.
  Status delete_offsets(const std::string& group, const std::vector<TopicPartition>& partitions);
  Result<GroupInfo> describe(const std::string& group);
  Result<std::vector<GroupInfo>> list();

  // A committed offset from the meta store, as the protocols hand it over:
  // `ks` rows are never negative, Kafka clients may store -1 ("none").
  static std::optional<Offset> committed_offset(int64_t stored);
  // meta.db rows for `offsets`, refusing a negative one.
  static Result<std::vector<meta::CommitEntry>> rows_of(const std::vector<OffsetEntry>& offsets, int64_t now_ms);

 private:
  // The view describe shows: the live protocol's, else any protocol's (an
  // empty native group still has a generation).
  std::optional<std::pair<const GroupMembers*, GroupView>> pick_view(const std::string& group) const;
  Status in_use_if_live(const std::string& group, const char* doing) const;

  Broker* broker_;
  meta::MetaStore* meta_;
  std::vector<GroupMembers*> protocols_;
};

}  // namespace ks::server
