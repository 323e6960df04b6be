// The one error table: every Status code once, with what it means, its
// name on the native wire, the Kafka error code a Kafka handler answers by
// default, and the exit status of `ks` (ks(1) EXIT STATUS). Adding a code
// is one enumerator in status.h and one row here; errors_test.cc fails
// until the row exists.
//
// A code has one meaning. A Kafka handler may answer a more specific Kafka
// code than the default (CreateTopics: INVALID_PARTITIONS for a refused
// partition count; Produce: MESSAGE_TOO_LARGE for a batch over the topic's
// max.message.bytes) by deciding so from what it asked for, never by
// reading a message. The Kafka numbers are those of Kafka's Errors.java; the
// daemon's names for them are in daemon/kafka/errors.h, which checks these
// numbers against its enum at compile time, as cli/exit_codes.h does for
// the exit statuses.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "common/status.h"

namespace ks {

struct ErrorInfo {
  Code code;
  std::string_view wire_name;  // native protocol "error": {"code": ...}
  std::string_view text;       // in front of a message: "not found: ..."
  int16_t kafka;               // the default Kafka error code
  int exit_status;             // what `ks` exits with when a command fails so
};

// Rows in enumerator order (a static_assert below keeps it so).
inline constexpr std::array<ErrorInfo, kCodeCount> kErrorTable{{
    // code                        wire name                text                       kafka  exit
    {Code::kOk,                    "ok",                    "ok",                      0,     0},
    // topic, partition, group, member or file does not exist
    // (UNKNOWN_TOPIC_OR_PARTITION)
    {Code::kNotFound,              "not_found",             "not found",               3,     4},
    {Code::kAlreadyExists,         "already_exists",        "already exists",          36,    1},  // TOPIC_ALREADY_EXISTS
    // a malformed request or argument, or one over a configured limit
    // (max.message.bytes, partition count): a usage error for `ks`; to a
    // Kafka producer, a batch that will never be accepted (CORRUPT_MESSAGE;
    // the produce handler decides MESSAGE_TOO_LARGE itself)
    {Code::kInvalidArgument,       "invalid_argument",      "invalid argument",        2,     2},
    {Code::kCorruption,            "corruption",            "corruption",              2,     1},  // CORRUPT_MESSAGE
    {Code::kIOError,               "io_error",              "I/O error",               56,    1},  // KAFKA_STORAGE_ERROR
    // the daemon's connection limit is reached; try again later
    // (UNKNOWN_SERVER_ERROR: Kafka clients are answered before any limit)
    {Code::kBusy,                  "busy",                  "busy",                    -1,    1},
    // no daemon to talk to (UNKNOWN_SERVER_ERROR)
    {Code::kUnavailable,           "unavailable",           "unavailable",             -1,    3},
    {Code::kOutOfRange,            "out_of_range",          "out of range",            1,     1},  // OFFSET_OUT_OF_RANGE
    // a group member's generation is stale or it no longer owns a
    // partition: commit, then join again (REBALANCE_IN_PROGRESS)
    {Code::kRebalanceInProgress,   "rebalance_in_progress", "rebalance in progress",   27,    1},
    // live members hold the group: members of the other protocol, or any
    // member while an admin resets, deletes or commits (NON_EMPTY_GROUP)
    {Code::kGroupInUse,            "group_in_use",          "group in use",            68,    1},
    // the metadata database stayed locked (by another process) for longer
    // than the daemon waits; the same request may succeed later
    // (UNKNOWN_SERVER_ERROR, as before the split)
    {Code::kRetryLater,            "retry_later",           "retry later",             -1,    1},
    // a blocking call of `ks` was cut short by SIGINT/SIGTERM; the command
    // exits as the signal asks (130 for SIGINT: see signal_exit in each)
    {Code::kInterrupted,           "interrupted",           "interrupted",             -1,    130},
    // a record's timestamp is further from the broker's clock than the
    // topic's message.timestamp.before/after.max.ms allow (INVALID_TIMESTAMP)
    {Code::kInvalidTimestamp,      "invalid_timestamp",     "invalid timestamp",       32,    1},
    // an idempotent producer's batch does not follow its last sequence
    // for the partition (OUT_OF_ORDER_SEQUENCE_NUMBER)
    {Code::kOutOfOrderSequence,    "out_of_order_sequence", "out of order sequence",   45,    1},
    // an idempotent producer's batch carries an epoch older than the
    // partition has seen: a newer producer took over (INVALID_PRODUCER_EPOCH)
    {Code::kInvalidProducerEpoch,  "invalid_producer_epoch", "invalid producer epoch", 47,    1},
}};

// The row of `code`.
constexpr const ErrorInfo& error_info(Code code) { return kErrorTable[static_cast<size_t>(code)]; }

// The code a native wire name stands for; nullopt for a name this build
// does not know (a newer daemon's).
std::optional<Code> code_from_wire_name(std::string_view name);

namespace detail {
constexpr bool table_in_order() {
  for (size_t i = 0; i < kErrorTable.size(); ++i)
    if (static_cast<size_t>(kErrorTable[i].code) != i) return false;
  return true;
}
}  // namespace detail
static_assert(detail::table_in_order(), "kErrorTable rows must follow the Code enumerators");

}  // namespace ks
