#include "common/crc32c.h"

#include <doctest/doctest.h>

#include <random>
#include <string>

using namespace ks;

TEST_CASE("CRC-32C check value of 123456789 is E3069283 on both paths") {
  const char* s = "123456789";
  CHECK(crc32c::extend_portable(0, s, 9) == 0xE3069283u);
  if (crc32c::hardware_available()) CHECK(crc32c::extend_hardware(0, s, 9) == 0xE3069283u);
  CHECK(crc32c::value(s, 9) == 0xE3069283u);
}

TEST_CASE("CRC-32C of known vectors (RFC 3720 B.4)") {
  std::string zeros(32, '\0');
  std::string ones(32, '\xff');
  std::string inc, dec;
  for (int i = 0; i < 32; ++i) {
    inc += static_cast<char>(i);
    dec += static_cast<char>(31 - i);
  }
  CHECK(crc32c::value(zeros.data(), 32) == 0x8A9136AAu);
  CHECK(crc32c::value(ones.data(), 32) == 0x62A8AB43u);
  CHECK(crc32c::value(inc.data(), 32) == 0x46DD794Eu);
  CHECK(crc32c::value(dec.data(), 32) == 0x113FDB5Cu);
}

TEST_CASE("hardware and portable CRC-32C agree for every length, alignment and split") {
  if (!crc32c::hardware_available()) {
    MESSAGE("no SSE4.2 on this CPU; only the portable path is tested");
    return;
  }
  std::mt19937_64 rng(42);
  std::string data(200000, '\0');
  for (auto& c : data) c = static_cast<char>(rng());
  // Lengths around the three-way block sizes (3*256, 3*8192) and small ones.
  std::vector<size_t> lengths;
  for (size_t n = 0; n < 100; ++n) lengths.push_back(n);
  for (size_t base : {768u, 24576u, 3u * 8192u * 2u, 100000u}) {
    for (size_t d = 0; d < 20; ++d) {
      lengths.push_back(base + d);
      lengths.push_back(base - d);
    }
  }
  for (size_t align = 0; align < 8; ++align) {
    for (size_t n : lengths) {
      const char* p = data.data() + align;
      CHECK(crc32c::extend_hardware(0, p, n) == crc32c::extend_portable(0, p, n));
    }
  }
  // extend() over pieces equals value() over the whole.
  uint32_t whole = crc32c::value(data.data(), data.size());
  uint32_t pieces = 0;
  size_t pos = 0;
  while (pos < data.size()) {
    size_t n = std::min<size_t>(data.size() - pos, rng() % 40000);
    pieces = crc32c::extend(pieces, data.data() + pos, n);
    pos += n;
  }
  CHECK(pieces == whole);
}
