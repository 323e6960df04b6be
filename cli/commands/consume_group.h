// `ks consume -g GROUP`: one member's run, from join to leave. The member's
// state and its talk with the group are GroupMember's (group_member.h);
// this drives it: the fetch loop, stdout handed over record by record on a
// pipe, --exec and --dead-letter, waiting for the group with -e/--until,
// and the exit code.
#pragma once

#include <map>

#include "cli/client.h"
#include "cli/commands/consume_options.h"
#include "cli/input/position.h"

namespace ks::cli {

// What `ks consume` learned before joining: each partition's range at
// start, --from, --until, and --from @TIME's offsets.
struct GroupStart {
  std::map<PartitionId, OffsetRange> bounds;
  Position from;
  Until until;
  std::map<PartitionId, Offset> at_time;
};

// Runs the member until it is done, stopped or fails; returns the exit
// code. `client` is borrowed; `signal` is install_consume_signals()'s flag.
int run_group(const ConsumeOptions& o, Client* client, const Printer& printer, const GroupStart& start,
              const volatile int* signal);

}  // namespace ks::cli
