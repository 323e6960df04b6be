#include "cli/commands/group_commits.h"

#include "cli/context.h"
#include "cli/output.h"

namespace ks::cli {

void CommitWarnings::note(const Status& commit) {
  if (commit.ok()) {
    last_.clear();
    return;
  }
  if (refused_by_rebalance(commit) || commit.message() == last_) return;
  last_ = commit.message();
  print_warning("committing offsets of group " + group_ + " failed (records will be read again unless a later "
                "commit succeeds): " + last_);
}

int finish_group(int code, const Status& left, const std::string& group) {
  if (left.ok()) return code;
  if (refused_by_rebalance(left)) {
    print_warning("leaving group " + group + ": " + left.message());
    return code;
  }
  if (code != 0) {
    // Already failing, and said why; a lost daemon needs no second line.
    if (left.code() != Code::kUnavailable) print_warning("leaving group " + group + ": " + left.message());
    return code;
  }
  return report(Status(left).prepend("group " + group + ": the last commit failed"),
                "records written since the last successful commit are not committed and will be read again");
}

}  // namespace ks::cli
