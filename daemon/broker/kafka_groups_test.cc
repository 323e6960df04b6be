#include "daemon/broker/kafka_groups.h"

#include "daemon/broker/kafka_groups_test_util.h"
#include <doctest/doctest.h>
#include <stdlib.h>

#include <random>

#include "common/coding.h"
#include "common/record_batch.h"
#include "daemon/kafka/errors.h"
#include "daemon/broker/broker.h"
#include "daemon/broker/test_home.h"
#include "daemon/broker/test_names.h"

using namespace ks;
using namespace ks::server;

using namespace kgtest;

TEST_CASE("one member joins, syncs and the group is stable") {
  Fixture f;
  JoinSlot j;
  f.kg().join(join_req("g", "", "rdkafka"), kT0, j.cb());
  CHECK(j.calls == 0);  // the initial rebalance delay
  CHECK(f.kg().has_members("g"));
  CHECK(f.kg().describe("g").state == "PreparingRebalance");
  f.kg().tick(kT0 + kDelay - 1);
  CHECK(j.calls == 0);
  f.kg().tick(kT0 + kDelay);
  REQUIRE(j.calls == 1);
  CHECK(j.r.error == 0);
  CHECK(j.r.generation == 1);
  CHECK(j.r.member_id.rfind("rdkafka-", 0) == 0);
  CHECK(j.r.leader == j.r.member_id);
  CHECK(j.r.protocol_name == "range");
  REQUIRE(j.r.members.size() == 1);
  CHECK(j.r.members[0].first == j.r.member_id);
  CHECK(j.r.members[0].second == subscription({"t"}));
  CHECK(f.kg().describe("g").state == "CompletingRebalance");
  CHECK(f.kg().heartbeat("g", 1, j.r.member_id, kT0 + kDelay) == 0);

  SyncSlot s;
  const std::string a = assignment({{"t", {0, 1, 2}}});
  f.kg().sync("g", 1, j.r.member_id, {{j.r.member_id, a}}, kT0 + kDelay, s.cb());
  REQUIRE(s.calls == 1);
  CHECK(s.r.error == 0);
  CHECK(s.r.assignment == a);

  KafkaGroupInfo d = f.kg().describe("g");
  CHECK(d.error == 0);
  CHECK(d.state == "Stable");
  CHECK(d.protocol_type == "consumer");
  CHECK(d.protocol == "range");
  REQUIRE(d.members.size() == 1);
  CHECK(d.members[0].client_id == "rdkafka");
  CHECK(d.members[0].client_host == "/10.0.0.1");
  CHECK(d.members[0].metadata == subscription({"t"}));
  CHECK(d.members[0].assignment == a);

  CHECK(f.kg().heartbeat("g", 1, j.r.member_id, kT0 + 1000) == 0);
  CHECK(f.kg().heartbeat("g", 2, j.r.member_id, kT0 + 1000) == kafka::kIllegalGeneration);
  CHECK(f.kg().heartbeat("g", 1, "nobody", kT0 + 1000) == kafka::kUnknownMemberId);
  CHECK(f.kg().heartbeat("other", 1, j.r.member_id, kT0 + 1000) == kafka::kUnknownMemberId);
  // A sync in the stable group hands back the member's assignment.
  SyncSlot again;
  f.kg().sync("g", 1, j.r.member_id, {}, kT0 + 1000, again.cb());
  CHECK(again.calls == 1);
  CHECK(again.r.assignment == a);
}

TEST_CASE("two members joining together land in one generation with one leader") {
  Fixture f;
  JoinSlot a, b;
  f.kg().join(join_req("g", "", "a", {{"range", "meta-a"}}), kT0, a.cb());
  f.kg().join(join_req("g", "", "b", {{"range", "meta-b"}}), kT0 + 200, b.cb());
  // Each new member restarts the initial delay.
  f.kg().tick(kT0 + kDelay);
  CHECK(a.calls == 0);
  f.kg().tick(kT0 + 200 + kDelay);
  REQUIRE(a.calls == 1);
  REQUIRE(b.calls == 1);
  CHECK(a.r.generation == 1);
  CHECK(b.r.generation == 1);
  CHECK(a.r.leader == a.r.member_id);
  CHECK(b.r.leader == a.r.member_id);
  REQUIRE(a.r.members.size() == 2);
  CHECK(a.r.members[0] == std::make_pair(a.r.member_id, std::string("meta-a")));
  CHECK(a.r.members[1] == std::make_pair(b.r.member_id, std::string("meta-b")));
  CHECK(b.r.members.empty());

  // The follower's sync waits for the leader's.
  SyncSlot sa, sb;
  f.kg().sync("g", 1, b.r.member_id, {}, kT0 + 600, sb.cb());
  CHECK(sb.calls == 0);
  f.kg().sync("g", 1, a.r.member_id, {{a.r.member_id, "A"}, {b.r.member_id, "B"}}, kT0 + 700, sa.cb());
  REQUIRE(sa.calls == 1);
  REQUIRE(sb.calls == 1);
  CHECK(sa.r.error == 0);
  CHECK(sa.r.assignment == "A");
  CHECK(sb.r.error == 0);
  CHECK(sb.r.assignment == "B");
  CHECK(f.kg().describe("g").state == "Stable");
}

TEST_CASE("a later member makes the first rejoin: its heartbeat says rebalance in progress") {
  Fixture f;
  const std::string first = stable_single(f.kg(), "g", kT0);
  JoinSlot late;
  f.kg().join(join_req("g", "", "late"), kT0 + 5000, late.cb());
  CHECK(late.calls == 0);
  CHECK(f.kg().describe("g").state == "PreparingRebalance");
  CHECK(f.kg().heartbeat("g", 1, first, kT0 + 5100) == kafka::kRebalanceInProgress);
  // Members of the running generation may still commit what they read.
  CHECK(f.kg().commit("g", 1, first, {{"t", 0, 3}}, kT0 + 5150) == std::vector<int16_t>{0});
  JoinSlot again;
  f.kg().join(join_req("g", first, "solo"), kT0 + 5200, again.cb());
  // Everyone is in: no initial delay for a group that was not empty.
  REQUIRE(again.calls == 1);
  REQUIRE(late.calls == 1);
  CHECK(again.r.error == 0);
  CHECK(again.r.generation == 2);
  CHECK(late.r.generation == 2);
  CHECK(again.r.leader == first);
  CHECK(again.r.members.size() == 2);
  CHECK(late.r.members.empty());
}

TEST_CASE("a follower asking again with unchanged metadata keeps the generation") {
  Fixture f;
  auto [a, b] = stable_pair(f.kg(), "g", kT0);
  JoinSlot j;
  f.kg().join(join_req("g", b, "b"), kT0 + 1000, j.cb());
  REQUIRE(j.calls == 1);
  CHECK(j.r.generation == 1);
  CHECK(j.r.leader == a);
  CHECK(f.kg().describe("g").state == "Stable");
  // Changed metadata does start a rebalance.
  JoinSlot changed;
  f.kg().join(join_req("g", b, "b", {{"range", subscription({"t", "u"})}}), kT0 + 2000, changed.cb());
  CHECK(changed.calls == 0);
  CHECK(f.kg().heartbeat("g", 1, a, kT0 + 2000) == kafka::kRebalanceInProgress);
}

TEST_CASE("a member leaving triggers a rebalance, the last one leaves the group empty") {
  Fixture f;
  auto [a, b] = stable_pair(f.kg(), "g", kT0);
  CHECK(f.kg().leave("g", "nobody", kT0 + 1000) == kafka::kUnknownMemberId);
  CHECK(f.kg().leave("nope", b, kT0 + 1000) == kafka::kUnknownMemberId);
  CHECK(f.kg().leave("g", b, kT0 + 1000) == 0);
  CHECK(f.kg().heartbeat("g", 1, b, kT0 + 1000) == kafka::kUnknownMemberId);
  CHECK(f.kg().heartbeat("g", 1, a, kT0 + 1000) == kafka::kRebalanceInProgress);
  JoinSlot j;
  f.kg().join(join_req("g", a, "a"), kT0 + 1100, j.cb());
  REQUIRE(j.calls == 1);
  CHECK(j.r.generation == 2);
  CHECK(j.r.members.size() == 1);
  CHECK(f.kg().leave("g", a, kT0 + 1200) == 0);
  CHECK_FALSE(f.kg().has_members("g"));
  CHECK(f.kg().describe("g").state == "Empty");
}

TEST_CASE("a silent member is removed after its session timeout, waiting joins are not") {
  Fixture f;
  // Session 10 s, rebalance timeout 60 s.
  auto [a, b] = stable_pair(f.kg(), "g", kT0, 10000, 60000);
  const int64_t t = kT0 + kDelay;
  CHECK(f.kg().heartbeat("g", 1, a, t + 6000) == 0);
  f.kg().tick(t + 10000);
  CHECK(f.kg().heartbeat("g", 1, b, t + 10000) == 0);  // exactly the timeout: still in
  f.kg().tick(t + 12000);
  CHECK(f.kg().heartbeat("g", 1, a, t + 12000) == 0);
  f.kg().tick(t + 20001);  // b silent since t + 10000
  CHECK(f.kg().heartbeat("g", 1, b, t + 20001) == kafka::kUnknownMemberId);
  CHECK(f.kg().heartbeat("g", 1, a, t + 20001) == kafka::kRebalanceInProgress);

  // a rejoins alone (generation 2), then c joins (generation 3).
  JoinSlot ja;
  f.kg().join(join_req("g", a, "a"), t + 20100, ja.cb());
  REQUIRE(ja.calls == 1);
  CHECK(ja.r.generation == 2);
  SyncSlot s;
  f.kg().sync("g", 2, a, {{a, "A"}}, t + 20100, s.cb());
  REQUIRE(s.calls == 1);

  JoinSlot jc;
  auto rc = join_req("g", "", "c");
  rc.rebalance_timeout_ms = 60000;
  f.kg().join(rc, t + 21000, jc.cb());
  JoinSlot ja2;
  f.kg().join(join_req("g", a, "a"), t + 21000, ja2.cb());  // a rejoins at once
  // Everyone joined: answered immediately.
  CHECK(ja2.calls == 1);
  CHECK(jc.calls == 1);
  // d starts a rebalance; c rejoins at once and waits, longer than its
  // session timeout, for a, which only heartbeats.
  auto ids_c = jc.r.member_id;
  SyncSlot sa2, sc;
  f.kg().sync("g", 3, ids_c, {}, t + 21000, sc.cb());
  f.kg().sync("g", 3, a, {{a, "A"}, {ids_c, "C"}}, t + 21000, sa2.cb());
  REQUIRE(sc.calls == 1);
  JoinSlot jd;
  f.kg().join(join_req("g", "", "d"), t + 22000, jd.cb());
  JoinSlot jc2;
  f.kg().join(join_req("g", ids_c, "c"), t + 22000, jc2.cb());
  for (int64_t now = t + 22000; now <= t + 50000; now += 1000) {
    CHECK(f.kg().heartbeat("g", 3, a, now) == kafka::kRebalanceInProgress);
    f.kg().tick(now);
  }
  CHECK(jc2.calls == 0);  // waited 28 s > its 10 s session: still a member
  CHECK(jd.calls == 0);
  JoinSlot ja3;
  f.kg().join(join_req("g", a, "a"), t + 50500, ja3.cb());
  CHECK(ja3.calls == 1);
  CHECK(jc2.calls == 1);
  CHECK(jd.calls == 1);
  CHECK(jc2.r.error == 0);
  CHECK(ja3.r.generation == 4);
  CHECK(ja3.r.members.size() == 3);
}

TEST_CASE("a member that never rejoins is dropped when the rebalance times out") {
  Fixture f;
  // Long sessions, so only the rebalance timeout (20 s) can drop b.
  auto [a, b] = stable_pair(f.kg(), "g", kT0, 60000, 20000);
  const int64_t t = kT0 + 1000;
  JoinSlot jc;
  f.kg().join(join_req("g", "", "c"), t, jc.cb());
  JoinSlot ja;
  f.kg().join(join_req("g", a, "a"), t + 100, ja.cb());
  CHECK(f.kg().heartbeat("g", 1, b, t + 5000) == kafka::kRebalanceInProgress);  // b ignores it
  f.kg().tick(t + 19999);
  CHECK(ja.calls == 0);
  f.kg().tick(t + 20000);
  REQUIRE(ja.calls == 1);
  REQUIRE(jc.calls == 1);
  CHECK(ja.r.error == 0);
  CHECK(ja.r.generation == 2);
  CHECK(ja.r.members.size() == 2);
  CHECK(f.kg().heartbeat("g", 1, b, t + 20001) == kafka::kUnknownMemberId);
  JoinSlot jb;
  f.kg().join(join_req("g", b, "b"), t + 20002, jb.cb());
  CHECK(jb.calls == 1);
  CHECK(jb.r.error == kafka::kUnknownMemberId);
}

TEST_CASE("a leader that never syncs: waiting syncs fail and the group rebalances") {
  Fixture f;
  JoinSlot a, b;
  // Sessions longer than the rebalance timeout (20 s): only the missing
  // sync can end the leader's membership.
  auto ra = join_req("g", "", "a"), rb = join_req("g", "", "b");
  ra.session_timeout_ms = rb.session_timeout_ms = 60000;
  f.kg().join(ra, kT0, a.cb());
  f.kg().join(rb, kT0, b.cb());
  f.kg().tick(kT0 + kDelay);
  REQUIRE(b.calls == 1);
  SyncSlot sb;
  f.kg().sync("g", 1, b.r.member_id, {}, kT0 + kDelay, sb.cb());
  f.kg().tick(kT0 + kDelay + 19999);
  CHECK(sb.calls == 0);
  f.kg().tick(kT0 + kDelay + 20000);  // the rebalance timeout
  REQUIRE(sb.calls == 1);
  CHECK(sb.r.error == kafka::kRebalanceInProgress);
  CHECK(f.kg().heartbeat("g", 1, a.r.member_id, kT0 + 30000) == kafka::kUnknownMemberId);
  CHECK(f.kg().heartbeat("g", 1, b.r.member_id, kT0 + 30000) == kafka::kRebalanceInProgress);
  JoinSlot b2;
  f.kg().join(join_req("g", b.r.member_id, "b"), kT0 + 30000, b2.cb());
  REQUIRE(b2.calls == 1);
  CHECK(b2.r.generation == 2);
  CHECK(b2.r.leader == b.r.member_id);
}

TEST_CASE("sync errors: unknown member, illegal generation, rebalance in progress") {
  Fixture f;
  auto expect = [&](const std::string& group, int32_t gen, const std::string& member, int16_t error) {
    SyncSlot s;
    f.kg().sync(group, gen, member, {}, kT0 + 2000, s.cb());
    REQUIRE(s.calls == 1);
    CHECK(s.r.error == error);
  };
  expect("nope", 1, "x", kafka::kUnknownMemberId);
  expect("", 1, "x", kafka::kInvalidGroupId);
  const std::string m = stable_single(f.kg(), "g", kT0);
  expect("g", 1, "x", kafka::kUnknownMemberId);
  expect("g", 7, m, kafka::kIllegalGeneration);
  JoinSlot late;
  f.kg().join(join_req("g", "", "late"), kT0 + 2000, late.cb());
  expect("g", 1, m, kafka::kRebalanceInProgress);
}

TEST_CASE("MEMBER_ID_REQUIRED: a new member joins again with the id it was given") {
  Fixture f;
  auto req = join_req("g", "", "kafkajs");
  req.require_known_member_id = true;
  JoinSlot first;
  f.kg().join(req, kT0, first.cb());
  REQUIRE(first.calls == 1);
  CHECK(first.r.error == kafka::kMemberIdRequired);
  CHECK(first.r.member_id.rfind("kafkajs-", 0) == 0);
  CHECK_FALSE(f.kg().has_members("g"));

  req.member_id = first.r.member_id;
  JoinSlot second;
  f.kg().join(req, kT0 + 10, second.cb());
  f.kg().tick(kT0 + 10 + kDelay);
  REQUIRE(second.calls == 1);
  CHECK(second.r.error == 0);
  CHECK(second.r.member_id == first.r.member_id);
  CHECK(second.r.leader == first.r.member_id);

  // An id nobody was given is unknown.
  auto bogus = join_req("g", "made-up", "x");
  JoinSlot j;
  f.kg().join(bogus, kT0 + 20, j.cb());
  REQUIRE(j.calls == 1);
  CHECK(j.r.error == kafka::kUnknownMemberId);

  // A given id expires with the session timeout of the join that got it.
  auto other = join_req("h", "", "x");
  other.require_known_member_id = true;
  JoinSlot o1;
  f.kg().join(other, kT0, o1.cb());
  REQUIRE(o1.r.error == kafka::kMemberIdRequired);
  f.kg().tick(kT0 + 10000);
  other.member_id = o1.r.member_id;
  JoinSlot o2;
  f.kg().join(other, kT0 + 10001, o2.cb());
  REQUIRE(o2.calls == 1);
  CHECK(o2.r.error == kafka::kUnknownMemberId);
}

TEST_CASE("a rebalance waits for members that were given an id") {
  Fixture f;
  const std::string a = stable_single(f.kg(), "g", kT0);
  auto req = join_req("g", "", "new");
  req.require_known_member_id = true;
  JoinSlot given;
  f.kg().join(req, kT0 + 1000, given.cb());
  REQUIRE(given.r.error == kafka::kMemberIdRequired);
  // The leader rejoins (a rebalance): not complete while the id is out.
  JoinSlot ja;
  f.kg().join(join_req("g", a, "solo"), kT0 + 1000, ja.cb());
  CHECK(ja.calls == 0);
  req.member_id = given.r.member_id;
  JoinSlot jn;
  f.kg().join(req, kT0 + 1100, jn.cb());
  REQUIRE(ja.calls == 1);
  REQUIRE(jn.calls == 1);
  CHECK(ja.r.members.size() == 2);
  CHECK(jn.r.generation == 2);
}

TEST_CASE("inconsistent protocols are refused, the most wanted common protocol wins") {
  Fixture f;
  JoinSlot a;
  f.kg().join(join_req("g", "", "a", {{"range", "x"}, {"roundrobin", "y"}}), kT0, a.cb());
  auto expect_refused = [&](KafkaJoinRequest r) {
    JoinSlot j;
    f.kg().join(r, kT0 + 10, j.cb());
    REQUIRE(j.calls == 1);
    CHECK(j.r.error == kafka::kInconsistentGroupProtocol);
  };
  expect_refused(join_req("g", "", "b", {{"sticky", "z"}}));
  auto connect = join_req("g", "", "c", {{"range", "x"}});
  connect.protocol_type = "connect";
  expect_refused(connect);
  auto none = join_req("g2", "", "d");
  none.protocols.clear();
  expect_refused(none);
  auto no_type = join_req("g2", "", "d");
  no_type.protocol_type.clear();
  expect_refused(no_type);

  JoinSlot b, c;
  f.kg().join(join_req("g", "", "b", {{"roundrobin", "y"}, {"range", "x"}}), kT0 + 20, b.cb());
  f.kg().join(join_req("g", "", "c", {{"roundrobin", "y"}, {"range", "x"}}), kT0 + 30, c.cb());
  f.kg().tick(kT0 + 30 + kDelay);
  REQUIRE(a.calls == 1);
  CHECK(a.r.protocol_name == "roundrobin");  // two votes against one
  CHECK(a.r.members.size() == 3);
  for (const auto& [id, meta] : a.r.members) CHECK(meta == "y");
}

TEST_CASE("invalid group ids and session timeouts are refused") {
  Fixture f;
  auto expect = [&](KafkaJoinRequest r, int16_t error) {
    JoinSlot j;
    f.kg().join(r, kT0, j.cb());
    REQUIRE(j.calls == 1);
    CHECK(j.r.error == error);
  };
  expect(join_req("", ""), kafka::kInvalidGroupId);
  auto r = join_req("g", "");
  r.session_timeout_ms = 999;
  expect(r, kafka::kInvalidSessionTimeout);
  r.session_timeout_ms = 300001;
  expect(r, kafka::kInvalidSessionTimeout);
  CHECK_FALSE(f.kg().has_members("g"));
  CHECK(f.kg().heartbeat("", 1, "x", kT0) == kafka::kInvalidGroupId);
  CHECK(f.kg().describe("").state == "Dead");
}

TEST_CASE("offset commits of simple consumers and of members, fetches") {
  Fixture f;
  // A consumer that assigns itself partitions: generation -1, no member.
  auto errors = f.kg().commit("simple", -1, "",
                              {{"t", 0, 5, "m0"}, {"t", 2, 7}, {"t", 9, 1}, {"nope", 0, 1}}, kT0);
  CHECK(errors == std::vector<int16_t>{0, 0, kafka::kUnknownTopicOrPartition, kafka::kUnknownTopicOrPartition});
  auto fetched = f.kg().fetch_offsets("simple", {{"t", 0}, {"t", 1}, {"t", 2}, {"nope", 0}}, false);
  REQUIRE(fetched.ok());
  REQUIRE(fetched->size() == 4);
  CHECK((*fetched)[0].offset == 5);
  CHECK((*fetched)[0].metadata == "m0");
  CHECK((*fetched)[1].offset == -1);
  CHECK((*fetched)[2].offset == 7);
  CHECK((*fetched)[3].offset == -1);
  for (const auto& o : *fetched) CHECK(o.error == 0);
  auto all = f.kg().fetch_offsets("simple", {}, true);
  REQUIRE(all.ok());
  REQUIRE(all->size() == 2);
  CHECK((*all)[0].topic == "t");
  CHECK((*all)[0].partition == 0);
  CHECK((*all)[1].partition == 2);
  auto none = f.kg().fetch_offsets("never", {{"t", 0}}, false);
  REQUIRE(none.ok());
  CHECK((*none)[0].offset == -1);
  CHECK(f.kg().describe("simple").state == "Empty");  // known by its offsets
  CHECK(f.kg().describe("never").state == "Dead");

  CHECK(f.kg().commit("", -1, "", {{"t", 0, 1}}, kT0) == std::vector<int16_t>{kafka::kInvalidGroupId});
  // A member of a generation this daemon never saw (e.g. from before a
  // restart) must join again.
  CHECK(f.kg().commit("fresh", 4, "old-member", {{"t", 0, 1}}, kT0) ==
        std::vector<int16_t>{kafka::kIllegalGeneration});

  // A managed group: only its current members commit.
  JoinSlot a, b;
  f.kg().join(join_req("g", "", "a"), kT0, a.cb());
  f.kg().join(join_req("g", "", "b"), kT0, b.cb());
  f.kg().tick(kT0 + kDelay);
  const std::string ma = a.r.member_id, mb = b.r.member_id;
  const int64_t t = kT0 + kDelay;
  // Between join and sync nobody owns anything yet.
  CHECK(f.kg().commit("g", 1, ma, {{"t", 0, 1}}, t) == std::vector<int16_t>{kafka::kRebalanceInProgress});
  SyncSlot sa, sb;
  f.kg().sync("g", 1, mb, {}, t, sb.cb());
  f.kg().sync("g", 1, ma, {{ma, "A"}, {mb, "B"}}, t, sa.cb());
  CHECK(f.kg().commit("g", -1, "", {{"t", 0, 1}}, t) == std::vector<int16_t>{kafka::kUnknownMemberId});
  CHECK(f.kg().commit("g", 1, "stranger", {{"t", 0, 1}}, t) == std::vector<int16_t>{kafka::kUnknownMemberId});
  CHECK(f.kg().commit("g", 2, ma, {{"t", 0, 1}}, t) == std::vector<int16_t>{kafka::kIllegalGeneration});
  CHECK(f.kg().commit("g", 1, ma, {{"t", 0, 11}, {"t", 1, 12}, {"t", 3, 1}}, t) ==
        std::vector<int16_t>{0, 0, kafka::kUnknownTopicOrPartition});
  auto g = f.kg().fetch_offsets("g", {{"t", 0}, {"t", 1}}, false);
  REQUIRE(g.ok());
  CHECK((*g)[0].offset == 11);
  CHECK((*g)[1].offset == 12);
  // Once the members are gone the group is open to simple consumers.
  CHECK(f.kg().leave("g", ma, t) == 0);
  CHECK(f.kg().leave("g", mb, t) == 0);
  CHECK(f.kg().commit("g", -1, "", {{"t", 0, 20}}, t) == std::vector<int16_t>{0});
  CHECK(f.kg().fetch_offsets("g", {{"t", 0}}, false)->at(0).offset == 20);
}

TEST_CASE("native and Kafka members never share a group") {
  Fixture f;
  JoinRequest nj;
  nj.group = "native";
  nj.topics = {"t"};
  nj.host = "h";
  nj.pid = 1;
  auto joined = f.native().join(nj, kT0);
  REQUIRE(joined.ok());
  JoinSlot j;
  f.kg().join(join_req("native", ""), kT0, j.cb());
  REQUIRE(j.calls == 1);
  CHECK(j.r.error == kafka::kInconsistentGroupProtocol);
  CHECK_FALSE(f.kg().has_members("native"));
  CHECK(f.kg().commit("native", -1, "", {{"t", 0, 1}}, kT0) == std::vector<int16_t>{kafka::kUnknownMemberId});
  KafkaGroupInfo d = f.kg().describe("native");
  CHECK(d.state == "Stable");
  CHECK(d.protocol_type == "ks");
  CHECK(d.members.size() == 1);
  auto listed = f.kg().list();
  CHECK(std::find(listed.begin(), listed.end(), std::make_pair(std::string("native"), std::string("ks"))) !=
        listed.end());

  const std::string m = stable_single(f.kg(), "kafka", kT0);
  nj.group = "kafka";
  auto refused = f.native().join(nj, kT0 + 1000);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().message().find("group 'kafka' is in use by Kafka clients") != std::string::npos);
  CHECK_FALSE(f.native().commit("kafka", "", {{{"t", 0}, Offset(1)}}, kT0 + 1000).ok());
  listed = f.kg().list();
  CHECK(std::find(listed.begin(), listed.end(), std::make_pair(std::string("kafka"), std::string("consumer"))) !=
        listed.end());

  // Once the Kafka member leaves, native consumers may use the name.
  CHECK(f.kg().leave("kafka", m, kT0 + 2000) == 0);
  CHECK(f.native().join(nj, kT0 + 2000).ok());
}

TEST_CASE("ks group describe and list show a Kafka group with owned partitions and lag") {
  Fixture f;
  for (int32_t p = 0; p < 3; ++p) {
    batch::BatchBuilder bb;
    for (int i = 0; i < 4 + p; ++i) bb.add(std::nullopt, std::string_view("v"), 1000 + i);
    std::string data = bb.take();
    bool ok = false;
    f.broker->produce(tn("t"), PartitionId(p), Acks::kLeader, false, data.data(), data.size(),
                      [&](Result<storage::AppendResult> r) { ok = r.ok(); });
    REQUIRE(ok);
  }
  auto [a, b] = stable_pair(f.kg(), "g", kT0);
  REQUIRE(f.kg().commit("g", 1, a, {{"t", 0, 1}}, kT0 + 1000) == std::vector<int16_t>{0});

  auto d = f.registry().describe("g");
  REQUIRE_MESSAGE(d.ok(), d.status().to_string());
  CHECK(d->state == "stable");
  CHECK(d->protocol == "kafka");
  CHECK(d->generation == 1);
  REQUIRE(d->members.size() == 2);
  CHECK(d->members[0].id == a);
  CHECK(d->members[0].client_id == "a");
  CHECK(d->members[0].host == "/10.0.0.1");
  CHECK(d->members[0].topics == std::vector<std::string>{"t"});
  CHECK(d->members[0].owned == std::vector<TopicPartition>{{"t", 0}, {"t", 1}});
  CHECK(d->members[1].owned == std::vector<TopicPartition>{{"t", 2}});
  CHECK(d->topics == std::vector<std::string>{"t"});
  REQUIRE(d->offsets.size() == 3);
  CHECK(d->offsets[0].committed == Offset(1));
  CHECK(d->offsets[0].end == Offset(4));
  CHECK(d->offsets[0].lag == 3);
  CHECK(d->offsets[0].owner == a);
  CHECK(d->offsets[1].committed == std::nullopt);
  CHECK(d->offsets[1].lag == 5);
  CHECK(d->offsets[1].owner == a);
  CHECK(d->offsets[2].lag == 6);
  CHECK(d->offsets[2].owner == b);
  CHECK(d->lag == 14);

  auto l = f.registry().list();
  REQUIRE(l.ok());
  REQUIRE(l->size() == 1);
  CHECK((*l)[0].name == "g");
  CHECK((*l)[0].members.size() == 2);

  // While rebalancing, and with a member whose assignment is garbage.
  JoinSlot c;
  f.kg().join(join_req("g", "", "c", {{"range", std::string("\x00\x01\xff", 3)}}), kT0 + 2000, c.cb());
  d = f.registry().describe("g");
  REQUIRE(d.ok());
  CHECK(d->state == "rebalancing");
  REQUIRE(d->members.size() == 3);
  CHECK(d->members[2].topics.empty());
  CHECK(d->members[0].owned.size() == 2);  // still owned until they rejoin

  // A Kafka group known only by its offsets shows like a native one.
  REQUIRE(f.kg().commit("offsets-only", -1, "", {{"t", 1, 2}}, kT0) == std::vector<int16_t>{0});
  auto o = f.registry().describe("offsets-only");
  REQUIRE(o.ok());
  CHECK(o->state == "empty");
  CHECK(o->protocol.empty());
  CHECK(o->offsets.size() == 1);
}

TEST_CASE("reset and delete are refused while Kafka members are live, allowed when empty") {
  Fixture f;
  const std::string m = stable_single(f.kg(), "g", kT0);
  REQUIRE(f.kg().commit("g", 1, m, {{"t", 0, 2}}, kT0 + 1000) == std::vector<int16_t>{0});
  Status s = f.registry().reset("g", {{{"t", 0}, Offset(0)}}, kT0 + 1000);
  CHECK(s.code() == Code::kGroupInUse);
  CHECK(s.message().find("Kafka") != std::string::npos);
  CHECK(f.registry().remove("g").code() == Code::kGroupInUse);

  CHECK(f.kg().leave("g", m, kT0 + 2000) == 0);
  CHECK(f.registry().reset("g", {{{"t", 0}, Offset(0)}}, kT0 + 2000).ok());
  CHECK(f.kg().fetch_offsets("g", {{"t", 0}}, false)->at(0).offset == 0);
  CHECK(f.registry().remove("g").ok());
  CHECK(f.kg().describe("g").state == "Dead");
  auto listed = f.kg().list();
  for (const auto& [name, type] : listed) CHECK(name != "g");
  CHECK(f.registry().describe("g").status().code() == Code::kNotFound);

  // A group that existed only in memory (joined, left, never committed)
  // can be removed too.
  const std::string m2 = stable_single(f.kg(), "mem", kT0 + 3000);
  CHECK(f.kg().leave("mem", m2, kT0 + 4000) == 0);
  CHECK(f.registry().remove("mem").ok());
  CHECK(f.kg().describe("mem").state == "Dead");
}

TEST_CASE("describe follows Kafka: metadata and assignments only while stable") {
  Fixture f;
  CHECK(f.kg().describe("unknown").state == "Dead");
  CHECK(f.kg().describe("unknown").error == 0);
  CHECK(f.kg().describe("unknown").members.empty());
  auto [a, b] = stable_pair(f.kg(), "g", kT0);
  KafkaGroupInfo d = f.kg().describe("g");
  REQUIRE(d.members.size() == 2);
  CHECK_FALSE(d.members[0].assignment.empty());
  JoinSlot c;
  f.kg().join(join_req("g", "", "c"), kT0 + 1000, c.cb());
  d = f.kg().describe("g");
  CHECK(d.state == "PreparingRebalance");
  CHECK(d.protocol.empty());
  REQUIRE(d.members.size() == 3);
  for (const auto& m : d.members) {
    CHECK(m.metadata.empty());
    CHECK(m.assignment.empty());
  }
  auto in = f.kg().inspect("g");
  REQUIRE(in.has_value());
  CHECK(in->members[0].metadata == subscription({"t"}));
  CHECK_FALSE(in->members[0].assignment.empty());
  CHECK_FALSE(f.kg().inspect("unknown").has_value());
}

TEST_CASE("callbacks may call back in and see a consistent group") {
  Fixture f;
  JoinSlot b;
  SyncSlot leader_sync, follower_sync;
  std::string seen_state;
  KafkaJoinResult leader;
  // The leader syncs from inside its join callback; the follower's sync
  // comes from inside its own.
  f.kg().join(join_req("g", "", "a"), kT0, [&](const KafkaJoinResult& r) {
    leader = r;
    seen_state = f.kg().describe("g").state;
    Assignments as;
    for (const auto& [id, meta] : r.members) as.emplace_back(id, "for-" + id);
    f.kg().sync("g", r.generation, r.member_id, as, kT0 + kDelay, leader_sync.cb());
  });
  f.kg().join(join_req("g", "", "b"), kT0, [&](const KafkaJoinResult& r) {
    b.r = r;
    ++b.calls;
    f.kg().sync("g", r.generation, r.member_id, {}, kT0 + kDelay, follower_sync.cb());
  });
  f.kg().tick(kT0 + kDelay);
  CHECK(seen_state == "CompletingRebalance");
  REQUIRE(leader_sync.calls == 1);
  REQUIRE(follower_sync.calls == 1);
  CHECK(follower_sync.r.error == 0);
  CHECK(follower_sync.r.assignment == "for-" + b.r.member_id);
  CHECK(f.kg().describe("g").state == "Stable");

  // A member leaving from inside its sync callback of a new generation.
  JoinSlot c;
  f.kg().join(join_req("g", "", "c"), kT0 + 1000, c.cb());
  JoinSlot ja;
  f.kg().join(join_req("g", leader.member_id, "a"), kT0 + 1000, ja.cb());
  f.kg().join(join_req("g", b.r.member_id, "b"), kT0 + 1000, [&](const KafkaJoinResult& r) {
    CHECK(f.kg().leave("g", r.member_id, kT0 + 1000) == 0);
  });
  REQUIRE(ja.calls == 1);
  CHECK(ja.r.generation == 2);
  CHECK(f.kg().describe("g").state == "PreparingRebalance");  // b left: again
  f.kg().clear();
  CHECK_FALSE(f.kg().has_members("g"));
}

TEST_CASE("consumer protocol bytes are decoded defensively") {
  auto topics = decode_subscription_topics(subscription({"a", "bb"}));
  REQUIRE(topics.has_value());
  CHECK(*topics == std::vector<std::string>{"a", "bb"});
  auto owned = decode_assignment(assignment({{"a", {0, 3}}, {"bb", {}}}));
  REQUIRE(owned.has_value());
  CHECK(*owned == std::vector<TopicPartition>{{"a", 0}, {"a", 3}});

  CHECK_FALSE(decode_subscription_topics("").has_value());
  CHECK_FALSE(decode_assignment("\x00").has_value());
  // Version -1, a huge count, a negative string length, truncation.
  CHECK_FALSE(decode_assignment(std::string("\xff\xff\x00\x00\x00\x00", 6)).has_value());
  CHECK_FALSE(decode_assignment(std::string("\x00\x00\x7f\xff\xff\xff", 6)).has_value());
  CHECK_FALSE(decode_subscription_topics(std::string("\x00\x00\x00\x00\x00\x01\xff\xff", 8)).has_value());
  std::string full = assignment({{"topic", {1, 2, 3}}});
  for (size_t n = 0; n + 4 < full.size(); ++n)
    CHECK_FALSE(decode_assignment(std::string_view(full).substr(0, n)).has_value());
  std::mt19937 rng(7);
  for (int i = 0; i < 2000; ++i) {
    std::string junk(rng() % 40, '\0');
    for (auto& c : junk) c = static_cast<char>(rng());
    (void)decode_assignment(junk);
    (void)decode_subscription_topics(junk);
  }
}
