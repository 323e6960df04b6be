#include "common/coding.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <random>
#include <string>

using namespace ks;

TEST_CASE("big-endian fixed-width integers round trip and are laid out most significant first") {
  std::string s;
  append_be16(&s, 0x0102);
  append_be32(&s, 0x03040506);
  append_be64(&s, 0x0708090a0b0c0d0eULL);
  CHECK(s == std::string("\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e", 14));
  Reader r(s);
  uint16_t a;
  uint32_t b;
  uint64_t c;
  REQUIRE(r.read_be16(&a));
  REQUIRE(r.read_be32(&b));
  REQUIRE(r.read_be64(&c));
  CHECK(a == 0x0102);
  CHECK(b == 0x03040506);
  CHECK(c == 0x0708090a0b0c0d0eULL);
  CHECK(r.empty());
  CHECK_FALSE(r.read_be16(&a));
}

TEST_CASE("zigzag maps small magnitudes to small codes") {
  CHECK(zigzag64(0) == 0);
  CHECK(zigzag64(-1) == 1);
  CHECK(zigzag64(1) == 2);
  CHECK(zigzag64(-2) == 3);
  CHECK(zigzag32(std::numeric_limits<int32_t>::min()) == 0xffffffffu);
  CHECK(unzigzag64(zigzag64(std::numeric_limits<int64_t>::min())) ==
        std::numeric_limits<int64_t>::min());
  CHECK(unzigzag64(zigzag64(std::numeric_limits<int64_t>::max())) ==
        std::numeric_limits<int64_t>::max());
}

TEST_CASE("varints round trip at every size boundary") {
  std::vector<int64_t> values = {0, 1, -1, 63, -64, 64, -65, 8191, 8192, -8193};
  for (int shift = 0; shift < 63; ++shift) {
    values.push_back(int64_t{1} << shift);
    values.push_back(-(int64_t{1} << shift));
    values.push_back((int64_t{1} << shift) - 1);
  }
  values.push_back(std::numeric_limits<int64_t>::max());
  values.push_back(std::numeric_limits<int64_t>::min());
  for (int64_t v : values) {
    std::string s;
    append_varint(&s, v);
    CHECK(s.size() == static_cast<size_t>(varint_size(v)));
    Reader r(s);
    int64_t out;
    REQUIRE(r.read_varint64(&out));
    CHECK(out == v);
    CHECK(r.empty());
    if (v >= std::numeric_limits<int32_t>::min() && v <= std::numeric_limits<int32_t>::max()) {
      Reader r32(s);
      int32_t o32;
      REQUIRE(r32.read_varint32(&o32));
      CHECK(o32 == v);
    }
  }
}

TEST_CASE("unsigned varints of 32 and 64 bits refuse overlong and overflowing encodings") {
  uint32_t v32;
  uint64_t v64;
  // Six bytes for a 32-bit varint is overlong.
  std::string six("\x80\x80\x80\x80\x80\x01", 6);
  CHECK_FALSE(Reader(six).read_uvarint32(&v32));
  // Fifth byte carrying more than 4 bits overflows 32 bits.
  std::string over32("\xff\xff\xff\xff\x1f", 5);
  CHECK_FALSE(Reader(over32).read_uvarint32(&v32));
  std::string max32("\xff\xff\xff\xff\x0f", 5);
  REQUIRE(Reader(max32).read_uvarint32(&v32));
  CHECK(v32 == 0xffffffffu);
  // Eleven bytes, or a tenth byte above 1, is refused for 64 bits.
  std::string eleven(10, '\x80');
  eleven += '\x01';
  CHECK_FALSE(Reader(eleven).read_uvarint64(&v64));
  std::string over64(9, '\xff');
  over64 += '\x02';
  CHECK_FALSE(Reader(over64).read_uvarint64(&v64));
  std::string max64(9, '\xff');
  max64 += '\x01';
  REQUIRE(Reader(max64).read_uvarint64(&v64));
  CHECK(v64 == std::numeric_limits<uint64_t>::max());
}

TEST_CASE("a truncated varint fails and leaves the reader where it was") {
  std::string s("\x80\x80", 2);
  Reader r(s);
  uint32_t v;
  CHECK_FALSE(r.read_uvarint32(&v));
  CHECK(r.remaining() == 2);
  uint64_t v64;
  CHECK_FALSE(r.read_uvarint64(&v64));
  CHECK(r.remaining() == 2);
  CHECK_FALSE(Reader("", 0).read_uvarint32(&v));
}

TEST_CASE("reader never hands out bytes past its end") {
  std::string s = "abc";
  Reader r(s);
  std::string_view v;
  CHECK_FALSE(r.read_bytes(4, &v));
  REQUIRE(r.read_bytes(3, &v));
  CHECK(v == "abc");
  CHECK_FALSE(r.skip(1));
  CHECK(r.skip(0));
}
