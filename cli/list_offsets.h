// The daemon's list_offsets answer (common/protocol.h), typed: what the
// position resolver (cli/input/position.h) needs to turn @TIME, and the
// partition bounds from the same moment, into offsets. Shared by `ks
// consume`, `ks group reset` and `ks offsets` so they read it one way.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cli/client.h"
#include "cli/input/position.h"
#include "common/types.h"

namespace ks::cli {

// list_offsets' timestamps for the latest and earliest offset, as in
// Kafka's ListOffsets; any other value >= 0 is a time in epoch ms.
constexpr int64_t kLatestTimestamp = -1;
constexpr int64_t kEarliestTimestamp = -2;

struct ListedOffset {
  PartitionId partition;
  // The first offset at or after the time (or the latest / earliest); -1
  // when no record is that recent (a Kafka-style answer; ks's daemon says
  // end there). resolve_position reads -1 as end.
  Offset offset;
  OffsetRange range;  // the partition's start and end in the same answer
};

// One list_offsets call, sorted by partition. `client` is borrowed.
Result<std::vector<ListedOffset>> list_offsets(Client& client, const std::string& topic, int64_t timestamp);

}  // namespace ks::cli
