#include "cli/input/partitioner.h"

#include <cassert>
#include <random>

namespace ks::cli {

int32_t murmur2(std::string_view key) {
  // Unsigned arithmetic gives Java's wrapping int multiply and its >>>
  // (logical shift) without signed-overflow UB.
  constexpr uint32_t kSeed = 0x9747b28c;
  constexpr uint32_t kM = 0x5bd1e995;
  constexpr int kR = 24;

  const auto* data = reinterpret_cast<const unsigned char*>(key.data());
  const size_t length = key.size();
  // Java takes the length as an int; keys are far below 2 GiB.
  uint32_t h = kSeed ^ static_cast<uint32_t>(length);

  const size_t whole = length / 4 * 4;
  for (size_t i = 0; i < whole; i += 4) {
    uint32_t k = uint32_t{data[i]} | uint32_t{data[i + 1]} << 8 | uint32_t{data[i + 2]} << 16 |
                 uint32_t{data[i + 3]} << 24;
    k *= kM;
    k ^= k >> kR;
    k *= kM;
    h *= kM;
    h ^= k;
  }

  switch (length % 4) {
    case 3: h ^= uint32_t{data[whole + 2]} << 16; [[fallthrough]];
    case 2: h ^= uint32_t{data[whole + 1]} << 8; [[fallthrough]];
    case 1:
      h ^= uint32_t{data[whole]};
      h *= kM;
  }

  h ^= h >> 13;
  h *= kM;
  h ^= h >> 15;
  return static_cast<int32_t>(h);
}

int32_t partition_for_key(std::string_view key, int32_t num_partitions) {
  assert(num_partitions > 0);
  return (murmur2(key) & 0x7fffffff) % num_partitions;
}

int32_t random_start_partition(int32_t num_partitions) {
  assert(num_partitions > 0);
  // One draw per process: random_device (getrandom) is cheap enough, and a
  // clock or pid seed would correlate producers started together.
  std::random_device rd;
  std::uniform_int_distribution<int32_t> pick(0, num_partitions - 1);
  return pick(rd);
}

}  // namespace ks::cli
