#include "common/types.h"

namespace ks {
namespace {

bool legal_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '.' || c == '_' || c == '-';
}

std::string printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace

Status validate_name(std::string_view name, std::string_view what, size_t max_length) {
  std::string w(what);
  if (name.empty()) return Status::InvalidArgument(w + " name is empty");
  if (name == "." || name == "..")
    return Status::InvalidArgument(w + " name cannot be '.' or '..'");
  if (name.size() > max_length)
    return Status::InvalidArgument(w + " name is " + std::to_string(name.size()) +
                                   " bytes; the limit is " + std::to_string(max_length));
  for (char c : name) {
    if (!legal_name_char(c))
      return Status::InvalidArgument(w + " name '" + printable(name) +
                                     "' has an illegal character; use only a-z A-Z 0-9 . _ -");
  }
  return Status::OK();
}

namespace {

// Whether `s` is well-formed UTF-8 (no overlongs, surrogates or code
// points past U+10FFFF).
bool valid_utf8(std::string_view s) {
  static constexpr uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xe ? 2 : (c >> 3) == 0x1e ? 3 : 4;
    if (n == 4 || n >= s.size() - i) return false;  // a stray byte, or cut short
    uint32_t cp = n == 0 ? c : c & (0x3fu >> n);
    for (size_t k = 1; k <= n; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += n + 1;
  }
  return true;
}

}  // namespace

Status validate_group_id(std::string_view id) {
  if (id.empty()) return Status::InvalidArgument("group id is empty");
  if (id.size() > kMaxGroupIdLength)
    return Status::InvalidArgument("group id is " + std::to_string(id.size()) + " bytes; the limit is " +
                                   std::to_string(kMaxGroupIdLength));
  if (!valid_utf8(id)) return Status::InvalidArgument("group id '" + printable(id) + "' is not valid UTF-8");
  // ks's tools print ids and pass them as C strings: a NUL would cut them.
  if (id.find('\0') != std::string_view::npos)
    return Status::InvalidArgument("group id '" + printable(id) + "' holds a NUL byte");
  return Status::OK();
}

Result<TopicName> TopicName::Parse(std::string_view name) {
  Status s = validate_name(name, "topic", kMaxLength);
  if (!s.ok()) return s;
  return TopicName(std::string(name));
}

}  // namespace ks
