#include "daemon/storage/timestamp_policy.h"

#include <doctest/doctest.h>

#include "daemon/storage/test_util.h"

using namespace ks;
using namespace ks::storage;
using namespace ks::storage::testing;

TEST_CASE("CreateTime limits refuse a batch with a record too far behind or ahead, and write nothing") {
  TempDir tmp;
  ManualClock clock(kT0);
  LogConfig c;
  c.timestamp_before_max_ms = 1000;
  c.timestamp_after_max_ms = 500;
  auto log = open_log(tmp.log_dir(), c, &clock);
  append(*log, make_batch(0, 3, kT0 - 1000));  // the oldest exactly at the limit
  append(*log, make_batch(3, 3, kT0 + 498));   // the newest exactly at the limit
  std::string old = make_batch(6, 3, kT0 - 1001);
  auto r = log->append(old.data(), old.size());
  CHECK(r.status().code() == Code::kInvalidTimestamp);
  CHECK(r.status().message().find("before.max.ms") != std::string::npos);
  std::string ahead = make_batch(6, 3, kT0 + 499);  // its last record is 501 ms ahead
  r = log->append(ahead.data(), ahead.size());
  CHECK(r.status().code() == Code::kInvalidTimestamp);
  CHECK(r.status().message().find("after.max.ms") != std::string::npos);
  CHECK(log->end_offset() == Offset(6));
}

TEST_CASE("LogAppendTime stamps every record with the append time, and the stamp survives a reopen") {
  TempDir tmp;
  ManualClock clock(kT0);
  LogConfig c;
  c.log_append_time = true;
  c.timestamp_after_max_ms = 0;  // ignored with LogAppendTime, as in Kafka
  {
    auto log = open_log(tmp.log_dir(), c, &clock);
    append(*log, make_batch(0, 3, 5));
    clock.advance(7);
    append(*log, make_batch(3, 2, kT0 + 999999));
    auto recs = read_all(*log);
    REQUIRE(recs.size() == 5);
    for (int i = 0; i < 3; ++i) CHECK(recs[i].timestamp == kT0);
    for (int i = 3; i < 5; ++i) CHECK(recs[i].timestamp == kT0 + 7);
    CHECK(*log->offset_for_time(kT0 + 1) == Offset(3));
    REQUIRE(log->close().ok());
  }
  auto log = open_log(tmp.log_dir(), c, &clock);
  auto recs = read_all(*log);  // read_all validates each batch: the CRC was recomputed
  REQUIRE(recs.size() == 5);
  CHECK(recs[4].timestamp == kT0 + 7);
}
