// The recovery point: written only after what it claims was synced, and
// used after a crash to sync (and scan) only what lies past it.
#include <doctest/doctest.h>

#include <mutex>

#include "daemon/storage/log.h"
#include "daemon/storage/recovery_point.h"
#include "daemon/storage/test_util.h"

using namespace ks;
using namespace ks::storage;
using namespace ks::storage::testing;

namespace {

std::mutex g_mu;
std::vector<std::pair<FileOp, std::string>> g_ops;

void record(FileOp op, const std::string& path) {
  std::lock_guard<std::mutex> lock(g_mu);
  g_ops.emplace_back(op, path);
}

// Records file operations while alive.
struct Ops {
  Ops() {
    clear();
    set_file_op_hook(&record);
  }
  ~Ops() { set_file_op_hook(nullptr); }
  void clear() {
    std::lock_guard<std::mutex> lock(g_mu);
    g_ops.clear();
  }
  // Index of the first `op` on `path`; -1: none.
  long find(FileOp op, const std::string& path) const {
    std::lock_guard<std::mutex> lock(g_mu);
    for (size_t i = 0; i < g_ops.size(); ++i)
      if (g_ops[i].first == op && g_ops[i].second == path) return static_cast<long>(i);
    return -1;
  }
  int syncs_of_logs() const {
    std::lock_guard<std::mutex> lock(g_mu);
    int n = 0;
    for (const auto& [op, path] : g_ops) n += op == FileOp::kSync && path.ends_with(".log");
    return n;
  }
};


// 8 KiB segments, the recovery point written by every flush.
LogConfig every_flush() {
  LogConfig c = small_segments();
  c.recovery_point_ms = 0;
  return c;
}

// Appends batches of 5 records of 200 bytes until the log has `segments` segments.
void fill(Log& log, size_t segments) {
  int i = static_cast<int>(log.end_offset().value());
  while (log.segment_count() < segments) {
    append(log, make_batch(i, 5, kT0 + i, 200));
    i += 5;
  }
}

}  // namespace

TEST_CASE("a recovery point line round-trips and garbage is not one") {
  RecoveryPoint rp{1234, 1000, 8191};
  auto back = RecoveryPoint::Parse(rp.encode());
  REQUIRE(back);
  CHECK(back->offset == 1234);
  CHECK(back->segment_base == 1000);
  CHECK(back->position == 8191);
  for (const char* bad : {"", "1 2\n", "1 2 3", "1 2 3\nx", "-1 0 0\n", "5 6 0\n", "a b c\n", "1 0 2 \n"})
    CHECK_FALSE(RecoveryPoint::Parse(bad));
}

TEST_CASE("a flush writes the recovery point only after the segments it covers are synced") {
  TempDir tmp;
  ManualClock clock(kT0);
  auto log = open_log(tmp.log_dir(), every_flush(), &clock);
  fill(*log, 3);
  Ops ops;
  REQUIRE(log->flush().ok());
  const std::string rp_path = tmp.log_dir() + "/" + kRecoveryPointFile;
  long written = ops.find(FileOp::kRename, rp_path);
  REQUIRE(written >= 0);
  for (const auto& s : log->segments()) {
    long synced = ops.find(FileOp::kSync, s->log_path());
    REQUIRE(synced >= 0);
    CHECK(synced < written);
  }
  CHECK(ops.find(FileOp::kSyncDir, tmp.log_dir()) < written);
  std::string why;
  auto rp = read_recovery_point(tmp.log_dir(), &why);
  REQUIRE(rp);
  CHECK(rp->offset == log->end_offset().value());
  CHECK(rp->segment_base == log->segments().back()->base_offset());
  CHECK(rp->position == log->segments().back()->size());
}

TEST_CASE("the recovery point is written at most every recovery_point_ms, and only when it moves") {
  TempDir tmp;
  ManualClock clock(kT0);
  LogConfig c = small_segments();
  c.recovery_point_ms = 1000;
  auto log = open_log(tmp.log_dir(), c, &clock);
  const std::string rp_path = tmp.log_dir() + "/" + kRecoveryPointFile;
  append(*log, make_batch(0, 5, kT0, 200));
  REQUIRE(log->flush().ok());
  CHECK_FALSE(path_exists(rp_path));  // opened less than a second ago
  CHECK_FALSE(log->recovery_point_due());
  clock.advance(1000);
  CHECK(log->recovery_point_due());
  REQUIRE(log->flush().ok());  // nothing to sync, the point to write
  std::string why;
  REQUIRE(read_recovery_point(tmp.log_dir(), &why));
  CHECK(read_recovery_point(tmp.log_dir(), &why)->offset == 5);
  clock.advance(5000);
  CHECK_FALSE(log->recovery_point_due());  // nothing new is durable
  append(*log, make_batch(5, 5, kT0, 200));
  CHECK_FALSE(log->recovery_point_due());  // appended, not yet durable
  REQUIRE(log->flush().ok());
  CHECK(read_recovery_point(tmp.log_dir(), &why)->offset == 10);
}

TEST_CASE("after a crash, segments below the recovery point are neither synced nor scanned again") {
  TempDir tmp;
  ManualClock clock(kT0);
  const std::string dir = tmp.log_dir();
  std::vector<Rec> expect;
  int64_t rp_base = 0, durable = 0;
  {
    auto log = open_log(dir, every_flush(), &clock);
    fill(*log, 4);
    REQUIRE(log->flush().ok());  // recovery point: the end of segment 4
    durable = log->end_offset().value();
    rp_base = log->segments().back()->base_offset();
    fill(*log, 6);  // two more segments, only in the page cache
    expect = read_all(*log);
  }  // dropped: a crash
  Ops ops;
  auto log = open_log(dir, every_flush(), &clock);
  CHECK(read_all(*log) == expect);
  CHECK(log->durable_offset().value() == durable);
  CHECK(ops.syncs_of_logs() == 0);  // nothing synced before the log answers
  ops.clear();
  REQUIRE(log->flush().ok());
  for (const auto& s : log->segments()) {
    INFO(s->log_path());
    if (s->base_offset() < rp_base) CHECK(ops.find(FileOp::kSync, s->log_path()) == -1);
    else CHECK(ops.find(FileOp::kSync, s->log_path()) >= 0);
  }
  CHECK(log->durable_offset() == log->end_offset());
}

TEST_CASE("a last segment wholly below the recovery point opens from its sealed indexes after a crash") {
  TempDir tmp;
  ManualClock clock(kT0);
  const std::string dir = tmp.log_dir();
  {
    auto log = open_log(dir, every_flush(), &clock);
    fill(*log, 3);
    REQUIRE(log->close().ok());  // indexes sealed, recovery point at the end
  }
  { auto log = open_log(dir, every_flush(), &clock); }  // clean open, then a crash with nothing appended
  Ops ops;
  auto log = open_log(dir, every_flush(), &clock);
  CHECK(log->segments().back()->indexes_saved());  // not rebuilt by a scan
  CHECK(log->durable_offset() == log->end_offset());
  CHECK(ops.syncs_of_logs() == 0);
}

TEST_CASE("a recovery point past the end of the log is dropped and the whole log synced") {
  TempDir tmp;
  ManualClock clock(kT0);
  const std::string dir = tmp.log_dir();
  {
    auto log = open_log(dir, every_flush(), &clock);
    fill(*log, 3);
    REQUIRE(log->flush().ok());
  }
  // What a disk that lost synced bytes would leave: the point claims more.
  REQUIRE(write_file_atomic(dir + "/" + kRecoveryPointFile, RecoveryPoint{100000, 0, 0}.encode(), true).ok());
  Ops ops;
  auto log = open_log(dir, every_flush(), &clock);
  bool reported = false;
  for (const auto& m : log->recovery_report().messages) reported |= m.find("past the end of the log") != std::string::npos;
  CHECK(reported);
  for (const auto& s : log->segments()) CHECK(ops.find(FileOp::kSync, s->log_path()) >= 0);
  // Replaced by a true one once the log was synced (a point every flush here).
  std::string why;
  auto rp = read_recovery_point(dir, &why);
  REQUIRE(rp);
  CHECK(rp->offset == log->end_offset().value());
  CHECK(log->durable_offset() == log->end_offset());
}

TEST_CASE("without a recovery point a crashed log is synced whole before it opens, as before") {
  TempDir tmp;
  ManualClock clock(kT0);
  const std::string dir = tmp.log_dir();
  LogConfig c = small_segments();  // recovery point every 60 s: never, here
  {
    auto log = open_log(dir, c, &clock);
    fill(*log, 3);
    REQUIRE(log->flush().ok());
  }
  REQUIRE_FALSE(path_exists(dir + "/" + kRecoveryPointFile));
  Ops ops;
  auto log = open_log(dir, c, &clock);
  for (const auto& s : log->segments()) CHECK(ops.find(FileOp::kSync, s->log_path()) >= 0);
  CHECK(log->durable_offset() == log->end_offset());
}

TEST_CASE("a recovery point write goes to the directory it was prepared for, even renamed") {
  TempDir tmp;
  ManualClock clock(kT0);
  const std::string dir = tmp.log_dir();
  auto log = open_log(dir, every_flush(), &clock);
  append(*log, make_batch(0, 5, kT0, 200));
  FlushJob job = log->prepare_flush();
  REQUIRE(job.recovery_point);
  // The topic is deleted (renamed away) and made again while the job waits.
  REQUIRE(std::rename(dir.c_str(), (dir + ".deleted").c_str()) == 0);
  REQUIRE(make_dir(dir).ok());
  REQUIRE(job.run().ok());
  CHECK_FALSE(path_exists(dir + "/" + kRecoveryPointFile));
  CHECK(path_exists(dir + ".deleted/" + kRecoveryPointFile));
}

TEST_CASE("a clean close puts the recovery point in the marker, an empty marker of an older version is removed") {
  TempDir tmp;
  ManualClock clock(kT0);
  const std::string dir = tmp.log_dir();
  const std::string marker = dir + "/" + kCleanShutdownFile;
  int64_t end = 0;
  {
    auto log = open_log(dir, small_segments(), &clock);
    fill(*log, 2);
    end = log->end_offset().value();
    REQUIRE(log->close().ok());
  }
  auto text = read_file(marker);
  REQUIRE(text.ok());
  REQUIRE(RecoveryPoint::Parse(*text));
  CHECK(RecoveryPoint::Parse(*text)->offset == end);
  {
    auto log = open_log(dir, small_segments(), &clock);
    CHECK_FALSE(path_exists(marker));
    REQUIRE(log->recovery_point());
    CHECK(log->recovery_point()->offset == end);
    REQUIRE(log->close().ok());
  }
  REQUIRE(write_file_atomic(marker, "", true).ok());  // what older versions wrote
  REQUIRE(remove_file(dir + "/" + kRecoveryPointFile).ok());
  auto log = open_log(dir, small_segments(), &clock);
  CHECK_FALSE(path_exists(marker));
  CHECK_FALSE(path_exists(dir + "/" + kRecoveryPointFile));
  CHECK(log->durable_offset().value() == end);
}
