#include "cli/input/partitioner.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <string>

using namespace ks::cli;

TEST_CASE("murmur2 matches Kafka's own Utils.murmur2 test vectors") {
  // From Apache Kafka's UtilsTest.testMurmur2 (Java int results). Together
  // they cover every tail length (0-3 bytes after the 4-byte chunks).
  CHECK(murmur2("21") == -973932308);
  CHECK(murmur2("foobar") == -790332482);
  CHECK(murmur2("a-little-bit-long-string") == -985981536);
  CHECK(murmur2("a-little-bit-longer-string") == -1486304829);
  CHECK(murmur2("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8") == -58897971);
  CHECK(murmur2("abc") == 479470107);
}

TEST_CASE("murmur2 treats key bytes as unsigned, as Java's & 0xff does") {
  // Kafka's vectors are all ASCII. These were computed with a separate
  // Python transcription of Utils.murmur2; a sign-extended high byte (char
  // is signed on x86) would change them.
  CHECK(murmur2("\xff\xfe\xfd") == 998637092);
  CHECK(murmur2("\x80\x81\x82\x83\x84\xff") == -997317375);
  CHECK(murmur2("") == 275646681);
  std::string all(256, '\0');
  for (int i = 0; i < 256; ++i) all[i] = static_cast<char>(i);
  CHECK(murmur2(all) == -1948347274);
}

TEST_CASE("a key's partition is its positive murmur2 modulo the partition count") {
  // (murmur2 & 0x7fffffff) % 6, worked out by hand from the vectors above:
  //   "21":     -973932308 & 0x7fffffff = 1173551340, % 6 = 0
  //   "foobar": -790332482 & 0x7fffffff = 1357151166, % 6 = 0
  //   "abc":     479470107                           , % 6 = 3
  //   "a-little-bit-long-string":  -985981536  -> 1161502112, % 6 = 2
  //   "a-little-bit-longer-string": -1486304829 -> 661178819, % 6 = 5
  //   "lkjh...h89h8": -58897971 -> 2088585677, % 6 = 5
  CHECK(partition_for_key("21", 6) == 0);
  CHECK(partition_for_key("foobar", 6) == 0);
  CHECK(partition_for_key("abc", 6) == 3);
  CHECK(partition_for_key("a-little-bit-long-string", 6) == 2);
  CHECK(partition_for_key("a-little-bit-longer-string", 6) == 5);
  CHECK(partition_for_key("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", 6) == 5);
  CHECK(partition_for_key("anything", 1) == 0);
}

TEST_CASE("partitions are always in range and stable") {
  for (int32_t n : {1, 2, 3, 6, 7, 64, 1000}) {
    for (int i = 0; i < 500; ++i) {
      std::string key = "key-" + std::to_string(i);
      int32_t p = partition_for_key(key, n);
      CHECK(p >= 0);
      CHECK(p < n);
      CHECK(partition_for_key(key, n) == p);
    }
  }
}

TEST_CASE("the sticky partition starts anywhere, not always at 0") {
  CHECK(random_start_partition(1) == 0);
  bool seen[6] = {};
  for (int i = 0; i < 300; ++i) {
    int32_t p = random_start_partition(6);
    REQUIRE(p >= 0);
    REQUIRE(p < 6);
    seen[p] = true;
  }
  // 300 uniform draws miss a given partition with probability (5/6)^300,
  // about 1e-24: every partition is seen unless the draw is not random.
  for (bool s : seen) CHECK(s);
}
