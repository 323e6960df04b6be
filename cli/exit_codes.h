// The exit-code contract (ks(1), DESIGN.md §1), and the one place that maps
// a Status to it.
#pragma once

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

inline Exit exit_for(const Status& s) {
  switch (s.code()) {
    case Code::kOk: return Exit::kOk;
    case Code::kNotFound: return Exit::kNotFound;
    case Code::kInvalidArgument: return Exit::kUsage;
    case Code::kUnavailable: return Exit::kUnreachable;
    default: return Exit::kError;
  }
}

}  // namespace ks::cli
