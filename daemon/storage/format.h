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
//   .clean-shutdown                 present only between a clean close and
//                                   the next open, which renames it to
//                                   recovery-point: it holds the recovery
//                                   point at the end of the log
//                                   (recovery_point.h; empty before it did).
//
// Both index files end with a kIndexSealSize-byte seal, written with the
// entries, saying which version of the .log they were built from:
//     0  magic            4 bytes    "KSOI" in .index, "KSTI" in .timeindex
//     4  log size         uint64 BE  bytes of .log the index describes
//    12  next offset      int64 BE   offset after the last batch in them
//    20  last batch CRC   uint32 BE  CRC field of the batch that ends at
//                                    log size (0: no batch)
//    24  max timestamp    int64 BE   largest record timestamp (INT64_MIN: none)
//    32  max ts offset    int64 BE   last offset of the first batch that
//                                    reached it (-1: none)
//    40  CRC              uint32 BE  CRC-32C of every byte before it in the
//                                    file, entries included
// A file without a valid seal (zeroed or torn by a power cut: index files
// are not fsynced at roll; an older format; another kind of index) or
// whose seal disagrees with the .log is not used.
//
// Indexes are caches. They are kept in memory while the segment is active
// and written whole when it rolls (not fsynced) or the log closes cleanly
// (fsynced before the clean-shutdown marker); after an unclean stop, and
// whenever one is missing or fails its checks, they are rebuilt from the
// .log. Open checks the seals against the log: size, next offset, the last
// batch's CRC, and the largest timestamp against the records of the batch
// the seal names, so retention never acts on a timestamp the log does not
// hold. A read checks each offset index entry it uses against the batch
// header it names and rebuilds the offset index when one is wrong, so an
// index never changes what is read, only how fast.
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
// The log start offset when DeleteRecords moved it inside a segment: the
// offset in decimal and a newline, replaced atomically and fsynced
// (log_start.cc). Absent: the log starts at its first segment's base.
inline constexpr const char* kLogStartFile = "log-start-offset";
inline constexpr uint32_t kDefaultIndexIntervalBytes = 4096;
inline constexpr size_t kIndexSealSize = 44;
static_assert(kIndexSealSize == 4 + sizeof(uint64_t) + sizeof(int64_t) + sizeof(uint32_t) +
                                    sizeof(int64_t) + sizeof(int64_t) + sizeof(uint32_t));
inline constexpr char kOffsetIndexMagic[4] = {'K', 'S', 'O', 'I'};
inline constexpr char kTimeIndexMagic[4] = {'K', 'S', 'T', 'I'};

// "00000000000000000042" for base offset 42.
std::string segment_name(int64_t base_offset);
// Parses a file name like "00000000000000000042.log" into its base offset
// and suffix; false when the name is not a segment file.
bool parse_segment_file_name(const std::string& name, int64_t* base_offset, std::string* suffix);

}  // namespace ks::storage
