#include "cli/input/timestamp.h"

#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>

using namespace ks;
using namespace ks::cli;

namespace {
constexpr int64_t kSecond = 1000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;
}  // namespace

TEST_CASE("durations are sums of number-unit groups") {
  CHECK(*parse_duration_ms("500ms") == 500);
  CHECK(*parse_duration_ms("90s") == 90 * kSecond);
  CHECK(*parse_duration_ms("30m") == 30 * kMinute);
  CHECK(*parse_duration_ms("1h") == kHour);
  CHECK(*parse_duration_ms("2d") == 2 * kDay);
  CHECK(*parse_duration_ms("1h30m") == kHour + 30 * kMinute);
  CHECK(*parse_duration_ms("1d2h3m4s5ms") == kDay + 2 * kHour + 3 * kMinute + 4 * kSecond + 5);
  CHECK(*parse_duration_ms("1m1ms") == kMinute + 1);
  CHECK(*parse_duration_ms("0s") == 0);
}

TEST_CASE("durations without a unit, with junk or too long are rejected") {
  for (const char* bad : {"", "90", "1h30", "h", "1x", "1.5h", "-1h", "1 h", "1H", "1hh", "ms"}) {
    Result<int64_t> r = parse_duration_ms(bad);
    CHECK_MESSAGE(!r.ok(), bad);
    if (!r.ok()) {
      CHECK(r.status().code() == Code::kInvalidArgument);
      CHECK(r.status().message().find("ms, s, m, h, d") != std::string::npos);
    }
  }
  CHECK(parse_duration_ms("90").status().message().find("missing unit") != std::string::npos);
  CHECK_FALSE(parse_duration_ms("99999999999999999999ms").ok());
  CHECK_FALSE(parse_duration_ms("106751991168d").ok());  // * 86400000 overflows
  CHECK(parse_duration_ms("106751991167d").ok());         // the largest whole-day count
  CHECK_FALSE(parse_duration_ms("9223372036854775807ms1ms").ok());
  CHECK(*parse_duration_ms("9223372036854775807ms") == std::numeric_limits<int64_t>::max());
}

TEST_CASE("RFC 3339 times resolve to epoch milliseconds") {
  CHECK(*parse_rfc3339_ms("1970-01-01T00:00:00Z") == 0);
  CHECK(*parse_rfc3339_ms("2023-11-14T22:13:20Z") == 1700000000000);
  CHECK(*parse_rfc3339_ms("2026-01-01T00:00:00Z") == 1767225600000);
  CHECK(*parse_rfc3339_ms("2026-01-01") == 1767225600000);
  CHECK(*parse_rfc3339_ms("2026-01-01t00:00:00z") == 1767225600000);
  CHECK(*parse_rfc3339_ms("2026-01-01 00:00:00Z") == 1767225600000);
  CHECK(*parse_rfc3339_ms("2023-11-14T22:13:20.5Z") == 1700000000500);
  CHECK(*parse_rfc3339_ms("2023-11-14T22:13:20.25Z") == 1700000000250);
  CHECK(*parse_rfc3339_ms("2023-11-14T22:13:20.123Z") == 1700000000123);
  CHECK(*parse_rfc3339_ms("2023-11-14T22:13:20.123999999Z") == 1700000000123);
  CHECK(*parse_rfc3339_ms("2026-01-01T02:00:00+02:00") == 1767225600000);
  CHECK(*parse_rfc3339_ms("2025-12-31T19:30:00-04:30") == 1767225600000);
  CHECK(*parse_rfc3339_ms("2026-01-01T00:00:00-00:00") == 1767225600000);
  CHECK(*parse_rfc3339_ms("2024-02-29T00:00:00Z") == 1709164800000);  // leap day
  CHECK(*parse_rfc3339_ms("2000-02-29") == 951782400000);            // 400-year leap
  CHECK(*parse_rfc3339_ms("2016-12-31T23:59:60Z") == *parse_rfc3339_ms("2017-01-01T00:00:00Z"));
  CHECK(*parse_rfc3339_ms("1969-12-31T23:59:59.999Z") == -1);
  CHECK(*parse_rfc3339_ms("0000-01-01") == -62167219200000);
  CHECK(*parse_rfc3339_ms("9999-12-31T23:59:59.999Z") == 253402300799999);
}

TEST_CASE("malformed or impossible times are rejected with what is expected") {
  for (const char* bad :
       {"", "yesterday", "2026", "2026-1-01", "2026-01-1", "2026/01/01", "2026-13-01",
        "2026-00-10", "2026-01-00", "2026-02-29", "1900-02-29", "2026-04-31", "2026-01-01T",
        "2026-01-01T24:00:00Z", "2026-01-01T10:60:00Z", "2026-01-01T10:00:61Z",
        "2026-01-01T10:00Z", "2026-01-01T10:00:00", "2026-01-01T10:00:00.Z",
        "2026-01-01T10:00:00+2:00", "2026-01-01T10:00:00+0200", "2026-01-01T10:00:00+24:00",
        "2026-01-01T10:00:00Zjunk", "2026-01-01x", "2026-01-01T10:00:00 Z", "+2026-01-01"}) {
    Result<int64_t> r = parse_rfc3339_ms(bad);
    CHECK_MESSAGE(!r.ok(), bad);
    if (!r.ok()) {
      CHECK(r.status().code() == Code::kInvalidArgument);
      CHECK(r.status().message().find("RFC 3339") != std::string::npos);
    }
  }
  CHECK(parse_rfc3339_ms("2026-13-01").status().message().find("month out of range") !=
        std::string::npos);
  CHECK(parse_rfc3339_ms("2026-01-01T10:00:00").status().message().find("time zone") !=
        std::string::npos);
}

TEST_CASE("times format as UTC with millisecond precision") {
  CHECK(format_rfc3339_ms(0) == "1970-01-01T00:00:00.000Z");
  CHECK(format_rfc3339_ms(1700000000000) == "2023-11-14T22:13:20.000Z");
  CHECK(format_rfc3339_ms(1767225600007) == "2026-01-01T00:00:00.007Z");
  CHECK(format_rfc3339_ms(1709164800000 + kDay - 1) == "2024-02-29T23:59:59.999Z");
  CHECK(format_rfc3339_ms(-1) == "1969-12-31T23:59:59.999Z");
  CHECK(format_rfc3339_ms(-62167219200000) == "0000-01-01T00:00:00.000Z");
  CHECK(format_rfc3339_ms(-62167219200001) == "-0001-12-31T23:59:59.999Z");
  // The extremes must not crash or overflow.
  CHECK_FALSE(format_rfc3339_ms(std::numeric_limits<int64_t>::max()).empty());
  CHECK_FALSE(format_rfc3339_ms(std::numeric_limits<int64_t>::min()).empty());

  std::string s = "ts=";
  append_rfc3339_ms(&s, 1);
  CHECK(s == "ts=1970-01-01T00:00:00.001Z");
}

TEST_CASE("formatting then parsing gives back the same instant across four centuries") {
  // Steps of a prime number of ms hit every month, leap days and odd times.
  const int64_t from = *parse_rfc3339_ms("1900-01-01");
  const int64_t to = *parse_rfc3339_ms("2300-01-01");
  const int64_t step = 9'999'991'003;
  int checked = 0;
  for (int64_t ms = from; ms < to; ms += step) {
    std::string text = format_rfc3339_ms(ms);
    Result<int64_t> back = parse_rfc3339_ms(text);
    REQUIRE_MESSAGE(back.ok(), text);
    CHECK_MESSAGE(*back == ms, text);
    ++checked;
  }
  CHECK(checked > 1000);
  // Every day boundary of a leap-year cycle, one day at a time.
  for (int64_t day = -800; day < 800; ++day) {
    std::string text = format_rfc3339_ms(day * kDay);
    CHECK(*parse_rfc3339_ms(text.substr(0, 10)) == day * kDay);
  }
}
