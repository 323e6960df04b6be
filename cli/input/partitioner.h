// Kafka's default partitioner for keyed records, bit for bit, so a key lands
// on the same partition whether a Java client, librdkafka with
// partitioner=murmur2_random, or `ks produce -K` wrote it; and the random
// start of the sticky partition for records without a key.
#pragma once

#include <cstdint>
#include <string_view>

namespace ks::cli {

// Kafka's Utils.murmur2: MurmurHash2 (32-bit) with seed 0x9747b28c, as a
// Java int.
int32_t murmur2(std::string_view key);

// (murmur2(key) & 0x7fffffff) % num_partitions: Kafka's toPositive clears
// the sign bit rather than taking abs(), which would differ for INT_MIN.
// Requires num_partitions > 0.
int32_t partition_for_key(std::string_view key, int32_t num_partitions);

// Where a producer's sticky partition for records without a key starts:
// uniformly at random, as Kafka's clients do, so many short-lived
// producers (`echo x | ks produce t` in a loop) spread over the
// partitions instead of all filling partition 0. Requires
// num_partitions > 0.
int32_t random_start_partition(int32_t num_partitions);

}  // namespace ks::cli
