#include "cli/commands/group_member.h"

#include <doctest/doctest.h>

#include <deque>
#include <optional>
#include <string>
#include <utility>
#include <vector>

using namespace ks;
using namespace ks::cli;

namespace {

// The daemon's side of a group, scripted: each call takes the next
// scripted answer (OK when none is left) and is recorded.
class FakeGroups : public GroupClient {
 public:
  std::deque<Result<JoinAnswer>> join_answers;
  std::deque<Status> commit_answers, heartbeat_answers;
  Status leave_answer;

  std::vector<JoinRequest> joins;
  std::vector<std::pair<MemberIdentity, std::vector<GroupOffset>>> commits;
  std::vector<MemberIdentity> heartbeats;
  std::vector<std::pair<MemberIdentity, std::optional<std::vector<GroupOffset>>>> leaves;

  Result<JoinAnswer> join(const JoinRequest& request) override {
    joins.push_back(request);
    REQUIRE_FALSE(join_answers.empty());
    Result<JoinAnswer> a = std::move(join_answers.front());
    join_answers.pop_front();
    return a;
  }
  Status heartbeat(const MemberIdentity& me) override {
    heartbeats.push_back(me);
    return next(&heartbeat_answers);
  }
  Status commit(const MemberIdentity& me, const std::vector<GroupOffset>& offsets) override {
    commits.emplace_back(me, offsets);
    return next(&commit_answers);
  }
  Status leave(const MemberIdentity& me, const std::optional<std::vector<GroupOffset>>& offsets) override {
    leaves.emplace_back(me, offsets);
    return leave_answer;
  }
  Result<std::map<PartitionId, Offset>> committed(const std::string&, const std::string&) override {
    return std::map<PartitionId, Offset>{};
  }

 private:
  static Status next(std::deque<Status>* answers) {
    if (answers->empty()) return Status::OK();
    Status s = answers->front();
    answers->pop_front();
    return s;
  }
};

AssignedPartition assigned(int32_t p, std::optional<int64_t> committed = std::nullopt, std::string topic = "t") {
  return {std::move(topic), PartitionId(p), committed ? std::optional<Offset>(Offset(*committed)) : std::nullopt};
}

JoinAnswer answer(std::string member_id, int32_t generation, std::vector<AssignedPartition> assignment) {
  return {std::move(member_id), generation, std::move(assignment)};
}

// A member of group "g" reading topic "t". A partition without a commit
// starts at 100 + its number, so tests can tell placement from commits.
struct Fixture {
  FakeGroups daemon;
  int64_t now_ms = 0;
  GroupMember member{&daemon,
                     {"g", "t", true, 10000, "host", 42},
                     [](PartitionId p, std::optional<Offset> committed) {
                       return PartState{p, committed ? *committed : Offset(100 + p.value()), PartState::kFollow};
                     },
                     [this] { return now_ms; }};
};

// "partition:offset" of a commit, for compact checks.
std::vector<std::string> offsets_of(const std::vector<GroupOffset>& offsets) {
  std::vector<std::string> out;
  for (const auto& o : offsets) {
    CHECK(o.topic == "t");
    out.push_back(std::to_string(o.partition.value()) + ":" + std::to_string(o.offset.value()));
  }
  return out;
}

std::vector<std::string> parts_of(GroupMember& m) {
  std::vector<std::string> out;
  for (const auto& p : m.parts()) out.push_back(std::to_string(p.partition.value()) + ":" + std::to_string(p.next.value()));
  return out;
}

using Strings = std::vector<std::string>;

}  // namespace

TEST_CASE("a member joins, takes its partitions of the topic, and starts at the commit or its placement") {
  Fixture f;
  f.daemon.join_answers.push_back(answer("m1", 1, {assigned(0, 5), assigned(1), assigned(0, 9, "other")}));
  REQUIRE(f.member.join().ok());
  REQUIRE(f.daemon.joins.size() == 1);
  CHECK(f.daemon.joins[0].member_id.empty());
  CHECK(f.daemon.joins[0].topics == Strings{"t"});
  CHECK(f.daemon.joins[0].session_timeout_ms == 10000);
  CHECK(f.member.identity().member_id == "m1");
  CHECK(f.member.identity().generation == 1);
  CHECK(parts_of(f.member) == Strings{"0:5", "1:101"});
}

TEST_CASE("a refused join fails the member whatever the code") {
  Fixture f;
  f.daemon.join_answers.push_back(Status::GroupInUse("group 'g' has Kafka members"));
  MemberResult r = f.member.join();
  CHECK(r.outcome == GroupOutcome::kFailed);
  CHECK(r.status.message() == "group 'g' has Kafka members");
}

TEST_CASE("commits cover only what was handed over: flushed writes and taken records") {
  Fixture f;
  f.daemon.join_answers.push_back(answer("m1", 1, {assigned(0, 5), assigned(1)}));
  REQUIRE(f.member.join().ok());
  // Nothing read yet: where reading starts (a --from end member commits it too).
  REQUIRE(f.member.commit().ok());
  CHECK(offsets_of(f.daemon.commits.back().second) == Strings{"0:5", "1:101"});

  f.member.written(PartitionId(0), Offset(5));
  f.member.written(PartitionId(0), Offset(6));
  REQUIRE(f.member.commit().ok());
  CHECK(offsets_of(f.daemon.commits.back().second) == Strings{"0:5", "1:101"});  // still in the buffer

  f.member.flushed();
  f.member.taken(PartitionId(1), Offset(101));
  REQUIRE(f.member.commit().ok());
  CHECK(offsets_of(f.daemon.commits.back().second) == Strings{"0:7", "1:102"});
  CHECK(f.daemon.commits.back().first.member_id == "m1");
  CHECK(f.daemon.commits.back().first.generation == 1);
}

TEST_CASE("a stale generation makes the member commit what it took and join again, keeping its place") {
  Fixture f;
  f.daemon.join_answers.push_back(answer("m1", 1, {assigned(0, 5), assigned(1)}));
  REQUIRE(f.member.join().ok());
  f.member.taken(PartitionId(0), Offset(7));
  f.member.taken(PartitionId(1), Offset(101));
  f.member.parts()[0].next = Offset(8);  // the fetch loop's progress

  f.daemon.heartbeat_answers.push_back(Status::RebalanceInProgress("group 'g' changed"));
  MemberResult h = f.member.heartbeat();
  CHECK(h.outcome == GroupOutcome::kRebalance);
  CHECK(h.moved_on());

  // The new generation keeps partition 0, gives 1 away and brings 2.
  f.daemon.commit_answers.push_back(Status::RebalanceInProgress("t-1 has a new owner"));
  f.daemon.join_answers.push_back(answer("m1", 2, {assigned(0, 5), assigned(2, 30)}));
  REQUIRE(f.member.rejoin().ok());
  REQUIRE(f.daemon.commits.size() == 1);
  CHECK(offsets_of(f.daemon.commits[0].second) == Strings{"0:8", "1:102"});
  CHECK(f.daemon.commits[0].first.generation == 1);
  CHECK(f.daemon.joins.back().member_id == "m1");
  CHECK(f.member.identity().generation == 2);
  // Partition 0 goes on from what the reader took, not the group's older commit.
  CHECK(parts_of(f.member) == Strings{"0:8", "2:30"});
  REQUIRE(f.member.commit().ok());
  CHECK(offsets_of(f.daemon.commits.back().second) == Strings{"0:8", "2:30"});
}

TEST_CASE("a partition that comes back after another member had it forgets what this member read there") {
  Fixture f;
  f.daemon.join_answers.push_back(answer("m1", 1, {assigned(0)}));
  REQUIRE(f.member.join().ok());
  f.member.taken(PartitionId(0), Offset(110));
  f.daemon.join_answers.push_back(answer("m1", 2, {}));
  REQUIRE(f.member.rejoin().ok());
  CHECK(f.member.parts().empty());
  f.daemon.join_answers.push_back(answer("m1", 3, {assigned(0, 150)}));
  REQUIRE(f.member.rejoin().ok());
  CHECK(parts_of(f.member) == Strings{"0:150"});
  REQUIRE(f.member.commit().ok());
  // 150 (the other member's commit), never the stale 111.
  CHECK(offsets_of(f.daemon.commits.back().second) == Strings{"0:150"});
}

TEST_CASE("an expired member (unknown to the daemon) joins again as a new member") {
  Fixture f;
  f.daemon.join_answers.push_back(answer("m1", 1, {assigned(0, 5)}));
  REQUIRE(f.member.join().ok());
  f.daemon.commit_answers.push_back(Status::NotFound("member m1 of group 'g' is unknown"));
  MemberResult c = f.member.commit();
  CHECK(c.outcome == GroupOutcome::kExpired);
  CHECK(c.moved_on());

  f.daemon.commit_answers.push_back(Status::NotFound("member m1 of group 'g' is unknown"));
  f.daemon.join_answers.push_back(answer("m2", 4, {assigned(0, 5)}));
  REQUIRE(f.member.rejoin().ok());
  CHECK(f.daemon.joins.back().member_id.empty());
  CHECK(f.member.identity().member_id == "m2");
  CHECK(f.member.identity().generation == 4);
}

TEST_CASE("leaving commits what the reader took, once") {
  Fixture f;
  f.daemon.join_answers.push_back(answer("m1", 1, {assigned(0, 5), assigned(1)}));
  REQUIRE(f.member.join().ok());
  f.member.taken(PartitionId(0), Offset(9));
  f.member.written(PartitionId(1), Offset(101));  // never flushed: not the reader's
  CHECK(f.member.leave().ok());
  REQUIRE(f.daemon.leaves.size() == 1);
  CHECK(f.daemon.leaves[0].first.member_id == "m1");
  REQUIRE(f.daemon.leaves[0].second.has_value());
  CHECK(offsets_of(*f.daemon.leaves[0].second) == Strings{"0:10", "1:101"});
  CHECK(f.member.identity().member_id.empty());
  CHECK(f.member.leave().ok());  // not a member any more: nothing sent
  CHECK(f.daemon.leaves.size() == 1);
}

TEST_CASE("with --commit never a member peeks: no commits, and it leaves without offsets") {
  FakeGroups daemon;
  GroupMember member(&daemon, {"g", "t", false, 10000, "host", 42},
                     [](PartitionId p, std::optional<Offset>) { return PartState{p, Offset(0), PartState::kFollow}; },
                     [] { return int64_t{0}; });
  daemon.join_answers.push_back(answer("m1", 1, {assigned(0)}));
  REQUIRE(member.join().ok());
  member.taken(PartitionId(0), Offset(3));
  CHECK(member.commit().ok());
  CHECK(daemon.commits.empty());
  CHECK(member.leave().ok());
  REQUIRE(daemon.leaves.size() == 1);
  CHECK_FALSE(daemon.leaves[0].second.has_value());
}

TEST_CASE("a commit that fails for another reason is a failure, and stops a rejoin") {
  Fixture f;
  f.daemon.join_answers.push_back(answer("m1", 1, {assigned(0, 5)}));
  REQUIRE(f.member.join().ok());
  f.daemon.commit_answers.push_back(Status::IOError("meta.db: disk full"));
  MemberResult c = f.member.commit();
  CHECK(c.outcome == GroupOutcome::kFailed);
  CHECK_FALSE(c.moved_on());
  CHECK(c.status.message() == "meta.db: disk full");

  f.daemon.commit_answers.push_back(Status::IOError("meta.db: disk full"));
  MemberResult r = f.member.rejoin();
  CHECK(r.outcome == GroupOutcome::kFailed);
  CHECK(f.daemon.joins.size() == 1);  // did not join again
}

TEST_CASE("a periodic commit is due a second after the last attempt") {
  Fixture f;
  f.daemon.join_answers.push_back(answer("m1", 1, {assigned(0, 5)}));
  REQUIRE(f.member.join().ok());
  CHECK_FALSE(f.member.commit_due());
  f.now_ms = 1001;
  CHECK(f.member.commit_due());
  f.daemon.commit_answers.push_back(Status::IOError("lost the daemon"));
  (void)f.member.commit();  // a failed attempt counts too
  CHECK_FALSE(f.member.commit_due());
}
