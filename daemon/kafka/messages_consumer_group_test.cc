// Layouts of ConsumerGroupHeartbeat / ConsumerGroupDescribe and Metadata
// v10-12 (topic ids).
#include "daemon/kafka/messages_consumer_group.h"

#include <doctest/doctest.h>

#include "daemon/kafka/messages_test_util.h"

namespace ks::kafka {
namespace {

using test::encode_body;
using test::round_trip;

}  // namespace

TEST_CASE("ConsumerGroupHeartbeat requests and responses round-trip") {
  ConsumerGroupHeartbeatRequest req;
  req.group_id = "g";
  req.member_id = "m";
  req.member_epoch = 3;
  req.instance_id = "i";
  req.rebalance_timeout_ms = 300000;
  req.topics = {"a", "b"};
  req.topics_null = false;
  req.server_assignor = "uniform";
  req.owned = {{Uuid{1, 2}, {0, 5}}};
  req.owned_null = false;
  for (int16_t v = 0; v <= 1; ++v) round_trip(req, kConsumerGroupHeartbeat, v);
  ConsumerGroupHeartbeatRequest nulls;  // a plain heartbeat: everything null
  nulls.group_id = "g";
  nulls.member_id = "m";
  round_trip(nulls, kConsumerGroupHeartbeat, 1);
  std::string bytes = encode_body(nulls, kConsumerGroupHeartbeat, 0);
  // group, member, epoch, instance, rack, timeout, topics, assignor, owned, tags
  CHECK(bytes == std::string("\x02g\x02m\0\0\0\0\0\0\xff\xff\xff\xff\0\0\0\0", 18));

  ConsumerGroupHeartbeatResponse r;
  r.member_id = "m";
  r.member_epoch = 2;
  r.heartbeat_interval_ms = 5000;
  round_trip(r, kConsumerGroupHeartbeat, 1);
  r.assignment.emplace();
  r.assignment->push_back({Uuid{7, 8}, {1, 2, 3}});
  round_trip(r, kConsumerGroupHeartbeat, 1);
  std::string with = encode_body(r, kConsumerGroupHeartbeat, 1);
  ConsumerGroupHeartbeatResponse back;
  const char* why = nullptr;
  REQUIRE(decode(with, kConsumerGroupHeartbeat, 1, &back, &why));
  REQUIRE(back.assignment);
  CHECK(back.assignment->at(0).topic_id == Uuid{7, 8});
}

TEST_CASE("ConsumerGroupDescribe round-trips") {
  ConsumerGroupDescribeRequest req{{"g1", "g2"}, true};
  round_trip(req, kConsumerGroupDescribe, 0);
  ConsumerGroupDescribeResponse r;
  ConsumerGroupDescribeResponse::Group g;
  g.group_id = "g1";
  g.state = "Stable";
  g.assignor = "uniform";
  ConsumerGroupDescribeResponse::Member m;
  m.member_id = "m";
  m.instance_id = "i";
  m.topics = {"t"};
  m.assignment = {{Uuid{1, 1}, "t", {0}}};
  g.members.push_back(m);
  r.groups.push_back(g);
  round_trip(r, kConsumerGroupDescribe, 0);
}

TEST_CASE("Metadata v10-12 carries topic ids, a topic asked for by id alone keeps its id") {
  MetadataRequest req;
  req.topics = {"a"};
  for (int16_t v = 9; v <= 12; ++v) round_trip(req, kMetadata, v);
  MetadataResponse r;
  r.brokers.push_back({1, "localhost", 9092, std::nullopt});
  r.cluster_id = "c";
  r.controller_id = 1;
  MetadataResponse::Topic t;
  t.name = "a";
  t.topic_id = Uuid{0x1234, 0x5678};
  t.partitions.push_back({0, 0, 1, 0, {1}, {1}, {}});
  r.topics.push_back(t);
  for (int16_t v = 0; v <= 12; ++v) round_trip(r, kMetadata, v);
  std::string bytes = encode_body(r, kMetadata, 10);
  MetadataResponse back;
  const char* why = nullptr;
  REQUIRE(decode(bytes, kMetadata, 10, &back, &why));
  CHECK(back.topics.at(0).topic_id == Uuid{0x1234, 0x5678});
  // A v10 request naming a topic by id only (null name).
  std::string by_id;
  Encoder e(&by_id, true);
  e.uvarint(2);  // one topic
  e.uuid(Uuid{9, 9});
  e.uvarint(0);  // null name
  e.tags();
  e.boolean(true);
  e.boolean(false);
  e.boolean(false);
  e.tags();
  MetadataRequest got;
  REQUIRE(decode(by_id, kMetadata, 10, &got, &why));
  CHECK(got.topics.empty());
  REQUIRE(got.ids_without_name.size() == 1);
  CHECK(got.ids_without_name[0] == Uuid{9, 9});
  CHECK_FALSE(got.all_topics);
}

}  // namespace ks::kafka
