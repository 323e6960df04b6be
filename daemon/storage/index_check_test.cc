#include "daemon/storage/index_check.h"

#include <doctest/doctest.h>

using namespace ks::storage;

namespace {

IndexSeal seal_of(uint64_t size, int64_t next, uint32_t crc, int64_t max_ts) {
  IndexSeal s;
  s.log_size = size;
  s.next_offset = next;
  s.last_batch_crc = crc;
  s.max_timestamp = max_ts;
  s.max_timestamp_offset = next - 1;
  return s;
}

}  // namespace

TEST_CASE("a seal is compared only with what the caller knows of the log") {
  const IndexSeal seal = seal_of(1000, 50, 7, 123);
  CHECK(seal_mismatches(seal, LogFacts(1000)).empty());
  auto wrong = seal_mismatches(seal, LogFacts(2000));
  REQUIRE(wrong.size() == 1);
  CHECK(wrong[0] == "the seal's log size is 1000, the log's is 2000");

  LogFacts log(1000);
  log.next_offset = 50;
  log.last_batch_crc = 8;
  log.max_timestamp = 124;
  wrong = seal_mismatches(seal, log);
  REQUIRE(wrong.size() == 2);
  CHECK(wrong[0].find("last batch CRC") != std::string::npos);
  CHECK(wrong[1].find("largest timestamp is 123, the log's is 124") != std::string::npos);

  // Another next offset makes the CRC another batch's: not compared.
  log.next_offset = 60;
  wrong = seal_mismatches(seal, log);
  REQUIRE(wrong.size() == 2);
  CHECK(wrong[0].find("next offset is 50, the log's is 60") != std::string::npos);
}

TEST_CASE("a time index must end inside the log, on its largest timestamp") {
  TimeIndex t;
  t.maybe_append(100, 3);
  t.maybe_append(200, 9);
  CHECK_FALSE(check_time_index_end(t, 1000, 1010, 200));
  auto past = check_time_index_end(t, 1000, 1009, 200);
  REQUIRE(past);
  CHECK(past->entry == 1);
  CHECK(past->message.find("beyond the end of the log (its last offset is 1008)") != std::string::npos);
  auto older = check_time_index_end(t, 1000, 1010, 250);
  REQUIRE(older);
  CHECK(older->message.find("largest timestamp is 200") != std::string::npos);
  // A log without batches: no entry at all.
  CHECK(check_time_index_end(TimeIndex(), 1000, 1000, INT64_MIN) == std::nullopt);
  auto empty = check_time_index_end(t, 1000, 1000, INT64_MIN);
  REQUIRE(empty);
  CHECK(empty->message.find("none: it holds no batch") != std::string::npos);
  // A log with batches needs one.
  CHECK(check_time_index_end(TimeIndex(), 1000, 1010, 5));
}
