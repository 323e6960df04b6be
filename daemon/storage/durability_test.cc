// What must be on disk before what: the order of fsyncs, renames and
// removals the storage layer asks for, seen through the file-op hook.
// (The power-loss harness in tests/reliability checks the same end to end.)
#include <doctest/doctest.h>

#include <mutex>

#include "common/coding.h"
#include "daemon/storage/group_commit.h"
#include "daemon/storage/index_seal.h"
#include "daemon/storage/log.h"
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
struct OpLog {
  OpLog() {
    clear();
    set_file_op_hook(&record);
  }
  ~OpLog() { set_file_op_hook(nullptr); }
  void clear() {
    std::lock_guard<std::mutex> lock(g_mu);
    g_ops.clear();
  }
  size_t size() const {
    std::lock_guard<std::mutex> lock(g_mu);
    return g_ops.size();
  }
  // Position of the first `op` on `path` at or after `from`; -1: none.
  long find(FileOp op, const std::string& path, size_t from = 0) const {
    std::lock_guard<std::mutex> lock(g_mu);
    for (size_t i = from; i < g_ops.size(); ++i)
      if (g_ops[i].first == op && g_ops[i].second == path) return static_cast<long>(i);
    return -1;
  }
  long last(FileOp op, const std::string& path) const {
    std::lock_guard<std::mutex> lock(g_mu);
    for (size_t i = g_ops.size(); i-- > 0;)
      if (g_ops[i].first == op && g_ops[i].second == path) return static_cast<long>(i);
    return -1;
  }
};

}  // namespace

TEST_CASE("a new partition directory is in its parent on disk before the log opens") {
  TempDir tmp;
  ManualClock clock(kT0);
  OpLog ops;
  auto log = open_log(tmp.log_dir(), small_segments(), &clock);
  long made = ops.find(FileOp::kMakeDir, tmp.log_dir());
  REQUIRE(made >= 0);
  CHECK(ops.find(FileOp::kSyncDir, tmp.path(), static_cast<size_t>(made)) > made);
  // The first segment's entry in the new directory, too.
  CHECK(ops.find(FileOp::kSyncDir, tmp.log_dir(), static_cast<size_t>(made)) > made);
}

TEST_CASE("--acks all across a roll: both segments and the directory are synced before the answer") {
  TempDir tmp;
  ManualClock clock(kT0);
  auto log = open_log(tmp.log_dir(), small_segments(), &clock);
  GroupCommit commit(log.get());
  OpLog ops;
  int answered = 0;
  // First append, and its flush prepared (in flight) but not run yet.
  auto a = append(*log, make_batch(0, 5, kT0, 100));
  auto job1 = commit.request(a.last_offset + 1, [&](const Status& s) { CHECK(s.ok()); ++answered; });
  REQUIRE(job1);
  // Appends meanwhile roll a new segment; their flush waits for the next job.
  const std::string old_seg = log->segments()[0]->log_path();
  AppendResult b;
  while (log->segment_count() == 1) b = append(*log, make_batch(0, 5, kT0, 1000));
  // The old segment got bytes after job1 was prepared: the batch written
  // to a segment that rolled between write and sync.
  REQUIRE(job1->items.size() == 1);
  REQUIRE(job1->items[0].size < log->segments()[0]->size());
  const std::string new_seg = log->segments()[1]->log_path();
  bool b_done = false;
  CHECK_FALSE(commit.request(b.last_offset + 1, [&](const Status& s) {
    CHECK(s.ok());
    b_done = true;
    // Everything the answer depends on is on disk by now.
    long dir = ops.last(FileOp::kSyncDir, tmp.log_dir());
    long nseg = ops.last(FileOp::kSync, new_seg);
    long oseg = ops.last(FileOp::kSync, old_seg);
    CHECK(dir >= 0);
    CHECK(nseg >= 0);
    CHECK(oseg >= 0);
  }));
  auto job2 = commit.complete(*job1, job1->run());
  CHECK(answered == 1);
  CHECK_FALSE(b_done);
  REQUIRE(job2);
  // The second job covers the bytes the old segment got after job1 was
  // prepared, and the new segment with its directory entry.
  size_t before = ops.size();
  auto none = commit.complete(*job2, job2->run());
  CHECK_FALSE(none);
  CHECK(b_done);
  CHECK(ops.find(FileOp::kSync, old_seg, before) >= 0);
  CHECK(ops.find(FileOp::kSync, new_seg, before) >= 0);
  CHECK(ops.find(FileOp::kSyncDir, tmp.log_dir(), before) > ops.find(FileOp::kSync, new_seg, before));
  CHECK(log->durable_offset() == log->end_offset());
}

TEST_CASE("retention: each deleted segment is durably gone before the next one goes") {
  TempDir tmp;
  ManualClock clock(kT0);
  LogConfig c = small_segments();
  auto log = open_log(tmp.log_dir(), c, &clock);
  for (int b = 0; b < 100; ++b) append(*log, make_batch(b * 5, 5, kT0 + b * 5, 30));
  std::vector<std::string> logs;
  for (const auto& s : log->segments()) logs.push_back(s->log_path());
  REQUIRE(logs.size() >= 4);
  c.retention_bytes = 0;
  log->set_config(c);
  OpLog ops;
  auto deleted = log->apply_retention();
  REQUIRE(deleted.ok());
  REQUIRE(*deleted == static_cast<int>(logs.size()) - 1);
  for (size_t i = 0; i + 1 < logs.size(); ++i) {
    CAPTURE(logs[i]);
    long removed = ops.find(FileOp::kRemove, logs[i]);
    REQUIRE(removed >= 0);
    long synced = ops.find(FileOp::kSyncDir, tmp.log_dir(), static_cast<size_t>(removed));
    CHECK(synced > removed);
    if (i + 2 < logs.size()) CHECK(synced < ops.find(FileOp::kRemove, logs[i + 1]));
  }
}

TEST_CASE("close: data and indexes are fsynced before the clean-shutdown marker, durably") {
  TempDir tmp;
  ManualClock clock(kT0);
  auto log = open_log(tmp.log_dir(), small_segments(), &clock);
  for (int b = 0; b < 3; ++b) append(*log, make_batch(b * 5, 5, kT0 + b * 5, 30));
  const std::string seg = log->segments()[0]->log_path();
  const std::string stem = seg.substr(0, seg.size() - 4);
  const std::string marker = tmp.log_dir() + "/.clean-shutdown";
  OpLog ops;
  REQUIRE(log->close().ok());
  long marked = ops.find(FileOp::kRename, marker);
  REQUIRE(marked >= 0);
  long data = ops.find(FileOp::kSync, seg);
  long idx = ops.find(FileOp::kSync, stem + ".index.tmp");
  long tidx = ops.find(FileOp::kSync, stem + ".timeindex.tmp");
  CHECK(data >= 0);
  CHECK(idx >= 0);
  CHECK(tidx >= 0);
  CHECK(data < marked);
  CHECK(idx < marked);
  CHECK(tidx < marked);
  CHECK(ops.find(FileOp::kSync, marker + ".tmp") < marked);
  CHECK(ops.find(FileOp::kSyncDir, tmp.log_dir(), static_cast<size_t>(marked)) > marked);

  // At the next open the marker goes, durably, before anything else: it
  // becomes the recovery point (it holds one at the end of the log).
  ops.clear();
  log = open_log(tmp.log_dir(), small_segments(), &clock);
  long removed = ops.find(FileOp::kRename, tmp.log_dir() + "/" + kRecoveryPointFile);
  REQUIRE(removed >= 0);
  CHECK_FALSE(path_exists(marker));
  CHECK(ops.find(FileOp::kSyncDir, tmp.log_dir(), static_cast<size_t>(removed)) > removed);
}

TEST_CASE("recovery after a crash: the truncated tail and the directories are on disk before open returns") {
  TempDir tmp;
  ManualClock clock(kT0);
  std::string seg;
  uint64_t size = 0;
  {
    auto log = open_log(tmp.log_dir(), small_segments(), &clock);
    for (int b = 0; b < 3; ++b) append(*log, make_batch(b * 5, 5, kT0 + b * 5, 30));
    seg = log->segments()[0]->log_path();
    size = log->segments()[0]->size();
  }  // no close(): a crash
  {
    auto f = File::Open(seg, File::Mode::kReadWrite);
    REQUIRE(f.ok());
    REQUIRE((*f)->truncate(size - 7).ok());  // a torn last batch
  }
  OpLog ops;
  auto log = open_log(tmp.log_dir(), small_segments(), &clock);
  CHECK(log->recovery_report().truncated_bytes > 0);
  CHECK(ops.find(FileOp::kSync, seg) >= 0);
  CHECK(ops.find(FileOp::kSyncDir, tmp.log_dir()) >= 0);
  CHECK(ops.find(FileOp::kSyncDir, tmp.path()) >= 0);
  CHECK(log->durable_offset() == log->end_offset());
}

TEST_CASE("removing a partition directory is durable in its parent") {
  TempDir tmp;
  ManualClock clock(kT0);
  {
    auto log = open_log(tmp.log_dir(), small_segments(), &clock);
    append(*log, make_batch(0, 5, kT0, 30));
    REQUIRE(log->close().ok());
  }
  OpLog ops;
  REQUIRE(Log::Destroy(tmp.log_dir()).ok());
  long gone = ops.find(FileOp::kRemoveDir, tmp.log_dir());
  REQUIRE(gone >= 0);
  CHECK(ops.find(FileOp::kSyncDir, tmp.path(), static_cast<size_t>(gone)) > gone);
}

TEST_CASE("a sealed time index whose largest timestamp the records do not hold is rebuilt") {
  // A consistent, correctly sealed file that still lies (a bug, or a
  // seal from another segment's log): open checks the claimed largest
  // timestamp against the records of the batch the seal names.
  TempDir tmp;
  ManualClock clock(kT0);
  LogConfig c = small_segments();
  auto log = open_log(tmp.log_dir(), c, &clock);
  for (int b = 0; b < 100; ++b) append(*log, make_batch(b * 5, 5, kT0 + b * 5, 30));
  const std::string seg = log->segments()[0]->log_path();
  const std::string stem = seg.substr(0, seg.size() - 4);
  const auto true_max = log->segments()[0]->max_timestamp();
  const size_t segments = log->segment_count();
  REQUIRE(log->close().ok());
  for (auto [suffix, kind] : {std::pair{".index", IndexKind::kOffset}, std::pair{".timeindex", IndexKind::kTime}}) {
    auto bytes = read_file(stem + suffix);
    REQUIRE(bytes.ok());
    IndexSeal seal;
    auto entries = unseal_index(kind, *bytes, &seal);
    REQUIRE(entries.ok());
    std::string e(*entries);
    seal.max_timestamp = kT0 - 3'600'000;  // an hour before the first record
    if (kind == IndexKind::kTime) {
      // The last entry says the same.
      put_be64(e.data() + e.size() - kTimeEntrySize, static_cast<uint64_t>(seal.max_timestamp));
      e = e.substr(e.size() - kTimeEntrySize);
    }
    auto f = File::Open(stem + suffix, File::Mode::kCreate);
    REQUIRE(f.ok());
    std::string sealed = seal_index(kind, e, seal);
    REQUIRE((*f)->truncate(0).ok());
    REQUIRE((*f)->write_at(0, sealed.data(), sealed.size()).ok());
  }
  c.retention_ms = 600'000;
  clock.set(kT0 + 60'000);
  log = open_log(tmp.log_dir(), c, &clock);
  CHECK(log->recovery_report().rebuilt_indexes == 1);
  CHECK(log->segments()[0]->max_timestamp() == true_max);
  auto deleted = log->apply_retention();
  REQUIRE(deleted.ok());
  CHECK(*deleted == 0);
  CHECK(log->segment_count() == segments);
}
