// The Broker's topic administration: creating (within the partition
// budget), deleting, altering and growing topics, and describing them.
// Produce, read and the partition logs' upkeep are in broker.cc.
#include <sys/stat.h>

#include <algorithm>

#include "daemon/broker/broker.h"
#include "daemon/broker/config_catalog.h"
#include "daemon/broker/logging.h"
#include "daemon/storage/file.h"

namespace ks::server {

Status Broker::check_partition_budget(int64_t adding) const {
  if (options_.max_partitions <= 0) return Status::OK();
  int64_t total = 0;
  for (const auto& [name, t] : topics_) total += t.meta.partitions;
  if (total + adding <= options_.max_partitions) return Status::OK();
  return Status::InvalidArgument(
      "too many partitions: the daemon holds " + std::to_string(total) + " and allows " +
      std::to_string(options_.max_partitions) + " (each keeps a file open; raise `ulimit -n` or ks daemon start "
      "--max-partitions N, or delete topics)");
}

OffsetQuery offset_query_from_wire(int64_t timestamp) {
  if (timestamp == -1) return LogEdge::kEnd;
  if (timestamp == -2 || timestamp == -4) return LogEdge::kStart;
  if (timestamp == -3) return LogEdge::kMaxTimestamp;
  return AtTime{timestamp};
}

Result<TopicName> existing_topic_name(std::string_view name) {
  auto valid = TopicName::Parse(name);
  if (!valid.ok()) return Status::NotFound("topic '" + std::string(name) + "' does not exist");
  return valid;
}

Status Broker::create_topic(const TopicName& topic, int32_t partitions, const ConfigMap& configs) {
  const std::string& name = topic.str();
  if (!topics_.count(name)) KS_RETURN_IF_ERROR(refuse_orphans(name, 0, meta::kMaxPartitionsPerTopic));
  return make_topic(name, partitions, configs);
}

Status Broker::make_topic(const std::string& name, int32_t partitions, const ConfigMap& configs) {
  if (partitions < 1 || partitions > meta::kMaxPartitionsPerTopic)
    return Status::InvalidArgument("partition count must be 1.." +
                                   std::to_string(meta::kMaxPartitionsPerTopic) + ", not " +
                                   std::to_string(partitions));
  KS_RETURN_IF_ERROR(validate_configs(configs));
  if (topics_.count(name)) return Status::AlreadyExists("topic '" + name + "' already exists");
  KS_RETURN_IF_ERROR(check_partition_budget(partitions));
  Topic t;
  t.meta.name = name;
  t.meta.partitions = partitions;
  t.meta.created_ms = clock_.now_ms();
  t.meta.configs = std::map<std::string, std::string>(configs.begin(), configs.end());
  t.policy = policy_for(configs, topic_defaults_);
  for (int32_t i = 0; i < partitions; ++i) {
    auto p = open_partition(name, i, t.policy);
    if (!p.ok()) {
      for (auto& made : t.partitions) (void)storage::Log::Destroy(made->dir);
      return p.status();
    }
    t.partitions.push_back(std::move(*p));
  }
  Status s = meta_->create_topic(t.meta);
  if (!s.ok()) {
    for (auto& made : t.partitions) (void)storage::Log::Destroy(made->dir);
    return s;
  }
  meta_sync_->add_dir(data_dir());  // the new partition directories' entries
  log_info("created topic %s with %d partition(s)", name.c_str(), partitions);
  topics_.emplace(name, std::move(t));
  return Status::OK();
}

Status Broker::delete_topic(const TopicName& topic) {
  const std::string& name = topic.str();
  auto it = topics_.find(name);
  if (it == topics_.end()) return Status::NotFound("topic '" + name + "' does not exist");
  KS_RETURN_IF_ERROR(meta_->delete_topic(name));
  int64_t stamp = clock_.now_ms();
  for (auto& p : it->second.partitions) {
    p->deleted = true;
    // Rename now so the name is free at once; remove the files off the loop.
    std::string dir = p->dir;
    std::string gone = dir + "." + std::to_string(stamp) + ".deleted";
    if (std::rename(dir.c_str(), gone.c_str()) != 0) gone = dir;
    executor_->run([gone] { return storage::remove_tree(gone); },
                   [gone](Status s) {
                     if (!s.ok()) log_warn("removing %s: %s", gone.c_str(), s.to_string().c_str());
                   });
    wake(p);  // long polls on it answer now
  }
  meta_sync_->add_dir(data_dir());  // the renames, so a restart finishes the removal
  topics_.erase(it);
  log_info("deleted topic %s", name.c_str());
  return Status::OK();
}

Status Broker::alter_topic(const TopicName& topic, const ConfigMap& set,
                           const std::vector<std::string>& unset, std::optional<int32_t> partitions) {
  const std::string& name = topic.str();
  auto it = topics_.find(name);
  if (it == topics_.end()) return Status::NotFound("topic '" + name + "' does not exist");
  Topic& t = it->second;
  for (const auto& k : unset)
    if (!find_topic_config(k)) return Status::InvalidArgument("Unknown topic config name: " + k);
  // The topic's overrides as they will be, checked as a whole (values that
  // must agree, like the compaction lags).
  ConfigMap next(t.meta.configs.begin(), t.meta.configs.end());
  for (const auto& k : unset) next.erase(k);
  for (const auto& [k, v] : set) next[k] = v;
  KS_RETURN_IF_ERROR(validate_configs(next));
  if (partitions) {
    if (*partitions < t.meta.partitions)
      return Status::InvalidArgument("topic '" + name + "' has " + std::to_string(t.meta.partitions) +
                                     " partitions; the count can only grow");
    if (*partitions > meta::kMaxPartitionsPerTopic)
      return Status::InvalidArgument("partition count must be at most " +
                                     std::to_string(meta::kMaxPartitionsPerTopic));
    KS_RETURN_IF_ERROR(check_partition_budget(*partitions - t.meta.partitions));
    KS_RETURN_IF_ERROR(refuse_orphans(name, t.meta.partitions, *partitions));
  }
  if (!set.empty() || !unset.empty()) {
    KS_RETURN_IF_ERROR(meta_->set_topic_configs(name, std::map<std::string, std::string>(set.begin(), set.end()), unset));
    for (const auto& k : unset) t.meta.configs.erase(k);
    for (const auto& [k, v] : set) t.meta.configs[k] = v;
    t.policy = policy_for(ConfigMap(t.meta.configs.begin(), t.meta.configs.end()), topic_defaults_);
    for (auto& p : t.partitions)
      if (p->log) p->log->set_config(t.policy.log);  // else opened with the policy
  }
  if (partitions && *partitions > t.meta.partitions) return grow_partitions(name, *partitions);
  return Status::OK();
}

Status Broker::grow_partitions(const std::string& name, int32_t partitions) {
  Topic& t = topics_.at(name);
  std::vector<std::shared_ptr<Partition>> added;
  for (int32_t i = t.meta.partitions; i < partitions; ++i) {
    auto p = open_partition(name, i, t.policy);
    if (!p.ok()) return p.status();
    added.push_back(std::move(*p));
  }
  KS_RETURN_IF_ERROR(meta_->add_partitions(name, partitions));
  meta_sync_->add_dir(data_dir());
  for (auto& p : added) t.partitions.push_back(std::move(p));
  t.meta.partitions = partitions;
  return Status::OK();
}

Result<std::vector<TopicInfo>> Broker::topics(const std::vector<TopicName>& names, bool detail) {
  std::vector<Topic*> chosen;
  if (names.empty()) {
    for (auto& [n, t] : topics_) chosen.push_back(&t);
  } else {
    for (const auto& n : names) {
      auto it = topics_.find(n.str());
      if (it == topics_.end()) return Status::NotFound("topic '" + n.str() + "' does not exist");
      chosen.push_back(&it->second);
    }
  }
  std::vector<TopicInfo> out;
  for (Topic* t : chosen) {
    // Names in meta.db passed TopicName::Parse when their topic was made.
    TopicInfo info{TopicName::Parse(t->meta.name).value(), t->meta.partitions, t->meta.created_ms,
                   ConfigMap(t->meta.configs.begin(), t->meta.configs.end()), {}};
    if (detail) {
      for (const auto& p : t->partitions) {
        KS_RETURN_IF_ERROR(open_log(p, t->policy));
        info.partition_info.push_back({PartitionId(p->id), p->log->start_offset(), p->log->end_offset(),
                                       p->log->size_bytes(), p->log->segment_count()});
      }
    }
    out.push_back(std::move(info));
  }
  return out;
}

}  // namespace ks::server
