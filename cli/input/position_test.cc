#include "cli/input/position.h"

#include <doctest/doctest.h>

#include <optional>
#include <string>

using namespace ks;
using namespace ks::cli;
using Kind = Position::Kind;

namespace {

constexpr int64_t kNow = 1767225600000;  // 2026-01-01T00:00:00Z
constexpr int64_t kMinute = 60'000;
constexpr int64_t kHour = 60 * kMinute;

Position parse(std::string_view text) {
  Result<Position> r = parse_position(text, kNow);
  REQUIRE_MESSAGE(r.ok(), r.status().to_string());
  return *r;
}

std::string error_of(std::string_view text) {
  Result<Position> r = parse_position(text, kNow);
  REQUIRE_MESSAGE(!r.ok(), text);
  CHECK(r.status().code() == Code::kInvalidArgument);
  return r.status().message();
}

}  // namespace

TEST_CASE("named and numeric positions") {
  CHECK(parse("beginning") == Position{Kind::kBeginning, 0});
  CHECK(parse("end") == Position{Kind::kEnd, 0});
  CHECK(parse("0") == Position{Kind::kAbsolute, 0});
  CHECK(parse("42") == Position{Kind::kAbsolute, 42});
  CHECK(parse("-10") == Position{Kind::kFromEnd, 10});
  CHECK(parse("+5") == Position{Kind::kFromStart, 5});
  CHECK(parse("-0") == Position{Kind::kFromEnd, 0});
  CHECK(parse("9223372036854775807") == Position{Kind::kAbsolute, 9223372036854775807});
  CHECK(parse("-9223372036854775807") == Position{Kind::kFromEnd, 9223372036854775807});
}

TEST_CASE("numbers that do not fit an int64 are rejected, not wrapped") {
  CHECK(error_of("9223372036854775808").find("out of range") != std::string::npos);
  CHECK(error_of("-9223372036854775808").find("out of range") != std::string::npos);
  CHECK(error_of("+99999999999999999999999").find("out of range") != std::string::npos);
  CHECK(error_of("@9223372036854775808").find("out of range") != std::string::npos);
}

TEST_CASE("@ times: RFC 3339, a bare date, epoch ms") {
  CHECK(parse("@2026-01-01T00:00:00Z") == Position{Kind::kTimestamp, kNow});
  CHECK(parse("@2026-01-01") == Position{Kind::kTimestamp, kNow});
  CHECK(parse("@2026-01-01T01:00:00.5+01:00") == Position{Kind::kTimestamp, kNow + 500});
  CHECK(parse("@1700000000000") == Position{Kind::kTimestamp, 1700000000000});
  CHECK(parse("@0") == Position{Kind::kTimestamp, 0});
}

TEST_CASE("@- durations count back from the injected now") {
  CHECK(parse("@-1h") == Position{Kind::kTimestamp, kNow - kHour});
  CHECK(parse("@-30m") == Position{Kind::kTimestamp, kNow - 30 * kMinute});
  CHECK(parse("@-90s") == Position{Kind::kTimestamp, kNow - 90'000});
  CHECK(parse("@-2d") == Position{Kind::kTimestamp, kNow - 48 * kHour});
  CHECK(parse("@-500ms") == Position{Kind::kTimestamp, kNow - 500});
  CHECK(parse("@-1h30m") == Position{Kind::kTimestamp, kNow - 90 * kMinute});
  CHECK(parse("@-0s") == Position{Kind::kTimestamp, kNow});
}

TEST_CASE("times before 1970 resolve to 0, never to a negative sentinel") {
  CHECK(parse("@-100000d") == Position{Kind::kTimestamp, 0});
  CHECK(parse("@-9223372036854775807ms") == Position{Kind::kTimestamp, 0});
  CHECK(parse("@1969-07-20T20:17:00Z") == Position{Kind::kTimestamp, 0});
  Result<Position> early = parse_position("@-1s", -9223372036854775807 - 1);
  REQUIRE(early.ok());
  CHECK(early->value == 0);
}

TEST_CASE("a bad position names itself and shows the whole grammar") {
  CHECK(error_of("@yesterday") ==
        "bad position '@yesterday': expected beginning, end, N, -N, +N, @<RFC 3339>, "
        "@<epoch ms> or @-<duration> like @-1h");
  for (const char* bad : {"", "start", "Beginning", "END", "latest", "1.5", "-", "+", "--1",
                          "+-1", " 1", "1 ", "0x10", "1e3", "@", "@-", "@-1", "@-1y", "@+1h",
                          "@2026-13-01", "@2026-01-01T10:00:00", "@1h", "@-1h ", "@ 2026-01-01"}) {
    std::string msg = error_of(bad);
    CHECK_MESSAGE(msg.find("expected beginning, end, N, -N, +N") != std::string::npos, bad);
    CHECK_MESSAGE(msg.find("'" + std::string(bad) + "'") != std::string::npos, bad);
  }
}

TEST_CASE("a nested time or duration error keeps its reason") {
  CHECK(error_of("@2026-13-01") ==
        "bad position '@2026-13-01': month out of range; expected beginning, end, N, -N, +N, "
        "@<RFC 3339>, @<epoch ms> or @-<duration> like @-1h");
  CHECK(error_of("@2026-01-01T10:00:00").find("no time zone") != std::string::npos);
  CHECK(error_of("@-90").find("missing unit") != std::string::npos);
  CHECK(error_of("@1h").find("did you mean '@-1h'") != std::string::npos);
}

TEST_CASE("to_string spells each kind canonically and parses back") {
  CHECK(to_string(Position{Kind::kBeginning, 0}) == "beginning");
  CHECK(to_string(Position{Kind::kEnd, 0}) == "end");
  CHECK(to_string(Position{Kind::kAbsolute, 42}) == "42");
  CHECK(to_string(Position{Kind::kFromEnd, 10}) == "-10");
  CHECK(to_string(Position{Kind::kFromStart, 5}) == "+5");
  CHECK(to_string(Position{Kind::kTimestamp, 1767225600123}) == "@2026-01-01T00:00:00.123Z");
  for (const char* text : {"beginning", "end", "0", "7", "-3", "+9", "@-1h", "@1700000000001",
                           "@2026-06-15T12:34:56.789-07:00"}) {
    Position p = parse(text);
    CHECK_MESSAGE(parse(to_string(p)) == p, text);
  }
}

TEST_CASE("a time past the year 9999 prints as epoch ms, which parses back") {
  // Found by fuzz_cli_input: "@9223372036854775807" printed as year 292278994,
  // which the four-digit RFC 3339 parser refused.
  for (const char* text : {"@9223372036854775807", "@253402300800000", "@9999-12-31T23:59:60Z"}) {
    Position p = parse(text);
    CHECK_MESSAGE(parse(to_string(p)) == p, text);
  }
  CHECK(to_string(Position{Kind::kTimestamp, 253402300799999}) == "@9999-12-31T23:59:59.999Z");
  CHECK(to_string(Position{Kind::kTimestamp, 253402300800000}) == "@253402300800000");
}

// ------------------------------------------------------------------ resolve

namespace {

int64_t resolve(std::string_view text, int64_t start, int64_t end, std::optional<int64_t> at_time = std::nullopt) {
  std::optional<Offset> at;
  if (at_time) at = Offset(*at_time);
  return resolve_position(parse(text), {Offset(start), Offset(end)}, at).value();
}

}  // namespace

TEST_CASE("resolving: beginning and end are the partition's start and end") {
  CHECK(resolve("beginning", 0, 10) == 0);
  CHECK(resolve("end", 0, 10) == 10);
  CHECK(resolve("beginning", 40, 100) == 40);
  CHECK(resolve("end", 40, 100) == 100);
}

TEST_CASE("resolving: an empty partition answers its start for every position") {
  for (const char* p : {"beginning", "end", "0", "7", "-1", "-100", "+1", "+100", "@0", "@-1h"}) {
    CAPTURE(p);
    CHECK(resolve(p, 0, 0) == 0);
    CHECK(resolve(p, 25, 25, 25) == 25);
    CHECK(resolve(p, 25, 25) == 25);
  }
}

TEST_CASE("resolving: an absolute offset is clamped into [start, end]") {
  CHECK(resolve("5", 0, 10) == 5);
  CHECK(resolve("10", 0, 10) == 10);
  CHECK(resolve("11", 0, 10) == 10);  // past the end: wait there for new records
  CHECK(resolve("9223372036854775807", 0, 10) == 10);
  CHECK(resolve("3", 40, 100) == 40);  // retention took it: read from the start
}

TEST_CASE("resolving: -N counts back from the end and stops at the start") {
  CHECK(resolve("-0", 0, 10) == 10);
  CHECK(resolve("-3", 0, 10) == 7);
  CHECK(resolve("-10", 0, 10) == 0);
  CHECK(resolve("-11", 0, 10) == 0);  // past the start: all of it
  CHECK(resolve("-9223372036854775807", 0, 10) == 0);
  // After retention, -N past the start is the start, not offset 0.
  CHECK(resolve("-30", 40, 100) == 70);
  CHECK(resolve("-80", 40, 100) == 40);
}

TEST_CASE("resolving: +N counts from the start and stops at the end") {
  CHECK(resolve("+0", 0, 10) == 0);
  CHECK(resolve("+4", 0, 10) == 4);
  CHECK(resolve("+11", 0, 10) == 10);
  CHECK(resolve("+9223372036854775807", 40, 100) == 100);
  CHECK(resolve("+5", 40, 100) == 45);  // from the start that is, not from 0
}

TEST_CASE("resolving: @TIME is the daemon's answer, clamped, none means the end") {
  CHECK(resolve("@1000", 0, 10, 4) == 4);
  CHECK(resolve("@1000", 0, 10, 10) == 10);
  // Past the newest record: the daemon says end (ks) or -1 (Kafka).
  CHECK(resolve("@-1m", 0, 10, -1) == 10);
  CHECK(resolve("@-1m", 0, 10) == 10);
  // An answer older than the range (retention ran in between) reads from
  // the start; one beyond the range is held at its end.
  CHECK(resolve("@0", 40, 100, 12) == 40);
  CHECK(resolve("@0", 40, 100, 140) == 100);
}

TEST_CASE("resolving: a range whose end is below its start is empty at the start") {
  CHECK(resolve("end", 50, 40) == 50);
  CHECK(resolve("-5", 50, 40) == 50);
  CHECK(resolve("+5", 50, 40) == 50);
  CHECK(resolve("60", 50, 40) == 50);
  CHECK(resolve("@0", 50, 40, 45) == 50);
}
