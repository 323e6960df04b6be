// Crash recovery: the log reopened after an unclean stop (a Log dropped
// without close()) and after damage done to its files.
#include <doctest/doctest.h>

#include "common/coding.h"
#include "daemon/storage/index_seal.h"
#include "daemon/storage/log.h"
#include "daemon/storage/scanner.h"
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

// (position, base offset) of each batch in a segment file.
std::vector<std::pair<uint64_t, int64_t>> batch_positions(const std::string& path) {
  auto f = File::Open(path, File::Mode::kRead);
  REQUIRE(f.ok());
  BatchScanner scan(f->get(), 0, *(*f)->size(), false);
  ScannedBatch b;
  std::vector<std::pair<uint64_t, int64_t>> out;
  while (scan.next(&b) == BatchScanner::Step::kBatch) out.emplace_back(b.position, b.header.base_offset);
  return out;
}

// Records [from, to), read the way a consumer does.
std::vector<Rec> read_all_until(const Log& log, int64_t from, int64_t to) {
  std::vector<Rec> out;
  int64_t next = from;
  while (next < to) {
    auto r = log.read(Offset(next), 1 << 10);
    REQUIRE_MESSAGE(r.ok(), r.status().to_string());
    REQUIRE(r->size > 0);
    std::string bytes = read_range(*r);
    batch::BatchCursor cursor(bytes);
    std::string_view b;
    while (cursor.next(&b) && next < to) {
      batch::RecordReader reader(b);
      batch::Record rec;
      while (reader.next(&rec))
        if (rec.offset >= next && rec.offset < to)
          out.push_back({rec.offset, std::string(rec.key.value_or("")),
                         std::string(rec.value.value_or("")), rec.timestamp});
      next = batch::read_header(b)->next_offset();
    }
  }
  return out;
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

TEST_CASE("damage that cannot be framed is kept and reported, reads before and after it work") {
  TempDir tmp;
  ManualClock clock(kT0);
  auto expect = write_and_crash(tmp.log_dir(), LogConfig{}, 10, &clock);
  const std::string seg = tmp.log_dir() + "/00000000000000000000.log";
  std::string b = *read_file(seg);
  TempDir tmp4;
  write_and_crash(tmp4.log_dir(), LogConfig{}, 4, &clock);
  size_t batch4 = read_file(tmp4.log_dir() + "/00000000000000000000.log")->size();
  // Garbage over the length field of batch 4 (offsets 20..24), in the
  // active segment after a crash.
  b[batch4 + 8] = '\x7f';
  write_whole(seg, b);
  auto log = open_log(tmp.log_dir(), LogConfig{}, &clock);
  CHECK(log->recovery_report().corrupt_batches == 1);
  CHECK(log->recovery_report().truncated_bytes == 0);
  CHECK(log->end_offset() == Offset(50));
  bool reported = false;
  for (const auto& m : log->recovery_report().messages)
    reported = reported || m.find(seg + " at byte " + std::to_string(batch4)) != std::string::npos;
  CHECK(reported);
  auto before = log->read(Offset(0), 1 << 20);
  REQUIRE(before.ok());
  CHECK(before->size == batch4);
  for (int64_t at : {20, 24}) {
    auto r = log->read(Offset(at), 1 << 20);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kCorruption);
    CHECK(r.status().message().find(seg + " at byte " + std::to_string(batch4)) != std::string::npos);
  }
  CHECK(read_all(*log, 25) == std::vector<Rec>(expect.begin() + 25, expect.end()));
  // Appends go on after the damage and read back.
  CHECK(append(*log, make_batch(50, 5, kT0 + 50, 30)).base_offset == Offset(50));
  CHECK(read_all(*log, 25).size() == 30);
  CHECK(read_file(seg)->substr(0, b.size()) == b);
  REQUIRE(log->close().ok());
  log.reset();
  // The same after a clean restart: the damage is found again, not hidden.
  log = open_log(tmp.log_dir(), LogConfig{}, &clock);
  CHECK(log->read(Offset(22), 1 << 20).status().code() == Code::kCorruption);
  CHECK(read_all(*log, 25).size() == 30);
}

TEST_CASE("damage after the last index entry of a closed segment keeps the log open") {
  TempDir tmp;
  ManualClock clock(kT0);
  auto log = open_log(tmp.log_dir(), small_segments(), &clock);
  for (int b = 0; b < 100; ++b) append(*log, make_batch(b * 5, 5, kT0 + b * 5, 30));
  auto expect = read_all(*log);
  const std::string seg = log->segments()[1]->log_path();
  const int64_t seg_next = log->segments()[2]->base_offset();
  REQUIRE(log->close().ok());
  log.reset();
  auto batches = batch_positions(seg);
  REQUIRE(batches.size() > 3);
  const auto [bad_pos, bad_base] = batches[batches.size() - 2];
  std::string bytes = *read_file(seg);
  // A header that does not frame, and non-zero bytes after it.
  bytes[bad_pos + 16] = '\x07';  // magic
  write_whole(seg, bytes);

  log = open_log(tmp.log_dir(), small_segments(), &clock);
  CHECK(log->recovery_report().corrupt_batches == 1);
  CHECK(log->recovery_report().truncated_bytes == 0);
  CHECK(log->end_offset() == Offset(500));
  auto r = log->read(Offset(bad_base), 1 << 20);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find(seg + " at byte " + std::to_string(bad_pos)) != std::string::npos);
  // Before the damage: everything; after it: the next segments.
  CHECK(read_all_until(*log, 0, bad_base) == std::vector<Rec>(expect.begin(), expect.begin() + bad_base));
  CHECK(read_all(*log, seg_next) == std::vector<Rec>(expect.begin() + seg_next, expect.end()));
  CHECK(*read_file(seg) == bytes);
}

TEST_CASE("damage up to the end of the active segment: kept, and new offsets start past it") {
  TempDir tmp;
  ManualClock clock(kT0);
  auto expect = write_and_crash(tmp.log_dir(), LogConfig{}, 10, &clock);
  const std::string seg = tmp.log_dir() + "/00000000000000000000.log";
  auto batches = batch_positions(seg);
  const auto [bad_pos, bad_base] = batches[6];
  std::string bytes = *read_file(seg);
  // Non-zero garbage over batches 6.. : not a torn tail of zeros, and
  // nothing valid follows.
  for (size_t i = bad_pos; i < bytes.size(); ++i) bytes[i] = static_cast<char>(0x5a ^ (i * 7));
  write_whole(seg, bytes);

  auto log = open_log(tmp.log_dir(), LogConfig{}, &clock);
  CHECK(log->recovery_report().truncated_bytes == 0);
  CHECK(log->recovery_report().corrupt_batches == 1);
  REQUIRE(log->segment_count() == 2);
  const int64_t next = bad_base + static_cast<int64_t>(bytes.size() - bad_pos);
  CHECK(log->end_offset() == Offset(next));
  CHECK(read_all_until(*log, 0, bad_base) == std::vector<Rec>(expect.begin(), expect.begin() + bad_base));
  for (int64_t at : {bad_base, bad_base + 7, next - 1}) {
    auto r = log->read(Offset(at), 1 << 20);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().code() == Code::kCorruption);
    CHECK(r.status().message().find(seg + " at byte " + std::to_string(bad_pos)) != std::string::npos);
  }
  CHECK(append(*log, make_batch(0, 5, kT0, 30)).base_offset == Offset(next));
  CHECK(read_all(*log, next).size() == 5);
  CHECK(*read_file(seg) == bytes);
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

// Index entries that still decode (both columns increasing, inside the
// log) but point at the wrong place. The index is only a cache: reads and
// time lookups must be the same as with a correct one.
namespace {

struct WrongEntryFixture {
  TempDir tmp;
  ManualClock clock{kT0};
  std::vector<Rec> expect;
  std::vector<int64_t> times;
  std::string seg;
  std::vector<std::pair<uint64_t, int64_t>> batches;
  size_t entry_batch = 0;  // index into batches of the batch entry 0 names
  // Several index entries per segment, so entry 0 is not the last one (the
  // only entry open checks).
  LogConfig config = [] {
    LogConfig c = small_segments();
    c.index_interval_bytes = 1024;
    return c;
  }();

  WrongEntryFixture() {
    auto log = open_log(tmp.log_dir(), config, &clock);
    for (int b = 0; b < 100; ++b) append(*log, make_batch(b * 5, 5, kT0 + b * 5, 30));
    expect = read_all(*log);
    for (int64_t t = 0; t < 500; t += 7) times.push_back(log->offset_for_time(kT0 + t)->value());
    seg = log->segments()[1]->log_path();
    REQUIRE(log->close().ok());
    batches = batch_positions(seg);
    auto idx = *read_file(index_path());
    REQUIRE(idx.size() >= 3 * kOffsetEntrySize);
    uint32_t pos = get_be32(idx.data() + 4);
    while (batches[entry_batch].first != pos) ++entry_batch;
  }
  std::string index_path() const { return seg.substr(0, seg.size() - 4) + ".index"; }
  // Resealed: a consistent file whose entry is wrong, which only the
  // checks reads make can catch.
  void set_entry0_position(uint64_t pos) {
    std::string file = *read_file(index_path());
    IndexSeal seal;
    auto entries = unseal_index(IndexKind::kOffset, file, &seal);
    REQUIRE(entries.ok());
    std::string idx(*entries);
    put_be32(idx.data() + 4, static_cast<uint32_t>(pos));
    write_whole(index_path(), seal_index(IndexKind::kOffset, idx, seal));
  }
  void check_reads_unchanged() {
    auto log = open_log(tmp.log_dir(), config, &clock);
    const int64_t base = batches[entry_batch].second;
    for (int64_t from : {base, base + 2}) {
      auto r = log->read(Offset(from), 1);
      REQUIRE_MESSAGE(r.ok(), r.status().to_string());
      CHECK(r->position == batches[entry_batch].first);
      CHECK(batch::read_header(read_range(*r))->base_offset == base);
    }
    CHECK(read_all(*log, base) == std::vector<Rec>(expect.begin() + base, expect.end()));
    CHECK(read_all(*log, -1, 1500) == expect);
    std::vector<int64_t> after;
    for (int64_t t = 0; t < 500; t += 7) after.push_back(log->offset_for_time(kT0 + t)->value());
    CHECK(after == times);
    // The repaired index is written back at close.
    REQUIRE(log->close().ok());
    auto report = verify_partition(tmp.log_dir());
    REQUIRE(report.ok());
    CHECK(report->clean());
  }
};

}  // namespace

TEST_CASE("an index entry moved to the next batch does not skip records") {
  WrongEntryFixture f;
  f.set_entry0_position(f.batches[f.entry_batch + 1].first);
  auto report = verify_partition(f.tmp.log_dir());
  REQUIRE(report.ok());
  CHECK_FALSE(report->clean());
  f.check_reads_unchanged();
}

TEST_CASE("an index entry moved to an earlier batch does not change reads") {
  WrongEntryFixture f;
  f.set_entry0_position(f.batches[f.entry_batch - 1].first);
  f.check_reads_unchanged();
}

TEST_CASE("an index entry pointing into a batch does not make a sound log look corrupt") {
  WrongEntryFixture f;
  for (uint64_t into : {5, 8, 16, 60}) {
    CAPTURE(into);
    f.set_entry0_position(f.batches[f.entry_batch].first + into);
    f.check_reads_unchanged();
  }
}

TEST_CASE("an empty last segment past a tail a power cut took is removed, so the end is a record that survived") {
  TempDir tmp;
  ManualClock clock(kT0);
  auto expect = write_and_crash(tmp.log_dir(), small_segments(), 100, &clock);
  std::string prev, last;
  int64_t last_base = 0;
  {
    auto log = open_log(tmp.log_dir(), small_segments(), &clock);
    auto n = log->segments().size();
    REQUIRE(n >= 3);
    prev = log->segments()[n - 2]->log_path();
    last = log->segments()[n - 1]->log_path();
    last_base = log->segments()[n - 1]->base_offset();
  }
  // The roll's new file survived, empty; the previous segment lost its
  // last batch (written, never synced).
  write_whole(last, "");
  auto bytes = *read_file(prev);
  write_whole(prev, bytes.substr(0, bytes.size() - 10));
  auto log = open_log(tmp.log_dir(), small_segments(), &clock);
  const int64_t end = log->end_offset().value();
  CHECK(end == last_base - 5);  // the truncated batch's first offset
  CHECK_FALSE(path_exists(last));
  // A reader gets every record up to the end, and then is at the end.
  CHECK(read_all_until(*log, 0, end).size() == static_cast<size_t>(end));
  auto at_end = log->read(Offset(end), 1 << 10);
  REQUIRE(at_end.ok());
  CHECK(at_end->size == 0);
  // The next record takes the first offset that no longer exists.
  CHECK(append(*log, make_batch(0, 1, kT0, 30)).base_offset.value() == end);
}
