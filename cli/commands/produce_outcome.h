// What `ks produce` says when it cannot deliver everything: the daemon
// went away mid-stream, or the input could not be sent.
#pragma once

#include <cstdint>

#include "common/status.h"

namespace ks::cli {

// Where a producer's records stood when its connection broke.
struct ProduceTally {
  int acks = 1;          // -1 (all), 0 or 1, as sent to the daemon
  int64_t seen = 0;      // records read from the input and handed to the producer
  int64_t acked = 0;     // answered OK (with --acks 0: written to the connection)
  int64_t refused = 0;   // answered with an error
  bool input_left = false;  // the input was not read to its end
};

// One error line on stderr: why the connection broke, how many records
// were acknowledged (exact with --acks 1/all: only answers count) and how
// many were not (the daemon may have stored some of those). No hint about
// starting a daemon: one was running. Returns exit 5 (partial delivery).
int report_lost_connection(const Status& why, const ProduceTally& t);

// One error line for an input `ks produce` could not send (a malformed
// line, a record over max.message.bytes, a failed read), noting the
// `delivered` records before it. The input, not the command line, was
// wrong: a runtime error (exit 1) whatever the code, even
// invalid_argument, which elsewhere is a usage error (2). This is the one
// place `ks` overrides the error table's exit status, by decision.
int report_input_error(const Status& why, int64_t delivered);

// The error for a --raw input that passed `limit` (the topic's
// max.message.bytes) after `read` bytes; nothing was sent.
Status raw_too_large(int64_t limit, uint64_t read);

}  // namespace ks::cli
