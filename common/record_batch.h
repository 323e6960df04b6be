// Kafka RecordBatch v2 (magic 2): the unit of storage and transfer in ks.
// The same bytes are produced by clients, stamped with offsets by the log,
// written to segment files and served to consumers of both protocols.
//
// Batch layout, big-endian, byte offsets from the start of the batch:
//
//    0  baseOffset            int64   first offset; assigned by the log
//    8  batchLength           int32   bytes after this field (size - 12)
//   12  partitionLeaderEpoch  int32   set by the broker
//   16  magic                 int8    = 2
//   17  crc                   uint32  CRC-32C of bytes [21, end)
//   21  attributes            int16   bits 0-2 compression, 3 timestamp type,
//                                     4 transactional, 5 control
//   23  lastOffsetDelta       int32   offsetDelta of the last record
//   27  baseTimestamp         int64   timestamp the deltas are relative to
//   35  maxTimestamp          int64   largest record timestamp
//   43  producerId            int64   -1 when not idempotent
//   51  producerEpoch         int16   -1
//   53  baseSequence          int32   -1
//   57  recordsCount          int32
//   61  records ...                   one block, compressed when codec != 0
//
// Record, every integer a zigzag varint:
//   length (bytes after itself), attributes int8 (unused), timestampDelta
//   (varlong), offsetDelta, keyLength (-1 = null key), key, valueLength
//   (-1 = null value), value, headerCount, then per header: keyLength, key
//   (never null), valueLength (-1 = null), value.
//
// The CRC starts at `attributes`, so stamping baseOffset and the leader
// epoch leaves it valid: the log appends the producer's bytes verbatim.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/compression.h"
#include "common/status.h"

namespace ks::batch {

inline constexpr size_t kBaseOffsetPos = 0;
inline constexpr size_t kBatchLengthPos = 8;
inline constexpr size_t kLeaderEpochPos = 12;
inline constexpr size_t kMagicPos = 16;
inline constexpr size_t kCrcPos = 17;
inline constexpr size_t kAttributesPos = 21;
inline constexpr size_t kLastOffsetDeltaPos = 23;
inline constexpr size_t kBaseTimestampPos = 27;
inline constexpr size_t kMaxTimestampPos = 35;
inline constexpr size_t kProducerIdPos = 43;
inline constexpr size_t kProducerEpochPos = 51;
inline constexpr size_t kBaseSequencePos = 53;
inline constexpr size_t kRecordsCountPos = 57;
inline constexpr size_t kHeaderSize = 61;
// baseOffset + batchLength: the bytes not counted by batchLength.
inline constexpr size_t kLogOverhead = 12;
inline constexpr size_t kCrcStart = kAttributesPos;
static_assert(kRecordsCountPos + 4 == kHeaderSize);
static_assert(kCrcPos + 4 == kCrcStart);

inline constexpr int8_t kMagic = 2;
inline constexpr uint16_t kCompressionMask = 0x07;
inline constexpr uint16_t kTimestampTypeBit = 0x08;  // 1 = LogAppendTime
inline constexpr uint16_t kTransactionalBit = 0x10;
inline constexpr uint16_t kControlBit = 0x20;

// Smallest encoded record: length, attributes, timestampDelta, offsetDelta,
// keyLength, valueLength, headerCount, one byte each.
inline constexpr size_t kMinRecordSize = 7;
// Largest batch the codec accepts (batchLength is an int32).
inline constexpr size_t kMaxBatchSize = 0x7fffffff;

// Largest records block a compressed batch may decompress to. A batch
// that would expand past it is refused, so one that is mostly zip bomb
// costs at most this much memory to check.
inline constexpr size_t kMaxUncompressedRecords = 64 << 20;

// The codec in bits 0-2 of the attributes (common/compression.h).
using Compression = ks::Compression;
using ks::compression_name;

struct BatchHeader {
  int64_t base_offset = 0;
  int32_t batch_length = 0;
  int32_t leader_epoch = 0;
  int8_t magic = kMagic;
  uint32_t crc = 0;
  uint16_t attributes = 0;
  int32_t last_offset_delta = 0;
  int64_t base_timestamp = 0;
  int64_t max_timestamp = 0;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
  int32_t base_sequence = -1;
  int32_t records_count = 0;

  size_t size() const { return kLogOverhead + static_cast<size_t>(batch_length); }
  int64_t last_offset() const { return base_offset + last_offset_delta; }
  int64_t next_offset() const { return last_offset() + 1; }
  Compression compression() const { return static_cast<Compression>(attributes & kCompressionMask); }
  bool is_control() const { return (attributes & kControlBit) != 0; }
};

// Parses the 61-byte header at the start of `bytes` and checks what the
// header alone can tell: magic 2, a batchLength that covers the header, a
// known compression codec, a record count that is not negative. Does not
// require the rest of the batch to be present.
Result<BatchHeader> read_header(std::string_view bytes);

// The total size (batchLength + 12) of the batch at the start of `bytes`,
// read from its length field; an error when fewer than 12 bytes are
// present or the length is impossible. Only frames: checks nothing else.
Result<size_t> frame_size(std::string_view bytes);

// A record header (Kafka "header"): key is never null, value may be.
struct Header {
  std::string_view key;
  std::optional<std::string_view> value;
};

// A decoded record; views point into the batch it came from, or into the
// RecordReader that decompressed it.
struct Record {
  int64_t offset = 0;
  int64_t timestamp = 0;
  std::optional<std::string_view> key;
  std::optional<std::string_view> value;
  std::vector<Header> headers;
};

struct BatchInfo;

// How much of each record a RecordReader decodes.
enum class Fields : uint8_t {
  // Offset, timestamp, key, value and every header (into Record::headers);
  // every length in the record is checked against the record's own.
  kAll,
  // Offset, timestamp, key and value; the headers are stepped over by the
  // record's length without being read, and Record::headers stays empty.
  // For a reader that prints no headers (`ks consume` by default): each
  // length up to the value is still checked, so no view leaves its record
  // and offsets still must increase, but a malformed header goes unnoticed
  // (validate() refuses such a batch before the log stores it).
  kNoHeaders,
};

// Iterates the records of one batch, checking every length against the
// bytes that hold it. A compressed batch is first decompressed, whole,
// into a buffer the reader owns (at most `max_uncompressed` bytes, or it
// fails), then read exactly like an uncompressed one. Stops (next()
// returns false) at the end or at the first malformed record; status()
// then tells which. Does not check the CRC (check_crc() does).
class RecordReader {
 public:
  // `batch` holds one whole batch. The Records yielded point into `batch`
  // (uncompressed) or into the reader (compressed): both must outlive them.
  explicit RecordReader(std::string_view batch, size_t max_uncompressed = kMaxUncompressedRecords,
                        Fields fields = Fields::kAll);
  // The same, for a batch whose header the caller has read already
  // (read_header() or check_crc() of `batch`): it is not parsed again.
  RecordReader(std::string_view batch, const BatchHeader& header, Fields fields = Fields::kAll,
               size_t max_uncompressed = kMaxUncompressedRecords);
  // Not copyable or movable: p_ and end_ may point into records_.
  RecordReader(const RecordReader&) = delete;
  RecordReader& operator=(const RecordReader&) = delete;

  bool next(Record* out);
  const Status& status() const { return status_; }

 private:
  friend Result<BatchInfo> validate(std::string_view batch, size_t max_uncompressed);
  friend struct RecordReaderTestAccess;  // record_walk_test.cc: slow_step() alone
  // What happens to a record's headers: kCollect reads them into the
  // Record (Fields::kAll), kSkip steps over them (Fields::kNoHeaders),
  // kCheck reads every length and keeps nothing (validate()).
  enum class Walk : uint8_t { kCollect, kSkip, kCheck };

  RecordReader(std::string_view batch, const BatchHeader& header, Walk walk, size_t max_uncompressed);
  void start(std::string_view batch, size_t max_uncompressed);
  // Bytes of the buffer fast_step() needs after a record: it reads the
  // first two bytes of a varint unchecked, and a varint may start at the
  // record's last byte.
  static constexpr ptrdiff_t kSlack = 2;
  template <Walk kWalk>
  bool step(Record* out);
  template <Walk kWalk>
  bool fast_step(Record* out);
  template <Walk kWalk>
  bool slow_step(Record* out);
  bool end_of_records();
  bool fail(std::string msg);
  bool bad(const char* what);
  bool bad_length(int32_t length, size_t left);

  BatchHeader header_;
  Walk walk_ = Walk::kCollect;
  const char* p_ = nullptr;
  const char* end_ = nullptr;
  int32_t index_ = 0;
  int64_t last_delta_ = -1;
  bool done_ = false;
  Status status_;
  std::string records_;  // the decompressed records of a compressed batch
};

// What validate() learned about a well-formed batch.
struct BatchInfo {
  BatchHeader header;
  // Largest record timestamp, read from the records (decompressed first
  // for compressed batches); the header's value when there are none.
  int64_t max_timestamp = 0;
  // Smallest record timestamp (the header's base timestamp when there are
  // none): with max_timestamp, the bounds topic timestamp limits check.
  int64_t min_timestamp = 0;
};

// Checks the header, that `batch` is exactly one batch long, and its
// CRC-32C; not the records (a RecordReader checks those as it reads them).
Result<BatchHeader> check_crc(std::string_view batch);

// Checks that `batch` is exactly one well-formed batch: header, lengths,
// CRC-32C, and every record (lengths, varints, counts, strictly increasing
// offset deltas ending at lastOffsetDelta). A compressed batch's records
// are decompressed to check them: garbage, truncation or more than
// `max_uncompressed` bytes of records is refused. Never reads outside
// `batch`. Allocates nothing for an uncompressed batch; for a compressed
// one, the decompressed records and the codec's window, each at most
// `max_uncompressed`, whatever the lengths in the batch claim.
Result<BatchInfo> validate(std::string_view batch,
                           size_t max_uncompressed = kMaxUncompressedRecords);

// Walks consecutive batches in a byte range (a fetch response or a segment
// file's contents). A range may end inside a batch (a fetch's byte limit, a
// torn file tail): next() then returns false with truncated() true.
class BatchCursor {
 public:
  explicit BatchCursor(std::string_view bytes) : bytes_(bytes) {}
  // Sets *batch to the next whole batch (framed by its length only; call
  // validate() to check it). False at the end of the range.
  bool next(std::string_view* batch);
  bool truncated() const { return truncated_; }
  // Bytes consumed by whole batches so far.
  size_t position() const { return pos_; }
  // Set when the length field of the next batch is impossible.
  const Status& status() const { return status_; }

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
  bool truncated_ = false;
  Status status_;
};

// Writes the base offset (and leader epoch) into a batch's header. Both
// fields sit outside the CRC, so the batch stays valid.
void stamp_base_offset(char* batch, int64_t base_offset);
void stamp_leader_epoch(char* batch, int32_t epoch);

// Builds one batch from records. Records are encoded as they are added;
// finish() compresses them as one block when a codec was chosen, then
// fills in the header and CRC. Base offset 0, not idempotent (producer
// id/epoch/sequence -1), CreateTime timestamps.
//
// When compression would not make the records smaller (small or random
// values), finish() leaves them uncompressed, as librdkafka does: so
// size(), the uncompressed size, is never less than the finished size.
class BatchBuilder {
 public:
  BatchBuilder() : BatchBuilder(Compression::kNone) {}
  explicit BatchBuilder(Compression codec);

  void add(std::optional<std::string_view> key, std::optional<std::string_view> value,
           int64_t timestamp, std::span<const Header> headers = {});

  int32_t record_count() const { return count_; }
  bool empty() const { return count_ == 0; }
  Compression codec() const { return codec_; }
  // Size of the batch if finished now without compression: an upper
  // bound of what finish() returns.
  size_t size() const { return used_; }
  // Bytes one more record would add to size().
  static size_t record_size(std::optional<std::string_view> key,
                            std::optional<std::string_view> value,
                            std::span<const Header> headers, int64_t timestamp_delta,
                            int32_t offset_delta);

  // Completes the batch and returns it; the view is valid until the next
  // add(), finish() or clear(). An empty builder yields a batch of zero
  // records.
  std::string_view finish();
  // finish() and hand over the buffer; the builder is left empty.
  std::string take();
  void clear();
  // Buffer reuse across builders (a producer with many partitions keeps a
  // few buffers, not one per partition). Both need an empty builder:
  // release_buffer() hands over the grown buffer and keeps a minimal one;
  // adopt_buffer() takes `buf` when it is larger than the builder's own.
  std::string release_buffer();
  void adopt_buffer(std::string buf);

 private:
  // Writes the header of `batch` (header + records block) and its CRC.
  void fill_header(char* batch, size_t size, Compression codec) const;

  Compression codec_;
  // Header + plain records in the first used_ bytes. buf_ only grows (by
  // doubling), and clear() keeps it, so adding a record writes its bytes
  // once instead of zero-filling them first.
  std::string buf_;
  size_t used_ = 0;
  std::string packed_;  // header + compressed records, when smaller
  bool use_packed_ = false;
  int32_t count_ = 0;
  int64_t base_timestamp_ = 0;
  int64_t max_timestamp_ = 0;
};

}  // namespace ks::batch
