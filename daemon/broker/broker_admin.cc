// The Broker's answers to Kafka's partition admin APIs: growing a topic
// (CreatePartitions) and moving a partition's log start (DeleteRecords).
#include "daemon/broker/broker.h"
#include "daemon/broker/logging.h"

namespace ks::server {

Status Broker::grow_topic(const TopicName& topic, int32_t partitions, bool validate_only) {
  const std::string& name = topic.str();
  auto it = topics_.find(name);
  if (it == topics_.end()) return Status::NotFound("topic '" + name + "' does not exist");
  const int32_t now = it->second.meta.partitions;
  if (partitions <= now)
    return Status::InvalidArgument(partitions == now ? "topic '" + name + "' already has " + std::to_string(now) + " partitions"
                                                     : "topic '" + name + "' has " + std::to_string(now) +
                                                           " partitions, more than the " + std::to_string(partitions) +
                                                           " asked for; the count can only grow");
  if (partitions > meta::kMaxPartitionsPerTopic)
    return Status::InvalidArgument("partition count must be at most " + std::to_string(meta::kMaxPartitionsPerTopic));
  KS_RETURN_IF_ERROR(check_partition_budget(partitions - now));
  KS_RETURN_IF_ERROR(refuse_orphans(name, now, partitions));
  if (validate_only) return Status::OK();
  KS_RETURN_IF_ERROR(grow_partitions(name, partitions));
  log_info("grew topic %s from %d to %d partitions", name.c_str(), now, partitions);
  return Status::OK();
}

void Broker::delete_records(const TopicName& topic, PartitionId partition, int64_t offset,
                            std::function<void(Result<Offset>)> done) {
  auto found = find(topic, partition);
  if (!found.ok()) return done(found.status());
  std::shared_ptr<Partition> p = topics_.at(topic.str()).partitions[static_cast<size_t>(partition.value())];
  const Offset end = p->log->end_offset();
  if (offset == -1) offset = end.value();
  if (offset < 0 || Offset(offset) > end)
    return done(Status::OutOfRange("offset " + std::to_string(offset) + " is outside [0, " +
                                   std::to_string(end.value()) + "] (the log's end)"));
  // The records below the new start are fsynced before the start moves, so
  // a power cut cannot leave a start past what the log holds.
  request_flush(p, Offset(offset), [this, p, offset, done = std::move(done)](const Status& flushed) {
    if (!flushed.ok()) return done(flushed);
    if (p->deleted) return done(Status::NotFound("topic '" + p->topic + "' was deleted"));
    Offset before = p->log->start_offset();
    if (Status s = p->log->advance_start(Offset(offset)); !s.ok()) {
      log_error("moving the start of %s to %lld: %s", p->log->dir().c_str(), static_cast<long long>(offset),
                s.to_string().c_str());
      return done(s);
    }
    Offset start = p->log->start_offset();
    if (start != before) {
      log_info("deleted records of %s-%d below %lld", p->topic.c_str(), p->id, static_cast<long long>(start.value()));
      // Kept beside the log's own record of it, as retention does.
      (void)meta_->set_log_start_offset(p->topic, p->id, start.value());
    }
    done(start);
  });
}

}  // namespace ks::server
