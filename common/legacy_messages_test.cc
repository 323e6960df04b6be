#include "common/legacy_messages.h"

#include <doctest/doctest.h>
#include <zlib.h>

#include <optional>
#include <string>
#include <vector>

#include "common/coding.h"
#include "common/record_batch.h"

using namespace ks;

namespace {

struct Rec {
  std::optional<std::string> key, value;
  int64_t timestamp = 0;
  int64_t offset = 0;
  bool operator==(const Rec&) const = default;
};

std::optional<std::string> own(std::optional<std::string_view> v) {
  return v ? std::optional<std::string>(std::string(*v)) : std::nullopt;
}

std::vector<Rec> records_of(std::string_view batch_bytes) {
  std::vector<Rec> out;
  batch::RecordReader reader(batch_bytes);
  batch::Record r;
  while (reader.next(&r)) out.push_back({own(r.key), own(r.value), r.timestamp, r.offset});
  REQUIRE(reader.status().ok());
  return out;
}

// One message written independently of the code under test, so a shared
// misreading of the format cannot pass.
std::string message(int8_t magic, uint8_t attrs, int64_t offset, int64_t ts, std::optional<std::string> key,
                    std::optional<std::string> value) {
  std::string body;
  body.push_back(static_cast<char>(magic));
  body.push_back(static_cast<char>(attrs));
  if (magic == 1) append_be64(&body, static_cast<uint64_t>(ts));
  for (const auto& b : {key, value}) {
    append_be32(&body, b ? static_cast<uint32_t>(b->size()) : 0xffffffffu);
    if (b) body += *b;
  }
  const auto crc = static_cast<uint32_t>(
      crc32(crc32(0, Z_NULL, 0), reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size())));
  std::string out;
  append_be64(&out, static_cast<uint64_t>(offset));
  append_be32(&out, static_cast<uint32_t>(body.size() + 4));
  append_be32(&out, crc);
  return out + body;
}

std::string stored_batch(int64_t base, Compression codec = Compression::kNone) {
  batch::BatchBuilder b(codec);
  std::vector<batch::Header> hs{{"h", std::string_view("v")}};
  b.add(std::string_view("k1"), std::string_view("one"), 1000, hs);
  b.add(std::nullopt, std::string_view("two"), 1001);
  b.add(std::string_view("k3"), std::nullopt, 1005);
  std::string out = b.take();
  batch::stamp_base_offset(out.data(), base);
  return out;
}

}  // namespace

TEST_CASE("a magic 1 message set becomes one v2 batch with its CreateTimes") {
  std::string set = message(1, 0, 0, 1700, "a", "x") + message(1, 0, 1, 1800, std::nullopt, "y");
  auto b = legacy::to_record_batch(set, 99);
  REQUIRE(b.ok());
  REQUIRE(batch::validate(*b).ok());
  auto h = batch::read_header(*b);
  CHECK((h->attributes & batch::kTimestampTypeBit) == 0);
  CHECK(records_of(*b) == std::vector<Rec>{{"a", "x", 1700, 0}, {std::nullopt, "y", 1800, 1}});
}

TEST_CASE("magic 0 messages have no time: they get the broker's, marked LogAppendTime") {
  std::string set = message(0, 0, 7, 0, "k", "v") + message(0, 0, 7, 0, std::nullopt, std::nullopt);
  auto b = legacy::to_record_batch(set, 123456);
  REQUIRE(b.ok());
  REQUIRE(batch::validate(*b).ok());  // the CRC-32C was redone after the attribute
  auto h = batch::read_header(*b);
  CHECK((h->attributes & batch::kTimestampTypeBit) != 0);
  CHECK(h->max_timestamp == 123456);
  // Offsets are the broker's: the producer's 7s are ignored.
  CHECK(records_of(*b) == std::vector<Rec>{{"k", "v", 123456, 0}, {std::nullopt, std::nullopt, 123456, 1}});
}

TEST_CASE("a bad CRC, a truncated message or a wrong magic is refused as corruption") {
  std::string set = message(1, 0, 0, 1, "k", "value");
  std::string bad = set;
  bad.back() ^= 1;
  CHECK(legacy::to_record_batch(bad, 0).status().code() == Code::kCorruption);
  CHECK(legacy::to_record_batch(set.substr(0, set.size() - 1), 0).status().code() == Code::kCorruption);
  CHECK(legacy::to_record_batch(set.substr(0, 10), 0).status().code() == Code::kCorruption);
  std::string m2 = message(2, 0, 0, 1, "k", "v");
  CHECK(legacy::to_record_batch(m2, 0).status().code() == Code::kCorruption);
  CHECK(legacy::to_record_batch("", 0).status().code() == Code::kInvalidArgument);
}

TEST_CASE("compressed wrappers (gzip, snappy, lz4) are unpacked and the codec kept") {
  for (Compression codec : {Compression::kGzip, Compression::kSnappy, Compression::kLz4}) {
    CAPTURE(compression_name(codec));
    std::string value(200, 'z');
    std::string inner = message(1, 0, 0, 500, "a", value) + message(1, 0, 1, 501, "b", value);
    std::string packed;
    REQUIRE(compress(codec, inner, &packed).ok());
    std::string set = message(1, static_cast<uint8_t>(codec), 1, 501, std::nullopt, packed) +
                      message(1, 0, 2, 600, "c", "plain");
    auto b = legacy::to_record_batch(set, 0);
    REQUIRE(b.ok());
    REQUIRE(batch::validate(*b).ok());
    CHECK(batch::read_header(*b)->compression() == codec);
    CHECK(records_of(*b) == std::vector<Rec>{{"a", value, 500, 0}, {"b", value, 501, 1}, {"c", "plain", 600, 2}});
  }
}

TEST_CASE("a LogAppendTime wrapper's time is every inner message's") {
  std::string inner = message(1, 0, 0, 5, "a", "x") + message(1, 0, 1, 6, "b", "y");
  std::string packed;
  REQUIRE(compress(Compression::kGzip, inner, &packed).ok());
  auto b = legacy::to_record_batch(message(1, 1 | legacy::kLogAppendTimeBit, 1, 777, std::nullopt, packed), 0);
  REQUIRE(b.ok());
  CHECK(records_of(*b) == std::vector<Rec>{{"a", "x", 777, 0}, {"b", "y", 777, 1}});
}

TEST_CASE("nested wrappers, zstd and wrappers without a value are refused") {
  std::string inner = message(1, 0, 0, 5, "a", "x");
  std::string packed, twice;
  REQUIRE(compress(Compression::kGzip, inner, &packed).ok());
  REQUIRE(compress(Compression::kGzip, message(1, 1, 0, 5, std::nullopt, packed), &twice).ok());
  CHECK(legacy::to_record_batch(message(1, 1, 0, 5, std::nullopt, twice), 0).status().code() == Code::kCorruption);
  CHECK(legacy::to_record_batch(message(1, 4, 0, 5, std::nullopt, packed), 0).status().code() ==
        Code::kInvalidArgument);
  CHECK(legacy::to_record_batch(message(1, 1, 0, 5, std::nullopt, std::nullopt), 0).status().code() ==
        Code::kCorruption);
  CHECK(legacy::to_record_batch(message(1, 1, 0, 5, std::nullopt, "not gzip"), 0).status().code() ==
        Code::kCorruption);
}

TEST_CASE("stored batches down-convert to magic 1 with offsets and times, headers dropped") {
  std::string stored = stored_batch(10);
  std::string set;
  auto n = legacy::to_message_set(stored, 1, 0, 1 << 20, &set);
  REQUIRE(n.ok());
  CHECK(*n == 3);
  CHECK(set == message(1, 0, 10, 1000, "k1", "one") + message(1, 0, 11, 1001, std::nullopt, "two") +
                   message(1, 0, 12, 1005, "k3", std::nullopt));
}

TEST_CASE("magic 0 down-conversion has no timestamps, it round-trips through the up-conversion") {
  std::string set;
  REQUIRE(legacy::to_message_set(stored_batch(0), 0, 0, 1 << 20, &set).ok());
  const std::string first = message(0, 0, 0, 0, "k1", "one");
  CHECK(set.substr(0, first.size()) == first);
  auto back = legacy::to_record_batch(set, 42);
  REQUIRE(back.ok());
  CHECK(records_of(*back) ==
        std::vector<Rec>{{"k1", "one", 42, 0}, {std::nullopt, "two", 42, 1}, {"k3", std::nullopt, 42, 2}});
}

TEST_CASE("down-conversion starts at the fetch offset inside a batch and stops at max_bytes") {
  std::string stored = stored_batch(10) + stored_batch(13);
  std::string set;
  auto n = legacy::to_message_set(stored, 1, 12, 1 << 20, &set);
  REQUIRE(n.ok());
  CHECK(*n == 4);
  CHECK(static_cast<int64_t>(get_be64(set.data())) == 12);
  // A limit below one message still gives one: the fetch must progress.
  std::string one;
  REQUIRE(legacy::to_message_set(stored, 1, 11, 1, &one).ok());
  CHECK(one == message(1, 0, 11, 1001, std::nullopt, "two"));
  // Whole messages only, never a partial one.
  std::string two;
  auto m = legacy::to_message_set(stored, 1, 10, one.size() * 2 + 10, &two);
  REQUIRE(m.ok());
  CHECK(*m == 2);
  // A truncated last batch (a fetch's byte limit) ends the set quietly.
  std::string cut;
  auto k = legacy::to_message_set(std::string_view(stored).substr(0, stored.size() - 3), 1, 10, 1 << 20, &cut);
  REQUIRE(k.ok());
  CHECK(*k == 3);
}

TEST_CASE("compressed and LogAppendTime stored batches go out uncompressed with the batch's time") {
  std::string stored = stored_batch(0, Compression::kGzip);
  // Mark it LogAppendTime with max timestamp 2000, as a broker would.
  put_be16(stored.data() + batch::kAttributesPos,
           static_cast<uint16_t>(get_be16(stored.data() + batch::kAttributesPos) | batch::kTimestampTypeBit));
  put_be64(stored.data() + batch::kMaxTimestampPos, 2000);
  std::string set;
  REQUIRE(legacy::to_message_set(stored, 1, 0, 1 << 20, &set).ok());
  CHECK(set == message(1, legacy::kLogAppendTimeBit, 0, 2000, "k1", "one") +
                   message(1, legacy::kLogAppendTimeBit, 1, 2000, std::nullopt, "two") +
                   message(1, legacy::kLogAppendTimeBit, 2, 2000, "k3", std::nullopt));
}
