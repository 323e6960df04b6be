// Offline check of a partition directory (`ks log verify`): every batch's
// framing, CRC and records, offsets that only go up, and index entries
// that agree with the log. Reads only; works without a daemon.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace ks::storage {

struct VerifyProblem {
  std::string file;
  uint64_t position = 0;  // byte in `file` (entry start for index files)
  std::string message;
  bool fatal = true;  // false: a warning (a missing index, rebuilt on open)
};

struct VerifyReport {
  std::vector<VerifyProblem> problems;
  int segments = 0;
  int64_t batches = 0;
  int64_t records = 0;
  uint64_t bytes = 0;
  int64_t start_offset = 0;
  int64_t end_offset = 0;
  bool clean() const {
    for (const auto& p : problems)
      if (p.fatal) return false;
    return true;
  }
};

// `dir` is a partition directory. kNotFound when it does not exist or
// holds no segment files.
Result<VerifyReport> verify_partition(const std::string& dir);

}  // namespace ks::storage
