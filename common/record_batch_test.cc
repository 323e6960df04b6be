#include "common/record_batch.h"

#include <doctest/doctest.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "common/coding.h"
#include "common/crc32c.h"

using namespace ks;
using namespace ks::batch;

namespace {

// An owning copy of a record, for comparisons.
struct Owned {
  std::optional<std::string> key, value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
  int64_t timestamp = 0;
  bool operator==(const Owned&) const = default;
};

std::optional<std::string> own(std::optional<std::string_view> v) {
  return v ? std::optional<std::string>(std::string(*v)) : std::nullopt;
}

Owned own(const Record& r) {
  Owned o{own(r.key), own(r.value), {}, r.timestamp};
  for (const auto& h : r.headers) o.headers.emplace_back(std::string(h.key), own(h.value));
  return o;
}

std::string build(const std::vector<Owned>& records) {
  BatchBuilder b;
  for (const auto& o : records) {
    std::vector<Header> hs;
    for (const auto& [k, v] : o.headers)
      hs.push_back(Header{k, v ? std::optional<std::string_view>(*v) : std::nullopt});
    auto view = [](const std::optional<std::string>& s) {
      return s ? std::optional<std::string_view>(*s) : std::nullopt;
    };
    b.add(view(o.key), view(o.value), o.timestamp, hs);
  }
  return b.take();
}

// Decodes with validate() and RecordReader; fails the test on any error.
std::vector<Owned> decode(std::string_view bytes) {
  auto info = validate(bytes);
  REQUIRE_MESSAGE(info.ok(), info.status().to_string());
  std::vector<Owned> out;
  RecordReader reader(bytes);
  Record r;
  int64_t expect = info->header.base_offset;
  while (reader.next(&r)) {
    CHECK(r.offset == expect++);
    out.push_back(own(r));
  }
  REQUIRE_MESSAGE(reader.status().ok(), reader.status().to_string());
  return out;
}

// Decodes whatever it can; returns the status. Copies into an exact-size
// heap buffer so an over-read shows up under AddressSanitizer.
Status decode_any(const std::string& bytes, std::vector<Owned>* out) {
  std::unique_ptr<char[]> exact(new char[bytes.size() ? bytes.size() : 1]);
  if (!bytes.empty()) std::memcpy(exact.get(), bytes.data(), bytes.size());
  std::string_view view(exact.get(), bytes.size());
  auto info = validate(view);
  RecordReader reader(view);
  Record r;
  out->clear();
  while (reader.next(&r)) out->push_back(own(r));
  if (!info.ok()) return info.status();
  return reader.status();
}

void fix_crc(std::string* b) {
  if (b->size() < kHeaderSize) return;
  put_be32(b->data() + kCrcPos, crc32c::value(b->data() + kCrcStart, b->size() - kCrcStart));
}

std::vector<Owned> sample_records(std::mt19937_64& rng, int n) {
  std::vector<Owned> v;
  for (int i = 0; i < n; ++i) {
    Owned o;
    int kind = static_cast<int>(rng() % 4);
    if (kind != 0) o.key = std::string(rng() % 20, static_cast<char>('a' + i % 26));
    if (kind != 1) o.value = std::string(rng() % 200, static_cast<char>(rng()));
    if (rng() % 3 == 0) o.headers.emplace_back("h" + std::to_string(i), std::nullopt);
    if (rng() % 3 == 0) o.headers.emplace_back("trace", std::string("id-") + std::to_string(i));
    o.timestamp = 1700000000000 + static_cast<int64_t>(rng() % 100000) - 50000;
    v.push_back(std::move(o));
  }
  return v;
}

}  // namespace

TEST_CASE("null and empty keys and values stay distinct through a round trip") {
  std::vector<Owned> in = {
      {std::nullopt, std::nullopt, {}, 1},
      {std::string(), std::string(), {}, 2},
      {std::string("k"), std::nullopt, {}, 3},
      {std::nullopt, std::string("v"), {}, 4},
      {std::string(), std::string("v"), {}, 5},
  };
  std::string b = build(in);
  CHECK(decode(b) == in);
  auto h = read_header(b);
  REQUIRE(h.ok());
  CHECK(h->records_count == 5);
  CHECK(h->last_offset_delta == 4);
  CHECK(h->base_timestamp == 1);
  CHECK(h->max_timestamp == 5);
  CHECK(h->producer_id == -1);
  CHECK(h->magic == 2);
}

TEST_CASE("all 256 byte values survive in keys, values and headers") {
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  std::vector<Owned> in;
  for (int i = 0; i < 256; ++i) {
    Owned o{std::string(1, static_cast<char>(i)), all.substr(static_cast<size_t>(i)) + all, {}, i};
    o.headers.emplace_back(std::string(1, static_cast<char>(i)), all);
    o.headers.emplace_back("null", std::nullopt);
    o.headers.emplace_back("", std::string());
    in.push_back(o);
  }
  CHECK(decode(build(in)) == in);
}

TEST_CASE("a 1 MiB value round trips") {
  std::string big(1 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 31 + 7);
  std::vector<Owned> in = {{std::string("big"), big, {}, 42}};
  std::string b = build(in);
  CHECK(b.size() > (1u << 20));
  CHECK(decode(b) == in);
}

TEST_CASE("thousands of records with timestamps out of order round trip") {
  std::mt19937_64 rng(7);
  auto in = sample_records(rng, 5000);
  std::string b = build(in);
  CHECK(decode(b) == in);
  auto info = validate(b);
  REQUIRE(info.ok());
  int64_t max_ts = INT64_MIN;
  for (auto& o : in) max_ts = std::max(max_ts, o.timestamp);
  CHECK(info->max_timestamp == max_ts);
  CHECK(info->header.max_timestamp == max_ts);
}

TEST_CASE("stamping the base offset keeps the CRC valid and shifts record offsets") {
  std::mt19937_64 rng(1);
  auto in = sample_records(rng, 10);
  std::string b = build(in);
  stamp_base_offset(b.data(), 1000);
  stamp_leader_epoch(b.data(), 3);
  auto info = validate(b);
  REQUIRE(info.ok());
  CHECK(info->header.base_offset == 1000);
  CHECK(info->header.leader_epoch == 3);
  CHECK(info->header.last_offset() == 1009);
  RecordReader reader(b);
  Record r;
  REQUIRE(reader.next(&r));
  CHECK(r.offset == 1000);
}

TEST_CASE("builder size() predicts the finished size and record_size() the growth") {
  BatchBuilder b;
  CHECK(b.size() == kHeaderSize);
  std::string v(100, 'x');
  size_t predicted = BatchBuilder::record_size(std::nullopt, std::string_view(v), {}, 0, 0);
  b.add(std::nullopt, std::string_view(v), 5);
  CHECK(b.size() == kHeaderSize + predicted);
  CHECK(b.finish().size() == b.size());
}

TEST_CASE("the cursor frames consecutive batches and reports a truncated tail") {
  std::mt19937_64 rng(3);
  std::string a = build(sample_records(rng, 3));
  std::string b = build(sample_records(rng, 4));
  std::string both = a + b;
  BatchCursor c(both);
  std::string_view x;
  REQUIRE(c.next(&x));
  CHECK(x == a);
  REQUIRE(c.next(&x));
  CHECK(x == b);
  CHECK_FALSE(c.next(&x));
  CHECK_FALSE(c.truncated());
  std::string cut = both.substr(0, both.size() - 1);
  BatchCursor c2(cut);
  REQUIRE(c2.next(&x));
  CHECK_FALSE(c2.next(&x));
  CHECK(c2.truncated());
  CHECK(c2.position() == a.size());
}

TEST_CASE("malformed batches get a clear corruption error") {
  std::mt19937_64 rng(5);
  std::string good = build(sample_records(rng, 3));
  std::vector<Owned> out;

  SUBCASE("empty and tiny inputs") {
    CHECK(decode_any("", &out).code() == Code::kCorruption);
    CHECK(decode_any(good.substr(0, 11), &out).code() == Code::kCorruption);
    CHECK(decode_any(good.substr(0, 60), &out).message().find("truncated") != std::string::npos);
  }
  SUBCASE("wrong magic") {
    std::string b = good;
    b[kMagicPos] = 1;
    CHECK(decode_any(b, &out).message().find("magic 1") != std::string::npos);
  }
  SUBCASE("length that disagrees with the buffer") {
    std::string b = good;
    put_be32(b.data() + kBatchLengthPos, static_cast<uint32_t>(b.size()));  // 12 too many
    CHECK(decode_any(b, &out).message().find("truncated") != std::string::npos);
    put_be32(b.data() + kBatchLengthPos, 10);
    CHECK(decode_any(b, &out).code() == Code::kCorruption);
    put_be32(b.data() + kBatchLengthPos, 0x80000000u);
    CHECK(decode_any(b, &out).code() == Code::kCorruption);
  }
  SUBCASE("CRC mismatch") {
    std::string b = good;
    b[b.size() - 1] ^= 1;
    CHECK(decode_any(b, &out).message().find("CRC mismatch") != std::string::npos);
  }
  SUBCASE("record count that cannot fit is refused without work") {
    std::string b = good;
    put_be32(b.data() + kRecordsCountPos, 0x7fffffff);
    fix_crc(&b);
    CHECK(decode_any(b, &out).message().find("does not fit") != std::string::npos);
    put_be32(b.data() + kRecordsCountPos, static_cast<uint32_t>(-5));
    fix_crc(&b);
    CHECK(decode_any(b, &out).message().find("negative") != std::string::npos);
  }
  SUBCASE("record count smaller or larger than the records present") {
    std::string b = good;
    put_be32(b.data() + kRecordsCountPos, 2);
    fix_crc(&b);
    CHECK(decode_any(b, &out).code() == Code::kCorruption);
    put_be32(b.data() + kRecordsCountPos, 4);
    fix_crc(&b);
    CHECK(decode_any(b, &out).code() == Code::kCorruption);
  }
  SUBCASE("overlong varint in a record length") {
    BatchBuilder bb;
    bb.add(std::nullopt, std::string_view("v"), 0);
    std::string b = bb.take();
    std::string evil = b.substr(0, kHeaderSize) + std::string(10, '\xff');
    put_be32(evil.data() + kBatchLengthPos, static_cast<uint32_t>(evil.size() - kLogOverhead));
    fix_crc(&evil);
    CHECK(decode_any(evil, &out).message().find("record 0") != std::string::npos);
  }
  SUBCASE("negative key length other than -1") {
    BatchBuilder bb;
    bb.add(std::string_view("k"), std::string_view("v"), 0);
    std::string b = bb.take();
    // The record starts at 61: length, attributes, tsDelta, offsetDelta, keyLength.
    b[kHeaderSize + 4] = static_cast<char>(zigzag32(-2));
    fix_crc(&b);
    CHECK(decode_any(b, &out).message().find("key length") != std::string::npos);
  }
}

TEST_CASE("thousands of corrupted batches give a clean error or an unchanged parse") {
  std::mt19937_64 rng(2026);
  int errors = 0, unchanged = 0;
  for (int iter = 0; iter < 4000; ++iter) {
    auto in = sample_records(rng, 1 + static_cast<int>(rng() % 20));
    std::string good = build(in);
    std::string bad = good;
    int mode = static_cast<int>(rng() % 5);
    switch (mode) {
      case 0:  // flip one bit anywhere
        bad[rng() % bad.size()] ^= static_cast<char>(1 << (rng() % 8));
        break;
      case 1:  // truncate
        bad.resize(rng() % bad.size());
        break;
      case 2:  // extend with garbage
        for (size_t n = 1 + rng() % 16; n > 0; --n) bad += static_cast<char>(rng());
        break;
      case 3:  // flip bytes in the records, then fix the CRC so the record
               // decoder itself must find the damage
      case 4:
        for (int n = 1 + static_cast<int>(rng() % 4); n > 0; --n)
          bad[kHeaderSize + rng() % (bad.size() - kHeaderSize)] = static_cast<char>(rng());
        fix_crc(&bad);
        break;
    }
    std::vector<Owned> out;
    Status s = decode_any(bad, &out);
    if (!s.ok()) {
      CHECK(s.code() == Code::kCorruption);
      CHECK_FALSE(s.message().empty());
      ++errors;
    } else if (out == in) {
      ++unchanged;
    } else {
      // A CRC-fixed change inside a value or key decodes to different
      // bytes; lengths and counts still have to agree.
      CHECK(mode >= 3);
      CHECK(out.size() == in.size());
    }
  }
  MESSAGE("errors: " << errors << ", unchanged parses: " << unchanged);
  CHECK(errors > 2000);
}
