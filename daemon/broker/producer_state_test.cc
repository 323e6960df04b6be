#include "daemon/broker/producer_state.h"

#include <doctest/doctest.h>

#include <chrono>
#include <string>

#include "common/coding.h"
#include "common/crc32c.h"
#include "common/record_batch.h"
#include "daemon/broker/broker.h"
#include "daemon/broker/test_home.h"
#include "daemon/broker/test_names.h"
#include "daemon/storage/file.h"

using namespace ks;
using namespace ks::server;

namespace {

// The header of an idempotent batch of `n` records at `offset`.
batch::BatchHeader hdr(int64_t pid, int16_t epoch, int32_t seq, int32_t n = 1, int64_t offset = 0, int64_t ts = 1000) {
  batch::BatchHeader h;
  h.producer_id = pid;
  h.producer_epoch = epoch;
  h.base_sequence = seq;
  h.last_offset_delta = n - 1;
  h.records_count = n;
  h.base_offset = offset;
  h.max_timestamp = ts;
  return h;
}

// A real batch of `n` records with the producer fields set (CRC redone).
std::string idem_batch(int64_t pid, int16_t epoch, int32_t seq, int n, int64_t ts = -1) {
  // Timestamps of now by default: a producer is forgotten a day after its
  // last batch's.
  const int64_t now = ts >= 0 ? ts
                              : std::chrono::duration_cast<std::chrono::milliseconds>(
                                    std::chrono::system_clock::now().time_since_epoch())
                                    .count();
  batch::BatchBuilder b;
  for (int i = 0; i < n; ++i) b.add(std::nullopt, "v" + std::to_string(i), now + i);
  std::string out = b.take();
  put_be64(out.data() + batch::kProducerIdPos, static_cast<uint64_t>(pid));
  put_be16(out.data() + batch::kProducerEpochPos, static_cast<uint16_t>(epoch));
  put_be32(out.data() + batch::kBaseSequencePos, static_cast<uint32_t>(seq));
  put_be32(out.data() + batch::kCrcPos, crc32c::value(out.data() + batch::kCrcStart, out.size() - batch::kCrcStart));
  return out;
}

}  // namespace

TEST_CASE("sequence arithmetic wraps at INT32_MAX as Kafka's producer does") {
  CHECK(last_sequence(0, 4) == 4);
  CHECK(last_sequence(INT32_MAX, 0) == INT32_MAX);
  CHECK(last_sequence(INT32_MAX, 1) == 0);
  CHECK(last_sequence(INT32_MAX - 1, 3) == 1);
  CHECK(in_sequence(-1, 0));
  CHECK(!in_sequence(-1, 1));
  CHECK(in_sequence(4, 5));
  CHECK(!in_sequence(4, 4));
  CHECK(!in_sequence(4, 6));
  CHECK(in_sequence(INT32_MAX, 0));
}

TEST_CASE("an unknown producer may start at any sequence, then batches must follow in order") {
  ProducerState s;
  auto v = s.check(hdr(7, 0, 42));
  REQUIRE(v.ok());
  CHECK(!v->duplicate);
  s.record(hdr(7, 0, 42, 3, 100));  // sequences 42..44
  CHECK(s.check(hdr(7, 0, 45)).ok());
  auto gap = s.check(hdr(7, 0, 46));
  CHECK(gap.status().code() == Code::kOutOfOrderSequence);
  auto behind = s.check(hdr(7, 0, 43));  // not a cached batch's range, not next
  CHECK(behind.status().code() == Code::kOutOfOrderSequence);
}

TEST_CASE("a retried batch of the last five is a duplicate with its first offsets, older ones are out of order") {
  ProducerState s;
  for (int i = 0; i < 7; ++i) s.record(hdr(1, 0, i * 2, 2, 10 * i, 500 + i));  // seqs [0,1],[2,3],...,[12,13]
  auto dup = s.check(hdr(1, 0, 12, 2));
  REQUIRE(dup.ok());
  CHECK(dup->duplicate);
  CHECK(dup->original.first_offset == 60);
  CHECK(dup->original.last_offset == 61);
  CHECK(dup->original.timestamp == 506);
  auto fifth = s.check(hdr(1, 0, 4, 2));  // the oldest of the five kept
  REQUIRE(fifth.ok());
  CHECK(fifth->duplicate);
  CHECK(fifth->original.first_offset == 20);
  CHECK(s.check(hdr(1, 0, 2, 2)).status().code() == Code::kOutOfOrderSequence);  // fell out of the cache
  // Same first sequence but another length is not the same batch.
  CHECK(s.check(hdr(1, 0, 12, 1)).status().code() == Code::kOutOfOrderSequence);
}

TEST_CASE("epochs: an older one is fenced, a newer one must start at 0 and resets the batches") {
  ProducerState s;
  s.record(hdr(3, 5, 0, 1, 0));
  s.record(hdr(3, 5, 1, 1, 1));
  CHECK(s.check(hdr(3, 4, 2)).status().code() == Code::kInvalidProducerEpoch);
  CHECK(s.check(hdr(3, 4, 0)).status().code() == Code::kInvalidProducerEpoch);  // not a duplicate across epochs
  CHECK(s.check(hdr(3, 6, 5)).status().code() == Code::kOutOfOrderSequence);
  REQUIRE(s.check(hdr(3, 6, 0)).ok());
  CHECK(!s.check(hdr(3, 6, 0))->duplicate);
  s.record(hdr(3, 6, 0, 1, 2));
  REQUIRE(s.find(3) != nullptr);
  CHECK(s.find(3)->epoch == 6);
  CHECK(s.find(3)->batches.size() == 1);
  CHECK(s.check(hdr(3, 5, 1)).status().code() == Code::kInvalidProducerEpoch);
}

TEST_CASE("a batch with a producer id but no sequence or epoch is refused") {
  ProducerState s;
  CHECK(s.check(hdr(1, 0, -1)).status().code() == Code::kInvalidArgument);
  CHECK(s.check(hdr(1, -1, 0)).status().code() == Code::kInvalidArgument);
}

TEST_CASE("sequences wrap: after INT32_MAX comes 0") {
  ProducerState s;
  s.record(hdr(9, 0, INT32_MAX - 1, 2, 0));  // INT32_MAX-1, INT32_MAX
  CHECK(s.check(hdr(9, 0, 0)).ok());
  CHECK(s.check(hdr(9, 0, 1)).status().code() == Code::kOutOfOrderSequence);
  s.record(hdr(9, 0, INT32_MAX, 3, 2));  // wraps to 1
  CHECK(s.find(9)->batches.back().last_seq == 1);
  CHECK(s.check(hdr(9, 0, 2)).ok());
}

TEST_CASE("check_all: batches of one request are checked against each other, a duplicate answers for all") {
  ProducerState s;
  std::string two = idem_batch(5, 0, 0, 3) + idem_batch(5, 0, 3, 2);
  REQUIRE(s.check_all(two).ok());
  std::string gap = idem_batch(5, 0, 0, 3) + idem_batch(5, 0, 4, 2);
  CHECK(s.check_all(gap).status().code() == Code::kOutOfOrderSequence);
  s.record_all(two);
  auto dup = s.check_all(idem_batch(5, 0, 3, 2));
  REQUIRE(dup.ok());
  CHECK(dup->duplicate);
  // Batches without a producer id pass untouched.
  batch::BatchBuilder plain;
  plain.add(std::nullopt, "x", 1);
  CHECK(s.check_all(plain.take()).ok());
}

TEST_CASE("expiry forgets idle producers by their last batch's timestamp, retention drops those wholly deleted") {
  ProducerState s;
  s.record(hdr(1, 0, 0, 1, 0, 1000));
  s.record(hdr(2, 0, 0, 1, 50, 5000));
  CHECK(s.expire(6000, 5000) == 1);  // 6000-1000 >= 5000
  CHECK(s.find(1) == nullptr);
  CHECK(s.find(2) != nullptr);
  CHECK(s.drop_before(50) == 0);
  CHECK(s.drop_before(51) == 1);
  CHECK(s.size() == 0);
}

TEST_CASE("a snapshot decodes to the same state, a torn or altered one is refused") {
  ProducerState s;
  for (int i = 0; i < 6; ++i) s.record(hdr(11, 2, i, 1, i, 100 + i));
  s.record(hdr(12, 0, 7, 4, 10, 200));
  std::string bytes = s.encode(14);
  auto d = ProducerState::decode(bytes);
  REQUIRE(d.ok());
  CHECK(d->second == 14);
  CHECK(d->first.encode(14) == bytes);
  CHECK(d->first.find(11)->batches.size() == kMaxCachedBatches);
  CHECK(ProducerState::decode(bytes.substr(0, bytes.size() - 1)).status().code() == Code::kCorruption);
  bytes[20] ^= 1;
  CHECK(ProducerState::decode(bytes).status().code() == Code::kCorruption);
  CHECK(ProducerState::decode("").status().code() == Code::kCorruption);
}

namespace {

Result<storage::AppendResult> produce(Broker& b, std::string data) {
  Result<storage::AppendResult> out = Status::Unavailable("not answered");
  b.produce(tn("idem"), PartitionId(0), Acks::kAll, true, data.data(), data.size(),
            [&](Result<storage::AppendResult> r) { out = std::move(r); });
  return out;
}

}  // namespace

TEST_CASE("the broker answers a retried batch with its first offsets, before and after a restart or crash") {
  TempHome home;
  InlineExecutor ex;
  BrokerOptions o;
  o.home = home.path;
  {
    auto b = Broker::Open(o, &ex);
    REQUIRE(b.ok());
    REQUIRE(produce(**b, idem_batch(0, 0, 0, 3)).ok());
    auto second = produce(**b, idem_batch(0, 0, 3, 2));
    REQUIRE(second.ok());
    CHECK(second->base_offset.value() == 3);
    auto again = produce(**b, idem_batch(0, 0, 3, 2));
    REQUIRE(again.ok());
    CHECK(again->base_offset.value() == 3);
    CHECK(again->last_offset.value() == 4);
    auto end = (*b)->offsets(tn("idem"), PartitionId(0));
    CHECK(end->end.value() == 5);
    CHECK(produce(**b, idem_batch(0, 0, 9, 1)).status().code() == Code::kOutOfOrderSequence);
    REQUIRE((*b)->close().ok());  // clean: a snapshot at the end
  }
  {
    auto b = Broker::Open(o, &ex);
    REQUIRE(b.ok());
    auto again = produce(**b, idem_batch(0, 0, 3, 2));
    REQUIRE(again.ok());
    CHECK(again->base_offset.value() == 3);
    REQUIRE(produce(**b, idem_batch(0, 0, 5, 1)).ok());
    // No close: a crash. The snapshot at 5 is older than the log's end (6).
  }
  {
    auto b = Broker::Open(o, &ex);
    REQUIRE(b.ok());
    auto again = produce(**b, idem_batch(0, 0, 5, 1));
    REQUIRE(again.ok());
    CHECK(again->base_offset.value() == 5);
    CHECK((*b)->offsets(tn("idem"), PartitionId(0))->end.value() == 6);
    CHECK(produce(**b, idem_batch(0, 0, 7, 1)).status().code() == Code::kOutOfOrderSequence);
  }
}

TEST_CASE("a snapshot past the log's end (a tail lost to a crash) is ignored and the headers rescanned") {
  TempHome home;
  InlineExecutor ex;
  BrokerOptions o;
  o.home = home.path;
  {
    auto b = Broker::Open(o, &ex);
    REQUIRE(b.ok());
    REQUIRE(produce(**b, idem_batch(4, 0, 0, 2)).ok());
  }
  // A snapshot claiming a later state than the log holds.
  ProducerState fake;
  fake.record(hdr(4, 0, 0, 50, 0));
  const std::string dir = home.path + "/data/idem-0";
  REQUIRE(storage::write_file_atomic(dir + "/00000000000000000099.producers", fake.encode(99), false).ok());
  auto b = Broker::Open(o, &ex);
  REQUIRE(b.ok());
  CHECK(!storage::path_exists(dir + "/00000000000000000099.producers"));
  REQUIRE(produce(**b, idem_batch(4, 0, 2, 1)).ok());  // follows the log's own last sequence (1)
}

TEST_CASE("at open, a producer whose last batch is over producer.id.expiration.ms old is forgotten") {
  TempHome home;
  InlineExecutor ex;
  BrokerOptions o;
  o.home = home.path;
  {
    auto b = Broker::Open(o, &ex);
    REQUIRE(b.ok());
    REQUIRE(produce(**b, idem_batch(8, 0, 0, 2, /*ts=*/1000)).ok());  // 1970: long expired
    REQUIRE(produce(**b, idem_batch(9, 0, 0, 2)).ok());
    CHECK(produce(**b, idem_batch(8, 0, 5, 1, 1000)).status().code() == Code::kOutOfOrderSequence);
    REQUIRE((*b)->close().ok());
  }
  auto b = Broker::Open(o, &ex);
  REQUIRE(b.ok());
  CHECK(produce(**b, idem_batch(8, 0, 5, 1, 1000)).ok());  // unknown again: any sequence
  CHECK(produce(**b, idem_batch(9, 0, 5, 1)).status().code() == Code::kOutOfOrderSequence);
}

TEST_CASE("producer ids are never handed out twice, across restarts") {
  TempHome home;
  InlineExecutor ex;
  BrokerOptions o;
  o.home = home.path;
  int64_t last = -1;
  for (int round = 0; round < 2; ++round) {
    auto b = Broker::Open(o, &ex);
    REQUIRE(b.ok());
    for (int i = 0; i < 3; ++i) {
      auto id = (*b)->new_producer_id();
      REQUIRE(id.ok());
      CHECK(*id > last);
      last = *id;
    }
  }
  CHECK(last == 5);
}
