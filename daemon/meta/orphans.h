// Reconciling data/ with meta.db: partition directories no topic owns.
//
// A directory data/<topic>-<p>/ belongs to a topic when meta.db has the
// topic and p is below its partition count. Anything else under data/ (the
// metadata of a create lost to a power cut, partitions added and lost the
// same way, a directory copied in by hand) is an orphan: reported at start,
// by `ks daemon status` and by `ks log verify`, never reused by a create
// under other configs, and only adopted or removed on request.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"

namespace ks::meta {

struct OrphanDir {
  std::string name;       // the directory's name under data/
  std::string topic;      // "" when the name is not <topic>-<partition>
  int32_t partition = -1;
  uint64_t log_bytes = 0;  // total size of its .log segment files
  bool topic_exists = false;  // the topic exists, with fewer partitions
};

// Directories under `data_dir` that `counts` (topic -> partition count)
// does not own, sorted by topic then partition. Deletions in progress
// (*.deleted) are not orphans. A data_dir that does not exist has none.
Result<std::vector<OrphanDir>> find_orphans(const std::string& data_dir,
                                            const std::map<std::string, int32_t>& counts);

// "orders-0, orders-1 (2 directories, 14 KiB of segments)", at most
// `max_names` names.
std::string describe_orphans(const std::vector<OrphanDir>& orphans, size_t max_names = 5);

// Topic -> partition count from the meta.db at `path`, opened read-only
// (for offline tools; the daemon may be running).
Result<std::map<std::string, int32_t>> read_partition_counts(const std::string& path);

}  // namespace ks::meta
