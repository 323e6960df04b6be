// The seal that ends each index file (layout in format.h): which version
// of the .log the index was built from, under a CRC-32C of the whole file.
// An index left zeroed, torn or stale by a power cut fails to unseal or
// disagrees with the log, and is rebuilt rather than trusted.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace ks::storage {

enum class IndexKind { kOffset, kTime };

struct IndexSeal {
  uint64_t log_size = 0;
  int64_t next_offset = 0;
  uint32_t last_batch_crc = 0;
  int64_t max_timestamp = INT64_MIN;  // INT64_MIN: the log holds no record
  int64_t max_timestamp_offset = -1;
  bool operator==(const IndexSeal&) const = default;
};

// `entries` (as OffsetIndex/TimeIndex::encode() made them) with the seal
// appended.
std::string seal_index(IndexKind kind, std::string entries, const IndexSeal& seal);

// The entries of a sealed index file, and its seal in *seal. kCorruption
// when the file is too short for a seal, has another kind's (or no) magic,
// or fails its CRC.
Result<std::string_view> unseal_index(IndexKind kind, std::string_view file, IndexSeal* seal);

}  // namespace ks::storage
