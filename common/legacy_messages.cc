#include "common/legacy_messages.h"

#include <zlib.h>

#include <optional>
#include <vector>

#include "common/coding.h"
#include "common/crc32c.h"
#include "common/record_batch.h"

namespace ks::legacy {
namespace {

uint32_t crc32_ieee(std::string_view bytes) {
  uLong crc = ::crc32(0L, Z_NULL, 0);
  // zlib takes uInt lengths; a message is at most 2 GiB, but feed it in
  // pieces anyway so the cast can never truncate.
  while (!bytes.empty()) {
    const size_t n = std::min<size_t>(bytes.size(), 1u << 30);
    crc = ::crc32(crc, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(n));
    bytes.remove_prefix(n);
  }
  return static_cast<uint32_t>(crc);
}

struct Message {
  int64_t offset = 0;
  int8_t magic = 0;
  uint8_t attributes = 0;
  int64_t timestamp = -1;
  std::optional<std::string_view> key, value;
  Compression codec() const { return static_cast<Compression>(attributes & kCodecMask); }
};

// Reads a nullable int32-length byte string at *p (within [*p, end)).
bool read_bytes(const char** p, const char* end, std::optional<std::string_view>* out) {
  if (end - *p < 4) return false;
  const auto n = static_cast<int32_t>(get_be32(*p));
  *p += 4;
  if (n == -1) {
    out->reset();
    return true;
  }
  if (n < 0 || end - *p < n) return false;
  *out = std::string_view(*p, static_cast<size_t>(n));
  *p += n;
  return true;
}

// Walks the messages of a set, checking each one's size, magic and CRC.
// A produced set must end on a message boundary: a partial last message
// is corruption, not a fetch limit.
class MessageCursor {
 public:
  explicit MessageCursor(std::string_view set) : set_(set) {}
  // False at the end or at the first bad message (status() says which).
  bool next(Message* m);
  const Status& status() const { return status_; }

 private:
  bool fail(const std::string& why) {
    status_ = Status::Corruption("message at byte " + std::to_string(pos_) + ": " + why);
    return false;
  }
  std::string_view set_;
  size_t pos_ = 0;
  Status status_;
};

bool MessageCursor::next(Message* m) {
  if (!status_.ok() || pos_ == set_.size()) return false;
  const std::string_view rest = set_.substr(pos_);
  if (rest.size() < kLogOverhead) return fail("the set ends inside its offset and size");
  const auto size = static_cast<int32_t>(get_be32(rest.data() + kSizePos));
  if (size < static_cast<int32_t>(kMinSizeV0)) return fail("size " + std::to_string(size) + " is too small");
  if (rest.size() - kLogOverhead < static_cast<size_t>(size)) return fail("the set ends inside the message");
  const std::string_view msg = rest.substr(0, kLogOverhead + static_cast<size_t>(size));
  m->offset = static_cast<int64_t>(get_be64(msg.data()));
  m->magic = static_cast<int8_t>(msg[kMagicPos]);
  m->attributes = static_cast<uint8_t>(msg[kAttributesPos]);
  if (m->magic != 0 && m->magic != 1) return fail("magic " + std::to_string(m->magic) + " in a message set");
  if (m->magic == 1 && static_cast<size_t>(size) < kMinSizeV1) return fail("size too small for magic 1");
  if (get_be32(msg.data() + kCrcPos) != crc32_ieee(msg.substr(kMagicPos))) return fail("CRC mismatch");
  const char* p = msg.data() + kTimestampPos;
  m->timestamp = -1;
  if (m->magic == 1) {
    m->timestamp = static_cast<int64_t>(get_be64(p));
    p += 8;
  }
  const char* end = msg.data() + msg.size();
  if (!read_bytes(&p, end, &m->key) || !read_bytes(&p, end, &m->value)) return fail("a length runs past the message");
  if (p != end) return fail("bytes after the value");
  pos_ += msg.size();
  return true;
}

// Collects the records of a produced set for the batch to be built.
struct Collected {
  struct Rec {
    std::optional<std::string_view> key, value;
    int64_t timestamp;
  };
  std::vector<Rec> records;
  std::vector<std::string> inflated;  // owns what compressed values decompress to
  std::optional<Compression> codec;
  size_t inflated_bytes = 0;
  bool any_timestamp = false;
};

Status add_message(const Message& m, std::optional<int64_t> wrapper_time, int64_t now_ms, Collected* c) {
  int64_t ts = wrapper_time.value_or(m.timestamp);
  if (ts >= 0) c->any_timestamp = true;
  else ts = now_ms;
  c->records.push_back({m.key, m.value, ts});
  return Status::OK();
}

Status add_wrapper(const Message& w, int64_t now_ms, Collected* c) {
  const Compression codec = w.codec();
  if (codec == Compression::kZstd) return Status::InvalidArgument("zstd needs record batches (magic 2)");
  if (static_cast<uint8_t>(codec) > static_cast<uint8_t>(Compression::kZstd))
    return Status::Corruption("unknown compression codec " + std::to_string(static_cast<int>(codec)));
  if (!w.value) return Status::Corruption("a compressed message without a value");
  if (!c->codec) c->codec = codec;
  std::string& inner = c->inflated.emplace_back();
  KS_RETURN_IF_ERROR(decompress(codec, *w.value, batch::kMaxUncompressedRecords - c->inflated_bytes, &inner));
  c->inflated_bytes += inner.size();
  // Magic 1 with LogAppendTime: the wrapper's time is every message's.
  std::optional<int64_t> wrapper_time;
  if (w.magic == 1 && (w.attributes & kLogAppendTimeBit)) wrapper_time = w.timestamp;
  MessageCursor cursor(inner);
  Message m;
  size_t n = 0;
  while (cursor.next(&m)) {
    if (m.codec() != Compression::kNone) return Status::Corruption("a compressed message inside a compressed one");
    KS_RETURN_IF_ERROR(add_message(m, wrapper_time, now_ms, c));
    ++n;
  }
  KS_RETURN_IF_ERROR(cursor.status());
  if (n == 0) return Status::Corruption("a compressed message with no messages inside");
  return Status::OK();
}

// Appends one message of `magic` to *out.
void append_message(std::string* out, int8_t magic, int64_t offset, uint8_t attributes, int64_t timestamp,
                    std::optional<std::string_view> key, std::optional<std::string_view> value) {
  const size_t start = out->size();
  append_be64(out, static_cast<uint64_t>(offset));
  append_be32(out, 0);  // size, filled below
  append_be32(out, 0);  // crc, filled below
  out->push_back(static_cast<char>(magic));
  out->push_back(static_cast<char>(attributes));
  if (magic == 1) append_be64(out, static_cast<uint64_t>(timestamp));
  for (const auto& b : {key, value}) {
    append_be32(out, b ? static_cast<uint32_t>(b->size()) : 0xffffffffu);
    if (b) out->append(*b);
  }
  char* m = out->data() + start;
  const size_t size = out->size() - start;
  put_be32(m + kSizePos, static_cast<uint32_t>(size - kLogOverhead));
  put_be32(m + kCrcPos, crc32_ieee(std::string_view(m + kMagicPos, size - kMagicPos)));
}

size_t message_size(int8_t magic, const batch::Record& r) {
  return kLogOverhead + (magic == 1 ? kMinSizeV1 : kMinSizeV0) + (r.key ? r.key->size() : 0) +
         (r.value ? r.value->size() : 0);
}

}  // namespace

int magic_of(std::string_view records) {
  return records.size() > kMagicPos ? static_cast<int8_t>(records[kMagicPos]) : -1;
}

Result<std::string> to_record_batch(std::string_view message_set, int64_t now_ms) {
  Collected c;
  MessageCursor cursor(message_set);
  Message m;
  while (cursor.next(&m)) {
    if (m.codec() == Compression::kNone) KS_RETURN_IF_ERROR(add_message(m, std::nullopt, now_ms, &c));
    else KS_RETURN_IF_ERROR(add_wrapper(m, now_ms, &c));
  }
  KS_RETURN_IF_ERROR(cursor.status());
  if (c.records.empty()) return Status::InvalidArgument("an empty message set");
  if (c.records.size() > static_cast<size_t>(INT32_MAX)) return Status::InvalidArgument("too many messages");
  batch::BatchBuilder builder(c.codec.value_or(Compression::kNone));
  for (const auto& r : c.records) builder.add(r.key, r.value, r.timestamp);
  std::string out = builder.take();
  if (!c.any_timestamp) {
    // Only the broker's clock dated these records: say so, as a broker
    // with message.timestamp.type=LogAppendTime would.
    char* attrs = out.data() + batch::kAttributesPos;
    put_be16(attrs, static_cast<uint16_t>(get_be16(attrs) | batch::kTimestampTypeBit));
    put_be32(out.data() + batch::kCrcPos,
             crc32c::value(out.data() + batch::kCrcStart, out.size() - batch::kCrcStart));
  }
  return out;
}

Result<size_t> to_message_set(std::string_view batches, int8_t magic, int64_t from, size_t max_bytes,
                              std::string* out) {
  if (magic != 0 && magic != 1) return Status::InvalidArgument("message sets have magic 0 or 1");
  size_t written = 0, used = 0;
  batch::BatchCursor cursor(batches);
  std::string_view b;
  while (cursor.next(&b)) {
    auto h = batch::read_header(b);
    if (!h.ok()) return h.status();
    if (h->is_control() || h->next_offset() <= from) continue;
    const bool log_append = (h->attributes & batch::kTimestampTypeBit) != 0;
    const uint8_t attrs = magic == 1 && log_append ? kLogAppendTimeBit : 0;
    batch::RecordReader reader(b);
    batch::Record r;
    while (reader.next(&r)) {
      if (r.offset < from) continue;
      const size_t size = message_size(magic, r);
      if (written > 0 && used + size > max_bytes) return written;
      append_message(out, magic, r.offset, attrs, log_append ? h->max_timestamp : r.timestamp, r.key, r.value);
      used += size;
      ++written;
    }
    if (!reader.status().ok()) return reader.status();
  }
  if (!cursor.status().ok()) return cursor.status();
  return written;
}

}  // namespace ks::legacy
