// Produce (0): each partition's batches appended; answered when the last
// append is (for acks=all, after its fsync). acks=0 answers nothing.
#include <cstdlib>

#include "common/record_batch.h"
#include "common/topic_defaults.h"
#include "daemon/kafka/errors.h"
#include "daemon/kafka/handlers/handler.h"
#include "daemon/broker/logging.h"

namespace ks::kafka {
namespace {

// The RecordBatch magic of the first batch, or -1 when there is none.
int magic_of(std::string_view records) {
  return records.size() > batch::kMagicPos ? static_cast<int8_t>(records[batch::kMagicPos]) : -1;
}

// The largest batch of `records` (each: base offset, length, the rest).
uint64_t largest_batch(std::string_view records) {
  uint64_t largest = 0;
  size_t at = 0;
  while (records.size() - at >= batch::kBatchLengthPos + 4) {
    const auto* p = reinterpret_cast<const uint8_t*>(records.data() + at + batch::kBatchLengthPos);
    uint64_t length = uint32_t{p[0]} << 24 | uint32_t{p[1]} << 16 | uint32_t{p[2]} << 8 | p[3];
    uint64_t size = batch::kBatchLengthPos + 4 + length;
    largest = std::max(largest, size);
    if (size > records.size() - at) break;
    at += size;
  }
  return largest;
}

// The topic's max.message.bytes (its override, else the default).
int64_t max_message_bytes(server::Broker& broker, const TopicName& topic) {
  auto info = broker.topics({topic}, false);
  if (info.ok() && !info->empty()) {
    auto it = (*info)[0].configs.find("max.message.bytes");
    if (it != (*info)[0].configs.end()) return std::strtoll(it->second.c_str(), nullptr, 10);
  }
  return topic_defaults::kMaxMessageBytes;
}

// A refused append's Kafka code: MESSAGE_TOO_LARGE when the client sent a
// batch over the topic's limit (decided from what was sent, not from the
// broker's message), else the error table's.
int16_t append_error(server::Broker& broker, const TopicName& topic, uint64_t largest, const Status& s) {
  if (s.code() == Code::kInvalidArgument && largest > static_cast<uint64_t>(max_message_bytes(broker, topic)))
    return kMessageTooLarge;
  return error_of(s);
}

// The answer being filled in as the partitions' appends complete.
struct Pending {
  ProduceResponse response;
  size_t left = 0;
  bool sent = false;
  std::function<void(ProduceResponse&)> answer;
  void set(size_t ti, size_t pi, int16_t error, int64_t base, int64_t start) {
    auto& rp = response.topics[ti].partitions[pi];
    rp.error_code = error;
    rp.base_offset = base;
    rp.log_start_offset = start;
    --left;
  }
  void finish() {
    if (left > 0 || sent) return;
    sent = true;
    answer(response);
  }
};

// The error a partition's batches get before reaching the broker, or kNone.
int16_t refuse(int16_t acks, std::string_view records) {
  if (acks != 0 && acks != 1 && acks != -1) return kInvalidRequiredAcks;
  if (records.empty()) return kCorruptMessage;
  // Magic 0/1 MessageSets (pre-0.11 clients) are not stored.
  if (magic_of(records) != 2) return kUnsupportedForMessageFormat;
  return kNone;
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
      if (int16_t error = refuse(req.acks, p.records); error != kNone) {
        pending->set(ti, pi, error, -1, -1);
        continue;
      }
      std::string topic = t.name;
      int32_t partition = p.index;
      auto name = TopicName::Parse(topic);
      const uint64_t largest = largest_batch(p.records);  // measured now: the request's bytes do not outlive this call
      server::Broker::ProduceDone done = [broker, pending, ti, pi, topic, name, partition, largest,
                                          silent](Result<storage::AppendResult> r) {
        if (!r.ok()) {
          if (silent)
            server::log_warn("kafka acks=0 produce to %s-%d failed: %s", topic.c_str(), partition,
                             r.status().to_string().c_str());
          int16_t error = name.ok() ? append_error(*broker, *name, largest, r.status()) : error_of(r.status());
          pending->set(ti, pi, error, -1, -1);
        } else {
          auto se = broker->offsets(*name, PartitionId(partition));  // appended: the name is valid
          pending->set(ti, pi, kNone, r->base_offset.value(), se.ok() ? se->start.value() : -1);
        }
        pending->finish();
      };
      if (!name.ok()) {
        done(name.status());
        continue;
      }
      broker->produce(*name, PartitionId(partition), acks, true, const_cast<char*>(p.records.data()),
                      p.records.size(), std::move(done));
    }
  }
  pending->finish();
}

}  // namespace ks::kafka
