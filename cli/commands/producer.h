// What `ks produce` sends and how: its options, one input record, and the
// Producer, which batches records per partition by size and linger,
// compresses, pipelines the requests and tallies what was acknowledged.
// The input side (lines, keys, envelopes) is in produce.cc.
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
           Compression codec)
      : o_(o), client_(client), partitions_(partitions), max_message_(max_message_bytes), acks_(acks),
        sticky_(random_start_partition(partitions)) {
    builders_.reserve(static_cast<size_t>(partitions));
    for (int32_t p = 0; p < partitions; ++p) builders_.push_back(Pending{batch::BatchBuilder(codec), 0});
  }

  // Adds a record; false (with *error set) when it cannot be sent.
  bool add(const InputRecord& r, Status* error) {
    ++seen_;
    int32_t p = r.partition;
    if (p < 0) p = o_.partition;
    const bool sticky = p < 0 && !r.key;
    if (p < 0) p = r.key ? partition_for_key(*r.key, partitions_) : sticky_;
    if (p >= partitions_) {
      *error = Status::InvalidArgument("record " + std::to_string(r.line) + ": partition " + std::to_string(p) +
                                       " does not exist (topic '" + o_.topic + "' has " +
                                       std::to_string(partitions_) + ")");
      return false;
    }
    Pending* b = &builders_[static_cast<size_t>(p)];
    size_t rec = batch::BatchBuilder::record_size(r.key, r.value, r.headers, 0, 0) + 10;
    if (batch::kHeaderSize + rec > static_cast<size_t>(max_message_)) {
      *error = Status::InvalidArgument("record " + std::to_string(r.line) + " is about " +
                                       std::to_string(batch::kHeaderSize + rec) +
                                       " bytes, over the topic's max.message.bytes (" +
                                       std::to_string(max_message_) + "); it and the records after it were not sent");
      return false;
    }
    if (!b->builder.empty() && (b->builder.size() + rec > static_cast<size_t>(max_message_) ||
                                b->builder.size() + rec > static_cast<size_t>(o_.batch_bytes))) {
      if (!send(p, error)) return false;
      // The sticky partition moved on with that batch; so does this record,
      // and that partition's batch (keyed records may be waiting there) must
      // have room for it too.
      if (sticky) {
        p = sticky_;
        b = &builders_[static_cast<size_t>(p)];
        if (!b->builder.empty() && (b->builder.size() + rec > static_cast<size_t>(max_message_) ||
                                    b->builder.size() + rec > static_cast<size_t>(o_.batch_bytes))) {
          if (!send(p, error)) return false;
        }
      }
    }
    if (b->builder.empty()) {
      b->first_line = r.line;
      if (!spare_.empty()) {
        b->builder.adopt_buffer(std::move(spare_.back()));
        spare_.pop_back();
      }
    }
    if (pending_records_ == 0) oldest_pending_ms_ = steady_ms();
    b->builder.add(r.key, r.value, r.timestamp, r.headers);
    ++records_;
    ++pending_records_;
    if (b->builder.size() >= static_cast<size_t>(o_.batch_bytes)) return send(p, error);
    return true;
  }

  bool has_pending() const { return pending_records_ > 0; }
  // When the oldest record waiting in a batch was added (steady clock, ms).
  int64_t oldest_pending_ms() const { return oldest_pending_ms_; }

  bool flush_all(Status* error) {
    for (int32_t p = 0; p < partitions_; ++p)
      if (!builders_[static_cast<size_t>(p)].builder.empty() && !send(p, error)) return false;
    return true;
  }

  // Waits for every answer; false on a lost connection.
  bool drain(Status* error) {
    while (!in_flight_.empty())
      if (!receive_one(error)) return false;
    return true;
  }

  int64_t records() const { return records_; }
  int64_t failed() const { return failed_; }
  int64_t acked() const { return acked_; }
  const Status& first_failure() const { return first_failure_; }
  // Why the connection broke (OK while it works); nothing more is sent then.
  const Status& lost() const { return lost_; }
  ProduceTally tally(bool input_left) const { return {acks_, seen_, acked_, failed_, input_left}; }

 private:
  struct Pending {
    batch::BatchBuilder builder;
    int64_t first_line = 0;
  };
  struct Sent {
    int32_t partition;
    int64_t records;
    int64_t first_line;
  };

  bool send(int32_t p, Status* error) {
    Pending& b = builders_[static_cast<size_t>(p)];
    int64_t n = b.builder.record_count();
    pending_records_ -= n;
    if (pending_records_ > 0) oldest_pending_ms_ = steady_ms();  // conservative for the rest
    std::string_view bytes = b.builder.finish();
    nlohmann::json req = {{"op", "produce"}, {"topic", o_.topic}, {"partition", p}, {"acks", acks_}};
    auto id = client_->send(std::move(req), bytes);
    if (!id.ok()) {
      *error = lose(id.status());
      return false;
    }
    b.builder.clear();
    // With many partitions, buffers go back to a small pool for the next
    // batch: memory follows the partitions with records waiting, not the
    // partition count (1000 partitions x 256 KiB would be 256 MB).
    if (partitions_ > 1 && spare_.size() < 4) spare_.push_back(b.builder.release_buffer());
    if (o_.partition < 0 && p == sticky_) sticky_ = (sticky_ + 1) % partitions_;
    if (acks_ == 0) {
      acked_ += n;
      return true;
    }
    in_flight_.push_back({p, n, b.first_line});
    while (in_flight_.size() >= static_cast<size_t>(o_.max_in_flight))
      if (!receive_one(error)) return false;
    return true;
  }

  bool receive_one(Status* error) {
    auto r = client_->receive();
    if (!r.ok()) {
      *error = lose(r.status());
      return false;
    }
    count(*r);
    return true;
  }

  // The connection broke. Answers the daemon sent before it went may still
  // be readable; each is exact, so the tally says what was acknowledged.
  Status lose(const Status& why) {
    if (lost_.ok()) lost_ = why;
    while (!in_flight_.empty()) {
      auto r = client_->receive();
      if (!r.ok()) break;
      count(*r);
    }
    return lost_;
  }

  void count(const Response& r) {
    Sent s = in_flight_.front();
    in_flight_.pop_front();
    Status st = r.status();
    if (st.ok()) {
      acked_ += s.records;
    } else {
      failed_ += s.records;
      if (first_failure_.ok())
        first_failure_ = Status(st).prepend("records from " + std::to_string(s.first_line) + " (" +
                                            std::to_string(s.records) + " records to partition " +
                                            std::to_string(s.partition) + ")");
    }
  }

  const ProduceOptions& o_;
  Client* client_;
  int32_t partitions_;
  int64_t max_message_;
  int acks_;
  std::vector<Pending> builders_;
  std::vector<std::string> spare_;  // released batch buffers, reused by the next batch
  std::deque<Sent> in_flight_;
  int32_t sticky_;
  int64_t seen_ = 0, records_ = 0, acked_ = 0, failed_ = 0;
  int64_t pending_records_ = 0;
  int64_t oldest_pending_ms_ = 0;
  Status first_failure_;
  Status lost_;
};

}  // namespace ks::cli
