#include "cli/input/timestamp.h"

#include <charconv>

namespace ks::cli {
namespace {

constexpr int64_t kMsPerSecond = 1000;
constexpr int64_t kMsPerMinute = 60 * kMsPerSecond;
constexpr int64_t kMsPerHour = 60 * kMsPerMinute;
constexpr int64_t kMsPerDay = 24 * kMsPerHour;

struct DurationUnit {
  std::string_view name;
  int64_t ms;
};
// "ms" comes before "m" so the longer name wins.
constexpr DurationUnit kDurationUnits[] = {
    {"ms", 1}, {"s", kMsPerSecond}, {"m", kMsPerMinute}, {"h", kMsPerHour}, {"d", kMsPerDay},
};

constexpr std::string_view kDurationHelp =
    "expected <number><unit> groups with units ms, s, m, h, d, e.g. 90s, 1h30m, 500ms";
constexpr std::string_view kRfc3339Help =
    "expected RFC 3339 like 2026-01-01T12:00:00Z or 2026-01-01T12:00:00.250+02:00, "
    "or a date like 2026-01-01";

// Days since 1970-01-01 in the proleptic Gregorian calendar (Howard
// Hinnant's days_from_civil: eras of 400 years, March-based years so the
// leap day falls at the end).
int64_t days_from_civil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

struct Civil {
  int64_t year;
  int month;
  int day;
};

Civil civil_from_days(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  const int month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  return {yoe + era * 400 + (month <= 2), month, day};
}

bool is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int days_in_month(int64_t y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Reads exactly `n` digits at *pos; false if any is missing.
bool fixed_digits(std::string_view s, size_t* pos, int n, int* out) {
  if (s.size() - *pos < static_cast<size_t>(n)) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    char c = s[*pos + i];
    if (!is_digit(c)) return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *out = v;
  return true;
}

bool expect(std::string_view s, size_t* pos, char c) {
  if (*pos >= s.size() || s[*pos] != c) return false;
  ++*pos;
  return true;
}

Status time_error(std::string_view text, std::string_view reason) {
  std::string msg = "bad time '";
  msg += text;
  msg += "': ";
  if (!reason.empty()) {
    msg += reason;
    msg += "; ";
  }
  msg += kRfc3339Help;
  return Status::InvalidArgument(std::move(msg));
}

// Zero-pads the magnitude, so year -1 prints as -0001 (ISO 8601 style).
void append_padded(std::string* out, int64_t v, int width) {
  if (v < 0) {
    out->push_back('-');
    v = -v;  // callers never pass INT64_MIN: it is not a year, month or field
  }
  char buf[24];
  char* end = std::to_chars(buf, buf + sizeof buf, v).ptr;  // 24 bytes hold any int64
  for (int pad = width - static_cast<int>(end - buf); pad > 0; --pad) out->push_back('0');
  out->append(buf, end);
}

}  // namespace

Result<int64_t> parse_duration_ms(std::string_view text) {
  auto fail = [&](std::string_view reason) -> Status {
    std::string msg = "bad duration '";
    msg += text;
    msg += "': ";
    if (!reason.empty()) {
      msg += reason;
      msg += "; ";
    }
    msg += kDurationHelp;
    return Status::InvalidArgument(std::move(msg));
  };
  if (text.empty()) return fail("empty");
  int64_t total = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && is_digit(text[i])) ++i;
    if (i == start) return fail("");
    int64_t n = 0;
    if (std::from_chars(text.data() + start, text.data() + i, n).ec != std::errc()) {
      return fail("number out of range");
    }
    const DurationUnit* unit = nullptr;
    for (const DurationUnit& u : kDurationUnits) {
      if (text.substr(i).starts_with(u.name)) {
        unit = &u;
        break;
      }
    }
    if (unit == nullptr) return fail(i == text.size() ? "missing unit" : "");
    i += unit->name.size();
    int64_t part;
    if (__builtin_mul_overflow(n, unit->ms, &part) || __builtin_add_overflow(total, part, &total)) {
      return fail("too long");
    }
  }
  return total;
}

Result<int64_t> parse_rfc3339_ms(std::string_view text) {
  size_t pos = 0;
  int year, month, day;
  if (!fixed_digits(text, &pos, 4, &year) || !expect(text, &pos, '-') ||
      !fixed_digits(text, &pos, 2, &month) || !expect(text, &pos, '-') ||
      !fixed_digits(text, &pos, 2, &day)) {
    return time_error(text, "");
  }
  if (month < 1 || month > 12) return time_error(text, "month out of range");
  if (day < 1 || day > days_in_month(year, month)) return time_error(text, "day out of range");
  int64_t ms = days_from_civil(year, month, day) * kMsPerDay;
  if (pos == text.size()) return ms;  // bare date: midnight UTC

  char sep = text[pos++];
  if (sep != 'T' && sep != 't' && sep != ' ') return time_error(text, "");
  int hour, minute, second;
  if (!fixed_digits(text, &pos, 2, &hour) || !expect(text, &pos, ':') ||
      !fixed_digits(text, &pos, 2, &minute)) {
    return time_error(text, "");
  }
  if (!expect(text, &pos, ':') || !fixed_digits(text, &pos, 2, &second)) {
    return time_error(text, "seconds are required");
  }
  if (hour > 23 || minute > 59 || second > 60) return time_error(text, "time out of range");
  ms += hour * kMsPerHour + minute * kMsPerMinute + second * kMsPerSecond;

  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    size_t start = pos;
    int64_t frac = 0;
    while (pos < text.size() && is_digit(text[pos])) {
      if (pos - start < 3) frac = frac * 10 + (text[pos] - '0');
      ++pos;
    }
    if (pos == start) return time_error(text, "no digits after '.'");
    for (size_t n = pos - start; n < 3; ++n) frac *= 10;
    ms += frac;
  }

  if (pos == text.size()) {
    return time_error(text, "no time zone (add Z for UTC or an offset like +02:00)");
  }
  char zone = text[pos++];
  if (zone == 'Z' || zone == 'z') {
    // UTC
  } else if (zone == '+' || zone == '-') {
    int oh, om;
    if (!fixed_digits(text, &pos, 2, &oh) || !expect(text, &pos, ':') ||
        !fixed_digits(text, &pos, 2, &om)) {
      return time_error(text, "bad zone offset");
    }
    if (oh > 23 || om > 59) return time_error(text, "zone offset out of range");
    // Local time = UTC + offset, so UTC = local - offset.
    int64_t offset = oh * kMsPerHour + om * kMsPerMinute;
    ms += zone == '+' ? -offset : offset;
  } else {
    return time_error(text, "bad time zone");
  }
  if (pos != text.size()) return time_error(text, "unexpected text after the time zone");
  return ms;
}

void append_rfc3339_ms(std::string* out, int64_t ms) {
  // Floor division, so instants before 1970 land in the right day.
  int64_t days = ms / kMsPerDay;
  int64_t rem = ms % kMsPerDay;
  if (rem < 0) {
    rem += kMsPerDay;
    --days;
  }
  Civil c = civil_from_days(days);
  append_padded(out, c.year, 4);
  out->push_back('-');
  append_padded(out, c.month, 2);
  out->push_back('-');
  append_padded(out, c.day, 2);
  out->push_back('T');
  append_padded(out, rem / kMsPerHour, 2);
  out->push_back(':');
  append_padded(out, rem / kMsPerMinute % 60, 2);
  out->push_back(':');
  append_padded(out, rem / kMsPerSecond % 60, 2);
  out->push_back('.');
  append_padded(out, rem % kMsPerSecond, 3);
  out->push_back('Z');
}

std::string format_rfc3339_ms(int64_t ms) {
  std::string s;
  s.reserve(24);
  append_rfc3339_ms(&s, ms);
  return s;
}

}  // namespace ks::cli
