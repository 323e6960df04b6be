// Times as users write them: RFC 3339 instants and durations like "1h30m".
// The civil-date arithmetic is done here rather than with timegm/strptime so
// the result never depends on the machine's locale or time zone.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace ks::cli {

// "1h30m", "500ms", "90s", "2d": one or more <digits><unit> groups, unit one
// of ms, s, m, h, d, summed. Never negative; overflow is InvalidArgument.
Result<int64_t> parse_duration_ms(std::string_view text);

// RFC 3339 to epoch milliseconds: "2026-01-01T12:30:00Z",
// "2026-01-01T12:30:00.250+02:00" (T, t or a space between date and time; Z,
// z or ±hh:mm for the zone). Digits past milliseconds are truncated. A bare
// date "2026-01-01" is midnight UTC. A leap second (:60) counts as the next
// second. Years 0000-9999; earlier than 1970 gives a negative result.
Result<int64_t> parse_rfc3339_ms(std::string_view text);

// "2026-01-01T00:00:00.000Z": UTC, always millisecond precision.
std::string format_rfc3339_ms(int64_t ms);
// The same, appended to *out without a temporary string (per-record use).
void append_rfc3339_ms(std::string* out, int64_t ms);

}  // namespace ks::cli
