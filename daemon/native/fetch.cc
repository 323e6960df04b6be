#include "daemon/native/fetch.h"

#include <algorithm>

#include "daemon/native/fields.h"
#include "daemon/native/ops.h"

namespace ks::native {
namespace {

constexpr int64_t kMaxWaitMs = 5 * 60 * 1000;
// A group member's long poll doubles as its heartbeat: keep it shorter
// than any session timeout.
constexpr int64_t kMemberMaxWaitMs = 3000;

class NativeFetch final : public net::FetchPlan {
 public:
  NativeFetch(server::Broker* broker, uint64_t id) : broker_(broker), id_(id) {}

  void parse(const json& req, int64_t max_frame_bytes) {
    topic_ = str_at(req, "topic");
    name_ = server::existing_topic_name(topic_);
    for (const auto& p : req.at("partitions"))
      parts_.push_back({int_at<int32_t>(p, "partition", 0, kMaxInt32), int_at<int64_t>(p, "offset", 0, kMaxInt64), -1, -1, Status::OK()});
    min_bytes_ = int_field<uint64_t>(req, "min_bytes", 1, 0, kMaxInt64);
    // An answer is built in memory: keep it well within what a frame may
    // carry and the daemon's budget for answers.
    max_bytes_ = std::clamp<uint64_t>(int_field<uint64_t>(req, "max_bytes", 1 << 20, 0, kMaxInt64), 1,
                                      std::min<uint64_t>(net::kMaxFetchBytes, static_cast<uint64_t>(max_frame_bytes) / 2));
    wait_ms_ = std::min<int64_t>(int_field<int64_t>(req, "max_wait_ms", 0, 0, kMaxInt64), kMaxWaitMs);
    if (req.contains("group")) {
      group_ = str_at(req, "group");
      member_ = str_at(req, "member_id");
      generation_ = int_at<int32_t>(req, "generation");
      wait_ms_ = std::min(wait_ms_, kMemberMaxWaitMs);
    }
  }

  std::optional<net::Answer> check() override {
    if (group_.empty()) return std::nullopt;
    std::vector<server::TopicPartition> tps;
    for (const auto& p : parts_) tps.push_back({topic_, p.partition});
    Status s = broker_->groups().check_owns(group_, member_, generation_, tps, broker_->now_ms());
    if (s.ok()) return std::nullopt;
    return net::Answer(frame_of(json{{"id", id_}, {"error", error_json(s)}}));
  }

  Planned plan(uint64_t limit) override;
  std::vector<uint64_t> watch(std::function<void()> wake) override {
    std::vector<uint64_t> ids;
    if (!name_.ok()) return ids;  // an error, answered at once: nothing to wait for
    for (const auto& p : parts_) ids.push_back(broker_->watch(*name_, PartitionId(p.partition), wake));
    return ids;
  }
  void unwatch(uint64_t watch_id) override { broker_->unwatch(watch_id); }
  net::Answer encode(net::Bytes tail) override;
  uint64_t min_bytes() const override { return min_bytes_; }
  uint64_t max_bytes() const override { return max_bytes_; }
  int64_t wait_ms() const override { return wait_ms_; }
  bool in_group(std::string_view group) const override { return !group_.empty() && group_ == group; }

 private:
  struct Part {
    int32_t partition = 0;
    int64_t offset = 0;
    int64_t start = -1, end = -1;  // -1: unknown (error)
    Status error;
  };

  server::Broker* broker_;
  uint64_t id_;
  std::string topic_;
  Result<TopicName> name_ = Status::NotFound("");  // topic_, when a topic may have it
  std::vector<Part> parts_;
  uint64_t min_bytes_ = 1;
  uint64_t max_bytes_ = 1 << 20;
  int64_t wait_ms_ = 0;
  std::string group_, member_;  // set for a group member's fetch
  int32_t generation_ = 0;
};

net::FetchPlan::Planned NativeFetch::plan(uint64_t limit) {
  reads_.clear();
  Planned out;
  // Once a partition's records did not fit what is left of the answer, the
  // answer is full: the partitions after it are not read (only their
  // offsets are reported), so a fetch naming 10,000 partitions plans a few
  // hundred reads, not 10,000 header scans. They come first in a later
  // fetch; the first partition with records always gets them.
  bool full = false;
  for (size_t i = 0; i < parts_.size(); ++i) {
    Part& p = parts_[i];
    p.error = Status::OK();
    p.start = p.end = -1;
    auto se = name_.ok() ? broker_->offsets(*name_, PartitionId(p.partition))
                         : Result<server::Broker::Offsets>(name_.status());
    if (!se.ok()) {
      p.error = se.status();
      out.any_error = true;
      continue;
    }
    p.start = se->start.value();
    p.end = se->end.value();
    uint64_t budget = out.total >= limit ? 0 : limit - out.total;
    if (p.offset < p.start || p.offset > p.end) {
      p.error = Status::OutOfRange("offset " + std::to_string(p.offset) + " is outside " + topic_ + "-" +
                                   std::to_string(p.partition) + " [" + std::to_string(p.start) + ", " +
                                   std::to_string(p.end) + "]");
      out.any_error = true;
    } else if (p.offset < p.end && !full && (budget > 0 || out.total == 0)) {
      auto r = broker_->read(*name_, PartitionId(p.partition), Offset(p.offset), budget);
      if (!r.ok()) {
        p.error = r.status();
        out.any_error = true;
      } else if (r->size > 0 && (out.total == 0 || r->size <= budget)) {
        out.total += r->size;
        add_read(i, std::move(*r));
      } else if (r->size > budget) {
        full = true;
      }
    }
  }
  return out;
}

// The header names each partition's bytes; the records follow the header
// in partition order.
net::Answer NativeFetch::encode(net::Bytes tail) {
  std::vector<const net::RecordRead*> by_part(parts_.size(), nullptr);
  for (const auto& r : reads_) by_part[r.part] = &r;
  json parts = json::array();
  for (size_t i = 0; i < parts_.size(); ++i) {
    const Part& p = parts_[i];
    json entry{{"partition", p.partition}};
    if (p.start >= 0) {
      entry["start"] = p.start;
      entry["end"] = p.end;
    }
    Status error = p.error;
    uint64_t got = 0;
    if (const net::RecordRead* r = by_part[i]) {
      if (r->read) got = r->range.size;
      else if (!r->status.ok()) error = r->status;
    }
    if (!error.ok()) entry["error"] = error_json(error);
    entry["bytes"] = got;
    parts.push_back(std::move(entry));
  }
  std::string h = dump(json{{"id", id_}, {"partitions", parts}});
  uint64_t payload = 0;
  for (const auto& r : reads_)
    if (r.read) payload += r.range.size;
  net::Answer a;
  a.head.assign(protocol::kFramePrefix, '\0');
  protocol::put_frame_prefix(a.head.data(), h.size(), payload);
  a.head += h;
  // The records of each partition, in order, after the header.
  for (const auto& r : reads_)
    if (r.read) a.splices.push_back({a.head.size(), r.tail_at, r.range.size});
  a.tail = std::move(tail);
  return a;
}

}  // namespace

std::unique_ptr<net::FetchPlan> make_fetch_plan(server::Broker* broker, const json& req, uint64_t id,
                                                int64_t max_frame_bytes) {
  auto plan = std::make_unique<NativeFetch>(broker, id);
  plan->parse(req, max_frame_bytes);
  return plan;
}

}  // namespace ks::native

namespace ks::native {

void op_fetch(Session& s) {
  s.fetch(make_fetch_plan(&s.broker(), s.request(), s.id(), s.options().max_frame_bytes));
}

}  // namespace ks::native
