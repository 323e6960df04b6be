// The checks a segment's sealed indexes must pass against its log, in one
// place for both their users: the open of a segment, which trusts indexes
// only when they pass (segment_indexes.cc), and `ks log verify`, which
// reports each failure (verify.cc). Each knows the log to a different
// depth (open scans only the tail; verify reads every batch), so what is
// known is passed in.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemon/storage/index.h"
#include "daemon/storage/index_seal.h"

namespace ks::storage {

// What the log itself says, as far as the caller read it; a field left
// unset is not compared.
struct LogFacts {
  explicit LogFacts(uint64_t log_size) : size(log_size) {}
  uint64_t size;
  std::optional<int64_t> next_offset;
  std::optional<uint32_t> last_batch_crc;
  std::optional<int64_t> max_timestamp;  // INT64_MIN: the log holds no record
};

// Each way `seal` fails to describe the log, one phrase each ("the seal's
// next offset is 7, the log's is 9"); empty when it describes it. The last
// batch's CRC is compared only when the next offsets agree (otherwise it is
// another batch's anyway).
std::vector<std::string> seal_mismatches(const IndexSeal& seal, const LogFacts& log);

// A time index entry that disagrees with the log.
struct TimeIndexFault {
  size_t entry;  // index into entries(); 0 when the index is empty
  std::string message;
};

// The end of a segment's time index (base offset `base`) against a log
// whose next offset is `next_offset` and whose largest record timestamp is
// `max_timestamp`: no entry past the log's last offset, and, when the log
// holds batches, a last entry with the largest timestamp (retention goes by
// it). nullopt when both hold.
std::optional<TimeIndexFault> check_time_index_end(const TimeIndex& index, int64_t base,
                                                   int64_t next_offset, int64_t max_timestamp);

}  // namespace ks::storage
