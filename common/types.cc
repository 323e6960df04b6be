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

Result<TopicName> TopicName::Parse(std::string_view name) {
  Status s = validate_name(name, "topic", kMaxLength);
  if (!s.ok()) return s;
  return TopicName(std::string(name));
}

}  // namespace ks
