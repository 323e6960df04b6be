#include "cli/input/format.h"

#include <charconv>

#include "cli/input/escapes.h"
#include "cli/input/timestamp.h"

namespace ks::cli {
namespace {

void append_int(std::string* out, int64_t v) {
  char buf[24];
  char* end = std::to_chars(buf, buf + sizeof buf, v).ptr;  // 24 bytes hold any int64
  out->append(buf, end);
}

void append_length(std::string* out, const std::optional<std::string_view>& s) {
  append_int(out, s ? static_cast<int64_t>(s->size()) : -1);
}

void append_headers(std::string* out, const std::vector<ks::batch::Header>& headers) {
  bool first = true;
  for (const auto& h : headers) {
    if (!first) out->push_back(',');
    first = false;
    out->append(h.key);
    if (h.value) {
      out->push_back('=');
      out->append(*h.value);
    }
  }
}

Status template_error(std::string_view tmpl, std::string_view what) {
  std::string msg = "bad format '";
  msg += tmpl;
  msg += "': ";
  msg += what;
  msg += "; valid tokens are ";
  msg += kFormatTokens;
  msg += " and escapes ";
  msg += "\\n \\t \\r \\0 \\\\ \\xNN";
  return Status::InvalidArgument(std::move(msg));
}

// True when `s` ends in a backslash that no earlier backslash escapes.
bool ends_with_lone_backslash(std::string_view s) {
  size_t n = 0;
  while (n < s.size() && s[s.size() - 1 - n] == '\\') ++n;
  return n % 2 == 1;
}

}  // namespace

Result<Format> Format::Compile(std::string_view tmpl) {
  Format f;
  // Split at '%' first, then decode escapes in each literal run: no valid
  // escape contains a '%', so splitting never cuts one in half, and an
  // escape that decodes to '%' (\x25) stays literal.
  size_t i = 0;
  while (i < tmpl.size()) {
    size_t pct = tmpl.find('%', i);
    std::string_view run = tmpl.substr(i, pct == std::string_view::npos ? pct : pct - i);
    if (!run.empty()) {
      if (pct != std::string_view::npos && ends_with_lone_backslash(run)) {
        return template_error(tmpl, "'\\%' is not an escape (use %% for a literal %)");
      }
      Result<std::string> lit = parse_escapes(run);
      if (!lit.ok()) return Status::InvalidArgument("bad format: " + lit.status().message());
      f.add_literal(*lit);
    }
    if (pct == std::string_view::npos) break;
    if (pct + 1 == tmpl.size()) return template_error(tmpl, "lone '%' at the end (use %% for a literal %)");
    char c = tmpl[pct + 1];
    i = pct + 2;
    Field field;
    switch (c) {
      case 'k': field = Field::kKey; f.uses_key_ = true; break;
      case 'v': field = Field::kValue; f.uses_value_ = true; break;
      case 'o': field = Field::kOffset; break;
      case 'p': field = Field::kPartition; break;
      case 't': field = Field::kTimestampMs; break;
      case 'T': field = Field::kTimestampText; break;
      case 'h': field = Field::kHeaders; f.uses_headers_ = true; break;
      case 'K': field = Field::kKeyLength; f.uses_key_ = true; break;
      case 'V': field = Field::kValueLength; f.uses_value_ = true; break;
      case 's': field = Field::kTopic; break;
      case '%': f.add_literal("%"); continue;
      default: {
        // Show a whole UTF-8 character after the '%', not half of one.
        size_t end = pct + 2;
        while (end < tmpl.size() && (static_cast<unsigned char>(tmpl[end]) & 0xc0) == 0x80) ++end;
        return template_error(tmpl, "unknown token '" + std::string(tmpl.substr(pct, end - pct)) + "'");
      }
    }
    f.tokens_.push_back({field});
  }
  return f;
}

void Format::add_literal(std::string_view bytes) {
  // Adjacent literals (around %% or after a split) merge into one token.
  if (!tokens_.empty() && tokens_.back().field == Field::kLiteral) {
    tokens_.back().len += static_cast<uint32_t>(bytes.size());
  } else {
    tokens_.push_back({Field::kLiteral, static_cast<uint32_t>(literals_.size()),
                       static_cast<uint32_t>(bytes.size())});
  }
  literals_ += bytes;
}

void Format::render(std::string* out, std::string_view topic, int32_t partition,
                    const ks::batch::Record& r) const {
  for (const Token& t : tokens_) {
    switch (t.field) {
      case Field::kLiteral: out->append(literals_, t.pos, t.len); break;
      case Field::kKey: if (r.key) out->append(*r.key); break;
      case Field::kValue: if (r.value) out->append(*r.value); break;
      case Field::kOffset: append_int(out, r.offset); break;
      case Field::kPartition: append_int(out, partition); break;
      case Field::kTimestampMs: append_int(out, r.timestamp); break;
      case Field::kTimestampText: append_rfc3339_ms(out, r.timestamp); break;
      case Field::kHeaders: append_headers(out, r.headers); break;
      case Field::kKeyLength: append_length(out, r.key); break;
      case Field::kValueLength: append_length(out, r.value); break;
      case Field::kTopic: out->append(topic); break;
    }
  }
}

}  // namespace ks::cli
