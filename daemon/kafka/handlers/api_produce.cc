// Produce (0): each partition's batches appended; answered when the last
// append is (for acks=all, after its fsync). acks=0 answers nothing.
#include <algorithm>
#include <chrono>

#include "common/legacy_messages.h"
#include "common/record_batch.h"
#include "daemon/kafka/errors.h"
#include "daemon/kafka/handlers/handler.h"
#include "daemon/broker/logging.h"

namespace ks::kafka {
namespace {

using legacy::magic_of;  // a v2 batch's magic sits where a message's does

// The largest RecordBatch in `records`: what max.message.bytes limits.
size_t largest_batch(std::string_view records) {
  size_t largest = 0;
  batch::BatchCursor cursor(records);
  std::string_view b;
  while (cursor.next(&b)) largest = std::max(largest, b.size());
  return largest;
}

// The Kafka code for a refused append. The broker refuses a batch over the
// topic's max.message.bytes as kInvalidArgument (the native answer
// tests/reliability/test_limits.sh pins); a Kafka producer splits its batch
// on MESSAGE_TOO_LARGE, so the handler says that one when the batch it sent
// is over the limit, decided from sizes rather than from the message.
int16_t append_error(server::Broker* broker, const TopicName& topic, size_t largest, const Status& s) {
  if (s.code() == Code::kInvalidArgument) {
    auto limit = broker->max_message_bytes(topic);
    if (limit && static_cast<int64_t>(largest) > *limit) return kMessageTooLarge;
  }
  return default_error(s);
}

// The answer being filled in as the partitions' appends complete.
struct Pending {
  ProduceResponse response;
  size_t left = 0;
  bool sent = false;
  std::function<void(ProduceResponse&)> answer;
  void set(size_t ti, size_t pi, int16_t error, int64_t base, int64_t start, int64_t append_time = -1) {
    auto& rp = response.topics[ti].partitions[pi];
    rp.error_code = error;
    rp.base_offset = base;
    rp.log_start_offset = start;
    rp.log_append_time_ms = append_time;
    --left;
  }
  void finish() {
    if (left > 0 || sent) return;
    sent = true;
    answer(response);
  }
};

// The error a partition's batches get before reaching the broker, or kNone.
int16_t refuse(int16_t acks, int16_t version, std::string_view records) {
  if (acks != 0 && acks != 1 && acks != -1) return kInvalidRequiredAcks;
  if (records.empty()) return kCorruptMessage;
  const int magic = magic_of(records);
  // Magic 0/1 message sets (pre-0.11 clients) come only in Produce v0-v2,
  // as Kafka 3 required; they are converted to a v2 batch.
  if (magic == 2 || ((magic == 0 || magic == 1) && version <= 2)) return kNone;
  return kUnsupportedForMessageFormat;
}

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

// Appends one partition's records; `pending` hears the outcome.
void produce_partition(server::Broker* broker, const std::shared_ptr<Pending>& pending, size_t ti, size_t pi,
                       const std::string& topic, int32_t partition, server::Acks acks, bool silent,
                       std::string_view records) {
  // A message set is stored as the v2 batch it converts to; the copy lives
  // until produce() returns, which is as long as the append reads it.
  std::string converted;
  if (magic_of(records) != 2) {
    auto b = legacy::to_record_batch(records, now_ms());
    if (!b.ok()) {
      if (silent) server::log_warn("kafka acks=0 produce to %s-%d refused: %s", topic.c_str(), partition,
                                   b.status().to_string().c_str());
      pending->set(ti, pi, kCorruptMessage, -1, -1);
      return;
    }
    converted = std::move(*b);
    records = converted;
  }
  auto name = TopicName::Parse(topic);
  const size_t largest = largest_batch(records);  // measured now: the request's bytes do not outlive this call
  server::Broker::ProduceDone done = [broker, pending, ti, pi, topic, name, partition, silent,
                                      largest](Result<storage::AppendResult> r) {
    if (!r.ok()) {
      if (silent)
        server::log_warn("kafka acks=0 produce to %s-%d failed: %s", topic.c_str(), partition,
                         r.status().to_string().c_str());
      pending->set(ti, pi, name.ok() ? append_error(broker, *name, largest, r.status()) : default_error(r.status()),
                   -1, -1);
    } else {
      auto se = broker->offsets(*name, PartitionId(partition));  // appended: the name is valid
      pending->set(ti, pi, kNone, r->base_offset.value(), se.ok() ? se->start.value() : -1,
                   r->log_append_time_ms);
    }
    pending->finish();
  };
  if (!name.ok()) return done(name.status());
  broker->produce(*name, PartitionId(partition), acks, true, const_cast<char*>(records.data()), records.size(),
                  std::move(done));
}

}  // namespace

void handle_produce(Context& cx) {
  ProduceRequest req;
  if (!decode_request(cx, &req)) return;
  const bool silent = req.acks == 0;
  if (silent) cx.silent();
  auto pending = std::make_shared<Pending>();
  pending->answer = later<ProduceResponse>(cx);
  for (const auto& t : req.topics) {
    ProduceResponse::Topic rt{t.name, {}};
    for (const auto& p : t.partitions) rt.partitions.push_back({p.index, kNone, -1, -1, -1});
    pending->left += t.partitions.size();
    pending->response.topics.push_back(std::move(rt));
  }
  if (pending->left == 0) return pending->finish();
  server::Broker* broker = &cx.broker();
  const server::Acks acks = req.acks == 0 ? server::Acks::kNone : req.acks == 1 ? server::Acks::kLeader : server::Acks::kAll;
  for (size_t ti = 0; ti < req.topics.size(); ++ti) {
    const auto& t = req.topics[ti];
    for (size_t pi = 0; pi < t.partitions.size(); ++pi) {
      const auto& p = t.partitions[pi];
      if (int16_t error = refuse(req.acks, cx.version(), p.records); error != kNone) {
        pending->set(ti, pi, error, -1, -1);
        continue;
      }
      produce_partition(broker, pending, ti, pi, t.name, p.index, acks, silent, p.records);
    }
  }
  pending->finish();
}

}  // namespace ks::kafka
