// Static membership (KIP-345) in the classic protocol.
#include <doctest/doctest.h>

#include "daemon/broker/kafka_groups.h"
#include "daemon/broker/kafka_groups_test_util.h"

using namespace kgtest;

namespace {

KafkaJoinRequest static_req(const std::string& member_id, const std::string& instance,
                            const std::string& topic = "t") {
  auto r = join_req("g", member_id, instance + "-client", {{"range", subscription({topic})}});
  r.instance_id = instance;
  r.require_known_member_id = true;  // ignored for static members
  return r;
}

// Two static members "i1" (leader) and "i2", synced: generation 1, Stable.
struct StaticPair {
  std::string a, b;
  explicit StaticPair(KafkaGroups& kg) {
    JoinSlot ja, jb;
    kg.join(static_req("", "i1"), kT0, ja.cb());
    kg.join(static_req("", "i2"), kT0, jb.cb());
    kg.tick(kT0 + kDelay);
    REQUIRE(ja.calls == 1);
    REQUIRE(jb.calls == 1);
    REQUIRE(ja.r.error == 0);
    a = ja.r.member_id;
    b = jb.r.member_id;
    REQUIRE(ja.r.leader == a);
    REQUIRE(ja.r.member_instances.size() == 2);
    CHECK(ja.r.member_instances[0] == std::optional<std::string>("i1"));
    SyncSlot sa, sb;
    kg.sync("g", 1, b, {}, kT0 + kDelay, sb.cb());
    kg.sync("g", 1, a, {{a, assignment({{"t", {0, 1}}})}, {b, assignment({{"t", {2}}})}}, kT0 + kDelay, sa.cb());
    REQUIRE(sb.calls == 1);
    REQUIRE(sb.r.error == 0);
  }
};

}  // namespace

TEST_CASE("a static member joins at once, without MEMBER_ID_REQUIRED") {
  Fixture f;
  JoinSlot j;
  f.kg().join(static_req("", "i1"), kT0, j.cb());
  f.kg().tick(kT0 + kDelay);
  REQUIRE(j.calls == 1);
  CHECK(j.r.error == 0);
  CHECK(j.r.generation == 1);
  auto d = f.kg().describe("g");
  REQUIRE(d.members.size() == 1);
  CHECK(d.members[0].instance_id == std::optional<std::string>("i1"));
}

TEST_CASE("a restarted static member takes its place back without a rebalance") {
  Fixture f;
  StaticPair p(f.kg());
  // i2 restarts: new member id, same subscription.
  JoinSlot j;
  f.kg().join(static_req("", "i2"), kT0 + 1000, j.cb());
  REQUIRE(j.calls == 1);
  CHECK(j.r.error == 0);
  CHECK(j.r.generation == 1);
  CHECK(j.r.member_id != p.b);
  CHECK(j.r.leader == p.a);
  CHECK(f.kg().describe("g").state == "Stable");
  SyncSlot s;
  f.kg().sync("g", 1, j.r.member_id, {}, kT0 + 1000, s.cb());
  REQUIRE(s.calls == 1);
  CHECK(s.r.error == 0);
  CHECK(s.r.assignment == assignment({{"t", {2}}}));
  // The leader's heartbeat sees no rebalance.
  CHECK(f.kg().heartbeat("g", 1, p.a, kT0 + 1000) == 0);
  // The old member id is fenced.
  CHECK(f.kg().check_instance("g", std::string("i2"), p.b) == kafka::kFencedInstanceId);
  CHECK(f.kg().check_instance("g", std::string("i2"), j.r.member_id) == 0);
  CHECK(f.kg().heartbeat("g", 1, p.b, kT0 + 1000) == kafka::kUnknownMemberId);
  JoinSlot old;
  f.kg().join(static_req(p.b, "i2"), kT0 + 1000, old.cb());
  REQUIRE(old.calls == 1);
  CHECK(old.r.error == kafka::kFencedInstanceId);
}

TEST_CASE("a restarted static leader is told the old leader id, so it does not reassign") {
  Fixture f;
  StaticPair p(f.kg());
  JoinSlot j;
  f.kg().join(static_req("", "i1"), kT0 + 1000, j.cb());
  REQUIRE(j.calls == 1);
  CHECK(j.r.error == 0);
  CHECK(j.r.leader == p.a);  // not its new id
  CHECK(j.r.members.empty());
  SyncSlot s;
  f.kg().sync("g", 1, j.r.member_id, {}, kT0 + 1000, s.cb());
  REQUIRE(s.calls == 1);
  CHECK(s.r.assignment == assignment({{"t", {0, 1}}}));
  CHECK(f.kg().describe("g").state == "Stable");
}

TEST_CASE("a static member back with another subscription causes a rebalance") {
  Fixture f;
  REQUIRE(f.broker->create_topic(tn("u"), 1, {}).ok());
  StaticPair p(f.kg());
  JoinSlot j;
  f.kg().join(static_req("", "i2", "u"), kT0 + 1000, j.cb());
  CHECK(j.calls == 0);
  CHECK(f.kg().describe("g").state == "PreparingRebalance");
  CHECK(f.kg().heartbeat("g", 1, p.a, kT0 + 1000) == kafka::kRebalanceInProgress);
  JoinSlot ja;
  f.kg().join(static_req(p.a, "i1"), kT0 + 1000, ja.cb());
  REQUIRE(ja.calls == 1);
  REQUIRE(j.calls == 1);
  CHECK(j.r.generation == 2);
  CHECK(ja.r.members.size() == 2);
}

TEST_CASE("the session timeout still removes a static member") {
  Fixture f;
  StaticPair p(f.kg());
  // Only i1 heartbeats.
  for (int64_t t = kT0 + kDelay; t <= kT0 + 12000; t += 1000) {
    f.kg().heartbeat("g", 1, p.a, t);
    f.kg().tick(t);
  }
  auto d = f.kg().describe("g");
  CHECK(d.state == "PreparingRebalance");
  // A fresh join of i2 is a new member (its old id is forgotten).
  CHECK(f.kg().check_instance("g", std::string("i2"), "whatever") == 0);
}

TEST_CASE("LeaveGroup by instance id removes the static member, a wrong member id is fenced") {
  Fixture f;
  StaticPair p(f.kg());
  CHECK(f.kg().leave("g", "other", kT0 + 1000, std::string("i2")) == kafka::kFencedInstanceId);
  CHECK(f.kg().leave("g", "", kT0 + 1000, std::string("nope")) == kafka::kUnknownMemberId);
  CHECK(f.kg().leave("g", "", kT0 + 1000, std::string("i2")) == 0);
  CHECK(f.kg().describe("g").members.size() == 1);
  CHECK(f.kg().describe("g").state == "PreparingRebalance");
}

TEST_CASE("a rejoin with an unknown member id and an unknown instance is UNKNOWN_MEMBER_ID") {
  Fixture f;
  StaticPair p(f.kg());
  JoinSlot j;
  f.kg().join(static_req("bogus", "i9"), kT0 + 1000, j.cb());
  REQUIRE(j.calls == 1);
  CHECK(j.r.error == kafka::kUnknownMemberId);
}
