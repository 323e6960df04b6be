// Fetch (1): a plan for the fetch engine (daemon/net/fetch_engine.h). The
// answer is the encoded response with each partition's records spliced in
// where its record set goes: the records are written from the buffer they
// were read into, never copied into the response.
#include <algorithm>
#include <cstring>

#include "common/legacy_messages.h"

#include "daemon/kafka/errors.h"
#include "daemon/kafka/handlers/handler.h"

namespace ks::kafka {
namespace {

constexpr int64_t kMaxWaitMs = 5 * 60 * 1000;
// The last Fetch version whose clients read magic 0/1 message sets.
constexpr int16_t kLastMessageSetFetch = 3;

// An Encoder that writes a record set's length and, instead of its bytes,
// a splice of them (they lie in the answer's tail, starting at `tail`).
class SplicingEncoder : public Encoder {
 public:
  SplicingEncoder(std::string* out, bool flexible, const char* tail, std::vector<net::Splice>* splices)
      : Encoder(out, flexible), tail_(tail), splices_(splices) {}
  void records(const std::string_view& v) {
    if (flexible()) uvarint(static_cast<uint32_t>(v.size() + 1));
    else i32(static_cast<int32_t>(v.size()));
    if (v.empty()) return;
    splices_->push_back({out()->size(), static_cast<size_t>(v.data() - tail_), v.size()});
  }

 private:
  const char* tail_;
  std::vector<net::Splice>* splices_;
};

class KafkaFetch final : public net::FetchPlan {
 public:
  KafkaFetch(server::Broker* broker, FetchRequest req, const RequestHeader& h, int64_t max_frame_bytes)
      : broker_(broker), req_(std::move(req)), version_(h.api_version), correlation_(h.correlation_id) {
    limit_ = static_cast<uint64_t>(std::max<int32_t>(req_.max_bytes, 0));
    limit_ = std::min<uint64_t>({limit_, net::kMaxFetchBytes, static_cast<uint64_t>(max_frame_bytes) / 2});
  }

  Planned plan(uint64_t limit) override;
  std::vector<uint64_t> watch(std::function<void()> wake) override {
    std::vector<uint64_t> ids;
    for (const auto& t : req_.topics) {
      auto topic = server::existing_topic_name(t.name);  // valid: an unknown one is an error, answered at once
      if (!topic.ok()) continue;
      for (const auto& p : t.partitions) ids.push_back(broker_->watch(*topic, PartitionId(p.partition), wake));
    }
    return ids;
  }
  void unwatch(uint64_t watch_id) override { broker_->unwatch(watch_id); }
  net::Answer encode(net::Bytes tail) override;
  uint64_t min_bytes() const override { return static_cast<uint64_t>(std::max<int32_t>(req_.min_bytes, 0)); }
  uint64_t max_bytes() const override { return limit_; }
  int64_t wait_ms() const override { return std::clamp<int64_t>(req_.max_wait_ms, 0, kMaxWaitMs); }

 private:
  server::Broker* broker_;
  FetchRequest req_;
  int16_t version_;
  int32_t correlation_;
  uint64_t limit_ = 0;
  FetchResponse response_;  // all but the records, filled by plan()
  std::vector<FetchResponse::Partition*> parts_;  // by the reads' `part`
};

net::FetchPlan::Planned KafkaFetch::plan(uint64_t limit) {
  response_.topics.clear();
  response_.topics.reserve(req_.topics.size());  // parts_ holds pointers into it
  parts_.clear();
  reads_.clear();
  Planned out;
  for (const auto& t : req_.topics) {
    FetchResponse::Topic& rt = response_.topics.emplace_back();
    rt.name = t.name;
    rt.partitions.reserve(t.partitions.size());
    auto topic = server::existing_topic_name(t.name);
    for (const auto& p : t.partitions) {
      FetchResponse::Partition& rp = rt.partitions.emplace_back();
      rp.index = p.partition;
      auto se = topic.ok() ? broker_->offsets(*topic, PartitionId(p.partition))
                           : Result<server::Broker::Offsets>(topic.status());
      if (!se.ok()) {
        rp.error_code = default_error(se.status());
        out.any_error = true;
        continue;
      }
      rp.high_watermark = rp.last_stable_offset = se->end.value();
      rp.log_start_offset = se->start.value();
      if (p.fetch_offset < rp.log_start_offset || p.fetch_offset > rp.high_watermark) {
        rp.error_code = kOffsetOutOfRange;
        out.any_error = true;
        continue;
      }
      if (p.fetch_offset == rp.high_watermark) continue;
      uint64_t budget = std::min<uint64_t>(static_cast<uint64_t>(std::max<int32_t>(p.max_bytes, 0)),
                                           out.total >= limit ? 0 : limit - out.total);
      // At least one whole batch, even past the limits, when nothing else
      // is in the response yet (KIP-74).
      if (budget == 0 && out.total > 0) continue;
      auto rd = broker_->read(*topic, PartitionId(p.partition), Offset(p.fetch_offset), std::max<uint64_t>(budget, 1));
      if (!rd.ok()) {
        rp.error_code = default_error(rd.status());
        out.any_error = true;
      } else if (rd->size > 0 && (out.total == 0 || rd->size <= budget)) {
        out.total += rd->size;
        add_read(parts_.size(), std::move(*rd));
        parts_.push_back(&rp);
      }
    }
  }
  return out;
}

// Fetch v0-v3 clients read message sets (magic 0 for v0-v1, magic 1 for
// v2-v3), uncompressed and without headers: the stored batches are
// converted into a buffer of their own, which becomes the tail. Only old
// clients pay for this copy; v4+ answers splice the stored bytes. Each
// partition gets at most its max_bytes of messages (whole ones, at least
// one), and v3 the whole answer at most the request's max_bytes.
net::Bytes down_convert(FetchResponse& response, const FetchRequest& req, int16_t version, uint64_t limit) {
  const int8_t magic = version <= 1 ? 0 : 1;
  std::string out;
  std::vector<std::pair<FetchResponse::Partition*, size_t>> converted;  // partition, where its set starts
  for (size_t ti = 0; ti < response.topics.size(); ++ti) {
    for (size_t pi = 0; pi < response.topics[ti].partitions.size(); ++pi) {
      FetchResponse::Partition& rp = response.topics[ti].partitions[pi];
      if (rp.records.empty()) continue;
      const FetchRequest::Partition& p = req.topics[ti].partitions[pi];  // plan() answers them one to one
      const uint64_t room = out.size() >= limit ? 0 : limit - out.size();
      const uint64_t cap = std::min<uint64_t>(static_cast<uint64_t>(std::max<int32_t>(p.max_bytes, 0)), room);
      const size_t start = out.size();
      if (room == 0 && start > 0) {
        rp.records = {};
        continue;
      }
      auto n = legacy::to_message_set(rp.records, magic, p.fetch_offset, cap, &out);
      if (!n.ok()) {
        out.resize(start);
        rp.error_code = kKafkaStorageError;
      }
      converted.emplace_back(&rp, start);
    }
  }
  net::Bytes tail;
  tail.allocate(out.size());
  if (!out.empty()) std::memcpy(tail.data.get(), out.data(), out.size());
  for (size_t i = 0; i < converted.size(); ++i) {
    const size_t start = converted[i].second;
    const size_t end = i + 1 < converted.size() ? converted[i + 1].second : out.size();
    converted[i].first->records = std::string_view(tail.data.get() + start, end - start);
  }
  return tail;
}

net::Answer KafkaFetch::encode(net::Bytes tail) {
  for (const auto& r : reads_) {
    FetchResponse::Partition* rp = parts_[r.part];
    if (r.read) rp->records = std::string_view(tail.data.get() + r.tail_at, r.range.size);
    else if (!r.status.ok()) rp->error_code = kKafkaStorageError;
  }
  if (version_ <= kLastMessageSetFetch) tail = down_convert(response_, req_, version_, limit_);
  net::Answer a;
  a.head.append(4, '\0');
  SplicingEncoder e(&a.head, is_flexible(kFetch, version_), tail.data.get(), &a.splices);
  e.i32(correlation_);
  if (e.flexible()) e.tags();
  serde(e, response_, version_);
  auto n = static_cast<uint32_t>(a.size() - 4);
  for (int i = 0; i < 4; ++i) a.head[i] = static_cast<char>(n >> (8 * (3 - i)));
  a.tail = std::move(tail);
  return a;
}

}  // namespace

void handle_fetch(Context& cx) {
  FetchRequest req;
  if (!decode_request(cx, &req)) return;
  cx.fetch(std::make_unique<KafkaFetch>(&cx.broker(), std::move(req), cx.header(), cx.options().max_frame_bytes));
}

}  // namespace ks::kafka
