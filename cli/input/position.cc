#include "cli/input/position.h"

#include <algorithm>
#include <charconv>

namespace ks::cli {
namespace {

// 10000-01-01T00:00:00Z: the first instant RFC 3339 cannot spell.
constexpr int64_t kYear10000Ms = 253'402'300'800'000;

constexpr std::string_view kPositionHelp =
    "expected beginning, end, N, -N, +N, @<RFC 3339>, @<epoch ms> or @-<duration> like @-1h";

Status position_error(std::string_view text, std::string_view reason) {
  std::string msg = "bad position '";
  msg += text;
  msg += "': ";
  if (!reason.empty()) {
    msg += reason;
    msg += "; ";
  }
  msg += kPositionHelp;
  return Status::InvalidArgument(std::move(msg));
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// Digits only (no sign, no spaces) that fit an int64.
bool parse_count(std::string_view s, int64_t* out) {
  if (!all_digits(s)) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

// The reason inside a nested "bad time '<t>': <reason>; expected ..." error,
// so ours can show it next to the whole position grammar. Cutting at the
// known length of <t> keeps quotes or colons in user text from confusing it.
std::string reason_of(const Status& s, std::string_view nested_text) {
  const std::string& m = s.message();
  size_t quote = m.find('\'');
  if (quote == std::string::npos) return m;
  size_t start = quote + 1 + nested_text.size() + 3;  // past "<t>': "
  if (start > m.size()) return m;
  std::string reason = m.substr(start);
  if (reason.rfind("expected", 0) == 0) return "";
  size_t help = reason.rfind("; expected");
  if (help != std::string::npos) reason.resize(help);
  return reason;
}

Result<Position> parse_time(std::string_view text, std::string_view t, int64_t now_ms) {
  int64_t ms = 0;
  if (t.empty()) return position_error(text, "no time after '@'");
  if (t[0] == '-') {
    Result<int64_t> d = parse_duration_ms(t.substr(1));
    if (!d.ok()) return position_error(text, reason_of(d.status(), t.substr(1)));
    if (__builtin_sub_overflow(now_ms, *d, &ms)) ms = 0;
  } else if (all_digits(t)) {
    if (!parse_count(t, &ms)) return position_error(text, "epoch milliseconds out of range");
  } else if (t.size() >= 5 && all_digits(t.substr(0, 4)) && t[4] == '-') {
    Result<int64_t> r = parse_rfc3339_ms(t);
    if (!r.ok()) return position_error(text, reason_of(r.status(), t));
    ms = *r;
  } else if (parse_duration_ms(t).ok()) {
    return position_error(text, "a relative time counts back from now: did you mean '@-" +
                                    std::string(t) + "'?");
  } else {
    return position_error(text, "");
  }
  return Position{Position::Kind::kTimestamp, ms < 0 ? 0 : ms};
}

}  // namespace

Result<Position> parse_position(std::string_view text, int64_t now_ms) {
  using Kind = Position::Kind;
  if (text == "beginning") return Position{Kind::kBeginning, 0};
  if (text == "end") return Position{Kind::kEnd, 0};
  if (text.empty()) return position_error(text, "empty");
  if (text[0] == '@') return parse_time(text, text.substr(1), now_ms);

  Kind kind = Kind::kAbsolute;
  std::string_view digits = text;
  if (text[0] == '-' || text[0] == '+') {
    kind = text[0] == '-' ? Kind::kFromEnd : Kind::kFromStart;
    digits.remove_prefix(1);
  }
  int64_t n = 0;
  if (!parse_count(digits, &n)) {
    return position_error(text, all_digits(digits) ? "number out of range" : "");
  }
  return Position{kind, n};
}

std::string to_string(const Position& p) {
  switch (p.kind) {
    case Position::Kind::kBeginning: return "beginning";
    case Position::Kind::kEnd: return "end";
    case Position::Kind::kAbsolute: return std::to_string(p.value);
    case Position::Kind::kFromEnd: return "-" + std::to_string(p.value);
    case Position::Kind::kFromStart: return "+" + std::to_string(p.value);
    case Position::Kind::kTimestamp:
      // RFC 3339 as parse_position reads it has four-digit years; later
      // instants (epoch ms up to INT64_MAX are valid input) stay epoch ms.
      if (p.value >= kYear10000Ms) return "@" + std::to_string(p.value);
      return "@" + format_rfc3339_ms(p.value);
  }
  return "?";
}

Offset resolve_position(const Position& pos, OffsetRange range, std::optional<Offset> at_time) {
  const int64_t start = range.start.value();
  const int64_t end = std::max(start, range.end.value());
  const int64_t v = pos.value;  // >= 0 for every kind parse_position makes
  switch (pos.kind) {
    case Position::Kind::kBeginning: return Offset(start);
    case Position::Kind::kEnd: return Offset(end);
    case Position::Kind::kAbsolute: return Offset(std::clamp(v, start, end));
    // Written as differences within [start, end] so no N overflows.
    case Position::Kind::kFromEnd: return Offset(end - std::min(v, end - start));
    case Position::Kind::kFromStart: return Offset(start + std::min(v, end - start));
    case Position::Kind::kTimestamp:
      if (!at_time || at_time->value() < 0) return Offset(end);
      return Offset(std::clamp(at_time->value(), start, end));
  }
  return Offset(start);
}

}  // namespace ks::cli
