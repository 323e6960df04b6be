// CreatePartitions and DeleteRecords at the broker: growth keeps existing
// partitions' records, the log start moves only after the records below it
// are fsynced, and both survive reopening the home.
#include <doctest/doctest.h>

#include "common/record_batch.h"
#include "daemon/broker/broker.h"
#include "daemon/broker/test_home.h"
#include "daemon/broker/test_names.h"

using namespace ks;
using namespace ks::server;

namespace {

std::unique_ptr<Broker> open_home(const TempHome& h, Executor* ex, int64_t max_partitions = 0) {
  BrokerOptions o;
  o.home = h.path;
  o.max_partitions = max_partitions;
  auto b = Broker::Open(o, ex);
  REQUIRE_MESSAGE(b.ok(), b.status().to_string());
  return std::move(*b);
}

void produce_n(Broker& b, const char* topic, int32_t partition, int n) {
  batch::BatchBuilder bb;
  for (int i = 0; i < n; ++i) bb.add(std::nullopt, std::string_view("value"), 1000 + i);
  std::string data = bb.take();
  bool ok = false;
  b.produce(tn(topic), PartitionId(partition), Acks::kLeader, false, data.data(), data.size(),
            [&](Result<storage::AppendResult> r) { ok = r.ok(); });
  REQUIRE(ok);
}

Result<Offset> delete_records(Broker& b, const char* topic, int32_t partition, int64_t offset) {
  std::optional<Result<Offset>> out;
  b.delete_records(tn(topic), PartitionId(partition), offset, [&](Result<Offset> r) { out = std::move(r); });
  REQUIRE(out.has_value());
  return std::move(*out);
}

}  // namespace

TEST_CASE("grow_topic adds partitions, keeps the old ones' records, and never shrinks") {
  TempHome h;
  InlineExecutor ex;
  {
    auto b = open_home(h, &ex);
    REQUIRE(b->create_topic(tn("t"), 2, {}).ok());
    produce_n(*b, "t", 1, 4);
    CHECK(b->grow_topic(tn("t"), 2, false).code() == Code::kInvalidArgument);
    CHECK(b->grow_topic(tn("t"), 1, false).code() == Code::kInvalidArgument);
    CHECK(b->grow_topic(tn("nope"), 3, false).code() == Code::kNotFound);
    REQUIRE(b->grow_topic(tn("t"), 5, true).ok());
    CHECK(*b->partition_count(tn("t"), false) == 2);  // validate_only changed nothing
    REQUIRE(b->grow_topic(tn("t"), 5, false).ok());
    CHECK(*b->partition_count(tn("t"), false) == 5);
    produce_n(*b, "t", 4, 2);
    REQUIRE(b->close().ok());
  }
  auto b = open_home(h, &ex);
  CHECK(*b->partition_count(tn("t"), false) == 5);
  CHECK(b->offsets(tn("t"), PartitionId(1))->end == Offset(4));
  CHECK(b->offsets(tn("t"), PartitionId(4))->end == Offset(2));
}

TEST_CASE("grow_topic stays within the daemon's partition budget") {
  TempHome h;
  InlineExecutor ex;
  auto b = open_home(h, &ex, 4);
  REQUIRE(b->create_topic(tn("t"), 2, {}).ok());
  CHECK(b->grow_topic(tn("t"), 5, true).code() == Code::kInvalidArgument);
  CHECK(b->grow_topic(tn("t"), 4, false).ok());
}

TEST_CASE("delete_records moves the start after fsyncing what lies below it, and it survives a restart") {
  TempHome h;
  InlineExecutor ex;
  {
    auto b = open_home(h, &ex);
    REQUIRE(b->create_topic(tn("t"), 1, {}).ok());
    produce_n(*b, "t", 0, 10);
    auto start = delete_records(*b, "t", 0, 4);
    REQUIRE(start.ok());
    CHECK(*start == Offset(4));
    CHECK(b->offsets(tn("t"), PartitionId(0))->start == Offset(4));
    CHECK(b->offset_for_time(tn("t"), PartitionId(0), LogEdge::kStart).value() == Offset(4));
    CHECK(b->read(tn("t"), PartitionId(0), Offset(3), 1000).status().code() == Code::kOutOfRange);
    // Below the start: no change, the current start is the answer.
    CHECK(*delete_records(*b, "t", 0, 2) == Offset(4));
    // Past the end, or negative other than -1: out of range.
    CHECK(delete_records(*b, "t", 0, 11).status().code() == Code::kOutOfRange);
    CHECK(delete_records(*b, "t", 0, -2).status().code() == Code::kOutOfRange);
    CHECK(delete_records(*b, "t", 1, 0).status().code() == Code::kNotFound);
    CHECK(delete_records(*b, "nope", 0, 0).status().code() == Code::kNotFound);
    // No close(): the start must be on disk already.
  }
  auto b = open_home(h, &ex);
  CHECK(b->offsets(tn("t"), PartitionId(0))->start == Offset(4));
  // -1: the high watermark.
  CHECK(*delete_records(*b, "t", 0, -1) == Offset(10));
  CHECK(b->offsets(tn("t"), PartitionId(0))->start == Offset(10));
}

TEST_CASE("dynamic broker configs apply to every topic at once and survive reopening the home") {
  TempHome h;
  InlineExecutor ex;
  {
    auto b = open_home(h, &ex);
    CHECK(b->dynamic_configs().cluster == ConfigMap{{"min.insync.replicas", "1"}});
    REQUIRE(b->create_topic(tn("t"), 1, {}).ok());
    REQUIRE(b->create_topic(tn("own"), 1, {{"max.message.bytes", "9000"}}).ok());
    CHECK(*b->max_message_bytes(tn("t")) == 1048588);
    CHECK(b->set_dynamic_configs(false, {{"num.partitions", "3"}}, false).code() == Code::kInvalidArgument);
    REQUIRE(b->set_dynamic_configs(false, {{"message.max.bytes", "2000"}}, true).ok());
    CHECK(*b->max_message_bytes(tn("t")) == 1048588);  // validate_only changed nothing
    REQUIRE(b->set_dynamic_configs(false, {{"message.max.bytes", "2000"}}, false).ok());
    CHECK(*b->max_message_bytes(tn("t")) == 2000);
    CHECK(*b->max_message_bytes(tn("own")) == 9000);  // its own override wins
    REQUIRE(b->set_dynamic_configs(true, {{"message.max.bytes", "3000"}}, false).ok());
    CHECK(*b->max_message_bytes(tn("t")) == 3000);  // node 1 over the cluster
    REQUIRE(b->create_topic(tn("later"), 1, {}).ok());
    CHECK(*b->max_message_bytes(tn("later")) == 3000);
    REQUIRE(b->close().ok());
  }
  auto b = open_home(h, &ex);
  CHECK(b->dynamic_configs().cluster == ConfigMap{{"message.max.bytes", "2000"}});  // min.insync.replicas deleted
  CHECK(b->dynamic_configs().node == ConfigMap{{"message.max.bytes", "3000"}});
  CHECK(*b->max_message_bytes(tn("t")) == 3000);
  REQUIRE(b->set_dynamic_configs(true, {}, false).ok());
  CHECK(*b->max_message_bytes(tn("t")) == 2000);
  REQUIRE(b->close().ok());
}
