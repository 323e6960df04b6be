// Index files a power cut damaged (they are not fsynced at roll): zeroed,
// garbage, or from an older version of the segment. None of them may
// change what retention deletes, what a read or a time lookup returns;
// `ks log verify` must report them.
#include <doctest/doctest.h>

#include "daemon/storage/log.h"
#include "daemon/storage/test_util.h"
#include "daemon/storage/verify.h"

using namespace ks;
using namespace ks::storage;
using namespace ks::storage::testing;

namespace {

void write_whole(const std::string& path, const std::string& bytes) {
  auto f = File::Open(path, File::Mode::kCreate);
  REQUIRE(f.ok());
  REQUIRE((*f)->truncate(0).ok());
  REQUIRE((*f)->write_at(0, bytes.data(), bytes.size()).ok());
}

std::string stem_of(const Segment& s) {
  std::string p = s.log_path();
  return p.substr(0, p.size() - 4);
}

// A closed log of 100 batches of 5 records, timestamps kT0 + offset, in
// 8 KiB segments; `interval` bytes between index entries.
struct ClosedLog {
  TempDir tmp;
  ManualClock clock{kT0};
  LogConfig config;
  std::vector<Rec> expect;
  std::string seg0;  // stem of the first segment's files
  size_t segments = 0;

  explicit ClosedLog(uint32_t interval) {
    config = small_segments();
    config.index_interval_bytes = interval;
    auto log = open_log(tmp.log_dir(), config, &clock);
    for (int b = 0; b < 100; ++b) append(*log, make_batch(b * 5, 5, kT0 + b * 5, 30));
    expect = read_all(*log);
    seg0 = stem_of(*log->segments()[0]);
    segments = log->segment_count();
    REQUIRE(segments >= 4);
    REQUIRE(log->close().ok());
  }
  void zero(const std::string& file) {
    auto bytes = read_file(file);
    REQUIRE(bytes.ok());
    REQUIRE(!bytes->empty());
    write_whole(file, std::string(bytes->size(), '\0'));
  }
  // Opens with a retention that keeps every record (the newest is
  // kT0 + 499; now is kT0 + 1000, retention 10 s) and applies it.
  std::unique_ptr<Log> open_and_retain() {
    LogConfig c = config;
    c.retention_ms = 10'000;
    clock.set(kT0 + 1000);
    auto log = open_log(tmp.log_dir(), c, &clock);
    auto deleted = log->apply_retention();
    REQUIRE_MESSAGE(deleted.ok(), deleted.status().to_string());
    CHECK(*deleted == 0);
    CHECK(log->segment_count() == segments);
    return log;
  }
};

bool reports_file(const VerifyReport& r, const std::string& file, bool fatal = true) {
  for (const auto& p : r.problems)
    if (p.fatal == fatal && p.file == file) return true;
  return false;
}

}  // namespace

TEST_CASE("a zeroed time index is reported, rebuilt, and retention keeps the segment") {
  for (uint32_t interval : {uint32_t{1} << 20, kDefaultIndexIntervalBytes}) {
    CAPTURE(interval);
    ClosedLog f(interval);
    f.zero(f.seg0 + ".timeindex");
    auto report = verify_partition(f.tmp.log_dir());
    REQUIRE(report.ok());
    CHECK_FALSE(report->clean());
    CHECK(reports_file(*report, f.seg0 + ".timeindex"));

    auto log = f.open_and_retain();
    CHECK(log->recovery_report().rebuilt_indexes >= 1);
    CHECK(read_all(*log) == f.expect);
    CHECK(log->segments()[0]->max_timestamp() == f.expect[static_cast<size_t>(log->segments()[1]->base_offset() - 1)].timestamp);
    for (int64_t i : {0, 3, 250, 499}) CHECK(log->offset_for_time(kT0 + i)->value() == i);
    // Written back sealed at close: verify is clean again.
    REQUIRE(log->close().ok());
    auto again = verify_partition(f.tmp.log_dir());
    REQUIRE(again.ok());
    CHECK(again->clean());
  }
}

TEST_CASE("zeroed and garbage offset indexes change no read and no time lookup") {
  for (int kind : {0, 1}) {
    CAPTURE(kind);
    ClosedLog f(1024);
    auto log0 = open_log(f.tmp.log_dir(), f.config, &f.clock);
    std::vector<std::string> stems;
    for (const auto& s : log0->segments()) stems.push_back(stem_of(*s));
    REQUIRE(log0->close().ok());
    for (size_t i = 0; i + 1 < stems.size(); ++i) {
      if (kind == 0) {
        f.zero(stems[i] + ".index");
      } else {
        std::string g(8 * (i + 2), '\0');
        for (size_t j = 0; j < g.size(); ++j) g[j] = static_cast<char>((j * 37 + i * 11) & 0xff);
        write_whole(stems[i] + ".index", g);
      }
    }
    auto report = verify_partition(f.tmp.log_dir());
    REQUIRE(report.ok());
    CHECK_FALSE(report->clean());
    CHECK(reports_file(*report, stems[0] + ".index"));
    auto log = f.open_and_retain();
    CHECK(read_all(*log) == f.expect);
    CHECK(read_all(*log, -1, 1500) == f.expect);
    for (int64_t from : {1, 7, 123, 250, 333, 499}) {
      auto got = read_all(*log, from);
      CHECK(got == std::vector<Rec>(f.expect.begin() + from, f.expect.end()));
    }
    for (int64_t i = 0; i < 500; i += 13) CHECK(log->offset_for_time(kT0 + i)->value() == i);
  }
}

TEST_CASE("indexes of an older version of the segment are rebuilt, retention keeps the segment") {
  // The first segment's indexes as a clean close left them when it held
  // only old records; then it grew (newer records) and rolled, and the
  // power cut lost the rewrite of its indexes at roll.
  TempDir tmp;
  ManualClock clock(kT0);
  LogConfig c = small_segments();
  auto log = open_log(tmp.log_dir(), c, &clock);
  for (int b = 0; b < 10; ++b) append(*log, make_batch(b * 5, 5, kT0 + b * 5, 30));
  const std::string seg0 = stem_of(*log->segments()[0]);
  REQUIRE(log->segment_count() == 1);
  REQUIRE(log->close().ok());
  const std::string old_idx = *read_file(seg0 + ".index");
  const std::string old_tidx = *read_file(seg0 + ".timeindex");

  log = open_log(tmp.log_dir(), c, &clock);
  const int64_t later = kT0 + 3'600'000;  // an hour newer
  for (int b = 10; b < 100; ++b) append(*log, make_batch(b * 5, 5, later + b * 5, 30));
  REQUIRE(log->segment_count() >= 3);
  auto expect = read_all(*log);
  REQUIRE(log->close().ok());
  write_whole(seg0 + ".index", old_idx);
  write_whole(seg0 + ".timeindex", old_tidx);

  // Reported, as a warning: a stale prefix is what an unclean stop leaves,
  // not damage (the records are all there); the daemon rebuilds it.
  auto report = verify_partition(tmp.log_dir());
  REQUIRE(report.ok());
  CHECK(report->clean());
  CHECK(reports_file(*report, seg0 + ".timeindex", false));
  CHECK(reports_file(*report, seg0 + ".index", false));

  // Retention 10 min at later + 1 min: the first segment's newest record
  // (later + its last offset) is young; only the stale index said old.
  c.retention_ms = 600'000;
  clock.set(later + 60'000);
  log = open_log(tmp.log_dir(), c, &clock);
  auto deleted = log->apply_retention();
  REQUIRE(deleted.ok());
  CHECK(*deleted == 0);
  CHECK(log->start_offset() == Offset(0));
  CHECK(read_all(*log) == expect);
  CHECK(log->offset_for_time(later)->value() == 50);
}

TEST_CASE("an index whose seal fails its CRC is damage, not a stale prefix") {
  ClosedLog f(4096);
  const std::string idx = *read_file(f.seg0 + ".index");
  std::string bad = idx;
  bad[bad.size() - 30] ^= 0x5a;  // inside the seal: the CRC no longer holds
  write_whole(f.seg0 + ".index", bad);
  auto report = verify_partition(f.tmp.log_dir());
  REQUIRE(report.ok());
  CHECK_FALSE(report->clean());
  CHECK(reports_file(*report, f.seg0 + ".index"));
}
