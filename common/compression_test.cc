#include "common/compression.h"

#include <doctest/doctest.h>

#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "common/coding.h"

using namespace ks;

namespace {

constexpr Compression kCodecs[] = {Compression::kGzip, Compression::kSnappy, Compression::kLz4,
                                   Compression::kZstd};
constexpr size_t kNoLimit = 64 << 20;

std::string bytes(std::initializer_list<int> v) {
  std::string s;
  for (int b : v) s += static_cast<char>(b);
  return s;
}

std::string unhex(std::string_view hex) {
  std::string s;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) s += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  return s;
}

std::string packed(Compression c, std::string_view in) {
  std::string out;
  Status s = compress(c, in, &out);
  REQUIRE_MESSAGE(s.ok(), s.to_string());
  return out;
}

// Decompresses from an exact-size heap copy, so an over-read shows up
// under AddressSanitizer.
Status unpack(Compression c, std::string_view in, size_t max_size, std::string* out) {
  std::unique_ptr<char[]> exact(new char[in.size() ? in.size() : 1]);
  if (!in.empty()) std::memcpy(exact.get(), in.data(), in.size());
  return decompress(c, std::string_view(exact.get(), in.size()), max_size, out);
}

std::string unpacked(Compression c, std::string_view in) {
  std::string out;
  Status s = unpack(c, in, kNoLimit, &out);
  REQUIRE_MESSAGE(s.ok(), compression_name(c) << ": " << s.to_string());
  return out;
}

std::string text(size_t n) {
  std::string s;
  for (size_t i = 0; s.size() < n; ++i) s += "record " + std::to_string(i) + " of a compressible log\n";
  s.resize(n);
  return s;
}

std::string random_bytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

// The sentence behind every reference vector below (81 bytes).
const std::string kSentence =
    "ks: the quick brown fox jumps over the lazy dog, the quick brown fox jumps again\n";

}  // namespace

TEST_CASE("codec names parse back to their codec") {
  for (auto c : {Compression::kNone, Compression::kGzip, Compression::kSnappy, Compression::kLz4,
                 Compression::kZstd}) {
    auto p = parse_compression(compression_name(c));
    REQUIRE(p.has_value());
    CHECK(*p == c);
  }
  CHECK_FALSE(parse_compression("GZIP").has_value());
  CHECK_FALSE(parse_compression("lz4hc").has_value());
  CHECK_FALSE(parse_compression("").has_value());
}

TEST_CASE("every codec round trips empty, tiny, text, random and 1 MiB inputs") {
  std::vector<std::string> inputs = {"", "x", kSentence, text(100000), random_bytes(70000, 1),
                                     text(1 << 20), random_bytes(1 << 20, 2),
                                     std::string(1 << 20, '\0')};
  for (auto c : kCodecs) {
    for (const auto& in : inputs) {
      CAPTURE(compression_name(c));
      CAPTURE(in.size());
      std::string z = packed(c, in);
      CHECK(unpacked(c, z) == in);
    }
  }
}

TEST_CASE("compressible input gets smaller") {
  std::string in = text(1 << 20);
  for (auto c : kCodecs) {
    CAPTURE(compression_name(c));
    CHECK(packed(c, in).size() < in.size() / 3);
  }
}

TEST_CASE("decompress appends to what the output already holds") {
  for (auto c : kCodecs) {
    std::string out = "prefix:";
    REQUIRE(unpack(c, packed(c, kSentence), kNoLimit, &out).ok());
    CHECK(out == "prefix:" + kSentence);
  }
}

TEST_CASE("none copies, within the limit") {
  std::string out;
  CHECK(decompress(Compression::kNone, "abc", 3, &out).ok());
  CHECK(out == "abc");
  CHECK(decompress(Compression::kNone, "abcd", 3, &out).code() == Code::kInvalidArgument);
  CHECK(out == "abc");
}

TEST_CASE("gzip: decodes what gzip(1) and zlib wrote") {
  // printf '%s' "$kSentence" | gzip -9 -n
  std::string z = unhex(
      "1f8b0800000000000203cb2eb65228c94855282ccd4cce56482aca2fcf5348cb"
      "af50c82acd2d2856c82f4b2d024be7245655" "2aa4e4a7ebe0519c989e9899c705"
      "000c95bf3051000000");
  CHECK(unpacked(Compression::kGzip, z) == kSentence);
  // Python's zlib.compress: a zlib stream, which windowBits 15+32 accepts.
  CHECK(unpacked(Compression::kGzip, unhex("789cabcac94c52282e294a4dccd551c8cb2f5148afca2c000056df07d5")) ==
        "zlib stream, not gzip");
  // Two gzip members back to back read as one stream.
  CHECK(unpacked(Compression::kGzip,
                 unhex("1f8b08000000000002034bcb2c2a2e51c84dcd4d4a2dd2510000deff0a620e000000"
                       "1f8b08000000000002032b4e4dcecf4b51c84dcd4d4a2d02002474fa9f0d000000")) ==
        "first member, second member");
}

TEST_CASE("gzip: writes a gzip member") {
  std::string z = packed(Compression::kGzip, kSentence);
  CHECK(z.substr(0, 3) == bytes({0x1f, 0x8b, 0x08}));
}

TEST_CASE("snappy: decodes xerial frames and raw blocks") {
  std::string header = std::string(kXerialMagic) + bytes({0, 0, 0, 1, 0, 0, 0, 1});
  // Raw blocks built from the format: a varint length, then elements.
  std::string hello = bytes({0x05, 0x10}) + "hello";  // one 5-byte literal
  // "abcd" as a literal, then a copy of 8 bytes from offset 4 (1-byte offset form).
  std::string abcd = bytes({0x0c, 0x0c}) + "abcd" + bytes({0x11, 0x04});

  CHECK(unpacked(Compression::kSnappy, hello) == "hello");
  CHECK(unpacked(Compression::kSnappy, abcd) == "abcdabcdabcd");
  CHECK(unpacked(Compression::kSnappy, header) == "");
  CHECK(unpacked(Compression::kSnappy, header + bytes({0, 0, 0, 7}) + hello) == "hello");
  CHECK(unpacked(Compression::kSnappy, header + bytes({0, 0, 0, 7}) + hello + bytes({0, 0, 0, 8}) + abcd) ==
        "helloabcdabcdabcd");
  // snappy-java's decoder does not check the version fields either.
  std::string v2 = std::string(kXerialMagic) + bytes({0, 0, 0, 2, 0, 0, 0, 1});
  CHECK(unpacked(Compression::kSnappy, v2 + bytes({0, 0, 0, 7}) + hello) == "hello");
}

TEST_CASE("snappy: writes xerial framing in 32 KiB blocks") {
  std::string in = text(100 << 10);  // 3 full blocks and a 4 KiB one
  std::string z = packed(Compression::kSnappy, in);
  REQUIRE(z.size() > kXerialHeaderSize);
  CHECK(z.substr(0, 8) == kXerialMagic);
  CHECK(get_be32(z.data() + 8) == 1);
  CHECK(get_be32(z.data() + 12) == 1);
  size_t pos = kXerialHeaderSize;
  int blocks = 0;
  while (pos < z.size()) {
    REQUIRE(z.size() - pos >= 4);
    size_t n = get_be32(z.data() + pos);
    pos += 4;
    REQUIRE(n <= z.size() - pos);
    // Every block is a raw snappy block on its own.
    std::string block;
    REQUIRE(decompress(Compression::kSnappy, z.substr(pos, n), kNoLimit, &block).ok());
    CHECK(block == in.substr(static_cast<size_t>(blocks) * kXerialBlockSize, kXerialBlockSize));
    pos += n;
    ++blocks;
  }
  CHECK(blocks == 4);
  CHECK(packed(Compression::kSnappy, "") == std::string(kXerialMagic) + bytes({0, 0, 0, 1, 0, 0, 0, 1}));
}

TEST_CASE("lz4: decodes what lz4(1) wrote") {
  // printf '%s' "$kSentence" | lz4 -c  (lz4 1.9.4: a content checksum)
  std::string ref = unhex(
      "04224d186440a73d000000f1136b733a2074686520717569636b2062726f776e"
      "20666f78206a756d7073206f7665721f00916c617a7920646f672c0e000f2d00"
      "0360616761696e0a00000000884551d4");
  CHECK(unpacked(Compression::kLz4, ref) == kSentence);
}

TEST_CASE("lz4: writes a frame with independent 64 KiB blocks") {
  std::string z = packed(Compression::kLz4, text(200 << 10));
  REQUIRE(z.size() > 7);
  CHECK(get_be32(z.data()) == 0x04224d18);  // 0x184D2204, little-endian on the wire
  uint8_t flg = static_cast<uint8_t>(z[4]);
  CHECK((flg >> 6) == 1);        // version 01
  CHECK((flg & 0x20) != 0);      // blocks independent: the Java client needs it
  CHECK((flg & 0x10) == 0);      // no block checksums
  CHECK(static_cast<uint8_t>(z[5]) == 0x40);  // 64 KiB blocks
  CHECK(unpacked(Compression::kLz4, z) == text(200 << 10));
}

TEST_CASE("zstd: decodes what zstd(1) wrote, with and without a content size") {
  // printf '%s' "$kSentence" | zstd -c  (file input: the size is in the header)
  std::string with_size = unhex(
      "28b52ffd2451dd01001403" "6b733a2074686520717569636b2062726f776e20"
      "666f78206a756d7073206f7665726c617a7920646f672c616761696e0a020050"
      "852321a827f6d01c22");
  // The same from a pipe (`zstd -c --no-content-size`): no content size.
  std::string without_size = unhex(
      "28b52ffd0458dd01001403" "6b733a2074686520717569636b2062726f776e20"
      "666f78206a756d7073206f7665726c617a7920646f672c616761696e0a020050"
      "852321a827f6d01c22");
  CHECK(unpacked(Compression::kZstd, with_size) == kSentence);
  CHECK(unpacked(Compression::kZstd, without_size) == kSentence);
  CHECK(unpacked(Compression::kZstd, with_size + without_size) == kSentence + kSentence);
}

TEST_CASE("zstd: writes a zstd frame") {
  std::string z = packed(Compression::kZstd, kSentence);
  CHECK(z.substr(0, 4) == bytes({0x28, 0xb5, 0x2f, 0xfd}));
}

TEST_CASE("garbage is a corruption error for every codec") {
  std::vector<std::string> garbage = {
      "this is not compressed data at all, just text",
      std::string(100, '\0'),
      std::string(100, '\xff'),
      random_bytes(5000, 9),
  };
  for (auto c : kCodecs) {
    for (const auto& g : garbage) {
      CAPTURE(compression_name(c));
      CAPTURE(g.substr(0, 20));
      std::string out = "kept";
      Status s = unpack(c, g, kNoLimit, &out);
      CHECK(s.code() == Code::kCorruption);
      CHECK(s.message().find(std::string(compression_name(c))) != std::string::npos);
      CHECK(out == "kept");
    }
    std::string out;
    CHECK(unpack(c, "", kNoLimit, &out).code() == Code::kCorruption);
  }
}

TEST_CASE("trailing bytes after a complete stream are refused") {
  for (auto c : {Compression::kGzip, Compression::kLz4, Compression::kZstd}) {
    CAPTURE(compression_name(c));
    std::string out;
    CHECK(unpack(c, packed(c, kSentence) + "junk", kNoLimit, &out).code() == Code::kCorruption);
  }
  std::string out;
  // A xerial block length that runs past the end.
  CHECK(unpack(Compression::kSnappy, packed(Compression::kSnappy, kSentence) + "junk", kNoLimit, &out).code() ==
        Code::kCorruption);
}

TEST_CASE("every truncation of a compressed stream is an error") {
  std::string in = text(20000) + random_bytes(3000, 4);
  for (auto c : kCodecs) {
    std::string z = packed(c, in);
    for (size_t n = 0; n < z.size(); n += (n < 64 || z.size() - n < 64) ? 1 : 37) {
      CAPTURE(compression_name(c));
      CAPTURE(n);
      // xerial framing has no end mark: a cut between blocks is a shorter
      // valid stream. One block here (23000 bytes < 32 KiB), so only the
      // bare header is such a cut.
      if (c == Compression::kSnappy && n == kXerialHeaderSize) continue;
      std::string out;
      Status s = unpack(c, std::string_view(z).substr(0, n), kNoLimit, &out);
      CHECK(s.code() == Code::kCorruption);
      CHECK(out.empty());
    }
  }
}

TEST_CASE("output past the limit is refused, output at the limit is not") {
  std::string in = text(1 << 20);
  for (auto c : kCodecs) {
    CAPTURE(compression_name(c));
    std::string z = packed(c, in);
    std::string out;
    CHECK(unpack(c, z, in.size(), &out).ok());
    CHECK(out == in);
    out = "kept";
    Status s = unpack(c, z, in.size() - 1, &out);
    CHECK(s.code() == Code::kInvalidArgument);
    CHECK(s.message().find("more than") != std::string::npos);
    CHECK(out == "kept");
    CHECK(unpack(c, z, 0, &out).code() == Code::kInvalidArgument);
    CHECK(unpack(c, packed(c, ""), 0, &out).ok());
  }
}

TEST_CASE("a zip bomb stops at the limit") {
  // 256 MiB of zeros, compressed in slices so the test stays fast, then
  // decoded against a 1 MiB limit.
  std::string zeros(16 << 20, '\0');
  for (auto c : kCodecs) {
    CAPTURE(compression_name(c));
    std::string bomb;
    if (c == Compression::kSnappy) {
      // One xerial stream: a header, then the blocks of every slice.
      std::string one = packed(c, zeros);
      bomb = one;
      for (int i = 1; i < 16; ++i) bomb += one.substr(kXerialHeaderSize);
    } else {
      // gzip members, lz4 and zstd frames concatenate.
      std::string one = packed(c, zeros);
      for (int i = 0; i < 16; ++i) bomb += one;
    }
    std::string out;
    Status s = unpack(c, bomb, 1 << 20, &out);
    CHECK(s.code() == Code::kInvalidArgument);
    CHECK(out.empty());
    CHECK(out.capacity() < (4u << 20));
  }
}

TEST_CASE("a raw snappy block claiming more than snappy can encode is refused before allocating") {
  // varint 0x7fffffff, then one byte of elements.
  std::string lie = bytes({0xff, 0xff, 0xff, 0xff, 0x07, 0x00});
  std::string out;
  Status s = unpack(Compression::kSnappy, lie, SIZE_MAX, &out);
  CHECK(s.code() == Code::kCorruption);
  CHECK(out.capacity() < (1u << 20));
}

TEST_CASE("a zstd window larger than the limit needs is refused") {
  // Magic; frame descriptor 0x00 (a window descriptor, no content size);
  // window descriptor 0x88 (2^27: 128 MiB, zstd's own default maximum);
  // one empty raw block, the last.
  std::string z = bytes({0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x88, 0x01, 0x00, 0x00});
  std::string out;
  CHECK(unpack(Compression::kZstd, z, kNoLimit, &out).code() == Code::kCorruption);
  CHECK(unpack(Compression::kZstd, z, size_t{1} << 30, &out).ok());
  CHECK(out.empty());
}

TEST_CASE("thousands of damaged streams give a clean error or some bounded output") {
  std::mt19937_64 rng(77);
  std::string in = text(5000) + random_bytes(500, 5);
  for (auto c : kCodecs) {
    std::string good = packed(c, in);
    int errors = 0;
    for (int iter = 0; iter < 1500; ++iter) {
      std::string bad = good;
      for (int n = 1 + static_cast<int>(rng() % 3); n > 0; --n)
        bad[rng() % bad.size()] ^= static_cast<char>(1 + rng() % 255);
      std::string out;
      Status s = unpack(c, bad, 8 << 10, &out);
      if (!s.ok()) {
        CHECK((s.code() == Code::kCorruption || s.code() == Code::kInvalidArgument));
        CHECK(out.empty());
        ++errors;
      } else {
        CHECK(out.size() <= (8u << 10));
      }
    }
    MESSAGE(compression_name(c) << ": " << errors << " of 1500 damaged streams refused");
    CHECK(errors > 0);
  }
}

TEST_CASE("an unknown codec is an error") {
  std::string out;
  CHECK(decompress(static_cast<Compression>(5), "x", 10, &out).code() == Code::kInvalidArgument);
  CHECK(compress(static_cast<Compression>(7), "x", &out).code() == Code::kInvalidArgument);
}
