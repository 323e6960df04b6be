// The one position grammar shared by `ks consume --from`, `ks group reset
// --to` and `ks offsets`:
//
//   beginning   the log start offset
//   end         the log end offset (the next record to be written)
//   N           absolute offset N (N >= 0)
//   -N          N records before the end
//   +N          N records after the start
//   @<time>     the first record at or after a time: RFC 3339
//               (@2026-01-01T00:00:00Z, @2026-01-01), epoch milliseconds
//               (@1700000000000) or a duration back from now (@-1h, @-1h30m)
//
// Parsing only classifies and, for times, resolves to epoch ms; turning a
// position into an offset needs the partition's start/end and belongs to
// whoever talks to the daemon.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "cli/input/timestamp.h"
#include "common/status.h"

namespace ks::cli {

struct Position {
  enum class Kind { kBeginning, kEnd, kAbsolute, kFromEnd, kFromStart, kTimestamp };
  Kind kind = Kind::kBeginning;
  // kAbsolute: the offset; kFromEnd / kFromStart: the distance (>= 0);
  // kTimestamp: epoch ms (>= 0); unused (0) for kBeginning / kEnd.
  int64_t value = 0;

  bool operator==(const Position&) const = default;
};

// `now_ms` resolves @-<duration>; it is a parameter so tests do not depend
// on the clock. Times before 1970 resolve to 0: Kafka's ListOffsets reserves
// negative timestamps as sentinels (-1 latest, -2 earliest), and no record
// is older than 0 anyway.
Result<Position> parse_position(std::string_view text, int64_t now_ms);

// The canonical spelling, which parse_position reads back to the same
// Position: "beginning", "end", "42", "-10", "+5", "@2026-01-01T00:00:00.000Z"
// (epoch ms, "@253402300800000", from the year 10000 on).
std::string to_string(const Position& p);

}  // namespace ks::cli
