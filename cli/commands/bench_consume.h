// The read workloads of `ks bench`: `consume` reads spans of a topic as
// fast as the daemon serves them; `e2e` times one record at a time from
// its produce request to the long-polling fetch that carries it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "cli/client.h"
#include "cli/commands/bench_measure.h"
#include "cli/commands/bench_options.h"
#include "cli/commands/bench_topic.h"
#include "common/status.h"
#include "common/types.h"

namespace ks::cli::bench {

// Reads every record of `spans`, decoding each as `ks consume` does (CRC
// and all): each partition has one fetch out at a time, and up to
// --in-flight partitions have theirs out at once. Stops early (returning
// OK) on Ctrl-C. A span whose start was deleted by retention meanwhile is
// read from the new start, with a warning.
Status consume_records(Client* client, const std::string& topic, const std::vector<PartitionSpan>& spans,
                       const BenchOptions& o, Measured* m);

// The end of the batches framed in `data` (whole batches, as a fetch
// answers) that start before `to`, capped at `to`; `from` when there are
// none. Corruption when a batch header is damaged; `where` names the
// partition in the message.
Result<Offset> covered_until(std::string_view data, Offset from, Offset to, const std::string& where);

// One record in flight: `consumer` long-polls partition 0 of `t` at its
// end while `producer` sends one record; the time from before that send to
// the fetch answer's arrival is one sample. The first --warmup records are
// not counted; `n` are.
Status e2e_records(Client* producer, Client* consumer, const TopicInfo& t, const BenchOptions& o, int64_t n,
                   Measured* m);

}  // namespace ks::cli::bench
