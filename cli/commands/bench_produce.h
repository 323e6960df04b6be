// The produce workload of `ks bench`: generated records sent as pipelined
// produce requests on one connection, as `ks produce` sends them. Also
// fills the fresh topic `ks bench consume` reads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "cli/client.h"
#include "cli/commands/bench_measure.h"
#include "cli/commands/bench_options.h"
#include "cli/commands/bench_topic.h"
#include "common/status.h"
#include "common/types.h"

namespace ks::cli::bench {

// Values of generated records: slices of a pool of pseudo-random text
// (words from a fixed random vocabulary), a different slice for each
// record. Codecs find the redundancy of text in it, but not the one of a
// single value sent over and over, which would flatter compression. The
// same values every run.
class Payload {
 public:
  explicit Payload(size_t size);

  // A view into the pool, valid as long as this object.
  std::string_view next() {
    size_t at = rand64() % (pool_.size() - size_ + 1);
    return std::string_view(pool_).substr(at, size_);
  }

 private:
  static constexpr size_t kPoolSize = 4 << 20;

  uint64_t rand64() {  // xorshift64*: fast, and the same values every run
    state_ ^= state_ >> 12;
    state_ ^= state_ << 25;
    state_ ^= state_ >> 27;
    return state_ * 0x2545F4914F6CDD1DULL;
  }

  size_t size_;
  uint64_t state_ = 0x9E3779B97F4A7C15ULL;
  std::string pool_;
};

// Sends finished batches as pipelined produce requests on one connection
// and times each from its send to its acknowledgement. Acknowledgements are
// read as soon as they are readable between batches, so the times include
// little of the client's own work. A batch the daemon refuses is counted
// in failed(), not returned as an error.
class Pipeline {
 public:
  // `client` and `m` are borrowed and must outlive the pipeline.
  Pipeline(Client* client, std::string topic, int acks, int max_in_flight, int64_t record_size, Measured* m)
      : client_(client), topic_(std::move(topic)), acks_(acks), max_in_flight_(static_cast<size_t>(max_in_flight)),
        record_size_(record_size), m_(m) {}

  // Sends one batch of `records` records; waits for the oldest answer
  // while max_in_flight are out.
  Status send(PartitionId partition, std::string_view batch, int64_t records);

  // Reads the answers that arrive within timeout_ns (0: those already
  // here); returns after the first, or when the time is up.
  Status poll(int64_t timeout_ns);

  // Reads every answer still out.
  Status drain();

  int64_t failed() const { return failed_; }  // records in refused batches
  const Status& first_failure() const { return first_failure_; }

 private:
  struct Sent {
    int64_t sent_ns;
    int64_t records;
    PartitionId partition;
  };

  Status receive_one();

  Client* client_;
  std::string topic_;
  int acks_;
  size_t max_in_flight_;
  int64_t record_size_;
  Measured* m_;
  std::deque<Sent> in_flight_;
  int64_t failed_ = 0;
  Status first_failure_;
};

// Generates `n` records and sends them through `pipe` to `t`, one
// partition's batch at a time, round robin, at most --rate a second;
// `m` is the pipeline's. Stops early (returning OK) on Ctrl-C.
Status produce_records(Pipeline& pipe, const TopicInfo& t, const BenchOptions& o, int64_t n, Measured* m);

}  // namespace ks::cli::bench
