// In-memory forms of a segment's .index and .timeindex (layout in
// format.h), with their encoders, checked decoders and lookups.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace ks::storage {

class OffsetIndex {
 public:
  struct Entry {
    uint32_t rel_offset;
    uint32_t position;
  };

  // Position of the last indexed batch whose base offset is at most
  // `rel_offset`, or 0 (the segment start) when there is none.
  uint32_t lookup(uint32_t rel_offset) const;
  // Largest indexed batch position that is at most `position`, or 0.
  uint32_t floor_position(uint32_t position) const;
  // The entries lookup() and floor_position() use, as indexes into
  // entries(); nullopt when there is none. For callers that check an
  // entry against the log before trusting it.
  std::optional<size_t> find(uint32_t rel_offset) const;
  std::optional<size_t> find_position(uint32_t position) const;

  void append(uint32_t rel_offset, uint32_t position) { entries_.push_back({rel_offset, position}); }
  const std::vector<Entry>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }

  std::string encode() const;
  // Refuses a size that is not a whole number of entries, columns that do
  // not increase, and positions at or past `log_size`.
  static Result<OffsetIndex> Decode(std::string_view bytes, uint64_t log_size);

 private:
  std::vector<Entry> entries_;
};

class TimeIndex {
 public:
  struct Entry {
    int64_t timestamp;
    uint32_t rel_offset;
  };

  // Relative offset after which the first record with a timestamp >= `ts`
  // can be: the entry with the largest timestamp below ts says every record
  // up to its offset is older. nullopt: search from the segment start.
  std::optional<uint32_t> last_older_than(int64_t ts) const;

  // Appends when `timestamp` is larger than the last entry's.
  void maybe_append(int64_t timestamp, uint32_t rel_offset);
  const std::vector<Entry>& entries() const { return entries_; }
  std::optional<int64_t> max_timestamp() const {
    if (entries_.empty()) return std::nullopt;
    return entries_.back().timestamp;
  }

  std::string encode() const;
  static Result<TimeIndex> Decode(std::string_view bytes);

 private:
  std::vector<Entry> entries_;
};

}  // namespace ks::storage
