// Partitions opened lazily (broker_open.cc): one not opened yet answers
// as an open one, is left as it was when the broker closes, and the
// background pass opens every one.
#include <doctest/doctest.h>

#include "common/record_batch.h"
#include "daemon/broker/broker.h"
#include "daemon/broker/test_home.h"
#include "daemon/broker/test_names.h"
#include "daemon/storage/file.h"
#include "daemon/storage/format.h"

using namespace ks;
using namespace ks::server;

namespace {

std::string batch_of(int n, int64_t ts0) {
  batch::BatchBuilder b;
  for (int i = 0; i < n; ++i) {
    std::string v = "v" + std::to_string(i);
    b.add(std::nullopt, std::string_view(v), ts0 + i);
  }
  return b.take();
}

std::unique_ptr<Broker> open(const TempHome& h, Executor* ex, int64_t open_before_serving_ms) {
  BrokerOptions o;
  o.home = h.path;
  o.open_before_serving_ms = open_before_serving_ms;
  auto b = Broker::Open(o, ex);
  REQUIRE_MESSAGE(b.ok(), b.status().to_string());
  return std::move(*b);
}

void produce(Broker& b, int32_t partition, int n, int64_t ts0) {
  std::string data = batch_of(n, ts0);
  bool done = false;
  b.produce(tn("t"), PartitionId(partition), Acks::kLeader, false, data.data(), data.size(),
            [&](Result<storage::AppendResult> r) {
              REQUIRE_MESSAGE(r.ok(), r.status().to_string());
              done = true;
            });
  REQUIRE(done);
}

// What a client can learn of each partition of "t".
std::vector<std::string> observe(Broker& b) {
  std::vector<std::string> out;
  auto topics = b.topics({tn("t")}, true);
  REQUIRE(topics.ok());
  for (const auto& p : (*topics)[0].partition_info) {
    const PartitionId id = p.partition;
    auto offsets = b.offsets(tn("t"), id);
    auto max_ts = b.list_offset(tn("t"), id, LogEdge::kMaxTimestamp);
    auto at = b.list_offset(tn("t"), id, AtTime{2003});
    REQUIRE(offsets.ok());
    REQUIRE(max_ts.ok());
    REQUIRE(at.ok());
    out.push_back(std::to_string(id.value()) + ": " + std::to_string(p.start.value()) + ".." +
                  std::to_string(p.end.value()) + " " + std::to_string(p.size) + " bytes " +
                  std::to_string(p.segments) + " segments; offsets " + std::to_string(offsets->start.value()) +
                  ".." + std::to_string(offsets->end.value()) + "; max ts " +
                  std::to_string(max_ts->offset.value_or(Offset(-1)).value()) + "@" +
                  std::to_string(max_ts->timestamp) + "; at 2003 " +
                  std::to_string(at->offset.value_or(Offset(-1)).value()));
  }
  return out;
}

}  // namespace

TEST_CASE("a partition not opened yet answers offsets, describe and produce as an open one") {
  TempHome h;
  InlineExecutor ex;
  std::vector<std::string> before;
  {
    auto b = open(h, &ex, 100);
    REQUIRE(b->create_topic(tn("t"), 4, {}).ok());
    for (int p = 0; p < 4; ++p) produce(*b, p, 3 + p, 1000 * (p + 1));
    bool moved = false;
    b->delete_records(tn("t"), PartitionId(2), 2, [&](Result<Offset> r) { moved = r.ok(); });
    REQUIRE(moved);
    before = observe(*b);
    REQUIRE(b->close().ok());
  }
  auto b = open(h, &ex, 0);
  CHECK(b->open_partition_count() == 0);
  // Topics and partition counts need no log.
  auto count = b->partition_count(tn("t"), false);
  REQUIRE(count.ok());
  CHECK(*count == 4);
  CHECK(b->open_partition_count() == 0);
  auto offsets = b->offsets(tn("t"), PartitionId(3));
  REQUIRE(offsets.ok());
  CHECK(offsets->end == Offset(6));
  CHECK(b->open_partition_count() == 1);
  CHECK(observe(*b) == before);
  CHECK(b->open_partition_count() == 4);
  produce(*b, 1, 2, 5000);
  auto after = b->offsets(tn("t"), PartitionId(1));
  REQUIRE(after.ok());
  CHECK(after->end == Offset(6));
}

TEST_CASE("closing leaves a partition never opened as it was, marker and all") {
  TempHome h;
  InlineExecutor ex;
  {
    auto b = open(h, &ex, 100);
    REQUIRE(b->create_topic(tn("t"), 2, {}).ok());
    produce(*b, 0, 3, 1000);
    produce(*b, 1, 3, 1000);
    REQUIRE(b->close().ok());
  }
  const std::string marker0 = h.path + "/data/t-0/" + storage::kCleanShutdownFile;
  const std::string marker1 = h.path + "/data/t-1/" + storage::kCleanShutdownFile;
  REQUIRE(storage::path_exists(marker0));
  {
    auto b = open(h, &ex, 0);
    produce(*b, 1, 1, 2000);  // opens t-1 only
    CHECK(storage::path_exists(marker0));
    CHECK_FALSE(storage::path_exists(marker1));
    // A crash here: t-0 was never touched and is still clean.
  }
  CHECK(storage::path_exists(marker0));
  auto b = open(h, &ex, 0);
  auto offsets = b->offsets(tn("t"), PartitionId(1));
  REQUIRE(offsets.ok());
  CHECK(offsets->end == Offset(4));  // recovered after the crash
}

TEST_CASE("open_some opens every partition a slice at a time, and skips deleted ones") {
  TempHome h;
  InlineExecutor ex;
  {
    auto b = open(h, &ex, 100);
    REQUIRE(b->create_topic(tn("t"), 30, {}).ok());
    REQUIRE(b->create_topic(tn("u"), 3, {}).ok());
    REQUIRE(b->close().ok());
  }
  auto b = open(h, &ex, 0);
  CHECK(b->open_partition_count() == 0);
  REQUIRE(b->delete_topic(tn("u")).ok());
  // A zero budget still opens one partition per call.
  CHECK(b->open_some(0));
  CHECK(b->open_partition_count() == 1);
  while (b->open_some(0)) {
  }
  CHECK(b->open_partition_count() == 30);
  CHECK_FALSE(b->open_some(10));
}
