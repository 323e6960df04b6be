#include "daemon/storage/log.h"

#include <doctest/doctest.h>

#include "common/coding.h"
#include "common/crc32c.h"
#include "daemon/storage/test_util.h"

using namespace ks;
using namespace ks::storage;
using namespace ks::storage::testing;

namespace {


// Appends `batches` batches of `per` records; record i has timestamp kT0 + i.
std::vector<Rec> fill(Log& log, int batches, int per, size_t value_size = 20) {
  std::vector<Rec> expect;
  int i = static_cast<int>(log.end_offset().value());
  for (int b = 0; b < batches; ++b) {
    auto r = append(log, make_batch(i, per, kT0 + i, value_size));
    CHECK(r.base_offset.value() == i);
    CHECK(r.last_offset.value() == i + per - 1);
    for (int k = i; k < i + per; ++k) {
      std::string v = "v" + std::to_string(k);
      if (v.size() < value_size) v.resize(value_size, '.');
      expect.push_back({k, "k" + std::to_string(k), v, kT0 + k});
    }
    i += per;
  }
  return expect;
}

}  // namespace

TEST_CASE("a new log is empty and starts at offset 0") {
  TempDir tmp;
  ManualClock clock(kT0);
  auto log = open_log(tmp.log_dir(), LogConfig{}, &clock);
  CHECK(log->start_offset() == Offset(0));
  CHECK(log->end_offset() == Offset(0));
  auto r = log->read(Offset(0), 1000);
  REQUIRE(r.ok());
  CHECK(r->size == 0);
  CHECK(log->read(Offset(1), 1000).status().code() == Code::kOutOfRange);
  CHECK(path_exists(tmp.log_dir() + "/00000000000000000000.log"));
}

TEST_CASE("round trip across many segments, read in chunks of every size") {
  TempDir tmp;
  ManualClock clock(kT0);
  auto log = open_log(tmp.log_dir(), small_segments(), &clock);
  auto expect = fill(*log, 200, 7);
  CHECK(log->segment_count() > 5);
  CHECK(log->end_offset() == Offset(1400));
  for (uint64_t chunk : {1ull, 100ull, 5000ull, 1ull << 20}) CHECK(read_all(*log, -1, chunk) == expect);
  // Segment files are named by their base offsets.
  for (const auto& s : log->segments())
    CHECK(path_exists(tmp.log_dir() + "/" + segment_name(s->base_offset()) + ".log"));
}

TEST_CASE("reads start at the batch holding the offset, at every segment boundary and inside batches") {
  TempDir tmp;
  ManualClock clock(kT0);
  auto log = open_log(tmp.log_dir(), small_segments(), &clock);
  auto expect = fill(*log, 100, 5);
  std::vector<int64_t> probes;
  for (const auto& s : log->segments()) {
    probes.push_back(s->base_offset());
    if (s->base_offset() > 0) probes.push_back(s->base_offset() - 1);
    probes.push_back(s->base_offset() + 2);
  }
  for (int64_t o = 0; o < 500; o += 13) probes.push_back(o);
  for (int64_t from : probes) {
    auto r = log->read(Offset(from), 1);  // tiny limit: still one whole batch
    REQUIRE(r.ok());
    std::string bytes = read_range(*r);
    auto h = batch::read_header(bytes);
    REQUIRE(h.ok());
    CHECK(h->size() == bytes.size());
    CHECK(h->base_offset <= from);
    CHECK(h->last_offset() >= from);
    CHECK(h->base_offset == from - from % 5);
    std::vector<Rec> tail(expect.begin() + from, expect.end());
    CHECK(read_all(*log, from, 3000) == tail);
  }
}

TEST_CASE("a read returns whole batches up to the limit, and one batch even over it") {
  TempDir tmp;
  ManualClock clock(kT0);
  auto log = open_log(tmp.log_dir(), LogConfig{}, &clock);
  fill(*log, 50, 10, 100);
  auto one = log->read(Offset(0), 0);
  REQUIRE(one.ok());
  uint64_t batch_size = one->size;
  CHECK(batch_size > 1000);
  for (uint64_t limit : {batch_size, batch_size + 1, 3 * batch_size - 1, 3 * batch_size, 10 * batch_size + 7}) {
    auto r = log->read(Offset(0), limit);
    REQUIRE(r.ok());
    CHECK(r->size <= limit);
    // Whole batches only, and the next one would not have fit.
    std::string bytes = read_range(*r);
    batch::BatchCursor cur(bytes);
    std::string_view b;
    while (cur.next(&b)) {}
    CHECK_FALSE(cur.truncated());
    CHECK(cur.position() == bytes.size());
    auto next = log->read(Offset(batch::read_header(b)->next_offset()), 0);
    REQUIRE(next.ok());
    CHECK(r->size + next->size > limit);
  }
  // A large record never blocks a consumer.
  std::string big = make_batch(500, 1, kT0, 200000);
  append(*log, big);
  auto r = log->read(Offset(500), 1000);
  REQUIRE(r.ok());
  CHECK(r->size == big.size());
}

TEST_CASE("a read fills the limit with whole batches whatever their size") {
  // Batches larger than the index interval once made a read stop after the
  // first batch: the extension scan started at an indexed batch that
  // itself crossed the limit.
  for (size_t value_size : {200, 5000, 20000, 70000, 300000}) {
    CAPTURE(value_size);
    TempDir tmp;
    ManualClock clock(kT0);
    auto log = open_log(tmp.log_dir(), LogConfig{}, &clock);
    fill(*log, 60, 1, value_size);
    for (uint64_t limit : {uint64_t{1} << 20, uint64_t{4} << 20, 3 * value_size + 500}) {
      CAPTURE(limit);
      auto r = log->read(Offset(0), limit);
      REQUIRE(r.ok());
      std::string bytes = read_range(*r);
      batch::BatchCursor cur(bytes);
      std::string_view b;
      while (cur.next(&b)) {}
      CHECK(cur.position() == bytes.size());
      auto next = log->read(Offset(batch::read_header(b)->next_offset()), 0);
      REQUIRE(next.ok());
      // Over the limit only when one batch alone is; else the next would not fit.
      if (r->size > limit) CHECK(bytes.size() == batch::read_header(bytes)->size());
      else if (next->size > 0) CHECK(r->size + next->size > limit);
    }
  }
}

TEST_CASE("several batches in one append get consecutive offsets and one write") {
  TempDir tmp;
  ManualClock clock(kT0);
  auto log = open_log(tmp.log_dir(), LogConfig{}, &clock);
  std::string req = make_batch(0, 3, kT0) + make_batch(3, 4, kT0) + make_batch(7, 1, kT0);
  auto r = append(*log, req);
  CHECK(r.batches == 3);
  CHECK(r.records == 8);
  CHECK(r.base_offset == Offset(0));
  CHECK(r.last_offset == Offset(7));
  auto all = read_all(*log);
  REQUIRE(all.size() == 8);
  for (int i = 0; i < 8; ++i) CHECK(all[static_cast<size_t>(i)].offset == i);
}

TEST_CASE("appending a corrupt batch changes nothing") {
  TempDir tmp;
  ManualClock clock(kT0);
  auto log = open_log(tmp.log_dir(), small_segments(), &clock);
  auto expect = fill(*log, 5, 3);
  uint64_t size = log->size_bytes();
  std::string good = make_batch(100, 3, kT0);
  std::vector<std::string> bads;
  { std::string b = good; b[b.size() - 1] ^= 1; bads.push_back(b); }               // CRC
  { std::string b = good; b.resize(b.size() - 1); bads.push_back(b); }             // truncated
  { std::string b = good; b[batch::kMagicPos] = 1; bads.push_back(b); }            // magic
  { bads.push_back(good + std::string(5, 'x')); }                                  // trailing junk
  { bads.push_back(good + good.substr(0, 70)); }                                   // second batch torn
  { std::string b = good; b += good; b[b.size() - 1] ^= 1; bads.push_back(b); }    // second batch bad
  { bads.push_back(std::string()); }                                               // nothing
  { batch::BatchBuilder e; bads.push_back(e.take()); }                             // no records
  for (auto& b : bads) {
    auto r = log->append(b.data(), b.size());
    CHECK_FALSE(r.ok());
    CHECK(log->size_bytes() == size);
    CHECK(log->end_offset() == Offset(15));
  }
  CHECK(read_all(*log) == expect);
}

TEST_CASE("a batch over max.message.bytes is refused with the limit in the message") {
  TempDir tmp;
  ManualClock clock(kT0);
  LogConfig c;
  c.max_message_bytes = 1000;
  auto log = open_log(tmp.log_dir(), c, &clock);
  std::string b = make_batch(0, 1, kT0, 2000);
  auto r = log->append(b.data(), b.size());
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("max.message.bytes") != std::string::npos);
  CHECK(log->end_offset() == Offset(0));
}

TEST_CASE("an append answers the time it stamped on a LogAppendTime log, and -1 on a CreateTime log") {
  TempDir tmp;
  ManualClock clock(kT0 + 5000);
  LogConfig c;
  c.log_append_time = true;
  auto log = open_log(tmp.log_dir(), c, &clock);
  auto r = append(*log, make_batch(0, 3, kT0));
  CHECK(r.log_append_time_ms == kT0 + 5000);
  auto read = log->read(Offset(0), 1 << 20);
  REQUIRE(read.ok());
  auto h = batch::read_header(read_range(*read));
  CHECK(h->max_timestamp == kT0 + 5000);

  TempDir tmp2;
  auto create_time = open_log(tmp2.log_dir(), LogConfig{}, &clock);
  CHECK(append(*create_time, make_batch(0, 3, kT0)).log_append_time_ms == -1);
}

TEST_CASE("a wrong maxTimestamp from a producer is corrected in the stored batch") {
  TempDir tmp;
  ManualClock clock(kT0);
  auto log = open_log(tmp.log_dir(), LogConfig{}, &clock);
  std::string b = make_batch(0, 5, kT0);
  put_be64(b.data() + batch::kMaxTimestampPos, 1);

  {
    // Re-sign so the batch is valid apart from the wrong header value.
    put_be32(b.data() + batch::kCrcPos,
             crc32c::value(b.data() + batch::kCrcStart, b.size() - batch::kCrcStart));
  }
  append(*log, b);
  auto r = log->read(Offset(0), 1 << 20);
  REQUIRE(r.ok());
  auto h = batch::read_header(read_range(*r));
  CHECK(h->max_timestamp == kT0 + 4);
  CHECK(batch::validate(read_range(*r)).ok());
}

TEST_CASE("time lookups find the first record at or after a timestamp") {
  TempDir tmp;
  ManualClock clock(kT0);
  auto log = open_log(tmp.log_dir(), small_segments(), &clock);
  fill(*log, 100, 5);  // record i has timestamp kT0 + i
  for (int64_t i : {0, 1, 4, 5, 77, 250, 499}) {
    auto o = log->offset_for_time(kT0 + i);
    REQUIRE(o.ok());
    CHECK(o->value() == i);
  }
  CHECK(log->offset_for_time(0)->value() == 0);
  CHECK(log->offset_for_time(kT0 + 500)->value() == 500);  // after everything: the end
}

TEST_CASE("time lookups with timestamps out of order return the first qualifying offset") {
  TempDir tmp;
  ManualClock clock(kT0);
  auto log = open_log(tmp.log_dir(), small_segments(), &clock);
  // Timestamps go 100, 50, 300, 200, ... across batches.
  std::vector<int64_t> ts = {100, 50, 300, 200, 250, 400, 10, 500};
  for (size_t i = 0; i < ts.size(); ++i) {
    batch::BatchBuilder b;
    b.add(std::nullopt, std::string_view("x"), ts[i]);
    append(*log, b.take());
  }
  CHECK(log->offset_for_time(60)->value() == 0);
  CHECK(log->offset_for_time(101)->value() == 2);
  CHECK(log->offset_for_time(201)->value() == 2);
  CHECK(log->offset_for_time(301)->value() == 5);
  CHECK(log->offset_for_time(450)->value() == 7);
}

TEST_CASE("segments roll at segment.ms on the injected clock") {
  TempDir tmp;
  ManualClock clock(kT0);
  LogConfig c;
  c.segment_ms = 1000;
  auto log = open_log(tmp.log_dir(), c, &clock);
  fill(*log, 3, 2);
  CHECK(log->segment_count() == 1);
  clock.advance(999);
  fill(*log, 1, 2);
  CHECK(log->segment_count() == 1);
  clock.advance(1);
  fill(*log, 1, 2);
  CHECK(log->segment_count() == 2);
  CHECK(log->segments().back()->base_offset() == 8);
}

TEST_CASE("retention by size deletes the oldest closed segments and moves the start offset") {
  TempDir tmp;
  ManualClock clock(kT0);
  LogConfig c = small_segments();
  auto log = open_log(tmp.log_dir(), c, &clock);
  auto expect = fill(*log, 400, 5);
  size_t segments = log->segment_count();
  c.retention_bytes = 20 << 10;
  log->set_config(c);
  auto deleted = log->apply_retention();
  REQUIRE(deleted.ok());
  CHECK(*deleted > 0);
  CHECK(log->segment_count() == segments - static_cast<size_t>(*deleted));
  CHECK(log->size_bytes() >= static_cast<uint64_t>(c.retention_bytes) - (8 << 10));
  CHECK(log->size_bytes() <= static_cast<uint64_t>(c.retention_bytes) + (8 << 10));
  int64_t start = log->start_offset().value();
  CHECK(start == log->segments().front()->base_offset());
  CHECK(log->read(Offset(start - 1), 100).status().code() == Code::kOutOfRange);
  CHECK(read_all(*log) == std::vector<Rec>(expect.begin() + start, expect.end()));
  CHECK_FALSE(path_exists(tmp.log_dir() + "/00000000000000000000.log"));
  CHECK_FALSE(path_exists(tmp.log_dir() + "/00000000000000000000.index"));
  // The start offset survives a restart.
  REQUIRE(log->close().ok());
  log = open_log(tmp.log_dir(), c, &clock);
  CHECK(log->start_offset().value() == start);
}

TEST_CASE("retention by time deletes closed segments whose newest record is too old") {
  TempDir tmp;
  ManualClock clock(kT0);
  LogConfig c = small_segments();
  auto log = open_log(tmp.log_dir(), c, &clock);
  fill(*log, 100, 5);  // timestamps kT0 .. kT0+499
  c.retention_ms = 1000;
  log->set_config(c);
  clock.set(kT0 + 1000 + 200);  // records older than kT0+200 are expired
  auto deleted = log->apply_retention();
  REQUIRE(deleted.ok());
  CHECK(*deleted > 0);
  for (const auto& s : log->segments()) CHECK(*s->max_timestamp() >= kT0 + 200);
  CHECK(log->start_offset().value() <= 200);
  // Much later: everything but the active segment goes.
  clock.set(kT0 + 100000);
  REQUIRE(log->apply_retention().ok());
  CHECK(log->segment_count() == 1);
  CHECK(log->end_offset() == Offset(500));
  // retention.ms = -1 keeps forever.
  c.retention_ms = -1;
  log->set_config(c);
  fill(*log, 100, 5);
  size_t n = log->segment_count();
  clock.advance(int64_t{1} << 40);
  REQUIRE(log->apply_retention().ok());
  CHECK(log->segment_count() == n);
}

TEST_CASE("reopen after a clean close equals before and skips the scan") {
  TempDir tmp;
  ManualClock clock(kT0);
  auto log = open_log(tmp.log_dir(), small_segments(), &clock);
  auto expect = fill(*log, 100, 5);
  REQUIRE(log->close().ok());
  CHECK(path_exists(tmp.log_dir() + "/.clean-shutdown"));
  log = open_log(tmp.log_dir(), small_segments(), &clock);
  CHECK_FALSE(path_exists(tmp.log_dir() + "/.clean-shutdown"));
  CHECK(log->recovery_report().messages.empty());
  CHECK(log->recovery_report().rebuilt_indexes == 0);
  CHECK(log->end_offset() == Offset(500));
  CHECK(read_all(*log) == expect);
  for (int64_t i : {0, 250, 499}) CHECK(log->offset_for_time(kT0 + i)->value() == i);
  // And it keeps appending where it left off.
  auto more = fill(*log, 2, 5);
  expect.insert(expect.end(), more.begin(), more.end());
  CHECK(read_all(*log) == expect);
}

TEST_CASE("one million records round trip") {
  TempDir tmp;
  ManualClock clock(kT0);
  LogConfig c;
  c.segment_bytes = 16 << 20;
  auto log = open_log(tmp.log_dir(), c, &clock);
  const int kTotal = 1'000'000, kPer = 1000;
  for (int i = 0; i < kTotal; i += kPer) {
    batch::BatchBuilder b;
    for (int k = i; k < i + kPer; ++k) {
      std::string v = std::to_string(k);
      b.add(std::nullopt, std::string_view(v), kT0 + k);
    }
    append(*log, b.take());
  }
  CHECK(log->end_offset() == Offset(kTotal));
  REQUIRE(log->close().ok());
  log = open_log(tmp.log_dir(), c, &clock);
  int64_t expect = 0;
  int64_t next = 0;
  bool ok = true;
  while (next < kTotal) {
    auto r = log->read(Offset(next), 1 << 20);
    REQUIRE(r.ok());
    std::string bytes = read_range(*r);
    batch::BatchCursor cur(bytes);
    std::string_view b;
    while (cur.next(&b)) {
      batch::RecordReader reader(b);
      batch::Record rec;
      while (reader.next(&rec)) {
        ok = ok && rec.offset == expect && rec.value == std::to_string(expect) && !rec.key;
        ++expect;
      }
      next = batch::read_header(b)->next_offset();
    }
  }
  CHECK(ok);
  CHECK(expect == kTotal);
}

TEST_CASE("destroying a partition removes its directory") {
  TempDir tmp;
  ManualClock clock(kT0);
  {
    auto log = open_log(tmp.log_dir(), small_segments(), &clock);
    fill(*log, 20, 5);
    REQUIRE(log->close().ok());
  }
  REQUIRE(Log::Destroy(tmp.log_dir()).ok());
  CHECK_FALSE(path_exists(tmp.log_dir()));
}
