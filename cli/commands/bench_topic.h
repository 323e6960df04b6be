// The topic a `ks bench` run writes or reads: its partitions' offsets and
// max.message.bytes as the daemon describes them, and the fresh topic a
// run makes when given none (deleted at the end unless --keep).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cli/client.h"
#include "cli/commands/bench_options.h"
#include "common/status.h"
#include "common/topic_defaults.h"
#include "common/types.h"

namespace ks::cli::bench {

// The offsets of one partition a run reads: [start, end).
struct PartitionSpan {
  PartitionId partition;
  Offset start, end;
  int64_t length() const { return end - start; }
};

struct TopicInfo {
  std::string name;
  int32_t partitions = 0;
  int64_t max_message = topic_defaults::kMaxMessageBytes;  // when the daemon does not say
  std::vector<PartitionSpan> spans;
};

Result<TopicInfo> describe_topic(Client* client, const std::string& name);
Status create_topic(Client* client, const std::string& name, int32_t partitions);

// Caps the spans at `cap` records in all, spread as evenly over the
// partitions as their lengths allow: the shortest are read whole, the rest
// share what is left.
void cap_spans(std::vector<PartitionSpan>* spans, int64_t cap);

// The fresh topic a run made; deleted when the run ends unless --keep.
class TempTopic {
 public:
  TempTopic() = default;
  ~TempTopic() { drop(); }
  TempTopic(const TempTopic&) = delete;
  TempTopic& operator=(const TempTopic&) = delete;

  void set(std::string name, bool keep) {
    name_ = std::move(name);
    keep_ = keep;
  }
  // Deletes it now (on a connection of its own); a failure is a warning.
  void drop();

 private:
  std::string name_;
  bool keep_ = false;
};

// The topic of a run, ready to use.
struct BenchTopic {
  TopicInfo info;
  bool fresh = false;  // made by this run (no TOPIC given)
};

// The topic a run uses: the one named, or a fresh bench-<pid>-<time> one
// (left in `temp` to delete). A named topic that does not exist is created
// with --partitions, except to consume it. e2e always makes one partition.
Result<BenchTopic> open_topic(Client* client, const BenchOptions& o, TempTopic* temp);

}  // namespace ks::cli::bench
