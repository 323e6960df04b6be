// DeleteRecords' side of the log: the start offset moves inside a segment,
// durably, whole segments below it go, and it survives reopening, clean or not.
#include <doctest/doctest.h>

#include "daemon/storage/format.h"
#include "daemon/storage/log.h"
#include "daemon/storage/test_util.h"

using namespace ks;
using namespace ks::storage;
using namespace ks::storage::testing;

namespace {

// 40 batches of 5 records (offsets 0..199) in small segments.
void fill200(Log& log) {
  for (int i = 0; i < 200; i += 5) append(log, make_batch(i, 5, kT0 + i, 200));
}

}  // namespace

TEST_CASE("advance_start moves the start inside a segment and deletes the segments below it") {
  TempDir tmp;
  ManualClock clock(kT0);
  auto log = open_log(tmp.log_dir(), small_segments(), &clock);
  fill200(*log);
  REQUIRE(log->segment_count() > 3);
  const int64_t second_base = log->segments()[1]->base_offset();
  const int64_t target = second_base + 2;  // inside the second segment
  REQUIRE(log->advance_start(Offset(target)).ok());
  CHECK(log->start_offset() == Offset(target));
  CHECK(log->segments().front()->base_offset() == second_base);
  CHECK_FALSE(path_exists(tmp.log_dir() + "/" + segment_name(0) + ".log"));
  CHECK(log->read(Offset(target - 1), 1000).status().code() == Code::kOutOfRange);
  auto recs = read_all(*log);
  REQUIRE_FALSE(recs.empty());
  CHECK(recs.front().offset == target);
  CHECK(recs.back().offset == 199);
  // Never back, and a no-op at or below the start.
  REQUIRE(log->advance_start(Offset(3)).ok());
  CHECK(log->start_offset() == Offset(target));
  // Past the end is refused.
  CHECK(log->advance_start(Offset(201)).code() == Code::kOutOfRange);
  // Up to the end: the active segment stays, nothing is readable, appends go on.
  REQUIRE(log->advance_start(Offset(200)).ok());
  CHECK(log->start_offset() == Offset(200));
  CHECK(log->end_offset() == Offset(200));
  CHECK(log->segment_count() >= 1);
  append(*log, make_batch(200, 5, kT0 + 200, 20));
  CHECK(read_all(*log).front().offset == 200);
}

TEST_CASE("the moved start survives a clean close and an unclean stop") {
  TempDir tmp;
  ManualClock clock(kT0);
  {
    auto log = open_log(tmp.log_dir(), small_segments(), &clock);
    fill200(*log);
    REQUIRE(log->advance_start(Offset(77)).ok());
    REQUIRE(log->close().ok());
  }
  {
    auto log = open_log(tmp.log_dir(), small_segments(), &clock);
    CHECK(log->start_offset() == Offset(77));
    CHECK(log->end_offset() == Offset(200));
    CHECK(log->offset_for_time(kT0) .value() == Offset(77));
    REQUIRE(log->advance_start(Offset(123)).ok());
    // No close: as after kill -9.
  }
  auto log = open_log(tmp.log_dir(), small_segments(), &clock);
  CHECK(log->start_offset() == Offset(123));
  CHECK(read_all(*log).front().offset == 123);
  CHECK(read_file(tmp.log_dir() + "/" + kLogStartFile).value() == "123\n");
}

TEST_CASE("a start past what survived rolls a segment there, so no offset below it is given again") {
  TempDir tmp;
  ManualClock clock(kT0);
  {
    auto log = open_log(tmp.log_dir(), small_segments(), &clock);
    fill200(*log);
    REQUIRE(log->close().ok());
  }
  // As if a power cut took records the start had already passed.
  REQUIRE(write_file_atomic(tmp.log_dir() + "/" + kLogStartFile, "250\n", true).ok());
  auto log = open_log(tmp.log_dir(), small_segments(), &clock);
  CHECK(log->start_offset() == Offset(250));
  CHECK(log->end_offset() == Offset(250));
  CHECK_FALSE(log->recovery_report().messages.empty());
  auto r = append(*log, make_batch(0, 3, kT0, 20));
  CHECK(r.base_offset == Offset(250));
}

TEST_CASE("a damaged start file fails the open instead of guessing") {
  TempDir tmp;
  ManualClock clock(kT0);
  {
    auto log = open_log(tmp.log_dir(), small_segments(), &clock);
    fill200(*log);
  }
  REQUIRE(write_file_atomic(tmp.log_dir() + "/" + kLogStartFile, "12x\n", true).ok());
  auto log = Log::Open(tmp.log_dir(), small_segments(), &clock);
  CHECK(log.status().code() == Code::kCorruption);
}
