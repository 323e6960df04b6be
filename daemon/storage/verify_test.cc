#include "daemon/storage/verify.h"

#include <doctest/doctest.h>

#include "daemon/storage/scanner.h"
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

namespace {

// Cuts a closed segment of a fresh 100-batch log at the start of its
// batch `keep` (a batch boundary). Returns the segment's path and the
// first lost offset; the lost range ends before the next segment's base.
struct CutSegment {
  std::string path;
  int64_t lost_from = 0;
  int64_t next_base = 0;
};

CutSegment cut_closed_segment(const std::string& dir, Clock* clock, size_t keep) {
  LogConfig c;
  c.segment_bytes = 8 << 10;
  auto log = std::move(*Log::Open(dir, c, clock));
  for (int b = 0; b < 100; ++b) append(*log, make_batch(b * 5, 5, 1000 + b * 5, 30));
  CutSegment cut{log->segments()[1]->log_path(), 0, log->segments()[2]->base_offset()};
  REQUIRE(log->close().ok());
  auto f = std::move(*File::Open(cut.path, File::Mode::kReadWrite));
  BatchScanner scan(f.get(), 0, *f->size(), false);
  ScannedBatch b;
  for (size_t i = 0; i <= keep; ++i) REQUIRE(scan.next(&b) == BatchScanner::Step::kBatch);
  cut.lost_from = b.header.base_offset;
  REQUIRE(f->truncate(b.position).ok());
  return cut;
}

bool has_problem(const VerifyReport& r, const std::string& file, const std::string& text) {
  for (const auto& p : r.problems)
    if (p.fatal && p.file == file && p.message.find(text) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE("verify reports offsets missing between segments, naming both files") {
  TempDir tmp;
  ManualClock clock(1000);
  auto cut = cut_closed_segment(tmp.log_dir(), &clock, 20);
  const std::string stem = cut.path.substr(0, cut.path.size() - 4);
  REQUIRE(remove_file(stem + ".index").ok());
  REQUIRE(remove_file(stem + ".timeindex").ok());
  auto r = verify_partition(tmp.log_dir());
  REQUIRE(r.ok());
  CHECK_FALSE(r->clean());
  const std::string range = std::to_string(cut.lost_from) + ".." + std::to_string(cut.next_base - 1);
  CHECK(has_problem(*r, cut.path, "offsets " + range + " are missing"));
  CHECK(has_problem(*r, cut.path, segment_name(cut.next_base) + ".log"));

  // Opening the log says so too, and reads skip nothing else.
  auto log = std::move(*Log::Open(tmp.log_dir(), LogConfig{}, &clock));
  bool said = false;
  for (const auto& m : log->recovery_report().messages)
    said = said || (m.find(cut.path) != std::string::npos && m.find("offsets " + range) != std::string::npos);
  CHECK(said);
}

TEST_CASE("verify flags a time index whose last entry points beyond the end of the log") {
  TempDir tmp;
  ManualClock clock(1000);
  // Cut after the offset index's entries, so only the time index is wrong.
  auto cut = cut_closed_segment(tmp.log_dir(), &clock, 25);
  const std::string stem = cut.path.substr(0, cut.path.size() - 4);
  auto r = verify_partition(tmp.log_dir());
  REQUIRE(r.ok());
  CHECK(has_problem(*r, stem + ".timeindex", "beyond the end of the log"));
}

TEST_CASE("verify and recovery agree: a bad length followed by valid batches is damage, not a torn tail") {
  TempDir tmp;
  ManualClock clock(1000);
  LogConfig c;
  c.segment_bytes = 8 << 10;
  std::string path;
  uint64_t bad_pos = 0;
  int64_t batches_in_segment = 0;
  {
    auto log = std::move(*Log::Open(tmp.log_dir(), c, &clock));
    for (int b = 0; b < 100; ++b) append(*log, make_batch(b * 5, 5, 1000, 30));
    path = log->segments()[1]->log_path();
    REQUIRE(log->close().ok());
  }
  auto f = std::move(*File::Open(path, File::Mode::kReadWrite));
  const uint64_t size = *f->size();
  {
    BatchScanner scan(f.get(), 0, size, false);
    ScannedBatch b;
    while (scan.next(&b) == BatchScanner::Step::kBatch) {
      if (++batches_in_segment == 3) bad_pos = b.position;
    }
  }
  REQUIRE(batches_in_segment > 5);
  // The batch length of the third batch runs past the end of the file.
  char garbage[4] = {0x7f, 0x7f, 0x7f, 0x70};
  REQUIRE(f->write_at(bad_pos + 8, garbage, sizeof garbage).ok());

  auto r = verify_partition(tmp.log_dir());
  REQUIRE(r.ok());
  CHECK_FALSE(r->clean());
  CHECK(has_problem(*r, path, "damage, not a torn write"));
  CHECK_FALSE(has_problem(*r, path, "truncates"));
  // Verify read on past the damage: every other batch is counted.
  CHECK(r->batches == 99);

  // Recovery (an unclean open of the same bytes) keeps them and reports
  // damage at the same byte.
  REQUIRE(remove_file(path.substr(0, path.size() - 4) + ".index").ok());
  auto log = std::move(*Log::Open(tmp.log_dir(), c, &clock));
  CHECK(log->recovery_report().truncated_bytes == 0);
  CHECK(log->recovery_report().corrupt_batches == 1);
  bool said = false;
  for (const auto& m : log->recovery_report().messages)
    said = said || (m.find(path + " at byte " + std::to_string(bad_pos) + ": DAMAGED") != std::string::npos);
  CHECK(said);
  CHECK(*File::Open(path, File::Mode::kRead).value()->size() == size);
}
