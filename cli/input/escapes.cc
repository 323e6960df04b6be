#include "cli/input/escapes.h"

namespace ks::cli {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Status bad_escape(std::string_view sequence, std::string_view text) {
  std::string msg = "bad escape '";
  msg += sequence;
  msg += "' in '";
  msg += text;
  msg += "': accepted escapes are ";
  msg += kAcceptedEscapes;
  return Status::InvalidArgument(std::move(msg));
}

}  // namespace

Result<std::string> parse_escapes(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c != '\\') {
      out += c;
      continue;
    }
    if (i + 1 == text.size()) {
      return Status::InvalidArgument("lone backslash at the end of '" + std::string(text) +
                                     "': accepted escapes are " + std::string(kAcceptedEscapes));
    }
    char e = text[++i];
    switch (e) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case '0': out += '\0'; break;
      case '\\': out += '\\'; break;
      case 'x': {
        int hi = i + 1 < text.size() ? hex_value(text[i + 1]) : -1;
        int lo = i + 2 < text.size() ? hex_value(text[i + 2]) : -1;
        if (hi < 0 || lo < 0) {
          // Show what followed \x, up to the two characters that were wanted.
          return bad_escape(text.substr(i - 1, std::min<size_t>(4, text.size() - (i - 1))), text);
        }
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        break;
      }
      default:
        return bad_escape(text.substr(i - 1, 2), text);
    }
  }
  return out;
}

Result<std::string> parse_delimiter(std::string_view flag_value, std::string_view flag_name) {
  Result<std::string> parsed = parse_escapes(flag_value);
  if (!parsed.ok()) {
    Status s = parsed.take_status();
    s.prepend(flag_name);
    return s;
  }
  if (parsed->empty()) {
    return Status::InvalidArgument(std::string(flag_name) +
                                   ": the delimiter must be at least one byte (e.g. '\\n', ':', "
                                   "'\\t', '\\0')");
  }
  return parsed;
}

}  // namespace ks::cli
