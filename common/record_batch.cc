#include "common/record_batch.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <string>

#include "common/coding.h"
#include "common/crc32c.h"

namespace ks::batch {
namespace {

int64_t wrapping_add(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
}

// A varint of one or two bytes for RecordReader::fast_step(), which
// guarantees that the two bytes at `p` are readable. Returns the byte
// after it, or null for a longer one (fast_step() then declines the
// record, and the Reader of slow_step() reads it).
inline const char* short_varint(const char* p, int64_t* v) {
  const auto* u = reinterpret_cast<const uint8_t*>(p);
  if (u[0] < 0x80) {
    *v = unzigzag32(u[0]);
    return p + 1;
  }
  if (u[1] < 0x80) {
    *v = unzigzag32((u[0] & 0x7fu) | static_cast<uint32_t>(u[1]) << 7);
    return p + 2;
  }
  return nullptr;
}

}  // namespace

Result<size_t> frame_size(std::string_view bytes) {
  if (bytes.size() < kLogOverhead)
    return Status::Corruption("batch truncated: " + std::to_string(bytes.size()) +
                              " bytes, fewer than the 12-byte offset and length");
  auto length = static_cast<int32_t>(get_be32(bytes.data() + kBatchLengthPos));
  if (length < static_cast<int32_t>(kHeaderSize - kLogOverhead))
    return Status::Corruption("batch length " + std::to_string(length) +
                              " is smaller than a batch header");
  return kLogOverhead + static_cast<size_t>(length);
}

Result<BatchHeader> read_header(std::string_view bytes) {
  if (bytes.size() < kHeaderSize)
    return Status::Corruption("batch truncated: " + std::to_string(bytes.size()) +
                              " bytes, fewer than the 61-byte header");
  const char* p = bytes.data();
  BatchHeader h;
  h.magic = static_cast<int8_t>(p[kMagicPos]);
  if (h.magic != kMagic)
    return Status::Corruption("unsupported record format: magic " + std::to_string(h.magic) +
                              ", expected 2");
  h.base_offset = static_cast<int64_t>(get_be64(p + kBaseOffsetPos));
  h.batch_length = static_cast<int32_t>(get_be32(p + kBatchLengthPos));
  if (h.batch_length < static_cast<int32_t>(kHeaderSize - kLogOverhead))
    return Status::Corruption("batch length " + std::to_string(h.batch_length) +
                              " is smaller than a batch header");
  h.leader_epoch = static_cast<int32_t>(get_be32(p + kLeaderEpochPos));
  h.crc = get_be32(p + kCrcPos);
  h.attributes = get_be16(p + kAttributesPos);
  h.last_offset_delta = static_cast<int32_t>(get_be32(p + kLastOffsetDeltaPos));
  h.base_timestamp = static_cast<int64_t>(get_be64(p + kBaseTimestampPos));
  h.max_timestamp = static_cast<int64_t>(get_be64(p + kMaxTimestampPos));
  h.producer_id = static_cast<int64_t>(get_be64(p + kProducerIdPos));
  h.producer_epoch = static_cast<int16_t>(get_be16(p + kProducerEpochPos));
  h.base_sequence = static_cast<int32_t>(get_be32(p + kBaseSequencePos));
  h.records_count = static_cast<int32_t>(get_be32(p + kRecordsCountPos));
  if (static_cast<uint16_t>(h.compression()) > static_cast<uint16_t>(Compression::kZstd))
    return Status::Corruption("unknown compression codec " +
                              std::to_string(h.attributes & kCompressionMask));
  if (h.records_count < 0)
    return Status::Corruption("negative record count " + std::to_string(h.records_count));
  if (h.last_offset_delta < 0)
    return Status::Corruption("negative last offset delta " + std::to_string(h.last_offset_delta));
  if (h.base_offset < 0 || h.base_offset > INT64_MAX - h.last_offset_delta - 1)
    return Status::Corruption("base offset " + std::to_string(h.base_offset) + " out of range");
  return h;
}

// --- RecordReader ------------------------------------------------------------

RecordReader::RecordReader(std::string_view batch, size_t max_uncompressed, Fields fields)
    : walk_(fields == Fields::kAll ? Walk::kCollect : Walk::kSkip) {
  auto header = read_header(batch);
  if (!header.ok()) {
    status_ = header.take_status();
    done_ = true;
    return;
  }
  header_ = *header;
  start(batch, max_uncompressed);
}

RecordReader::RecordReader(std::string_view batch, const BatchHeader& header, Fields fields,
                           size_t max_uncompressed)
    : RecordReader(batch, header, fields == Fields::kAll ? Walk::kCollect : Walk::kSkip, max_uncompressed) {}

RecordReader::RecordReader(std::string_view batch, const BatchHeader& header, Walk walk, size_t max_uncompressed)
    : header_(header), walk_(walk) {
  start(batch, max_uncompressed);
}

void RecordReader::start(std::string_view batch, size_t max_uncompressed) {
  if (header_.size() > batch.size()) {
    fail("batch truncated: length field says " + std::to_string(header_.size()) +
         " bytes, " + std::to_string(batch.size()) + " present");
    return;
  }
  p_ = batch.data() + kHeaderSize;
  end_ = batch.data() + header_.size();
  // A batch of no records may carry no compressed block at all.
  if (header_.compression() != Compression::kNone && (p_ != end_ || header_.records_count > 0)) {
    Status s = decompress(header_.compression(), std::string_view(p_, static_cast<size_t>(end_ - p_)),
                          max_uncompressed, &records_);
    if (!s.ok()) {
      s.prepend("records of a " + std::string(compression_name(header_.compression())) + " batch");
      status_ = std::move(s);
      done_ = true;
      return;
    }
    p_ = records_.data();
    end_ = p_ + records_.size();
  }
  // Each record takes at least kMinRecordSize bytes, so a count that does
  // not fit is refused before any work proportional to it.
  if (static_cast<size_t>(header_.records_count) > static_cast<size_t>(end_ - p_) / kMinRecordSize)
    fail("record count " + std::to_string(header_.records_count) + " does not fit in " +
         std::to_string(end_ - p_) + " bytes of records");
}

bool RecordReader::fail(std::string msg) {
  status_ = Status::Corruption(std::move(msg));
  done_ = true;
  return false;
}

// The failures are out of line and cold: the record walk below stays short.
__attribute__((cold, noinline)) bool RecordReader::bad(const char* what) {
  return fail("record " + std::to_string(index_) + ": " + what);
}

__attribute__((cold, noinline)) bool RecordReader::bad_length(int32_t length, size_t left) {
  return fail("record " + std::to_string(index_) + ": length " + std::to_string(length) +
              " does not fit in the " + std::to_string(left) + " bytes left");
}

__attribute__((noinline)) bool RecordReader::end_of_records() {
  done_ = true;
  if (p_ != end_)
    return fail(std::to_string(end_ - p_) + " bytes after the last of " +
                std::to_string(header_.records_count) + " records");
  if (header_.records_count > 0 && last_delta_ != header_.last_offset_delta)
    return fail("last record has offset delta " + std::to_string(last_delta_) + ", header says " +
                std::to_string(header_.last_offset_delta));
  return false;
}

// One record, read once, front to back. Every read is bounded by the
// record's length, and the length by the bytes left, whatever kWalk is.
// The authority on what a record may be: fast_step() accepts only what
// this accepts, and a record fast_step() declines comes here, which then
// says exactly what is wrong with it.
template <RecordReader::Walk kWalk>
__attribute__((noinline)) bool RecordReader::slow_step(Record* out) {
  Reader outer(p_, static_cast<size_t>(end_ - p_));
  int32_t length;
  if (!outer.read_varint32(&length)) return bad("bad length varint");
  if (length < static_cast<int32_t>(kMinRecordSize - 1) || static_cast<size_t>(length) > outer.remaining())
    return bad_length(length, outer.remaining());
  Reader r(outer.position(), static_cast<size_t>(length));
  uint8_t attributes;
  int64_t ts_delta;
  int32_t offset_delta, key_len, value_len;
  if (!r.read_u8(&attributes)) return bad("truncated attributes");
  if (!r.read_varint64(&ts_delta)) return bad("bad timestamp delta");
  if (!r.read_varint32(&offset_delta)) return bad("bad offset delta");
  if (offset_delta <= last_delta_ || offset_delta > header_.last_offset_delta)
    return bad("offset delta out of order or past lastOffsetDelta");
  if (!r.read_varint32(&key_len) || key_len < -1) return bad("bad key length");
  std::string_view key;
  if (key_len >= 0 && !r.read_bytes(static_cast<size_t>(key_len), &key)) return bad("key longer than the record");
  if (!r.read_varint32(&value_len) || value_len < -1) return bad("bad value length");
  std::string_view value;
  if (value_len >= 0 && !r.read_bytes(static_cast<size_t>(value_len), &value))
    return bad("value longer than the record");
  if constexpr (kWalk != Walk::kSkip) {
    int32_t header_count;
    if (!r.read_varint32(&header_count) || header_count < 0) return bad("bad header count");
    // Each header takes at least two bytes (two one-byte lengths).
    if (static_cast<size_t>(header_count) > r.remaining() / 2) return bad("header count does not fit in the record");
    if constexpr (kWalk == Walk::kCollect) out->headers.clear();
    for (int32_t i = 0; i < header_count; ++i) {
      int32_t hk_len, hv_len;
      Header h;
      if (!r.read_varint32(&hk_len) || hk_len < 0) return bad("bad header key length");
      if (!r.read_bytes(static_cast<size_t>(hk_len), &h.key)) return bad("header key too long");
      if (!r.read_varint32(&hv_len) || hv_len < -1) return bad("bad header value length");
      if (hv_len >= 0) {
        std::string_view v;
        if (!r.read_bytes(static_cast<size_t>(hv_len), &v)) return bad("header value too long");
        h.value = v;
      }
      if constexpr (kWalk == Walk::kCollect) out->headers.push_back(h);
    }
    if (!r.empty()) return bad("length disagrees with its fields");
  }
  out->offset = header_.base_offset + offset_delta;
  // A LogAppendTime batch's records all carry the time the broker stamped
  // into the header, as Kafka's records report it.
  out->timestamp = (header_.attributes & kTimestampTypeBit) ? header_.max_timestamp
                                                            : wrapping_add(header_.base_timestamp, ts_delta);
  out->key = key_len >= 0 ? std::optional<std::string_view>(key) : std::nullopt;
  out->value = value_len >= 0 ? std::optional<std::string_view>(value) : std::nullopt;
  p_ = outer.position() + length;
  last_delta_ = offset_delta;
  ++index_;
  return true;
}

// The common case, with fewer bounds checks: when at least kSlack bytes of
// the buffer follow the record, a varint of one or two bytes that starts
// inside the record can be read without looking at the buffer's end, and
// one check per field (did it end inside the record?) replaces the
// Reader's checks per byte. A record with a longer varint (a record or
// value of 8 KiB or more, timestamps 8 s or more apart) goes to
// slow_step(). Same conditions as slow_step(), in the same
// order; on any doubt it declines (false, nothing consumed) and
// slow_step() decides, with its message.
template <RecordReader::Walk kWalk>
__attribute__((always_inline)) inline bool RecordReader::fast_step(Record* out) {
  const char* p = p_;
  const char* const end = end_;
  if (end - p < kSlack) return false;
  int64_t length;
  p = short_varint(p, &length);
  if (p == nullptr || length < static_cast<int64_t>(kMinRecordSize - 1) || length > end - p - kSlack) return false;
  const char* const rec_end = p + length;
  // Reads the varint at p (at most two bytes), which must end inside the
  // record.
  auto field = [&](int64_t* value) {
    const char* next = short_varint(p, value);
    if (next == nullptr || next > rec_end) return false;
    p = next;
    return true;
  };
  ++p;  // attributes: unused
  int64_t ts_delta, offset_delta, key_len, value_len;
  if (!field(&ts_delta) || !field(&offset_delta)) return false;
  if (offset_delta <= last_delta_ || offset_delta > header_.last_offset_delta) return false;
  if (!field(&key_len) || key_len < -1 || key_len > rec_end - p) return false;
  const char* const key = p;
  if (key_len > 0) p += key_len;
  if (!field(&value_len) || value_len < -1 || value_len > rec_end - p) return false;
  const char* const value = p;
  if (value_len > 0) p += value_len;
  if constexpr (kWalk != Walk::kSkip) {
    int64_t header_count;
    if (!field(&header_count) || header_count < 0 || header_count > (rec_end - p) / 2) return false;
    if constexpr (kWalk == Walk::kCollect) out->headers.clear();
    for (int64_t i = 0; i < header_count; ++i) {
      int64_t hk_len, hv_len;
      if (!field(&hk_len) || hk_len < 0 || hk_len > rec_end - p) return false;
      Header h{std::string_view(p, static_cast<size_t>(hk_len)), std::nullopt};
      p += hk_len;
      if (!field(&hv_len) || hv_len < -1 || hv_len > rec_end - p) return false;
      if (hv_len >= 0) {
        h.value = std::string_view(p, static_cast<size_t>(hv_len));
        p += hv_len;
      }
      if constexpr (kWalk == Walk::kCollect) out->headers.push_back(h);
    }
    if (p != rec_end) return false;
  }
  out->offset = header_.base_offset + offset_delta;
  out->timestamp = (header_.attributes & kTimestampTypeBit) ? header_.max_timestamp
                                                            : wrapping_add(header_.base_timestamp, ts_delta);
  out->key = key_len >= 0 ? std::optional<std::string_view>(std::string_view(key, static_cast<size_t>(key_len)))
                          : std::nullopt;
  out->value = value_len >= 0
                   ? std::optional<std::string_view>(std::string_view(value, static_cast<size_t>(value_len)))
                   : std::nullopt;
  p_ = rec_end;
  last_delta_ = offset_delta;
  ++index_;
  return true;
}

template <RecordReader::Walk kWalk>
bool RecordReader::step(Record* out) {
  if (index_ == header_.records_count) return end_of_records();
  return fast_step<kWalk>(out) || slow_step<kWalk>(out);
}

// Also called alone by record_walk_test.cc, to compare with fast_step().
template bool RecordReader::slow_step<RecordReader::Walk::kCollect>(Record*);
template bool RecordReader::slow_step<RecordReader::Walk::kSkip>(Record*);
template bool RecordReader::slow_step<RecordReader::Walk::kCheck>(Record*);

bool RecordReader::next(Record* out) {
  if (done_) return false;
  switch (walk_) {
    case Walk::kCollect: return step<Walk::kCollect>(out);
    case Walk::kSkip: return step<Walk::kSkip>(out);
    case Walk::kCheck: break;
  }
  return step<Walk::kCheck>(out);
}

// --- validate -----------------------------------------------------------------

Result<BatchHeader> check_crc(std::string_view batch) {
  auto header = read_header(batch);
  if (!header.ok()) return header.take_status();
  const BatchHeader& h = *header;
  if (h.size() != batch.size()) {
    if (h.size() > batch.size())
      return Status::Corruption("batch truncated: length field says " + std::to_string(h.size()) +
                                " bytes, " + std::to_string(batch.size()) + " present");
    return Status::Corruption("batch length field says " + std::to_string(h.size()) +
                              " bytes but " + std::to_string(batch.size()) + " were given");
  }
  uint32_t crc = crc32c::value(batch.data() + kCrcStart, batch.size() - kCrcStart);
  if (crc != h.crc) {
    char buf[64];
    snprintf(buf, sizeof buf, "CRC mismatch: stored %08x, computed %08x", h.crc, crc);
    return Status::Corruption(buf);
  }
  return h;
}

Result<BatchInfo> validate(std::string_view batch, size_t max_uncompressed) {
  auto checked = check_crc(batch);
  if (!checked.ok()) return checked.take_status();
  const BatchHeader& h = *checked;
  BatchInfo info{h, h.max_timestamp, h.base_timestamp};
  // One walk over the records, reading every length and keeping nothing
  // but the timestamp bounds; the header is not parsed a second time.
  RecordReader reader(batch, h, RecordReader::Walk::kCheck, max_uncompressed);
  Record rec;
  int64_t max_ts = INT64_MIN, min_ts = INT64_MAX;
  while (!reader.done_ && reader.step<RecordReader::Walk::kCheck>(&rec)) {
    max_ts = std::max(max_ts, rec.timestamp);
    min_ts = std::min(min_ts, rec.timestamp);
  }
  if (!reader.status().ok()) return reader.status();
  if (h.records_count > 0) {
    info.max_timestamp = max_ts;
    info.min_timestamp = min_ts;
  }
  return info;
}

// --- BatchCursor ---------------------------------------------------------------

bool BatchCursor::next(std::string_view* batch) {
  if (pos_ >= bytes_.size() || !status_.ok()) return false;
  std::string_view rest = bytes_.substr(pos_);
  if (rest.size() < kLogOverhead) {
    truncated_ = true;
    return false;
  }
  auto size = frame_size(rest);
  if (!size.ok()) {
    status_ = size.take_status();
    status_.prepend("at byte " + std::to_string(pos_));
    return false;
  }
  if (*size > rest.size()) {
    truncated_ = true;
    return false;
  }
  *batch = rest.substr(0, *size);
  pos_ += *size;
  return true;
}

void stamp_base_offset(char* batch, int64_t base_offset) {
  put_be64(batch + kBaseOffsetPos, static_cast<uint64_t>(base_offset));
}

void stamp_leader_epoch(char* batch, int32_t epoch) {
  put_be32(batch + kLeaderEpochPos, static_cast<uint32_t>(epoch));
}

// --- BatchBuilder -------------------------------------------------------------

BatchBuilder::BatchBuilder(Compression codec) : codec_(codec) { clear(); }

void BatchBuilder::clear() {
  if (buf_.size() < kHeaderSize) buf_.resize(kHeaderSize);
  used_ = kHeaderSize;
  packed_.clear();
  use_packed_ = false;
  count_ = 0;
  base_timestamp_ = 0;
  max_timestamp_ = 0;
}

namespace {

size_t body_size(std::optional<std::string_view> key, std::optional<std::string_view> value,
                 std::span<const Header> headers, int64_t timestamp_delta, int32_t offset_delta) {
  size_t n = 1 + static_cast<size_t>(varint_size(timestamp_delta)) +
             static_cast<size_t>(varint_size(offset_delta));
  n += key ? static_cast<size_t>(varint_size(static_cast<int64_t>(key->size()))) + key->size() : 1;
  n += value ? static_cast<size_t>(varint_size(static_cast<int64_t>(value->size()))) + value->size()
             : 1;
  n += static_cast<size_t>(varint_size(static_cast<int64_t>(headers.size())));
  for (const Header& h : headers) {
    n += static_cast<size_t>(varint_size(static_cast<int64_t>(h.key.size()))) + h.key.size();
    n += h.value ? static_cast<size_t>(varint_size(static_cast<int64_t>(h.value->size()))) +
                       h.value->size()
                 : 1;
  }
  return n;
}

char* put_bytes(char* p, std::optional<std::string_view> b) {
  if (!b) return put_varint(p, -1);
  p = put_varint(p, static_cast<int64_t>(b->size()));
  if (!b->empty()) std::memcpy(p, b->data(), b->size());
  return p + b->size();
}

}  // namespace

size_t BatchBuilder::record_size(std::optional<std::string_view> key,
                                 std::optional<std::string_view> value,
                                 std::span<const Header> headers, int64_t timestamp_delta,
                                 int32_t offset_delta) {
  size_t body = body_size(key, value, headers, timestamp_delta, offset_delta);
  return static_cast<size_t>(varint_size(static_cast<int64_t>(body))) + body;
}

void BatchBuilder::add(std::optional<std::string_view> key, std::optional<std::string_view> value,
                       int64_t timestamp, std::span<const Header> headers) {
  if (count_ == 0) {
    base_timestamp_ = timestamp;
    max_timestamp_ = timestamp;
  } else if (timestamp > max_timestamp_) {
    max_timestamp_ = timestamp;
  }
  int64_t ts_delta = static_cast<int64_t>(static_cast<uint64_t>(timestamp) -
                                          static_cast<uint64_t>(base_timestamp_));
  size_t body = body_size(key, value, headers, ts_delta, count_);
  size_t need = used_ + static_cast<size_t>(varint_size(static_cast<int64_t>(body))) + body;
  if (need > buf_.size()) buf_.resize(std::max(need, 2 * buf_.size()));
  char* p = buf_.data() + used_;
  used_ = need;
  p = put_varint(p, static_cast<int64_t>(body));
  *p++ = 0;  // record attributes
  p = put_varint(p, ts_delta);
  p = put_varint(p, count_);
  p = put_bytes(p, key);
  p = put_bytes(p, value);
  p = put_varint(p, static_cast<int64_t>(headers.size()));
  for (const Header& h : headers) {
    p = put_bytes(p, h.key);
    p = put_bytes(p, h.value);
  }
  ++count_;
}

void BatchBuilder::fill_header(char* p, size_t size, Compression codec) const {
  put_be64(p + kBaseOffsetPos, 0);
  put_be32(p + kBatchLengthPos, static_cast<uint32_t>(size - kLogOverhead));
  put_be32(p + kLeaderEpochPos, static_cast<uint32_t>(-1));
  p[kMagicPos] = kMagic;
  put_be16(p + kAttributesPos, static_cast<uint16_t>(codec));
  put_be32(p + kLastOffsetDeltaPos, static_cast<uint32_t>(count_ > 0 ? count_ - 1 : 0));
  put_be64(p + kBaseTimestampPos, static_cast<uint64_t>(base_timestamp_));
  put_be64(p + kMaxTimestampPos, static_cast<uint64_t>(max_timestamp_));
  put_be64(p + kProducerIdPos, static_cast<uint64_t>(-1));
  put_be16(p + kProducerEpochPos, static_cast<uint16_t>(-1));
  put_be32(p + kBaseSequencePos, static_cast<uint32_t>(-1));
  put_be32(p + kRecordsCountPos, static_cast<uint32_t>(count_));
  put_be32(p + kCrcPos, crc32c::value(p + kCrcStart, size - kCrcStart));
}

std::string_view BatchBuilder::finish() {
  use_packed_ = false;
  if (codec_ != Compression::kNone && count_ > 0) {
    packed_.assign(kHeaderSize, '\0');
    std::string_view records(buf_.data() + kHeaderSize, used_ - kHeaderSize);
    // A failure (only possible past 2 GiB) falls back to plain records,
    // which are always a valid batch.
    use_packed_ = compress(codec_, records, &packed_).ok() && packed_.size() < used_;
  }
  if (use_packed_) {
    fill_header(packed_.data(), packed_.size(), codec_);
    return packed_;
  }
  packed_.clear();
  fill_header(buf_.data(), used_, Compression::kNone);
  return {buf_.data(), used_};
}

std::string BatchBuilder::take() {
  finish();
  std::string out;
  if (use_packed_) {
    out = std::move(packed_);
  } else {
    buf_.resize(used_);
    out = std::move(buf_);
    buf_.clear();
  }
  clear();
  return out;
}

std::string BatchBuilder::release_buffer() {
  std::string out = std::move(buf_);
  buf_.clear();
  clear();
  return out;
}

void BatchBuilder::adopt_buffer(std::string buf) {
  if (count_ == 0 && buf.size() > buf_.size()) {
    buf_ = std::move(buf);
    clear();
  }
}

}  // namespace ks::batch
