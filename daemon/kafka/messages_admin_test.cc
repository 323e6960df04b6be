// The admin layouts (messages_admin.h) round-trip at every version ks
// serves, prefixes never decode, and a hand-assembled request decodes to
// the fields the schema puts there.
#include "daemon/kafka/messages_admin.h"

#include <doctest/doctest.h>

#include "daemon/kafka/errors.h"
#include "daemon/kafka/messages_test_util.h"

namespace ks::kafka {
namespace {

using test::round_trip_all;

}  // namespace

TEST_CASE("admin requests and responses round-trip at every served version") {
  CreatePartitionsRequest cp;
  cp.topics.push_back({"t", 4, false, {{1}, {1}}});
  cp.topics.push_back({"u", 2, true, {}});
  cp.timeout_ms = 30000;
  cp.validate_only = true;
  round_trip_all(cp, kCreatePartitions);
  CreatePartitionsResponse cpr;
  cpr.results.push_back({"t", kInvalidPartitions, "no"});
  cpr.results.push_back({"u", kNone, std::nullopt});
  round_trip_all(cpr, kCreatePartitions);

  DeleteRecordsRequest dr;
  dr.topics.push_back({"t", {{0, 5}, {1, -1}}});
  round_trip_all(dr, kDeleteRecords);
  DeleteRecordsResponse drr;
  drr.topics.push_back({"t", {{0, 5, kNone}, {1, -1, kOffsetOutOfRange}}});
  round_trip_all(drr, kDeleteRecords);

  OffsetForLeaderEpochRequest oe;
  oe.topics.push_back({"t", {{0, 0, 0}, {1, -1, 3}}});
  round_trip_all(oe, kOffsetForLeaderEpoch);
  OffsetForLeaderEpochResponse oer;
  oer.topics.push_back({"t", {{kNone, 0, 0, 42}, {kNone, 1, -1, -1}}});
  round_trip_all(oer, kOffsetForLeaderEpoch);

  DescribeClusterRequest dc;
  dc.include_cluster_authorized_operations = true;
  round_trip_all(dc, kDescribeCluster);
  DescribeClusterResponse dcr;
  dcr.cluster_id = "abc";
  dcr.controller_id = 1;
  dcr.brokers.push_back({1, "127.0.0.1", 9092, std::nullopt});
  round_trip_all(dcr, kDescribeCluster);

  DescribeLogDirsRequest dl;
  dl.topics.push_back({"t", {0, 1}});
  round_trip_all(dl, kDescribeLogDirs);
  DescribeLogDirsRequest dl_all;
  dl_all.all = true;
  round_trip_all(dl_all, kDescribeLogDirs);
  DescribeLogDirsResponse dlr;
  dlr.results.push_back({kNone, "/home/data", {{"t", {{0, 1234, 0, false}}}}, 1 << 30, 1 << 20});
  round_trip_all(dlr, kDescribeLogDirs);

  DeleteGroupsRequest dg;
  dg.groups = {"a", "b"};
  round_trip_all(dg, kDeleteGroups);
  DeleteGroupsResponse dgr;
  dgr.results.push_back({"a", kGroupIdNotFound});
  round_trip_all(dgr, kDeleteGroups);

  OffsetDeleteRequest od;
  od.group = "g";
  od.topics.push_back({"t", {0, 2}});
  round_trip_all(od, kOffsetDelete);
  OffsetDeleteResponse odr;
  odr.topics.push_back({"t", {{0, kNone}, {2, 86}}});
  round_trip_all(odr, kOffsetDelete);
}

TEST_CASE("DeleteRecords v2 (flexible) decodes field by field") {
  // topics: compact array of 1; name "t"; partitions: 1 of (index 3, offset
  // 7, no tags); no tags; timeout 1000; no tags.
  const std::string body("\x02\x02t\x02\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00\x07\x00\x00\x00\x00\x03\xe8\x00", 23);
  DeleteRecordsRequest r;
  const char* why = nullptr;
  REQUIRE(decode(body, kDeleteRecords, 2, &r, &why));
  REQUIRE(r.topics.size() == 1);
  CHECK(r.topics[0].name == "t");
  REQUIRE(r.topics[0].partitions.size() == 1);
  CHECK(r.topics[0].partitions[0].index == 3);
  CHECK(r.topics[0].partitions[0].offset == 7);
  CHECK(r.timeout_ms == 1000);
}

TEST_CASE("DescribeLogDirs: a null topic list means every partition, an empty one none") {
  DescribeLogDirsRequest r;
  const char* why = nullptr;
  REQUIRE(decode(std::string("\x00\x00", 2), kDescribeLogDirs, 2, &r, &why));  // null, no tags
  CHECK(r.all);
  DescribeLogDirsRequest e;
  REQUIRE(decode(std::string("\x01\x00", 2), kDescribeLogDirs, 2, &e, &why));  // empty, no tags
  CHECK_FALSE(e.all);
  CHECK(e.topics.empty());
}

}  // namespace ks::kafka
