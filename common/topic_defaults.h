// What a topic gets for each config it does not set: Kafka's names and
// defaults, written once. The daemon's topic config table
// (daemon/server/topic_config.cc) and storage::LogConfig take their
// defaults from here; the CLI uses them only where a daemon's answer may
// lack a value (an older daemon) and in its help and displays.
#pragma once

#include <cstdint>

namespace ks::topic_defaults {

inline constexpr int64_t kDayMs = int64_t{24} * 3600 * 1000;

// retention.ms: records older than this (by a segment's largest
// timestamp) are deleted; -1 keeps them forever. Kafka's 7 days.
inline constexpr int64_t kRetentionMs = 7 * kDayMs;
static_assert(kRetentionMs == 604800000);
// retention.bytes: a partition's size limit; -1: none.
inline constexpr int64_t kRetentionBytes = -1;
// segment.bytes: a segment rolls before it would pass this size (1 GiB).
inline constexpr int64_t kSegmentBytes = int64_t{1} << 30;
// segment.ms: a segment rolls this long after its first record (7 days).
inline constexpr int64_t kSegmentMs = 7 * kDayMs;
// max.message.bytes: the largest record batch a partition accepts; Kafka's
// 1 MiB of records plus 12 bytes of log overhead.
inline constexpr int64_t kMaxMessageBytes = 1048588;
static_assert(kMaxMessageBytes == (int64_t{1} << 20) + 12);
// flush.ms, flush.messages: schedule an fsync this long after, or once
// this many records wait since, the last one; -1: no schedule of their
// own (acks=all still waits for its fsync).
inline constexpr int64_t kFlushMs = -1;
inline constexpr int64_t kFlushMessages = -1;
// message.timestamp.after.max.ms: with CreateTime, a record more than this
// far ahead of the broker's clock is refused (Kafka 4's 1 hour);
// message.timestamp.before.max.ms: as far behind (no limit).
inline constexpr int64_t kTimestampAfterMaxMs = 3600 * 1000;
inline constexpr int64_t kTimestampBeforeMaxMs = INT64_MAX;
// cleanup.policy: only "delete" is supported.
inline constexpr const char* kCleanupPolicy = "delete";

}  // namespace ks::topic_defaults
