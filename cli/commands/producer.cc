#include "cli/commands/producer.h"

#include <algorithm>

#include "common/protocol.h"

namespace ks::cli {

namespace {

constexpr size_t kSpareBuffers = 16;

bool full(const batch::BatchBuilder& b, size_t rec, int64_t max_message, int64_t batch_bytes) {
  return !b.empty() &&
         (b.size() + rec > static_cast<size_t>(max_message) || b.size() + rec > static_cast<size_t>(batch_bytes));
}

}  // namespace

Producer::Producer(const ProduceOptions& o, Client* client, int32_t partitions, int64_t max_message_bytes, int acks,
                   Compression codec)
    : o_(o), client_(client), partitions_(partitions), max_message_(max_message_bytes), acks_(acks),
      sticky_(random_start_partition(partitions)) {
  first_buffer_ = std::clamp<size_t>(kMaxPendingBytes / static_cast<size_t>(std::max(partitions, 1)) / 2, 4096,
                                     static_cast<size_t>(o.batch_bytes));
  builders_.reserve(static_cast<size_t>(partitions));
  for (int32_t p = 0; p < partitions; ++p) builders_.push_back(Pending{batch::BatchBuilder(codec)});
}

bool Producer::add(const InputRecord& r, Status* error) {
  ++seen_;
  int32_t p = r.partition;
  if (p < 0) p = o_.partition;
  const bool sticky = p < 0 && !r.key;
  if (p < 0) p = r.key ? partition_for_key(*r.key, partitions_) : sticky_;
  if (p >= partitions_) {
    *error = Status::InvalidArgument("record " + std::to_string(r.line) + ": partition " + std::to_string(p) +
                                     " does not exist (topic '" + o_.topic + "' has " + std::to_string(partitions_) +
                                     ")");
    return false;
  }
  size_t rec = batch::BatchBuilder::record_size(r.key, r.value, r.headers, 0, 0) + 10;
  if (batch::kHeaderSize + rec > static_cast<size_t>(max_message_)) {
    *error = Status::InvalidArgument("record " + std::to_string(r.line) + " is about " +
                                     std::to_string(batch::kHeaderSize + rec) +
                                     " bytes, over the topic's max.message.bytes (" + std::to_string(max_message_) +
                                     "); it and the records after it were not sent");
    return false;
  }
  if (!make_room(p, rec, error)) return false;
  // The sticky partition moved on with that batch; so does this record,
  // and that partition's batch (keyed records may be waiting there) must
  // have room for it too.
  if (sticky && p != sticky_) {
    p = sticky_;
    if (!make_room(p, rec, error)) return false;
  }
  Pending* b = &builders_[static_cast<size_t>(p)];
  if (b->builder.empty()) {
    b->first_line = r.line;
    b->first_ms = steady_ms();
    due_.emplace_back(p, b->generation);
    if (!spare_.empty()) {
      b->builder.adopt_buffer(std::move(spare_.back()));
      spare_.pop_back();
    } else if (partitions_ > 1) {
      // A fresh batch starts with room for its share of kMaxPendingBytes
      // rather than growing from a header's size by doubling (with 10,000
      // partitions the reallocations were a tenth of `ks produce`'s time).
      b->builder.adopt_buffer(std::string(first_buffer_, '\0'));
    }
  }
  const size_t before = b->builder.empty() ? 0 : b->builder.size();  // stage() takes size() off, header and all
  b->builder.add(r.key, r.value, r.timestamp, r.headers);
  pending_bytes_ += b->builder.size() - before;
  ++records_;
  ++pending_records_;
  if (b->builder.size() >= static_cast<size_t>(o_.batch_bytes)) {
    if (!stage(p, error) || !send_staged(error)) return false;
  }
  if (pending_bytes_ > kMaxPendingBytes) return relieve(error);
  return true;
}

bool Producer::make_room(int32_t p, size_t rec, Status* error) {
  if (!full(builders_[static_cast<size_t>(p)].builder, rec, max_message_, o_.batch_bytes)) return true;
  return stage(p, error) && send_staged(error);
}

std::optional<int32_t> Producer::oldest() {
  while (!due_.empty()) {
    auto [p, generation] = due_.front();
    const Pending& b = builders_[static_cast<size_t>(p)];
    if (b.generation == generation && !b.builder.empty()) return p;
    due_.pop_front();  // that batch went when it filled up
  }
  return std::nullopt;
}

int64_t Producer::oldest_pending_ms() {
  auto p = oldest();
  return p ? builders_[static_cast<size_t>(*p)].first_ms : steady_ms();
}

bool Producer::flush_due(bool idle, Status* error) {
  take_answers();
  if (!lost_.ok()) {
    *error = lost_;
    return false;
  }
  // Linger bounds how long a record waits for more input. While more input
  // is already waiting (a file, a pipe ks is behind on), records are not
  // waiting for input but for ks; then lingered batches stay and grow until
  // they fill up or kMaxPendingBytes sends the oldest (at ~500 MB/s of
  // input that is ~60 ms), so keyed records over 10,000 partitions become
  // batches of tens of records instead of one or two (measured: ~6 records
  // a batch when lingered batches went whenever the daemon had answered).
  if (!idle) return true;
  const int64_t now = steady_ms();
  while (auto p = oldest()) {
    if (builders_[static_cast<size_t>(*p)].first_ms + o_.linger_ms > now) break;
    if (!stage(*p, error)) return false;
  }
  return send_staged(error);
}

bool Producer::flush_all(Status* error) {
  while (auto p = oldest())
    if (!stage(*p, error)) return false;
  return send_staged(error);
}

bool Producer::relieve(Status* error) {
  while (pending_bytes_ > kMaxPendingBytes / 2) {
    auto p = oldest();
    if (!p) break;
    if (!stage(*p, error)) return false;
  }
  return send_staged(error);
}

bool Producer::stage(int32_t p, Status* error) {
  Pending& b = builders_[static_cast<size_t>(p)];
  const int64_t n = b.builder.record_count();
  pending_records_ -= n;
  pending_bytes_ -= b.builder.size();
  std::string_view bytes = b.builder.finish();
  staged_.push_back({p, n, b.first_line});
  staged_bytes_.push_back(bytes);
  staged_size_ += bytes.size();
  ++b.generation;  // its entry in due_ is stale now
  if (o_.partition < 0 && p == sticky_) sticky_ = (sticky_ + 1) % partitions_;
  if (staged_size_ >= kMaxRequestBytes) return send_staged(error);
  return true;
}

bool Producer::send_staged(Status* error) {
  if (staged_.empty()) return true;
  // One partition: the plain produce op. Several: produce_many, each
  // batch written from its builder's buffer (no copy into one payload).
  auto send = [&]() -> Result<uint64_t> {
    if (staged_.size() == 1)
      return client_->send(
          {{"op", "produce"}, {"topic", o_.topic}, {"partition", staged_[0].partition}, {"acks", acks_}},
          staged_bytes_[0]);
    nlohmann::json batches = nlohmann::json::array();
    for (size_t i = 0; i < staged_.size(); ++i) batches.push_back({staged_[i].partition, staged_bytes_[i].size()});
    return client_->send(
        {{"op", "produce_many"}, {"topic", o_.topic}, {"acks", acks_}, {"batches", std::move(batches)}},
        std::span<const std::string_view>(staged_bytes_));
  };
  Result<uint64_t> id = send();
  Sent sent{std::move(staged_)};
  staged_.clear();
  staged_bytes_.clear();
  staged_size_ = 0;
  // The builders are free again. With many partitions their buffers go
  // back to a small pool for the next batch: memory follows the partitions
  // with records waiting, not the partition count (1000 partitions x 256
  // KiB would be 256 MB).
  for (const Part& part : sent.parts) {
    auto& builder = builders_[static_cast<size_t>(part.partition)].builder;
    builder.clear();
    if (partitions_ > 1) {
      std::string buf = builder.release_buffer();
      if (spare_.size() < kSpareBuffers) spare_.push_back(std::move(buf));
    }
  }
  if (!id.ok()) {
    *error = lose(id.status());
    return false;
  }
  if (acks_ == 0) {
    for (const Part& part : sent.parts) acked_ += part.records;
    return true;
  }
  in_flight_.push_back(std::move(sent));
  while (in_flight_.size() >= static_cast<size_t>(o_.max_in_flight))
    if (!receive_one(error)) return false;
  return true;
}

bool Producer::drain(Status* error) {
  while (!in_flight_.empty())
    if (!receive_one(error)) return false;
  return true;
}

void Producer::take_answers() {
  Status ignored;
  while (lost_.ok() && !in_flight_.empty() && client_->readable_now())
    if (!receive_one(&ignored)) return;
}

bool Producer::receive_one(Status* error) {
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
Status Producer::lose(const Status& why) {
  if (lost_.ok()) lost_ = why;
  while (!in_flight_.empty()) {
    auto r = client_->receive();
    if (!r.ok()) break;
    count(*r);
  }
  return lost_;
}

void Producer::count(const Response& r) {
  Sent s = std::move(in_flight_.front());
  in_flight_.pop_front();
  Status st = r.status();
  if (!st.ok()) {
    for (const Part& part : s.parts) fail(part, st);
    return;
  }
  std::vector<bool> failed(s.parts.size(), false);
  if (auto errors = r.header.find("errors"); errors != r.header.end() && errors->is_array()) {
    for (const auto& e : *errors) {
      size_t i = e.value("index", s.parts.size());
      if (i >= s.parts.size() || failed[i]) continue;
      failed[i] = true;
      fail(s.parts[i], Status::Error(protocol::error_code_from_name(e.value("code", "io_error")),
                                     e.value("message", "")));
    }
  }
  for (size_t i = 0; i < s.parts.size(); ++i)
    if (!failed[i]) acked_ += s.parts[i].records;
}

void Producer::fail(const Part& part, const Status& why) {
  failed_ += part.records;
  if (first_failure_.ok())
    first_failure_ = Status(why).prepend("records from " + std::to_string(part.first_line) + " (" +
                                         std::to_string(part.records) + " records to partition " +
                                         std::to_string(part.partition) + ")");
}

}  // namespace ks::cli
