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

void add_all(BatchBuilder* b, const std::vector<Owned>& records) {
  for (const auto& o : records) {
    std::vector<Header> hs;
    for (const auto& [k, v] : o.headers)
      hs.push_back(Header{k, v ? std::optional<std::string_view>(*v) : std::nullopt});
    auto view = [](const std::optional<std::string>& s) {
      return s ? std::optional<std::string_view>(*s) : std::nullopt;
    };
    b->add(view(o.key), view(o.value), o.timestamp, hs);
  }
}

std::string build(const std::vector<Owned>& records) {
  BatchBuilder b;
  add_all(&b, records);
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

TEST_CASE("a builder reused after clear(), or swapping buffers, writes exactly its new records") {
  // The buffer outlives clear() and moves between builders: nothing of an
  // earlier, larger batch may leak into a later, smaller one.
  std::mt19937_64 rng(7);
  BatchBuilder a, b;
  for (int round = 0; round < 20; ++round) {
    auto recs = sample_records(rng, 1 + static_cast<int>(rng() % (round % 2 ? 5 : 500)));
    add_all(&a, recs);
    std::string_view done = a.finish();
    CHECK(done.size() == a.size());
    auto back = decode(done);
    REQUIRE(back.size() == recs.size());
    for (size_t i = 0; i < recs.size(); ++i) CHECK(back[i].value == recs[i].value);
    a.clear();
    CHECK(a.size() == kHeaderSize);
    // Hand a's grown buffer to b, build there, and take the batch out.
    b.adopt_buffer(a.release_buffer());
    CHECK(a.size() == kHeaderSize);
    auto more = sample_records(rng, 3);
    add_all(&b, more);
    std::string taken = b.take();
    CHECK(decode(taken).size() == more.size());
    CHECK(b.empty());
    a.adopt_buffer(b.release_buffer());
  }
  // adopt_buffer() leaves a builder holding records alone.
  BatchBuilder c;
  c.add(std::nullopt, std::string_view("kept"), 1);
  c.adopt_buffer(std::string(1 << 16, 'z'));
  auto kept = decode(c.finish());
  REQUIRE(kept.size() == 1);
  CHECK(kept[0].value == std::optional<std::string>("kept"));
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

// --- compressed batches --------------------------------------------------------

namespace {

constexpr Compression kCodecs[] = {Compression::kGzip, Compression::kSnappy, Compression::kLz4,
                                   Compression::kZstd};

std::string build_with(Compression codec, const std::vector<Owned>& records) {
  BatchBuilder b(codec);
  add_all(&b, records);
  return b.take();
}

// Records that compress well: repeated keys, text values.
std::vector<Owned> compressible_records(int n) {
  std::vector<Owned> v;
  for (int i = 0; i < n; ++i) {
    Owned o;
    if (i % 5 != 0) o.key = "user-" + std::to_string(i % 17);
    if (i % 7 != 3) o.value = "{\"event\":\"page_view\",\"seq\":" + std::to_string(i) + ",\"path\":\"/index.html\"}";
    if (i % 3 == 0) o.headers.emplace_back("trace", "id-" + std::to_string(i));
    if (i % 11 == 0) o.headers.emplace_back("null", std::nullopt);
    o.timestamp = 1700000000000 + (i * 7919) % 1000;
    v.push_back(std::move(o));
  }
  return v;
}

// The records block of a batch, as stored (compressed or not).
std::string_view payload(const std::string& batch) {
  return std::string_view(batch).substr(kHeaderSize);
}

// `batch`'s header with another records block and codec, length and CRC fixed.
std::string with_payload(const std::string& batch, Compression codec, std::string_view block) {
  std::string b = batch.substr(0, kHeaderSize);
  b.append(block);
  put_be32(b.data() + kBatchLengthPos, static_cast<uint32_t>(b.size() - kLogOverhead));
  uint16_t attributes = get_be16(b.data() + kAttributesPos) & ~kCompressionMask;
  put_be16(b.data() + kAttributesPos, static_cast<uint16_t>(attributes | static_cast<uint16_t>(codec)));
  fix_crc(&b);
  return b;
}

std::string packed(Compression codec, std::string_view in) {
  std::string out;
  REQUIRE(compress(codec, in, &out).ok());
  return out;
}

}  // namespace

TEST_CASE("compressed batches round trip for every codec") {
  auto in = compressible_records(500);
  std::string plain = build(in);
  int64_t max_ts = INT64_MIN;
  for (auto& o : in) max_ts = std::max(max_ts, o.timestamp);
  for (auto c : kCodecs) {
    CAPTURE(compression_name(c));
    std::string b = build_with(c, in);
    auto h = read_header(b);
    REQUIRE(h.ok());
    CHECK(h->compression() == c);
    CHECK(h->records_count == 500);
    CHECK(h->last_offset_delta == 499);
    CHECK(h->max_timestamp == max_ts);
    CHECK(b.size() < plain.size() / 2);
    // Everything but the records block matches the uncompressed batch.
    CHECK(b.substr(kLastOffsetDeltaPos, kHeaderSize - kLastOffsetDeltaPos) ==
          plain.substr(kLastOffsetDeltaPos, kHeaderSize - kLastOffsetDeltaPos));
    CHECK(decode(b) == in);
    auto info = validate(b);
    REQUIRE(info.ok());
    CHECK(info->max_timestamp == max_ts);
    // Stamping offsets keeps a compressed batch valid too.
    stamp_base_offset(b.data(), 7000);
    RecordReader reader(b);
    Record r;
    REQUIRE(reader.next(&r));
    CHECK(r.offset == 7000);
  }
}

TEST_CASE("the builder's size() bounds a compressed batch and take() leaves it reusable") {
  for (auto c : kCodecs) {
    BatchBuilder b(c);
    CHECK(b.codec() == c);
    auto in = compressible_records(100);
    for (const auto& o : in) b.add(o.key, o.value, o.timestamp);
    size_t plain = b.size();
    std::string_view first = b.finish();
    CHECK(first.size() < plain);
    CHECK(std::string(b.finish()) == std::string(first));  // finish() is repeatable
    std::string taken = b.take();
    CHECK(read_header(taken)->compression() == c);
    CHECK(b.empty());
    CHECK(b.size() == kHeaderSize);
    b.add(std::nullopt, std::string_view("again and again and again and again and again"), 1);
    b.add(std::nullopt, std::string_view("again and again and again and again and again"), 2);
    CHECK(validate(b.finish()).ok());
  }
}

TEST_CASE("a batch that compression would not shrink is left uncompressed") {
  std::mt19937_64 rng(11);
  std::string noise(2000, '\0');
  for (auto& ch : noise) ch = static_cast<char>(rng());
  for (auto c : kCodecs) {
    CAPTURE(compression_name(c));
    BatchBuilder tiny(c);
    tiny.add(std::nullopt, std::string_view("x"), 1);
    std::string b = tiny.take();
    CHECK(read_header(b)->compression() == Compression::kNone);
    CHECK(validate(b).ok());
    BatchBuilder random(c);
    random.add(std::nullopt, std::string_view(noise), 1);
    size_t predicted = random.size();
    b = random.take();
    CHECK(b.size() == predicted);
    CHECK(read_header(b)->compression() == Compression::kNone);
    // No records: nothing to compress.
    BatchBuilder none(c);
    CHECK(read_header(none.take())->compression() == Compression::kNone);
  }
}

TEST_CASE("snappy batches read both xerial framing and a raw block") {
  auto in = compressible_records(200);
  std::string b = build_with(Compression::kSnappy, in);
  std::string_view framed = payload(b);
  REQUIRE(framed.substr(0, 8) == kXerialMagic);
  // Under 32 KiB of records: one block after the 16-byte header and its length.
  REQUIRE(get_be32(framed.data() + kXerialHeaderSize) == framed.size() - kXerialHeaderSize - 4);
  std::string raw = with_payload(b, Compression::kSnappy, framed.substr(kXerialHeaderSize + 4));
  CHECK(decode(raw) == in);
}

TEST_CASE("a compressed batch holding no records may have an empty block") {
  std::string empty = BatchBuilder().take();
  for (auto c : kCodecs) {
    std::string b = with_payload(empty, c, "");
    auto info = validate(b);
    REQUIRE_MESSAGE(info.ok(), info.status().to_string());
    CHECK(info->header.records_count == 0);
    // ... or a compressed empty block.
    CHECK(validate(with_payload(empty, c, packed(c, ""))).ok());
  }
}

TEST_CASE("a compressed batch with a valid CRC but a bad block is refused by validate") {
  auto in = compressible_records(300);
  std::string plain = build(in);
  std::string records(payload(plain));
  for (auto c : kCodecs) {
    CAPTURE(compression_name(c));
    std::string good = build_with(c, in);
    std::vector<Owned> out;

    SUBCASE("garbage instead of compressed data") {
      std::string b = with_payload(good, c, "definitely not compressed, just some text here");
      Status s = validate(b).status();
      CHECK(s.code() == Code::kCorruption);
      CHECK(s.message().find(std::string(compression_name(c))) != std::string::npos);
      CHECK(decode_any(b, &out).code() == Code::kCorruption);
    }
    SUBCASE("damaged compressed bytes") {
      std::string b = good;
      for (size_t i = kHeaderSize + 20; i < b.size(); i += 13) b[i] = static_cast<char>(b[i] ^ 0x5a);
      fix_crc(&b);
      CHECK_FALSE(validate(b).ok());
    }
    SUBCASE("truncated compressed block") {
      std::string b = with_payload(good, c, payload(good).substr(0, payload(good).size() / 2));
      Status s = validate(b).status();
      CHECK(s.code() == Code::kCorruption);
    }
    SUBCASE("valid compression of malformed records") {
      std::string b = with_payload(good, c, packed(c, records.substr(0, records.size() - 3)));
      Status s = validate(b).status();
      CHECK(s.code() == Code::kCorruption);
      CHECK(s.message().find("record") != std::string::npos);
    }
    SUBCASE("record count that disagrees with the decompressed records") {
      std::string b = good;
      put_be32(b.data() + kRecordsCountPos, 301);
      fix_crc(&b);
      CHECK(validate(b).status().code() == Code::kCorruption);
      put_be32(b.data() + kRecordsCountPos, 299);
      fix_crc(&b);
      CHECK(validate(b).status().code() == Code::kCorruption);
    }
    SUBCASE("a lastOffsetDelta the records do not reach") {
      std::string b = good;
      put_be32(b.data() + kLastOffsetDeltaPos, 400);
      fix_crc(&b);
      CHECK(validate(b).status().code() == Code::kCorruption);
    }
    SUBCASE("records decompressing past the limit") {
      // 700 records with 100 KiB values of one byte: 70 MB of records,
      // a few hundred KiB compressed.
      BatchBuilder big(c);
      std::string v(100 << 10, 'z');
      for (int i = 0; i < 700; ++i) big.add(std::nullopt, std::string_view(v), i);
      std::string b = big.take();
      REQUIRE(read_header(b)->compression() == c);
      Status s = validate(b).status();
      CHECK(s.code() == Code::kInvalidArgument);
      CHECK(s.message().find("more than") != std::string::npos);
      CHECK(validate(b, 200 << 20).ok());
      RecordReader small(b, 1 << 20);
      Record r;
      CHECK_FALSE(small.next(&r));
      CHECK(small.status().code() == Code::kInvalidArgument);
    }
  }
}
