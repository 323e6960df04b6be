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
// Parsing only classifies and, for times, resolves to epoch ms. Turning a
// position into an offset (resolve_position) needs the partition's start
// and end, and for a time the daemon's list_offsets answer: the callers
// fetch those, the rule lives here, once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cli/input/timestamp.h"
#include "common/status.h"
#include "common/types.h"

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

// The offsets a partition holds: [start, end), end being the next offset
// to be written. start > 0 once retention has deleted the oldest records.
struct OffsetRange {
  Offset start;
  Offset end;
};

// The offset a position names in a partition: the one rule `ks consume
// --from`, `ks consume -g` (a partition without a commit), `ks group reset
// --to` and `ks offsets --at` share. The answer is always inside
// [start, end]: like kcat's -o (and a Kafka consumer's auto.offset.reset),
// a position outside the log is settled at its nearest edge, not refused:
//
//   beginning  start                  end  end
//   N          N, clamped: before start (retention took it) reads from
//              start; past end waits at end for new records
//   -N         end - N, at least start (-N past the start: all of it)
//   +N         start + N, at most end
//   @TIME      `at_time`, the daemon's first offset at or after TIME
//              (list_offsets), clamped; none (nullopt, or Kafka's -1
//              sentinel) means no record that recent: end, where the next
//              record will go
//
// An empty partition (start == end) answers start for every position; a
// range whose end is below its start (an answer torn by retention) is
// read as empty at start. Pass the range from the same list_offsets answer
// as `at_time` where there is one, so a record appended between two calls
// cannot pull the answer below the time.
Offset resolve_position(const Position& pos, OffsetRange range, std::optional<Offset> at_time = std::nullopt);

}  // namespace ks::cli
