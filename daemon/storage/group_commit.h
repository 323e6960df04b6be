// Group commit: many appends share one fdatasync. Callers register "tell me
// when everything below offset X is durable"; while a flush runs, new
// requests wait and ride on the next one, so the number of fsyncs follows
// the disk's speed, not the number of producers.
//
// Executor-agnostic: the owner thread calls request()/complete(); whatever
// FlushJob they return is run (job.run()) on a worker thread — libuv's
// pool in the daemon, a std::thread in tests and benchmarks — and its
// outcome handed back to complete() on the owner thread.
#pragma once

#include <functional>
#include <optional>
#include <utility>
#include <vector>

#include "common/status.h"
#include "daemon/storage/log.h"

namespace ks::storage {

class GroupCommit {
 public:
  using Callback = std::function<void(const Status&)>;

  // `log` must outlive this object.
  explicit GroupCommit(Log* log) : log_(log) {}

  // Calls `done` once offsets below `upto` are durable (at once when they
  // already are), or with the error of the flush that failed. Returns a
  // job to run now when no flush is in flight.
  [[nodiscard]] std::optional<FlushJob> request(Offset upto, Callback done);

  // Records the outcome of `job`, calls the callbacks it satisfied, and
  // returns the next job when requests are still waiting.
  [[nodiscard]] std::optional<FlushJob> complete(const FlushJob& job, const Status& status);

  // A flush with no one waiting (to sync what recovery left unsynced, or
  // to write a recovery point that is due); nullopt when one is in flight.
  [[nodiscard]] std::optional<FlushJob> flush_now();

  bool in_flight() const { return in_flight_; }
  size_t waiting() const { return waiters_.size(); }

 private:
  Log* log_;
  bool in_flight_ = false;
  std::vector<std::pair<Offset, Callback>> waiters_;
};

}  // namespace ks::storage
