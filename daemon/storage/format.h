// On-disk layout of a partition. One directory per partition,
// data/<topic>-<partition>/, holding segments named by base offset in 20
// digits, and a marker:
//
//   00000000000000000000.log        RecordBatch v2 batches, byte for byte as
//                                   the producer sent them, stamped with the
//                                   absolute base offset the log assigned
//                                   (layout in common/record_batch.h). The
//                                   first batch starts at the segment's base
//                                   offset; offsets increase strictly.
//   00000000000000000000.index      sparse offset index, kOffsetEntrySize-byte
//                                   entries:
//                                     0  relative offset  uint32 BE  batch base
//                                                                    offset - segment base
//                                     4  position         uint32 BE  byte where that
//                                                                    batch starts in .log
//                                   one entry each time more than
//                                   index.interval.bytes (4096) were appended
//                                   since the last; both columns strictly
//                                   increasing.
//   00000000000000000000.timeindex  time index, kTimeEntrySize-byte entries:
//                                     0  timestamp        int64 BE   largest record
//                                                                    timestamp so far
//                                     8  relative offset  uint32 BE  last offset of the
//                                                                    batch that reached it
//                                   meaning: no record at or before that
//                                   offset has a larger timestamp.
//                                   Timestamps strictly increasing; the last
//                                   entry holds the segment's largest timestamp.
//   .clean-shutdown                 empty; present only between a clean close
//                                   and the next open.
//
// Indexes are caches. They are kept in memory while the segment is active
// and written whole when it rolls or the log closes cleanly; after an
// unclean stop, and whenever one is missing or fails its checks, they are
// rebuilt from the .log. Open checks only the last offset index entry; a
// read checks each entry it uses against the batch header it names and
// rebuilds the offset index when one is wrong, so an index never changes
// what is read, only how fast.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace ks::storage {

inline constexpr size_t kOffsetEntrySize = 8;
inline constexpr size_t kTimeEntrySize = 12;
static_assert(kOffsetEntrySize == sizeof(uint32_t) + sizeof(uint32_t));
static_assert(kTimeEntrySize == sizeof(int64_t) + sizeof(uint32_t));
inline constexpr int kSegmentNameDigits = 20;
inline constexpr const char* kLogSuffix = ".log";
inline constexpr const char* kIndexSuffix = ".index";
inline constexpr const char* kTimeIndexSuffix = ".timeindex";
inline constexpr const char* kCleanShutdownFile = ".clean-shutdown";
inline constexpr uint32_t kDefaultIndexIntervalBytes = 4096;

// "00000000000000000042" for base offset 42.
std::string segment_name(int64_t base_offset);
// Parses a file name like "00000000000000000042.log" into its base offset
// and suffix; false when the name is not a segment file.
bool parse_segment_file_name(const std::string& name, int64_t* base_offset, std::string* suffix);

}  // namespace ks::storage
