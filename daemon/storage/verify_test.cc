#include "daemon/storage/verify.h"

#include <doctest/doctest.h>

#include "daemon/storage/test_util.h"

using namespace ks;
using namespace ks::storage;
using namespace ks::storage::testing;

TEST_CASE("verify reports a clean log with its counts") {
  TempDir tmp;
  ManualClock clock(1000);
  LogConfig c;
  c.segment_bytes = 8 << 10;
  auto log = std::move(*Log::Open(tmp.log_dir(), c, &clock));
  for (int b = 0; b < 100; ++b) append(*log, make_batch(b * 5, 5, 1000, 30));
  REQUIRE(log->close().ok());
  auto r = verify_partition(tmp.log_dir());
  REQUIRE(r.ok());
  CHECK(r->clean());
  CHECK(r->problems.empty());
  CHECK(r->batches == 100);
  CHECK(r->records == 500);
  CHECK(r->segments == static_cast<int>(log->segment_count()));
  CHECK(r->start_offset == 0);
  CHECK(r->end_offset == 500);
}

TEST_CASE("verify finds flipped bytes in closed segments, with file and position") {
  TempDir tmp;
  ManualClock clock(1000);
  LogConfig c;
  c.segment_bytes = 8 << 10;
  auto log = std::move(*Log::Open(tmp.log_dir(), c, &clock));
  for (int b = 0; b < 100; ++b) append(*log, make_batch(b * 5, 5, 1000, 30));
  std::string path = log->segments()[1]->log_path();
  REQUIRE(log->close().ok());
  auto f = std::move(*File::Open(path, File::Mode::kReadWrite));
  char c1;
  REQUIRE(f->read_at(500, &c1, 1).ok());
  c1 ^= 0x10;
  REQUIRE(f->write_at(500, &c1, 1).ok());
  auto r = verify_partition(tmp.log_dir());
  REQUIRE(r.ok());
  CHECK_FALSE(r->clean());
  REQUIRE(r->problems.size() == 1);
  CHECK(r->problems[0].file == path);
  CHECK(r->problems[0].position <= 500);
  CHECK(r->problems[0].position + 300 > 500);
}

TEST_CASE("verify reports a torn tail and treats missing indexes as warnings") {
  TempDir tmp;
  ManualClock clock(1000);
  {
    auto log = std::move(*Log::Open(tmp.log_dir(), LogConfig{}, &clock));
    for (int b = 0; b < 10; ++b) append(*log, make_batch(b * 5, 5, 1000, 30));
    // No close: the active segment has no index files.
  }
  auto r = verify_partition(tmp.log_dir());
  REQUIRE(r.ok());
  CHECK(r->clean());
  CHECK(r->problems.size() == 2);  // .index and .timeindex missing
  for (auto& p : r->problems) CHECK_FALSE(p.fatal);

  std::string path = tmp.log_dir() + "/00000000000000000000.log";
  auto f = std::move(*File::Open(path, File::Mode::kReadWrite));
  uint64_t size = *f->size();
  REQUIRE(f->truncate(size - 7).ok());
  r = verify_partition(tmp.log_dir());
  REQUIRE(r.ok());
  CHECK_FALSE(r->clean());
  bool torn = false;
  for (auto& p : r->problems) torn = torn || (p.fatal && p.message.find("torn") != std::string::npos);
  CHECK(torn);
}

TEST_CASE("verify of a directory without segments is not found") {
  TempDir tmp;
  CHECK(verify_partition(tmp.path()).status().code() == Code::kNotFound);
  CHECK(verify_partition(tmp.path() + "/nope").status().code() == Code::kNotFound);
}
