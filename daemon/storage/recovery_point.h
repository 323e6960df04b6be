// A partition's recovery point (Kafka's recovery-point-offset-checkpoint,
// kept per partition): how much of the log an fsync is known to have put
// on disk, so that opening after a crash syncs and scans only what lies
// past it.
//
// The claim: every byte of every segment below `segment_base`, bytes
// [0, position) of the segment `segment_base`, and the directory entries
// of those segments were fsynced before the file saying so was written;
// offsets below `offset` are in those bytes. It is written (atomically and
// durably) by a flush job after that job's own syncs succeeded, so it can
// only lag what is on disk, never lead it.
//
// File kRecoveryPointFile in the partition directory, one line of
// decimal numbers: "<offset> <segment_base> <position>\n". Written through
// a temporary file, fsynced, renamed, directory fsynced: a power cut
// leaves the old or the new line. Unreadable: treated as absent (the whole
// log is then synced at open, as without a recovery point).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/status.h"

namespace ks::storage {

inline constexpr const char* kRecoveryPointFile = "recovery-point";

struct RecoveryPoint {
  int64_t offset = 0;        // offsets below it are durable
  int64_t segment_base = 0;  // the segment that was active when it was taken
  uint64_t position = 0;     // that segment's size then

  std::string encode() const;
  // nullopt when `text` is not a recovery point line.
  static std::optional<RecoveryPoint> Parse(const std::string& text);
};

// The recovery point in `dir`; nullopt when there is none. A file that
// does not parse is named in *why and treated as absent.
std::optional<RecoveryPoint> read_recovery_point(const std::string& dir, std::string* why);

}  // namespace ks::storage
