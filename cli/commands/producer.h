// What `ks produce` sends and how: its options, one input record, and the
// Producer (producer.cc), which batches records per partition by size and
// linger, compresses, packs the batches of many partitions into one
// request, pipelines the requests and tallies what was acknowledged. The
// input side (lines, keys, envelopes) is in produce.cc.
#pragma once

#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "cli/clock.h"
#include "cli/commands/produce_input.h"
#include "cli/commands/produce_outcome.h"
#include "cli/context.h"
#include "cli/input/partitioner.h"
#include "cli/output.h"
#include "common/compression.h"
#include "common/record_batch.h"
#include "common/types.h"

namespace ks::cli {

struct ProduceOptions {
  std::string topic;
  std::string delimiter = "\\n";
  std::string key_delimiter;
  std::string key;
  bool key_set = false;
  std::vector<std::string> headers;
  bool json = false;
  bool skip_bad = false;
  bool raw = false;
  std::string file;
  int32_t partition = -1;
  std::string acks = "1";
  int64_t linger_ms = 5;
  int64_t batch_bytes = 256 << 10;
  int max_in_flight = 16;
  std::string compression = "none";
  bool verbose = false;
};

// One record as read from the input, before it is encoded.
struct InputRecord {
  std::optional<std::string_view> key;
  std::optional<std::string_view> value;
  std::vector<batch::Header> headers;
  int64_t timestamp = 0;
  int32_t partition = -1;
  int64_t line = 0;  // 1-based position in the input, for messages
};

class Producer {
 public:
  Producer(const ProduceOptions& o, Client* client, int32_t partitions, int64_t max_message_bytes, int acks,
           Compression codec);

  // Adds a record; false (with *error set) when it cannot be sent.
  bool add(const InputRecord& r, Status* error);

  bool has_pending() const { return pending_records_ > 0; }
  // When the oldest batch still waiting got its first record (steady
  // clock, ms); meaningful while has_pending().
  int64_t oldest_pending_ms();

  // Sends the batches whose linger has run out, as few requests as they
  // fit in, when `idle` (the input has nothing more for now). While input
  // is waiting to be read they stay and grow instead: kMaxPendingBytes
  // bounds that (producer.cc says why).
  bool flush_due(bool idle, Status* error);
  // Sends every batch with records.
  bool flush_all(Status* error);
  // Waits for every answer; false on a lost connection.
  bool drain(Status* error);

  int64_t records() const { return records_; }
  int64_t failed() const { return failed_; }
  int64_t acked() const { return acked_; }
  const Status& first_failure() const { return first_failure_; }
  // Why the connection broke (OK while it works); nothing more is sent then.
  const Status& lost() const { return lost_; }
  ProduceTally tally(bool input_left) const { return {acks_, seen_, acked_, failed_, input_left}; }

  // One request carries at most this much (unless one batch is larger):
  // Kafka's max.request.size. Batches for many partitions share requests.
  static constexpr size_t kMaxRequestBytes = 1 << 20;
  // Records waiting in batches past this are sent, oldest batch first,
  // whether their linger ran out or not (Kafka's buffer.memory).
  static constexpr size_t kMaxPendingBytes = 32 << 20;

 private:
  struct Pending {
    batch::BatchBuilder builder;
    int64_t first_line = 0;
    int64_t first_ms = 0;  // steady clock, when the batch got its first record
    uint32_t generation = 0;  // +1 per batch sent; tells stale entries of due_ apart
  };
  struct Part {
    int32_t partition;
    int64_t records;
    int64_t first_line;
  };
  struct Sent {
    std::vector<Part> parts;
  };

  // Room for one more record in partition p's batch, sending it if not.
  bool make_room(int32_t p, size_t rec, Status* error);
  // Finishes p's batch into the request being built, which is sent once
  // it reaches kMaxRequestBytes.
  bool stage(int32_t p, Status* error);
  // Sends the request being built, if any.
  bool send_staged(Status* error);
  // Stages the oldest batches until at most half of kMaxPendingBytes wait.
  bool relieve(Status* error);
  // The partition whose batch is oldest, dropping entries of batches sent.
  std::optional<int32_t> oldest();
  void take_answers();
  bool receive_one(Status* error);
  Status lose(const Status& why);
  void count(const Response& r);
  void fail(const Part& part, const Status& why);

  const ProduceOptions& o_;
  Client* client_;
  int32_t partitions_;
  int64_t max_message_;
  int acks_;
  std::vector<Pending> builders_;
  // Batches with records, oldest first: (partition, generation).
  std::deque<std::pair<int32_t, uint32_t>> due_;
  std::vector<Part> staged_;  // the request being built
  std::vector<std::string_view> staged_bytes_;
  size_t staged_size_ = 0;
  std::vector<std::string> spare_;  // released batch buffers, reused by the next batch
  size_t first_buffer_ = 0;  // bytes a batch's buffer starts with when no spare is left
  std::deque<Sent> in_flight_;
  int32_t sticky_;
  int64_t seen_ = 0, records_ = 0, acked_ = 0, failed_ = 0;
  int64_t pending_records_ = 0;
  size_t pending_bytes_ = 0;
  Status first_failure_;
  Status lost_;
};

}  // namespace ks::cli
