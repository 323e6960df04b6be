// The consumer protocol (KIP-848): assignors and reconciliation.
#include "daemon/broker/consumer_group.h"

#include <doctest/doctest.h>

#include "daemon/broker/consumer_group_assign.h"
#include "daemon/broker/kafka_groups_test_util.h"

using namespace kgtest;

namespace {

AssignorMember am(const std::string& id, std::set<std::string> topics, Assignment previous = {}) {
  return {id, std::move(topics), std::move(previous)};
}

ConsumerHeartbeat join_hb(const std::string& member, std::vector<std::string> topics = {"t"}) {
  ConsumerHeartbeat hb;
  hb.group = "g";
  hb.member_id = member;
  hb.member_epoch = 0;
  hb.rebalance_timeout_ms = 30000;
  hb.topics = std::move(topics);
  hb.owned = Assignment{};
  hb.client_id = "java";
  return hb;
}

ConsumerHeartbeat beat(const std::string& member, int32_t epoch, std::optional<Assignment> owned = std::nullopt) {
  ConsumerHeartbeat hb;
  hb.group = "g";
  hb.member_id = member;
  hb.member_epoch = epoch;
  hb.owned = std::move(owned);
  return hb;
}

}  // namespace

TEST_CASE("uniform spreads partitions evenly and is sticky") {
  std::map<std::string, int32_t> parts{{"t", 6}};
  auto a = assign_uniform({am("a", {"t"}), am("b", {"t"})}, parts);
  CHECK(partition_count(a["a"]) == 3);
  CHECK(partition_count(a["b"]) == 3);
  // A third member takes one from each; nobody else loses anything.
  auto b = assign_uniform({am("a", {"t"}, a["a"]), am("b", {"t"}, a["b"]), am("c", {"t"})}, parts);
  CHECK(partition_count(b["a"]) == 2);
  CHECK(partition_count(b["b"]) == 2);
  CHECK(partition_count(b["c"]) == 2);
  for (int32_t p : b["a"]["t"]) CHECK(a["a"]["t"].count(p) == 1);
  for (int32_t p : b["b"]["t"]) CHECK(a["b"]["t"].count(p) == 1);
}

TEST_CASE("uniform balances members with different subscriptions") {
  std::map<std::string, int32_t> parts{{"t", 4}, {"u", 2}};
  auto a = assign_uniform({am("a", {"t", "u"}), am("b", {"t"})}, parts);
  CHECK(partition_count(a["a"]) == 3);
  CHECK(partition_count(a["b"]) == 3);
  CHECK(a["b"].count("u") == 0);
  CHECK(a["a"]["u"].size() == 2);
}

TEST_CASE("uniform skips missing topics and members with nothing") {
  auto a = assign_uniform({am("a", {"missing"}), am("b", {"t"})}, {{"t", 1}});
  CHECK(partition_count(a["a"]) == 0);
  CHECK(a["b"]["t"] == std::set<int32_t>{0});
  CHECK(assign_uniform({}, {{"t", 3}}).empty());
}

TEST_CASE("range gives consecutive ranges in member id order, the first ones one more") {
  auto a = assign_range({am("b", {"t"}), am("a", {"t"})}, {{"t", 5}});
  CHECK(a["a"]["t"] == std::set<int32_t>{0, 1, 2});
  CHECK(a["b"]["t"] == std::set<int32_t>{3, 4});
  CHECK(known_assignor("range"));
  CHECK(known_assignor("uniform"));
  CHECK_FALSE(known_assignor("sticky"));
}

TEST_CASE("a member joins with epoch 0 and gets the group epoch and every partition") {
  Fixture f;
  auto r = f.broker->consumer_groups().heartbeat(join_hb(""), kT0);
  REQUIRE(r.error == 0);
  CHECK_FALSE(r.member_id.empty());
  CHECK(r.member_epoch == 1);
  CHECK(r.heartbeat_interval_ms == kConsumerHeartbeatIntervalMs);
  REQUIRE(r.assignment);
  CHECK((*r.assignment)["t"] == std::set<int32_t>{0, 1, 2});
  // Nothing changed: no assignment is sent again.
  auto again = f.broker->consumer_groups().heartbeat(beat(r.member_id, 1), kT0 + 100);
  CHECK(again.error == 0);
  CHECK_FALSE(again.assignment);
  auto d = f.broker->consumer_groups().describe("g");
  REQUIRE(d);
  CHECK(d->state == "Stable");
  CHECK(d->group_epoch == 1);
  CHECK(d->assignor == "uniform");
}

TEST_CASE("a partition moves to a new member only after its old owner revoked it") {
  Fixture f;
  ConsumerGroups& cg = f.broker->consumer_groups();
  auto a = cg.heartbeat(join_hb("A"), kT0);
  REQUIRE(a.member_epoch == 1);
  auto b = cg.heartbeat(join_hb("B"), kT0 + 10);
  REQUIRE(b.error == 0);
  CHECK(b.member_epoch == 2);
  // B's target partition(s) are still A's: B gets none yet.
  REQUIRE(b.assignment);
  CHECK(partition_count(*b.assignment) == 0);
  CHECK(cg.describe("g")->state == "Reconciling");
  // A is told to keep only its share, at its old epoch.
  auto a2 = cg.heartbeat(beat("A", 1), kT0 + 20);
  REQUIRE(a2.error == 0);
  CHECK(a2.member_epoch == 1);
  REQUIRE(a2.assignment);
  const Assignment kept = *a2.assignment;
  CHECK(partition_count(kept) == 2);
  // Until A's heartbeat drops the revoked partition, B waits.
  auto a3 = cg.heartbeat(beat("A", 1, Assignment{{"t", {0, 1, 2}}}), kT0 + 30);
  CHECK(a3.member_epoch == 1);
  auto b2 = cg.heartbeat(beat("B", 2), kT0 + 40);
  CHECK(b2.error == 0);
  CHECK_FALSE(b2.assignment);
  // A acknowledges: new epoch; then B gets the freed partition.
  auto a4 = cg.heartbeat(beat("A", 1, kept), kT0 + 50);
  CHECK(a4.error == 0);
  CHECK(a4.member_epoch == 2);
  auto b3 = cg.heartbeat(beat("B", 2), kT0 + 60);
  REQUIRE(b3.assignment);
  CHECK(partition_count(*b3.assignment) == 1);
  for (const auto& [t, ps] : *b3.assignment)
    for (int32_t p : ps) CHECK(kept.at(t).count(p) == 0);
  CHECK(cg.describe("g")->state == "Stable");
}

TEST_CASE("epochs are checked: unknown member, fenced epoch, stale commit") {
  Fixture f;
  ConsumerGroups& cg = f.broker->consumer_groups();
  auto a = cg.heartbeat(join_hb("A"), kT0);
  CHECK(cg.heartbeat(beat("nobody", 1), kT0).error == kafka::kUnknownMemberId);
  CHECK(cg.heartbeat(beat("A", 7), kT0).error == kafka::kFencedMemberEpoch);
  CHECK(cg.check_commit("g", "A", 1) == std::optional<int16_t>(0));
  CHECK(cg.check_commit("g", "A", 0) == std::optional<int16_t>(kafka::kStaleMemberEpoch));
  CHECK(cg.check_commit("g", "A", 5) == std::optional<int16_t>(kafka::kFencedMemberEpoch));
  CHECK(cg.check_commit("g", "B", 1) == std::optional<int16_t>(kafka::kUnknownMemberId));
  CHECK_FALSE(cg.check_commit("other", "A", 1));
}

TEST_CASE("bad first heartbeats are INVALID_REQUEST or UNSUPPORTED_ASSIGNOR") {
  Fixture f;
  ConsumerGroups& cg = f.broker->consumer_groups();
  auto hb = join_hb("A");
  hb.rebalance_timeout_ms = -1;
  CHECK(cg.heartbeat(hb, kT0).error == kafka::kInvalidRequest);
  hb = join_hb("A");
  hb.topics.reset();
  CHECK(cg.heartbeat(hb, kT0).error == kafka::kInvalidRequest);
  hb = join_hb("A");
  hb.owned = Assignment{{"t", {0}}};
  CHECK(cg.heartbeat(hb, kT0).error == kafka::kInvalidRequest);
  hb = join_hb("A");
  hb.assignor = "sticky";
  CHECK(cg.heartbeat(hb, kT0).error == kafka::kUnsupportedAssignor);
  hb = join_hb("A");
  hb.group = "";
  CHECK(cg.heartbeat(hb, kT0).error == kafka::kInvalidRequest);
  CHECK_FALSE(cg.describe("g"));
}

TEST_CASE("leaving with epoch -1 frees the partitions for the others") {
  Fixture f;
  ConsumerGroups& cg = f.broker->consumer_groups();
  cg.heartbeat(join_hb("A"), kT0);
  cg.heartbeat(join_hb("B"), kT0);
  auto l = cg.heartbeat(beat("A", 1), kT0 + 10);
  auto leave = cg.heartbeat(beat("A", kLeaveEpoch), kT0 + 20);
  CHECK(leave.error == 0);
  CHECK(leave.member_epoch == kLeaveEpoch);
  auto b = cg.heartbeat(beat("B", 2), kT0 + 30);
  REQUIRE(b.error == 0);
  REQUIRE(b.assignment);
  CHECK(partition_count(*b.assignment) == 3);
  CHECK(cg.describe("g")->members.size() == 1);
}

TEST_CASE("a static member leaves with -2 and comes back to its assignment, a second instance is refused") {
  Fixture f;
  ConsumerGroups& cg = f.broker->consumer_groups();
  auto hb = join_hb("A1");
  hb.instance_id = "inst";
  auto a = cg.heartbeat(hb, kT0);
  REQUIRE(a.error == 0);
  auto dup = join_hb("A2");
  dup.instance_id = "inst";
  CHECK(cg.heartbeat(dup, kT0 + 10).error == kafka::kUnreleasedInstanceId);
  auto leave = beat("A1", kStaticLeaveEpoch);
  leave.instance_id = "inst";
  CHECK(cg.heartbeat(leave, kT0 + 20).error == 0);
  const int32_t epoch = cg.describe("g")->group_epoch;
  auto back = cg.heartbeat(dup, kT0 + 30);
  REQUIRE(back.error == 0);
  CHECK(back.member_id == "A2");
  CHECK(back.member_epoch == a.member_epoch);
  REQUIRE(back.assignment);
  CHECK((*back.assignment)["t"] == std::set<int32_t>{0, 1, 2});
  CHECK(cg.describe("g")->group_epoch == epoch);  // no rebalance
}

TEST_CASE("the session timeout removes a member, static or not") {
  Fixture f;
  ConsumerGroups& cg = f.broker->consumer_groups();
  cg.set_timeouts(1000, 100);
  auto hb = join_hb("A");
  hb.instance_id = "inst";
  cg.heartbeat(hb, kT0);
  cg.heartbeat(join_hb("B"), kT0);
  cg.tick(kT0 + 900);
  CHECK(cg.describe("g")->members.size() == 2);
  cg.heartbeat(beat("B", 2), kT0 + 900);
  cg.tick(kT0 + 1500);
  auto d = cg.describe("g");
  REQUIRE(d->members.size() == 1);
  CHECK(d->members[0].member_id == "B");
}

TEST_CASE("a consumer-protocol heartbeat to a group with live classic members is GROUP_ID_NOT_FOUND") {
  Fixture f;
  stable_single(f.kg(), "g", kT0);
  auto r = f.broker->consumer_groups().heartbeat(join_hb("A"), kT0 + 1000);
  CHECK(r.error == kafka::kGroupIdNotFound);
  // ... and a classic join to a live consumer group is refused.
  auto r2 = f.broker->consumer_groups().heartbeat([] {
    auto h = join_hb("A");
    h.group = "g2";
    return h;
  }(), kT0);
  REQUIRE(r2.error == 0);
  JoinSlot j;
  f.kg().join(join_req("g2", ""), kT0, j.cb());
  REQUIRE(j.calls == 1);
  CHECK(j.r.error == kafka::kInconsistentGroupProtocol);
}
