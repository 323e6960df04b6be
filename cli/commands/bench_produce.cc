#include "cli/commands/bench_produce.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <ctime>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/clock.h"
#include "common/compression.h"
#include "common/record_batch.h"

namespace ks::cli::bench {

Payload::Payload(size_t size) : size_(size) {
  std::vector<std::string> words(1024);
  for (auto& w : words) {
    size_t n = 2 + rand64() % 8;
    for (size_t i = 0; i < n; ++i) w += static_cast<char>('a' + rand64() % 26);
  }
  size_t want = std::max<size_t>(kPoolSize, 2 * size);
  pool_.reserve(want + 16);
  while (pool_.size() < want) {
    pool_ += words[rand64() % words.size()];
    pool_ += ' ';
  }
}

Status Pipeline::send(PartitionId partition, std::string_view batch, int64_t records) {
  nlohmann::json req = {{"op", "produce"}, {"topic", topic_}, {"partition", partition.value()}, {"acks", acks_}};
  int64_t sent = steady_ns();
  auto id = client_->send(std::move(req), batch);
  if (!id.ok()) return id.status();
  ++m_->requests;
  m_->wire_bytes += static_cast<int64_t>(batch.size());
  if (acks_ == 0) {
    m_->records += records;
    m_->bytes += records * record_size_;
    return poll(0);
  }
  in_flight_.push_back({sent, records, partition});
  while (in_flight_.size() >= max_in_flight_) KS_RETURN_IF_ERROR(receive_one());
  return poll(0);
}

Status Pipeline::poll(int64_t timeout_ns) {
  timespec ts{static_cast<time_t>(timeout_ns / kSecond), static_cast<long>(timeout_ns % kSecond)};
  for (;;) {
    pollfd p{client_->fd(), POLLIN, 0};
    int rc = ::ppoll(&p, 1, &ts, nullptr);
    if (rc < 0) return errno == EINTR ? Status::OK() : Status::FromErrno("poll", errno);
    if (rc == 0) return Status::OK();
    KS_RETURN_IF_ERROR(receive_one());
    ts = {0, 0};
  }
}

Status Pipeline::drain() {
  while (!in_flight_.empty()) KS_RETURN_IF_ERROR(receive_one());
  return Status::OK();
}

Status Pipeline::receive_one() {
  auto r = client_->receive();
  int64_t now = steady_ns();
  if (!r.ok()) return r.status();
  if (in_flight_.empty()) {  // acks 0 gets no answers: this is an error, or a bug
    Status s = r->status();
    return s.ok() ? Status::IOError("the daemon answered a produce request sent with --acks 0") : s;
  }
  Sent s = in_flight_.front();
  in_flight_.pop_front();
  Status st = r->status();
  if (!st.ok()) {
    failed_ += s.records;
    if (first_failure_.ok()) {
      first_failure_ = st;
      first_failure_.prepend("partition " + std::to_string(s.partition.value()));
    }
    return Status::OK();
  }
  m_->records += s.records;
  m_->bytes += s.records * record_size_;
  m_->latency_ns.push_back(now - s.sent_ns);
  return Status::OK();
}

Status produce_records(Pipeline& pipe, const TopicInfo& t, const BenchOptions& o, int64_t n, Measured* m) {
  auto codec = parse_compression(o.compression);
  Payload payload(static_cast<size_t>(o.record_size));
  batch::BatchBuilder builder(codec.value_or(Compression::kNone));
  const size_t limit = static_cast<size_t>(std::min(o.batch_bytes, t.max_message));
  const size_t rec = generated_record_size(o.record_size);
  const int64_t linger = o.linger_ms * 1000000;
  const double ns_per_record = o.rate > 0 ? 1e9 / static_cast<double>(o.rate) : 0.0;

  m->start_ns = steady_ns();
  Progress progress("produce", m->start_ns);
  int32_t partition = 0;
  int64_t batch_ts = 0;     // record timestamp, read once per batch when unthrottled
  int64_t batch_start = 0;  // when the batch being filled got its first record
  auto send_batch = [&]() -> Status {
    int64_t count = builder.record_count();
    Status s = pipe.send(PartitionId(partition), builder.finish(), count);
    builder.clear();
    partition = (partition + 1) % t.partitions;
    progress.tick(steady_ns(), *m);
    return s;
  };

  for (int64_t i = 0; i < n && !g_signal; ++i) {
    if (o.rate > 0) {
      // Record i goes out no earlier than i / rate seconds after the start;
      // meanwhile answers are read, and a batch waits no longer than linger.
      const int64_t due = m->start_ns + static_cast<int64_t>(static_cast<double>(i) * ns_per_record);
      for (int64_t now = steady_ns(); now < due && !g_signal; now = steady_ns()) {
        int64_t until = std::min(due, progress.due());
        if (!builder.empty()) until = std::min(until, batch_start + linger);
        if (until > now) KS_RETURN_IF_ERROR(pipe.poll(until - now));
        now = steady_ns();
        if (!builder.empty() && now >= batch_start + linger) KS_RETURN_IF_ERROR(send_batch());
        progress.tick(now, *m);
      }
      if (g_signal) break;
    }
    if (!builder.empty() && builder.size() + rec > limit) KS_RETURN_IF_ERROR(send_batch());
    if (builder.empty()) {
      batch_start = steady_ns();
      batch_ts = wall_ms();
    }
    builder.add(std::nullopt, payload.next(), o.rate > 0 ? wall_ms() : batch_ts);
  }
  if (!g_signal && !builder.empty()) KS_RETURN_IF_ERROR(send_batch());
  // Also after Ctrl-C, to count what was sent: unless the signal cut a read
  // short (an error, returned above), the connection is sound, and a second
  // Ctrl-C ends the process.
  KS_RETURN_IF_ERROR(pipe.drain());
  m->end_ns = steady_ns();
  return Status::OK();
}

}  // namespace ks::cli::bench
