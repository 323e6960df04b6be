// Integer encodings shared by the record-batch codec, the segment files and
// both wire protocols:
//  - fixed-width big-endian (Kafka's int8/16/32/64),
//  - unsigned LEB128 varints (Kafka's compact lengths and tag counts),
//  - zigzag varints (the signed varint/varlong inside v2 records).
// Encoders write into caller-provided memory; decoding goes through Reader,
// which checks every byte it consumes against the end of its buffer.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace ks {

inline constexpr int kMaxVarint32Bytes = 5;
inline constexpr int kMaxVarint64Bytes = 10;

// --- fixed width, big-endian ---------------------------------------------

inline void put_be16(char* p, uint16_t v) {
  v = __builtin_bswap16(v);
  std::memcpy(p, &v, 2);
}
inline void put_be32(char* p, uint32_t v) {
  v = __builtin_bswap32(v);
  std::memcpy(p, &v, 4);
}
inline void put_be64(char* p, uint64_t v) {
  v = __builtin_bswap64(v);
  std::memcpy(p, &v, 8);
}
inline uint16_t get_be16(const char* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return __builtin_bswap16(v);
}
inline uint32_t get_be32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return __builtin_bswap32(v);
}
inline uint64_t get_be64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return __builtin_bswap64(v);
}

// --- varints ---------------------------------------------------------------

inline constexpr uint32_t zigzag32(int32_t v) {
  return (static_cast<uint32_t>(v) << 1) ^ static_cast<uint32_t>(v >> 31);
}
inline constexpr uint64_t zigzag64(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline constexpr int32_t unzigzag32(uint32_t v) {
  return static_cast<int32_t>((v >> 1) ^ (~(v & 1) + 1));
}
inline constexpr int64_t unzigzag64(uint64_t v) {
  return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
}

// Bytes the unsigned varint encoding of v takes (1..10).
inline constexpr int uvarint_size(uint64_t v) {
  int n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}
inline constexpr int varint_size(int64_t v) { return uvarint_size(zigzag64(v)); }

// Writes v at p and returns the byte after it. p must have room for
// uvarint_size(v) bytes.
inline char* put_uvarint(char* p, uint64_t v) {
  while (v >= 0x80) {
    *p++ = static_cast<char>(v | 0x80);
    v >>= 7;
  }
  *p++ = static_cast<char>(v);
  return p;
}
inline char* put_varint(char* p, int64_t v) { return put_uvarint(p, zigzag64(v)); }

// Appending forms for building buffers.
void append_uvarint(std::string* out, uint64_t v);
void append_varint(std::string* out, int64_t v);
void append_be16(std::string* out, uint16_t v);
void append_be32(std::string* out, uint32_t v);
void append_be64(std::string* out, uint64_t v);

// --- decoding --------------------------------------------------------------

// A cursor over a byte range that never reads past its end. Each read either
// succeeds and advances, or fails and leaves the cursor where it was; the
// caller turns a failure into a Status with its own context.
//
// The reads are inline: the record decoders call several per record, and a
// short varint (by far the most common) then costs a few instructions
// instead of a call; longer varints take the out-of-line path.
class Reader {
 public:
  Reader(const char* data, size_t size) : p_(data), end_(data + size) {}
  explicit Reader(std::string_view s) : Reader(s.data(), s.size()) {}

  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  const char* position() const { return p_; }
  bool empty() const { return p_ == end_; }

  bool read_u8(uint8_t* v) {
    if (p_ == end_) return false;
    *v = static_cast<uint8_t>(*p_++);
    return true;
  }
  bool read_be16(uint16_t* v);
  bool read_be32(uint32_t* v);
  bool read_be64(uint64_t* v);
  // Unsigned varints of at most 5 (32-bit) or 10 (64-bit) bytes whose value
  // fits the type; longer or overflowing encodings are refused.
  bool read_uvarint32(uint32_t* v) {
    // One and two bytes inline: record lengths and 100-byte values take two.
    if (p_ != end_) {
      const uint32_t b0 = static_cast<uint8_t>(p_[0]);
      if (b0 < 0x80) {
        *v = b0;
        p_ += 1;
        return true;
      }
      if (end_ - p_ >= 2 && static_cast<uint8_t>(p_[1]) < 0x80) {
        *v = (b0 & 0x7f) | static_cast<uint32_t>(static_cast<uint8_t>(p_[1])) << 7;
        p_ += 2;
        return true;
      }
    }
    return read_uvarint32_long(v);
  }
  bool read_uvarint64(uint64_t* v) {
    if (p_ != end_ && (static_cast<uint8_t>(*p_) & 0x80) == 0) {
      *v = static_cast<uint8_t>(*p_++);
      return true;
    }
    return read_uvarint64_long(v);
  }
  // Zigzag signed varints (Kafka's "varint" and "varlong").
  bool read_varint32(int32_t* v) {
    uint32_t u;
    if (!read_uvarint32(&u)) return false;
    *v = unzigzag32(u);
    return true;
  }
  bool read_varint64(int64_t* v) {
    uint64_t u;
    if (!read_uvarint64(&u)) return false;
    *v = unzigzag64(u);
    return true;
  }
  // n raw bytes as a view into the buffer.
  bool read_bytes(size_t n, std::string_view* v) {
    if (remaining() < n) return false;
    *v = std::string_view(p_, n);
    p_ += n;
    return true;
  }
  bool skip(size_t n) {
    if (remaining() < n) return false;
    p_ += n;
    return true;
  }

 private:
  // Any length, including one byte: what the inline reads fall back to.
  bool read_uvarint32_long(uint32_t* v);
  bool read_uvarint64_long(uint64_t* v);

  const char* p_;
  const char* end_;
};

}  // namespace ks
