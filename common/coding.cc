#include "common/coding.h"

namespace ks {

void append_uvarint(std::string* out, uint64_t v) {
  char buf[kMaxVarint64Bytes];
  char* end = put_uvarint(buf, v);
  out->append(buf, static_cast<size_t>(end - buf));
}
void append_varint(std::string* out, int64_t v) { append_uvarint(out, zigzag64(v)); }
void append_be16(std::string* out, uint16_t v) {
  char buf[2];
  put_be16(buf, v);
  out->append(buf, 2);
}
void append_be32(std::string* out, uint32_t v) {
  char buf[4];
  put_be32(buf, v);
  out->append(buf, 4);
}
void append_be64(std::string* out, uint64_t v) {
  char buf[8];
  put_be64(buf, v);
  out->append(buf, 8);
}

bool Reader::read_be16(uint16_t* v) {
  if (remaining() < 2) return false;
  *v = get_be16(p_);
  p_ += 2;
  return true;
}
bool Reader::read_be32(uint32_t* v) {
  if (remaining() < 4) return false;
  *v = get_be32(p_);
  p_ += 4;
  return true;
}
bool Reader::read_be64(uint64_t* v) {
  if (remaining() < 8) return false;
  *v = get_be64(p_);
  p_ += 8;
  return true;
}

bool Reader::read_uvarint64_long(uint64_t* v) {
  uint64_t result = 0;
  const char* p = p_;
  for (int i = 0; i < kMaxVarint64Bytes; ++i) {
    if (p == end_) return false;
    auto byte = static_cast<uint8_t>(*p++);
    // The tenth byte may carry only the top bit of a 64-bit value.
    if (i == kMaxVarint64Bytes - 1 && byte > 1) return false;
    result |= static_cast<uint64_t>(byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) {
      *v = result;
      p_ = p;
      return true;
    }
  }
  return false;
}

bool Reader::read_uvarint32_long(uint32_t* v) {
  uint32_t result = 0;
  const char* p = p_;
  for (int i = 0; i < kMaxVarint32Bytes; ++i) {
    if (p == end_) return false;
    auto byte = static_cast<uint8_t>(*p++);
    // The fifth byte may carry only the top four bits of a 32-bit value.
    if (i == kMaxVarint32Bytes - 1 && byte > 0x0f) return false;
    result |= static_cast<uint32_t>(byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) {
      *v = result;
      p_ = p;
      return true;
    }
  }
  return false;
}

}  // namespace ks
