// How a group member (`ks consume -g`) treats a commit that fails. A
// refusal because the group moved on (rebalance_in_progress: the partition
// has a new owner; not found: the member expired) is part of at-least-once: the new
// owner reads from the last commit. Anything else (a full disk under
// meta.db, a lost daemon) means what was written is not committed, and the
// user hears about it: a warning during the run, an error and a non-zero
// exit when the last commit, on leaving, fails.
#pragma once

#include <string>

#include "common/status.h"

namespace ks::cli {

inline bool refused_by_rebalance(const Status& s) {
  return s.code() == Code::kRebalanceInProgress || s.code() == Code::kNotFound;
}

// Warns about failed periodic commits: once per distinct error, again
// after a commit has succeeded in between.
class CommitWarnings {
 public:
  explicit CommitWarnings(std::string group) : group_(std::move(group)) {}
  void note(const Status& commit);

 private:
  std::string group_;
  std::string last_;  // the message last warned about, until a commit succeeds
};

// The exit code of a member whose run ended with `code` and whose last
// commit (on leaving the group) returned `left`.
int finish_group(int code, const Status& left, const std::string& group);

}  // namespace ks::cli
