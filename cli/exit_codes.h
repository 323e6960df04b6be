// The exit-code contract (ks(1), DESIGN.md §1). Which status a failed
// Status exits with is a column of the error table (common/errors.h).
#pragma once

#include "common/errors.h"
#include "common/status.h"

namespace ks::cli {

enum class Exit : int {
  kOk = 0,
  kError = 1,        // runtime error
  kUsage = 2,        // bad flags or arguments
  kUnreachable = 3,  // no daemon to talk to
  kNotFound = 4,     // topic, group or file does not exist
  kPartial = 5,      // some records were not acknowledged
  kInterrupted = 130,
};

inline int exit_code(Exit e) { return static_cast<int>(e); }

// The exit status for a failed Status: the error table's (common/errors.h).
inline Exit exit_for(const Status& s) { return static_cast<Exit>(error_info(s.code()).exit_status); }

// The table's statuses are the contract's.
static_assert(error_info(Code::kOk).exit_status == static_cast<int>(Exit::kOk));
static_assert(error_info(Code::kNotFound).exit_status == static_cast<int>(Exit::kNotFound));
static_assert(error_info(Code::kInvalidArgument).exit_status == static_cast<int>(Exit::kUsage));
static_assert(error_info(Code::kUnavailable).exit_status == static_cast<int>(Exit::kUnreachable));
static_assert(error_info(Code::kInterrupted).exit_status == static_cast<int>(Exit::kInterrupted));
static_assert(error_info(Code::kIOError).exit_status == static_cast<int>(Exit::kError));

}  // namespace ks::cli
