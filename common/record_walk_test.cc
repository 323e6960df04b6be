// The record walk of RecordReader: its fast path (fast_step) against the
// checked one (slow_step), what Fields::kNoHeaders reads, and validate()'s
// messages for damage in the middle of a long batch, where the fast path
// is the one that meets it first.
#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "common/coding.h"
#include "common/crc32c.h"
#include "common/record_batch.h"

using namespace ks;
using namespace ks::batch;

namespace {

struct Seen {
  int64_t offset = 0, timestamp = 0;
  std::optional<std::string> key, value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
  bool operator==(const Seen&) const = default;
};

std::optional<std::string> own(std::optional<std::string_view> v) {
  return v ? std::optional<std::string>(std::string(*v)) : std::nullopt;
}

Seen seen(const Record& r) {
  Seen s{r.offset, r.timestamp, own(r.key), own(r.value), {}};
  for (const auto& h : r.headers) s.headers.emplace_back(std::string(h.key), own(h.value));
  return s;
}

// What one reader made of a batch: the records it yielded and its status.
struct Walked {
  std::vector<Seen> records;
  Status status;
};

void fix_crc(std::string* b) {
  put_be32(b->data() + kCrcPos, crc32c::value(b->data() + kCrcStart, b->size() - kCrcStart));
}

// Records the fast path takes: short keys, values and headers, timestamps
// a few ms apart (every varint one or two bytes), some null fields.
std::string short_records(int n, int seed) {
  std::mt19937_64 rng(static_cast<uint64_t>(seed));
  BatchBuilder b;
  for (int i = 0; i < n; ++i) {
    std::string key = "k" + std::to_string(i), value(rng() % 90, static_cast<char>('a' + i));
    std::vector<Header> hs;
    if (i % 3 == 1) hs.push_back({"trace", std::string_view("t1")});
    if (i % 4 == 2) hs.push_back({"n", std::nullopt});
    b.add(i % 5 == 0 ? std::nullopt : std::optional<std::string_view>(key),
          i % 7 == 3 ? std::nullopt : std::optional<std::string_view>(value),
          1700000000000 + i * 3 - static_cast<int64_t>(rng() % 5), hs);
  }
  return b.take();
}

}  // namespace

namespace ks::batch {

// Reads a batch the way next() does, or through slow_step() alone.
struct RecordReaderTestAccess {
  using Walk = RecordReader::Walk;

  static Walked walk(std::string_view batch, Walk how, bool slow_only) {
    Walked out;
    auto h = read_header(batch);
    if (!h.ok()) return {{}, h.status()};
    RecordReader r(batch, *h, how, kMaxUncompressedRecords);
    Record rec;
    for (;;) {
      bool got = false;
      if (!slow_only) {
        got = r.next(&rec);
      } else if (!r.done_) {
        if (r.index_ == r.header_.records_count) got = r.end_of_records();
        else if (how == Walk::kCollect) got = r.slow_step<Walk::kCollect>(&rec);
        else if (how == Walk::kSkip) got = r.slow_step<Walk::kSkip>(&rec);
        else got = r.slow_step<Walk::kCheck>(&rec);
      }
      if (!got) break;
      out.records.push_back(seen(rec));
    }
    out.status = r.status();
    return out;
  }
};

}  // namespace ks::batch

using Access = ks::batch::RecordReaderTestAccess;

TEST_CASE("the fast record walk and the checked one agree on every changed byte of a batch") {
  const std::string good = short_records(12, 7);
  // The fast path takes the batch as built: all but the last record, which
  // has no slack after it, are its to read.
  for (auto how : {Access::Walk::kCollect, Access::Walk::kSkip, Access::Walk::kCheck}) {
    Walked fast = Access::walk(good, how, false), slow = Access::walk(good, how, true);
    REQUIRE(fast.status.ok());
    CHECK(fast.records.size() == 12);
    CHECK(fast.records == slow.records);
  }
  int differing = 0, refused = 0;
  const uint8_t kBytes[] = {0x00, 0x01, 0x02, 0x03, 0x7e, 0x7f, 0x80, 0x81, 0xfe, 0xff};
  for (size_t pos = kHeaderSize; pos < good.size(); ++pos) {
    std::vector<uint8_t> tries(std::begin(kBytes), std::end(kBytes));
    tries.push_back(static_cast<uint8_t>(good[pos]) ^ 0x01);
    tries.push_back(static_cast<uint8_t>(good[pos]) ^ 0x40);
    for (uint8_t byte : tries) {
      std::string bad = good;
      bad[pos] = static_cast<char>(byte);
      if (bad == good) continue;
      fix_crc(&bad);
      for (auto how : {Access::Walk::kCollect, Access::Walk::kSkip, Access::Walk::kCheck}) {
        Walked fast = Access::walk(bad, how, false), slow = Access::walk(bad, how, true);
        CAPTURE(pos);
        CAPTURE(static_cast<int>(byte));
        CAPTURE(static_cast<int>(how));
        CHECK(fast.records == slow.records);
        CHECK(fast.status.code() == slow.status.code());
        CHECK(fast.status.message() == slow.status.message());
        if (!fast.status.ok()) ++refused;
        if (fast.records != Access::walk(good, how, false).records) ++differing;
      }
      // validate() walks as kCheck does, with the same message.
      auto info = validate(bad);
      Walked slow = Access::walk(bad, Access::Walk::kCheck, true);
      CHECK(info.ok() == slow.status.ok());
      if (!info.ok()) CHECK(info.status().message() == slow.status.message());
    }
  }
  MESSAGE("refused: " << refused << ", read differently: " << differing);
  CHECK(refused > 1000);
}

TEST_CASE("Fields::kNoHeaders reads what Fields::kAll reads, without the headers") {
  for (const std::string& b : {short_records(40, 1), short_records(1, 2)}) {
    RecordReader all(b), lean(b, kMaxUncompressedRecords, Fields::kNoHeaders);
    Record r, l;
    int with_headers = 0;
    while (all.next(&r)) {
      REQUIRE(lean.next(&l));
      Seen want = seen(r);
      if (!want.headers.empty()) ++with_headers;
      want.headers.clear();
      CHECK(seen(l) == want);
      CHECK(l.headers.empty());
    }
    CHECK_FALSE(lean.next(&l));
    CHECK(all.status().ok());
    CHECK(lean.status().ok());
    if (b.size() > 1000) CHECK(with_headers > 10);
  }
  // The constructor that takes a checked header reads the same.
  std::string b = short_records(30, 3);
  auto h = check_crc(b);
  REQUIRE(h.ok());
  RecordReader a(b), c(b, *h, Fields::kAll);
  Record ra, rc;
  while (a.next(&ra)) {
    REQUIRE(c.next(&rc));
    CHECK(seen(ra) == seen(rc));
  }
  CHECK_FALSE(c.next(&rc));
}

TEST_CASE("a malformed header deep in a batch: validate() refuses it by name, kNoHeaders steps over it") {
  std::string b = short_records(20, 4);
  // Record 10 has two headers, the last (10 % 4 == 2) "n" with a null
  // value; make its key length negative. Find it by the record lengths.
  const char* p = b.data() + kHeaderSize;
  for (int i = 0; i < 10; ++i) {
    Reader r(p, static_cast<size_t>(b.data() + b.size() - p));
    int32_t len = 0;
    REQUIRE(r.read_varint32(&len));
    p = r.position() + len;
  }
  Reader r(p, static_cast<size_t>(b.data() + b.size() - p));
  int32_t len = 0;
  REQUIRE(r.read_varint32(&len));
  // The record's last bytes: key length 1, "n", value length -1.
  const size_t key_len_at = static_cast<size_t>(r.position() + len - 3 - b.data());
  REQUIRE(b[key_len_at] == static_cast<char>(zigzag32(1)));
  REQUIRE(b[key_len_at + 1] == 'n');
  b[key_len_at] = static_cast<char>(zigzag32(-2));
  fix_crc(&b);

  auto info = validate(b);
  REQUIRE_FALSE(info.ok());
  CHECK(info.status().code() == Code::kCorruption);
  CHECK(info.status().message() == "record 10: bad header key length");
  RecordReader all(b);
  Record rec;
  int n = 0;
  while (all.next(&rec)) ++n;
  CHECK(n == 10);
  CHECK(all.status().message() == "record 10: bad header key length");
  // What `ks consume` reads by default (the log never stores such a batch).
  RecordReader lean(b, kMaxUncompressedRecords, Fields::kNoHeaders);
  n = 0;
  while (lean.next(&rec)) ++n;
  CHECK(n == 20);
  CHECK(lean.status().ok());
}

TEST_CASE("validate() names a bad length, count or order in the middle of a long batch") {
  std::string good = short_records(50, 5);
  auto record_at = [&](int index) {
    const char* p = good.data() + kHeaderSize;
    for (int i = 0; i < index; ++i) {
      Reader r(p, static_cast<size_t>(good.data() + good.size() - p));
      int32_t len = 0;
      REQUIRE(r.read_varint32(&len));
      p = r.position() + len;
    }
    return static_cast<size_t>(p - good.data());
  };
  SUBCASE("an offset delta out of order") {
    std::string b = good;
    // Record 20: length, attributes, timestamp delta, offset delta.
    size_t at = record_at(20);
    Reader r(b.data() + at, b.size() - at);
    int32_t len = 0;
    uint8_t attr = 0;
    int64_t ts = 0;
    REQUIRE((r.read_varint32(&len) && r.read_u8(&attr) && r.read_varint64(&ts)));
    size_t delta_at = static_cast<size_t>(r.position() - b.data());
    REQUIRE(b[delta_at] == static_cast<char>(zigzag32(20)));
    b[delta_at] = static_cast<char>(zigzag32(19));
    fix_crc(&b);
    auto info = validate(b);
    REQUIRE_FALSE(info.ok());
    CHECK(info.status().message() == "record 20: offset delta out of order or past lastOffsetDelta");
  }
  SUBCASE("a record length past the batch") {
    std::string b = good;
    size_t at = record_at(30);
    b[at] = '\xfe';  // two bytes: 8191, more than the bytes left
    b[at + 1] = '\x7f';
    fix_crc(&b);
    auto info = validate(b);
    REQUIRE_FALSE(info.ok());
    CHECK(info.status().message().rfind("record 30: length 8191 does not fit in the ", 0) == 0);
  }
  SUBCASE("a value longer than its record") {
    std::string b = good;
    size_t at = record_at(41);  // 41 % 7 != 3: has a value; 41 % 5 != 0: has a key
    Reader r(b.data() + at, b.size() - at);
    int32_t len = 0, key_len = 0;
    int64_t ts = 0;
    uint8_t attr = 0;
    REQUIRE((r.read_varint32(&len) && r.read_u8(&attr) && r.read_varint64(&ts)));
    int32_t delta = 0;
    REQUIRE((r.read_varint32(&delta) && r.read_varint32(&key_len)));
    REQUIRE(r.skip(static_cast<size_t>(key_len)));
    size_t value_len_at = static_cast<size_t>(r.position() - b.data());
    b[value_len_at] = static_cast<char>(zigzag32(60));
    fix_crc(&b);
    auto info = validate(b);
    REQUIRE_FALSE(info.ok());
    CHECK(info.status().message().rfind("record 41: ", 0) == 0);
  }
}
