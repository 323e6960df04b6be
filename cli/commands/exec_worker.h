// `ks consume -g G --exec CMD`: runs CMD once per record, the value on its
// stdin and the record's coordinates in its environment. Exit 0 settles the
// record; a failure is retried with backoff, then sent to a dead-letter
// topic or ends the consumer. Records of one partition run in order, one at
// a time; up to `parallel` commands run at once across partitions.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/record_batch.h"
#include "common/status.h"

namespace ks::cli {

// A record copied out of its batch, waiting for its command.
struct OwnedRecord {
  int64_t offset = 0, timestamp = 0;
  std::optional<std::string> key, value;
  std::vector<std::pair<std::string, std::optional<std::string>>> headers;
};

struct ExecOptions {
  std::string command;
  int retries = 3;
  int parallel = 1;
  int64_t backoff_ms = 100;    // doubles per retry, up to 10 s
  int64_t heartbeat_ms = 1000;  // how often every_second() runs while commands work
};

struct ExecFailure {
  int32_t partition;
  OwnedRecord record;
  std::string error;  // "exit status 3", "killed by signal 9"
  int exit_code;
};

// Runs the queued records. `settled(partition, offset)` runs for each record
// done (success, or handed to `dead_letter`); `dead_letter` returns OK when
// it took a failed record, or an error to stop. Returns the first failure
// that could not be settled, if any; the records after it in its partition
// stay unsettled. `every_second` runs every heartbeat_ms while commands run
// (the group member's heartbeat).
std::optional<ExecFailure> run_exec(const ExecOptions& opts, const std::string& topic,
                                    std::map<int32_t, std::vector<OwnedRecord>>& queues,
                                    const std::function<void(int32_t, int64_t)>& settled,
                                    const std::function<Status(const ExecFailure&)>& dead_letter,
                                    const volatile int* interrupted,
                                    const std::function<void()>& every_second = {});

}  // namespace ks::cli
