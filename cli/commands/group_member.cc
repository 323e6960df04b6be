#include "cli/commands/group_member.h"

#include <algorithm>
#include <utility>

namespace ks::cli {

GroupMember::GroupMember(GroupClient* client, MemberOptions options, Placement placement, Clock clock)
    : client_(client),
      options_(std::move(options)),
      placement_(std::move(placement)),
      clock_(std::move(clock)),
      me_{options_.group, "", 0},
      last_commit_ms_(clock_()) {}

MemberResult GroupMember::join() {
  JoinRequest request{options_.group,       {options_.topic},        me_.member_id,
                      options_.session_timeout_ms, options_.client_host, options_.client_pid};
  auto r = client_->join(request);
  // A refused join (a group held by Kafka members, a lost daemon) ends the
  // member whatever the code: there is no generation to catch up with.
  if (!r.ok()) return {GroupOutcome::kFailed, r.status()};
  me_.member_id = r->member_id;
  me_.generation = r->generation;
  std::vector<PartState> next;
  for (const auto& a : r->assignment)
    if (a.topic == options_.topic) next.push_back(place(a));
  parts_ = std::move(next);
  return {};
}

PartState GroupMember::place(const AssignedPartition& a) {
  auto keep = std::find_if(parts_.begin(), parts_.end(), [&](const PartState& s) { return s.partition == a.partition; });
  if (keep != parts_.end()) {
    // Kept across the rebalance: go on from what the reader took.
    auto t = taken_.find(a.partition);
    return {a.partition, t != taken_.end() ? t->second : keep->next, keep->stop};
  }
  // New to this member (or back after another member had it): what it
  // read here before is stale, and committing it would move the group's
  // offset back.
  PartState st = placement_(a.partition, a.committed);
  started_[a.partition] = st.next;
  taken_.erase(a.partition);
  written_.erase(a.partition);
  return st;
}

MemberResult GroupMember::rejoin() {
  MemberResult c = commit();
  if (c.outcome == GroupOutcome::kFailed) return c;
  if (c.outcome == GroupOutcome::kExpired) me_.member_id.clear();  // join as new
  return join();
}

MemberResult GroupMember::heartbeat() { return MemberResult::Of(client_->heartbeat(me_)); }

MemberResult GroupMember::commit() {
  last_commit_ms_ = clock_();
  if (!options_.commits || me_.member_id.empty()) return {};
  std::vector<GroupOffset> offsets = commit_offsets();
  if (offsets.empty()) return {};
  return MemberResult::Of(client_->commit(me_, offsets));
}

bool GroupMember::commit_due() const { return clock_() - last_commit_ms_ > 1000; }

Status GroupMember::leave() {
  if (me_.member_id.empty()) return Status::OK();
  std::optional<std::vector<GroupOffset>> offsets;
  if (options_.commits) offsets = commit_offsets();
  Status s = client_->leave(me_, offsets);
  me_.member_id.clear();
  return s;
}

void GroupMember::written(PartitionId partition, Offset offset) { written_[partition] = offset + 1; }

void GroupMember::flushed() {
  for (const auto& [p, next] : written_) taken_[p] = next;
  written_.clear();
}

void GroupMember::taken(PartitionId partition, Offset offset) { taken_[partition] = offset + 1; }

std::vector<GroupOffset> GroupMember::commit_offsets() const {
  std::vector<GroupOffset> out;
  for (const auto& p : parts_) {
    // What the reader took, or where reading started: a member that
    // starts at the end (--from end) commits that position too.
    auto t = taken_.find(p.partition);
    if (t != taken_.end()) {
      out.push_back({options_.topic, p.partition, t->second});
    } else if (auto s = started_.find(p.partition); s != started_.end()) {
      out.push_back({options_.topic, p.partition, s->second});
    }
  }
  return out;
}

}  // namespace ks::cli
