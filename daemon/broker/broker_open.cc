// Opening partition logs. At start the broker knows every partition from
// meta.db but opens none of their logs: a log opens the first time a
// request needs it (find(), produce()), and the daemon opens the rest in
// the background, a slice at a time between requests (open_some()), so a
// home with thousands of partitions answers at once. What a client can
// ask without a log (topics, partition counts, Metadata) needs none; what
// needs one (offsets, reads, appends, describe) opens it first, so a
// partition not opened yet answers exactly as an open one. Background
// work (retention, flushes, producer expiry) acts on open logs, which are
// all of them once the background pass is done. An unopened partition is
// left as it is on disk: a clean one keeps its clean-shutdown marker, a
// crashed one is recovered when it opens.
#include <chrono>

#include "daemon/broker/broker.h"
#include "daemon/broker/logging.h"
#include "daemon/storage/file.h"

namespace ks::server {

std::shared_ptr<Broker::Partition> Broker::partition_stub(const std::string& topic, int32_t id) {
  auto p = std::make_shared<Partition>();
  p->topic = topic;
  p->id = id;
  p->dir = partition_dir(topic, id);
  return p;
}

Result<std::shared_ptr<Broker::Partition>> Broker::open_partition(const std::string& topic, int32_t id,
                                                                   const TopicPolicy& policy) {
  auto p = partition_stub(topic, id);
  KS_RETURN_IF_ERROR(open_log(p, policy));
  return p;
}

Status Broker::open_log(const std::shared_ptr<Partition>& p, const TopicPolicy& policy) {
  if (p->log) return Status::OK();
  auto log = storage::Log::Open(p->dir, policy.log, &clock_);
  if (!log.ok()) return Status(log.status()).prepend("topic " + p->topic);
  for (const auto& line : (*log)->recovery_report().messages) log_warn("recovery: %s", line.c_str());
  p->log = std::move(*log);
  p->commit = std::make_unique<storage::GroupCommit>(p->log.get());
  p->last_flush_ms = clock_.now_ms();
  load_producers(*p);
  // After a crash, what lies past the recovery point is synced now, on the
  // thread pool, rather than before the log could answer.
  if (p->log->durable_offset() < p->log->end_offset()) {
    if (auto job = p->commit->flush_now()) schedule_flush(p, std::move(*job));
  }
  return Status::OK();
}

Status Broker::ensure_open(const std::shared_ptr<Partition>& p) {
  if (p->log) return Status::OK();
  auto it = topics_.find(p->topic);
  if (it == topics_.end() || p->deleted) return Status::NotFound("topic '" + p->topic + "' does not exist");
  return open_log(p, it->second.policy);
}

bool Broker::open_some(int64_t budget_ms) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(budget_ms);
  while (next_unopened_ < unopened_.size()) {
    std::shared_ptr<Partition> p = unopened_[next_unopened_++].lock();
    if (p && !p->log && !p->deleted) {
      if (Status s = ensure_open(p); !s.ok()) log_error("opening %s: %s", p->dir.c_str(), s.to_string().c_str());
    }
    if (std::chrono::steady_clock::now() >= until) break;
  }
  if (next_unopened_ < unopened_.size()) return true;
  if (!unopened_.empty()) log_info("opened all %zu partition logs", unopened_.size());
  unopened_.clear();
  unopened_.shrink_to_fit();
  next_unopened_ = 0;
  return false;
}

size_t Broker::open_partition_count() const {
  size_t n = 0;
  for (const auto& [name, t] : topics_)
    for (const auto& p : t.partitions) n += p->log != nullptr;
  return n;
}

}  // namespace ks::server
