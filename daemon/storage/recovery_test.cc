// Crash recovery: the log reopened after an unclean stop (a Log dropped
// without close()) and after damage done to its files.
#include <doctest/doctest.h>

#include "daemon/storage/log.h"
#include "daemon/storage/test_util.h"
#include "daemon/storage/verify.h"

using namespace ks;
using namespace ks::storage;
using namespace ks::storage::testing;

namespace {


std::vector<Rec> records_of(int first, int n, size_t value_size) {
  std::vector<Rec> v;
  for (int i = first; i < first + n; ++i) {
    std::string val = "v" + std::to_string(i);
    if (val.size() < value_size) val.resize(value_size, '.');
    v.push_back({i, "k" + std::to_string(i), val, kT0 + i});
  }
  return v;
}

// Writes `batches` batches of 5 records and drops the log without closing.
std::vector<Rec> write_and_crash(const std::string& dir, const LogConfig& c, int batches,
                                 const Clock* clock) {
  auto log = open_log(dir, c, clock);
  std::vector<Rec> expect;
  for (int b = 0; b < batches; ++b) {
    append(*log, make_batch(b * 5, 5, kT0 + b * 5, 30));
    auto r = records_of(b * 5, 5, 30);
    expect.insert(expect.end(), r.begin(), r.end());
  }
  return expect;  // no close(): as if the process was killed
}

void write_whole(const std::string& path, const std::string& bytes) {
  auto f = File::Open(path, File::Mode::kCreate);
  REQUIRE(f.ok());
  REQUIRE((*f)->truncate(0).ok());
  REQUIRE((*f)->write_at(0, bytes.data(), bytes.size()).ok());
}

}  // namespace

TEST_CASE("everything appended before a process crash is there after reopen") {
  TempDir tmp;
  ManualClock clock(kT0);
  auto expect = write_and_crash(tmp.log_dir(), small_segments(), 100, &clock);
  auto log = open_log(tmp.log_dir(), small_segments(), &clock);
  CHECK(read_all(*log) == expect);
  CHECK(log->end_offset() == Offset(500));
  CHECK(log->recovery_report().truncated_bytes == 0);
  CHECK(log->durable_offset() == Offset(500));
}

TEST_CASE("a torn tail is truncated wherever the file ends inside the last batch") {
  TempDir tmp;
  ManualClock clock(kT0);
  LogConfig c;  // one segment
  auto expect = write_and_crash(tmp.log_dir(), c, 10, &clock);
  const std::string seg = tmp.log_dir() + "/00000000000000000000.log";
  auto full = read_file(seg);
  REQUIRE(full.ok());
  // The last batch starts where a log of nine batches ended.
  TempDir tmp9;
  write_and_crash(tmp9.log_dir(), c, 9, &clock);
  auto nine = read_file(tmp9.log_dir() + "/00000000000000000000.log");
  REQUIRE(nine.ok());
  const size_t last_start = nine->size();
  REQUIRE(full->substr(0, last_start) == *nine);
  std::vector<Rec> expect9(expect.begin(), expect.begin() + 45);

  int cases = 0;
  for (size_t cut = last_start; cut < full->size(); ++cut) {
    TempDir t;
    REQUIRE(make_dir(t.log_dir()).ok());
    write_whole(t.log_dir() + "/00000000000000000000.log", full->substr(0, cut));
    auto log = open_log(t.log_dir(), c, &clock);
    CHECK(log->end_offset() == Offset(45));
    CHECK(log->size_bytes() == last_start);
    CHECK(log->recovery_report().truncated_bytes == cut - last_start);
    if (cut > last_start) {
      REQUIRE_FALSE(log->recovery_report().messages.empty());
      CHECK(log->recovery_report().messages.back().find("at byte " + std::to_string(last_start)) !=
            std::string::npos);
    }
    CHECK(read_all(*log) == expect9);
    // Appends continue from the truncated end with the right offsets.
    auto r = append(*log, make_batch(45, 5, kT0 + 45, 30));
    CHECK(r.base_offset == Offset(45));
    CHECK(read_all(*log) == expect);
    ++cases;
  }
  MESSAGE("torn-tail cut points tested: " << cases);
  CHECK(cases > 100);
}

TEST_CASE("a zero-filled tail after a crash is truncated") {
  TempDir tmp;
  ManualClock clock(kT0);
  auto expect = write_and_crash(tmp.log_dir(), LogConfig{}, 10, &clock);
  const std::string seg = tmp.log_dir() + "/00000000000000000000.log";
  auto bytes = read_file(seg);
  REQUIRE(bytes.ok());
  write_whole(seg, *bytes + std::string(4096, '\0'));
  auto log = open_log(tmp.log_dir(), LogConfig{}, &clock);
  CHECK(log->recovery_report().truncated_bytes == 4096);
  CHECK(read_all(*log) == expect);
}

TEST_CASE("a damaged last batch is a torn write and is truncated") {
  TempDir tmp;
  ManualClock clock(kT0);
  auto expect = write_and_crash(tmp.log_dir(), LogConfig{}, 10, &clock);
  const std::string seg = tmp.log_dir() + "/00000000000000000000.log";
  auto bytes = read_file(seg);
  REQUIRE(bytes.ok());
  std::string b = *bytes;
  b[b.size() - 3] ^= 0x40;
  write_whole(seg, b);
  auto log = open_log(tmp.log_dir(), LogConfig{}, &clock);
  CHECK(log->end_offset() == Offset(45));
  CHECK(read_all(*log) == std::vector<Rec>(expect.begin(), expect.begin() + 45));
}

TEST_CASE("a flipped byte in the middle of the tail segment is reported, the prefix stays readable") {
  TempDir tmp;
  ManualClock clock(kT0);
  auto expect = write_and_crash(tmp.log_dir(), LogConfig{}, 10, &clock);
  const std::string seg = tmp.log_dir() + "/00000000000000000000.log";
  auto bytes = read_file(seg);
  REQUIRE(bytes.ok());
  // Batch 4 (offsets 20..24) gets a flipped byte in its records.
  TempDir tmp4;
  write_and_crash(tmp4.log_dir(), LogConfig{}, 4, &clock);
  size_t batch4 = read_file(tmp4.log_dir() + "/00000000000000000000.log")->size();
  std::string b = *bytes;
  b[batch4 + 70] ^= 0x01;
  write_whole(seg, b);

  // verify points at it.
  auto report = verify_partition(tmp.log_dir());
  REQUIRE(report.ok());
  CHECK_FALSE(report->clean());
  REQUIRE(report->problems.size() >= 1);
  CHECK(report->problems[0].file == seg);
  CHECK(report->problems[0].position == batch4);
  CHECK(report->problems[0].message.find("CRC") != std::string::npos);

  // Recovery reports it, keeps everything (nothing truncated), and reads
  // stop at the damage with an error naming file and position.
  auto log = open_log(tmp.log_dir(), LogConfig{}, &clock);
  CHECK(log->recovery_report().corrupt_batches == 1);
  CHECK(log->recovery_report().truncated_bytes == 0);
  CHECK(log->end_offset() == Offset(50));
  auto before = log->read(Offset(0), 1 << 20);
  REQUIRE(before.ok());
  CHECK(before->size == batch4);
  auto at = log->read(Offset(22), 1 << 20);
  REQUIRE_FALSE(at.ok());
  CHECK(at.status().code() == Code::kCorruption);
  CHECK(at.status().message().find(seg + " at byte " + std::to_string(batch4)) != std::string::npos);
  // The file is untouched.
  CHECK(*read_file(seg) == b);
}

TEST_CASE("damage that cannot be framed makes open fail with file and position, changing nothing") {
  TempDir tmp;
  ManualClock clock(kT0);
  write_and_crash(tmp.log_dir(), LogConfig{}, 10, &clock);
  const std::string seg = tmp.log_dir() + "/00000000000000000000.log";
  std::string b = *read_file(seg);
  TempDir tmp4;
  write_and_crash(tmp4.log_dir(), LogConfig{}, 4, &clock);
  size_t batch4 = read_file(tmp4.log_dir() + "/00000000000000000000.log")->size();
  // Garbage over the length field of batch 4.
  b[batch4 + 8] = '\x7f';
  write_whole(seg, b);
  auto log = Log::Open(tmp.log_dir(), LogConfig{}, &clock);
  REQUIRE_FALSE(log.ok());
  CHECK(log.status().code() == Code::kCorruption);
  CHECK(log.status().message().find(seg + " at byte " + std::to_string(batch4)) != std::string::npos);
  CHECK(*read_file(seg) == b);
}

TEST_CASE("deleted indexes are rebuilt and reads are equal before and after") {
  TempDir tmp;
  ManualClock clock(kT0);
  auto log = open_log(tmp.log_dir(), small_segments(), &clock);
  for (int b = 0; b < 200; ++b) append(*log, make_batch(b * 5, 5, kT0 + b * 5, 30));
  auto before = read_all(*log, -1, 3000);
  std::vector<int64_t> times;
  for (int64_t t = 0; t < 1000; t += 37) times.push_back(log->offset_for_time(kT0 + t)->value());
  REQUIRE(log->close().ok());
  log.reset();

  auto segs = list_dir(tmp.log_dir());
  int removed = 0;
  for (const auto& n : *segs) {
    if (n.find(".index") != std::string::npos || n.find(".timeindex") != std::string::npos) {
      REQUIRE(remove_file(tmp.log_dir() + "/" + n).ok());
      ++removed;
    }
  }
  CHECK(removed > 4);
  log = open_log(tmp.log_dir(), small_segments(), &clock);
  CHECK(log->recovery_report().rebuilt_indexes == static_cast<int>(log->segment_count()));
  CHECK(read_all(*log, -1, 3000) == before);
  std::vector<int64_t> after;
  for (int64_t t = 0; t < 1000; t += 37) after.push_back(log->offset_for_time(kT0 + t)->value());
  CHECK(after == times);
  REQUIRE(log->close().ok());
  // The rebuilt indexes were written back and verify finds them consistent.
  auto report = verify_partition(tmp.log_dir());
  REQUIRE(report.ok());
  CHECK(report->clean());
  CHECK(report->problems.empty());
}

TEST_CASE("garbage and stale index files are detected and rebuilt") {
  TempDir tmp;
  ManualClock clock(kT0);
  auto log = open_log(tmp.log_dir(), small_segments(), &clock);
  for (int b = 0; b < 100; ++b) append(*log, make_batch(b * 5, 5, kT0 + b * 5, 30));
  auto before = read_all(*log);
  std::string first = log->segments()[0]->log_path();
  std::string second = log->segments()[1]->log_path();
  REQUIRE(log->close().ok());
  log.reset();
  auto stem = [](const std::string& p) { return p.substr(0, p.size() - 4); };
  write_whole(stem(first) + ".index", "garbage!");                                  // not entries
  write_whole(stem(second) + ".index", *read_file(stem(first) + ".timeindex") + "x");  // wrong size
  write_whole(stem(second) + ".timeindex", std::string(12, '\xff'));
  auto report = verify_partition(tmp.log_dir());
  REQUIRE(report.ok());
  CHECK_FALSE(report->clean());
  log = open_log(tmp.log_dir(), small_segments(), &clock);
  CHECK(log->recovery_report().rebuilt_indexes == 2);
  CHECK(read_all(*log) == before);
}

TEST_CASE("an index from another segment is stale and is rebuilt") {
  TempDir tmp;
  ManualClock clock(kT0);
  auto log = open_log(tmp.log_dir(), small_segments(), &clock);
  for (int b = 0; b < 100; ++b) append(*log, make_batch(b * 5, 5, kT0 + b * 5, 30));
  auto before = read_all(*log, -1, 2000);
  std::string a = log->segments()[0]->log_path();
  std::string b = log->segments()[1]->log_path();
  REQUIRE(log->close().ok());
  log.reset();
  auto stem = [](const std::string& p) { return p.substr(0, p.size() - 4); };
  REQUIRE(std::rename((stem(a) + ".index").c_str(), (stem(b) + ".index").c_str()) == 0);
  auto report = verify_partition(tmp.log_dir());
  REQUIRE(report.ok());
  CHECK_FALSE(report->clean());
  log = open_log(tmp.log_dir(), small_segments(), &clock);
  CHECK(log->recovery_report().rebuilt_indexes >= 1);
  CHECK(read_all(*log, -1, 2000) == before);
}

TEST_CASE("index files without their log are removed at open") {
  TempDir tmp;
  ManualClock clock(kT0);
  {
    auto log = open_log(tmp.log_dir(), small_segments(), &clock);
    append(*log, make_batch(0, 5, kT0));
    REQUIRE(log->close().ok());
  }
  write_whole(tmp.log_dir() + "/00000000000000000777.index", "");
  write_whole(tmp.log_dir() + "/00000000000000000777.timeindex", "");
  auto log = open_log(tmp.log_dir(), small_segments(), &clock);
  CHECK_FALSE(path_exists(tmp.log_dir() + "/00000000000000000777.index"));
  CHECK_FALSE(path_exists(tmp.log_dir() + "/00000000000000000777.timeindex"));
  CHECK(log->end_offset() == Offset(5));
}

TEST_CASE("a torn tail in a closed segment is truncated and the next segment still reads") {
  TempDir tmp;
  ManualClock clock(kT0);
  auto expect = write_and_crash(tmp.log_dir(), small_segments(), 100, &clock);
  std::string first;
  {
    auto log = open_log(tmp.log_dir(), small_segments(), &clock);
    first = log->segments()[0]->log_path();
  }
  auto bytes = *read_file(first);
  write_whole(first, bytes.substr(0, bytes.size() - 10));
  auto log = open_log(tmp.log_dir(), small_segments(), &clock);
  CHECK(log->recovery_report().truncated_bytes > 0);
  auto all = read_all(*log);
  // The last batch of the first segment is gone; everything after remains.
  CHECK(all.size() == expect.size() - 5);
  CHECK(all.back() == expect.back());
}
