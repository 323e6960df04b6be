// Kafka's message sets of magic 0 and 1 (clients before 0.11: Produce
// v0-v2, Fetch v0-v3), converted to and from the RecordBatch v2 that ks
// stores (record_batch.h). ks never stores these formats: a produced
// message set becomes one v2 batch, and a fetch by an old client gets its
// stored batches down-converted on the way out.
//
// A message set is a run of entries, big-endian, with no count:
//
//    0  offset      int64   broker-assigned (producers send anything)
//    8  size        int32   bytes of the message after this field
//   12  crc         uint32  CRC-32 (IEEE, zlib's) of bytes [16, end)
//   16  magic       int8    0 or 1 (the same position as a v2 batch's)
//   17  attributes  int8    bits 0-2 codec (none, gzip, snappy, lz4),
//                           bit 3 (magic 1) timestamp type, 1 = LogAppendTime
//   18  timestamp   int64   magic 1 only
//       key         int32 length (-1 = null), bytes
//       value       int32 length (-1 = null), bytes
//
// A compressed message ("wrapper") holds, as its compressed value, an
// inner message set of uncompressed messages. Magic 1 inner offsets are
// relative (0..n-1) and the wrapper carries the last one's absolute
// offset; with LogAppendTime on the wrapper its timestamp is every inner
// message's. Magic 0 has no timestamps and no headers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace ks::legacy {

inline constexpr size_t kOffsetPos = 0;
inline constexpr size_t kSizePos = 8;
inline constexpr size_t kCrcPos = 12;
inline constexpr size_t kMagicPos = 16;
inline constexpr size_t kAttributesPos = 17;
inline constexpr size_t kTimestampPos = 18;
inline constexpr size_t kLogOverhead = 12;  // offset + size
// crc, magic, attributes, (timestamp), key length, value length.
inline constexpr size_t kMinSizeV0 = 4 + 1 + 1 + 4 + 4;
inline constexpr size_t kMinSizeV1 = kMinSizeV0 + 8;
inline constexpr uint8_t kCodecMask = 0x07;
inline constexpr uint8_t kLogAppendTimeBit = 0x08;
static_assert(kCrcPos + 4 == kMagicPos && kMagicPos + 2 == kTimestampPos);

// The magic byte of the first entry of a message set or batch run, or -1
// when there are too few bytes to tell.
int magic_of(std::string_view records);

// Converts a produced message set (magic 0 and/or 1) into one v2 record
// batch, offsets from 0, compressed with the codec of the first
// compressed message (uncompressed when there is none). Every CRC is
// checked (Corruption on a bad one, a truncated message, a bad codec or
// a nested wrapper; InvalidArgument on zstd, which magic 0/1 cannot
// carry, or on an empty set). Magic 1 keeps each message's CreateTime;
// a message without a timestamp (magic 0, or -1) gets `now_ms`, and a
// set of only such messages is marked LogAppendTime: the broker's clock
// is the only time they have.
Result<std::string> to_record_batch(std::string_view message_set, int64_t now_ms);

// Appends the records of the v2 batches in `batches` with offset >=
// `from` to *out as uncompressed messages of `magic` (0 or 1), headers
// dropped, while *out grows by at most `max_bytes` (the first message is
// written whatever its size, so a fetch always makes progress). Stops
// quietly at a truncated last batch. Returns the messages written.
Result<size_t> to_message_set(std::string_view batches, int8_t magic, int64_t from, size_t max_bytes,
                              std::string* out);

}  // namespace ks::legacy
