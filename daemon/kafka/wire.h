// Kafka wire encoding: one field walker for both directions. A message is
// described once, as a template over an `IO` that is either a Decoder
// (reads fields into the struct) or an Encoder (writes them), so requests
// and responses decode and re-encode with the same description.
//
// Classic encodings are big-endian fixed-width integers, int16-length
// strings, int32-length bytes and arrays (-1 = null). Flexible versions use
// compact lengths (unsigned varint of length + 1, 0 = null) and end every
// struct with a tagged-field section; unknown tags are skipped on decode
// and none are written.
//
// The Decoder never reads past its input and never allocates more than
// the input describes: an array claiming more elements than bytes left
// fails the decode, and elements are only allocated as they decode.
// After the first error every read returns zeros; check ok() at the end.
#pragma once

#include <cstdint>
#include <compare>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ks::kafka {

// Kafka's uuid type (topic ids): 16 bytes, the most significant half first.
// All zeros is "no id".
struct Uuid {
  uint64_t hi = 0, lo = 0;
  bool zero() const { return hi == 0 && lo == 0; }
  auto operator<=>(const Uuid&) const = default;
};

class Decoder {
 public:
  static constexpr bool kDecoding = true;

  explicit Decoder(std::string_view in, bool flexible = false) : p_(in.data()), end_(in.data() + in.size()), flexible_(flexible) {}

  bool ok() const { return ok_; }
  bool flexible() const { return flexible_; }
  void set_flexible(bool f) { flexible_ = f; }
  size_t remaining() const { return static_cast<size_t>(end_ - p_); }
  const char* position() const { return p_; }
  const char* error() const { return error_; }
  void fail(const char* why) {
    if (ok_) error_ = why;
    ok_ = false;
    p_ = end_;
  }

  void i8(int8_t& v) { v = static_cast<int8_t>(fixed<uint8_t>()); }
  void i16(int16_t& v) { v = static_cast<int16_t>(fixed<uint16_t>()); }
  void i32(int32_t& v) { v = static_cast<int32_t>(fixed<uint32_t>()); }
  void i64(int64_t& v) { v = static_cast<int64_t>(fixed<uint64_t>()); }
  void boolean(bool& v) { v = fixed<uint8_t>() != 0; }
  void uuid(Uuid& v) {
    v.hi = fixed<uint64_t>();
    v.lo = fixed<uint64_t>();
  }
  uint32_t uvarint();

  // A string that may not be null.
  void str(std::string& v) {
    std::string_view s;
    if (!str_view(s) && ok_) fail("null string where one is required");
    v.assign(s);
  }
  void nstr(std::optional<std::string>& v) {
    std::string_view s;
    v.reset();
    if (str_view(s) && ok_) v.emplace(s);
  }
  // A nullable string as a view into the input; false when it is null
  // (or the input ran out). No std::optional<std::string> on the way: GCC
  // 12 under ASan warns of its destructor reading an uninitialized string.
  bool str_view(std::string_view& v) {
    int64_t n = flexible_ ? static_cast<int64_t>(uvarint()) - 1 : static_cast<int16_t>(fixed<uint16_t>());
    v = {};
    if (n < 0) return false;
    v = take(static_cast<size_t>(n));
    return ok_;
  }
  void bytes(std::string& v) {
    std::string_view s;
    bytes_view(s);
    v.assign(s);
  }
  // Bytes or records (never null) as a view into the input.
  void bytes_view(std::string_view& v) {
    int64_t n = flexible_ ? static_cast<int64_t>(uvarint()) - 1 : static_cast<int32_t>(fixed<uint32_t>());
    if (n < 0) {
      v = {};
      if (ok_) fail("null bytes where bytes are required");
      return;
    }
    v = take(static_cast<size_t>(n));
  }
  void records(std::string_view& v) { bytes_view(v); }

  // A null array is an error unless `is_null` is given (a nullable
  // field): then it decodes as empty with *is_null set.
  template <class T, class F>
  void array(std::vector<T>& v, F&& each, bool* is_null = nullptr) {
    int64_t n = flexible_ ? static_cast<int64_t>(uvarint()) - 1 : static_cast<int32_t>(fixed<uint32_t>());
    if (is_null) *is_null = n < 0;
    v.clear();
    if (n < 0 && !is_null && ok_) return fail("null array where one is required");
    if (n <= 0) return;
    if (static_cast<uint64_t>(n) > remaining()) return fail("array longer than the request");
    // Elements are added as they decode, not all up front: a count that
    // the bytes could hold still costs sizeof(T) per byte (CreateTopics
    // topics: ~90 bytes each), and a hostile request pays that before its
    // first element fails.
    for (int64_t i = 0; i < n; ++i) {
      each(v.emplace_back());
      if (!ok_) return;
    }
  }
  // The tagged-field section of a struct in a flexible version: skipped.
  void tags() {
    if (!flexible_) return;
    uint32_t n = uvarint();
    for (uint32_t i = 0; i < n && ok_; ++i) {
      uvarint();
      uint32_t size = uvarint();
      take(size);
    }
  }

 private:
  template <class U>
  U fixed() {
    if (remaining() < sizeof(U)) {
      fail("request ends early");
      return 0;
    }
    U v = 0;
    for (size_t i = 0; i < sizeof(U); ++i) v = static_cast<U>((v << 8) | static_cast<uint8_t>(p_[i]));
    p_ += sizeof(U);
    return v;
  }
  std::string_view take(size_t n) {
    if (remaining() < n) {
      fail("request ends early");
      return {};
    }
    std::string_view s(p_, n);
    p_ += n;
    return s;
  }

  const char* p_;
  const char* end_;
  bool flexible_;
  bool ok_ = true;
  const char* error_ = nullptr;
};

class Encoder {
 public:
  static constexpr bool kDecoding = false;

  explicit Encoder(std::string* out, bool flexible = false) : out_(out), flexible_(flexible) {}

  bool ok() const { return true; }
  bool flexible() const { return flexible_; }
  void set_flexible(bool f) { flexible_ = f; }

  void i8(const int8_t& v) { fixed<uint8_t>(static_cast<uint8_t>(v)); }
  void i16(const int16_t& v) { fixed<uint16_t>(static_cast<uint16_t>(v)); }
  void i32(const int32_t& v) { fixed<uint32_t>(static_cast<uint32_t>(v)); }
  void i64(const int64_t& v) { fixed<uint64_t>(static_cast<uint64_t>(v)); }
  void boolean(const bool& v) { fixed<uint8_t>(v ? 1 : 0); }
  void uuid(const Uuid& v) {
    fixed<uint64_t>(v.hi);
    fixed<uint64_t>(v.lo);
  }
  void uvarint(uint32_t v) {
    while (v >= 0x80) {
      out_->push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out_->push_back(static_cast<char>(v));
  }

  void str(const std::string& v) { put_string(v, false); }
  void nstr(const std::optional<std::string>& v) {
    if (v) put_string(*v, false);
    else put_string({}, true);
  }
  void bytes(const std::string& v) { bytes_view(v); }
  void bytes_view(const std::string_view& v) {
    if (flexible_) uvarint(static_cast<uint32_t>(v.size() + 1));
    else fixed<uint32_t>(static_cast<uint32_t>(v.size()));
    out_->append(v);
  }
  void records(const std::string_view& v) { bytes_view(v); }

  template <class T, class F>
  void array(const std::vector<T>& v, F&& each, const bool* is_null = nullptr) {
    if (is_null && *is_null && v.empty()) {
      if (flexible_) uvarint(0);
      else fixed<uint32_t>(0xffffffffu);
      return;
    }
    if (flexible_) uvarint(static_cast<uint32_t>(v.size() + 1));
    else fixed<uint32_t>(static_cast<uint32_t>(v.size()));
    for (const auto& e : v) each(const_cast<T&>(e));
  }
  void tags() {
    if (flexible_) uvarint(0);
  }

  // Appends a raw byte range (e.g. records read straight from a log).
  void raw(std::string_view v) { out_->append(v); }
  std::string* out() { return out_; }

 private:
  template <class U>
  void fixed(U v) {
    char b[sizeof(U)];
    for (size_t i = 0; i < sizeof(U); ++i) b[i] = static_cast<char>(v >> (8 * (sizeof(U) - 1 - i)));
    out_->append(b, sizeof(U));
  }
  void put_string(std::string_view v, bool null) {
    if (flexible_) {
      uvarint(null ? 0 : static_cast<uint32_t>(v.size() + 1));
    } else {
      fixed<uint16_t>(null ? 0xffff : static_cast<uint16_t>(v.size()));
    }
    out_->append(v);
  }

  std::string* out_;
  bool flexible_;
};

inline uint32_t Decoder::uvarint() {
  uint32_t v = 0;
  for (int shift = 0; shift <= 28; shift += 7) {
    if (p_ >= end_) {
      fail("request ends early");
      return 0;
    }
    uint8_t b = static_cast<uint8_t>(*p_++);
    v |= static_cast<uint32_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
  fail("varint too long");
  return 0;
}

}  // namespace ks::kafka
