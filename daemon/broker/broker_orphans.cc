// The Broker's side of reconciling data/ with meta.db (meta/orphans.h):
// finding orphaned partition directories at start, refusing to reuse them,
// and adopting or removing them when asked.
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "daemon/broker/broker.h"
#include "daemon/broker/logging.h"
#include "daemon/storage/file.h"

namespace ks::server {
namespace {

std::string fix_hint(const std::string& name) {
  return "adopt them as they are with `ks topic adopt " + name +
         "` (add -c KEY=VALUE for the configs it had), or remove them and their records with `ks topic "
         "delete " + name + " --orphan`";
}

}  // namespace

Status Broker::find_orphans_at_start() {
  std::map<std::string, int32_t> counts;
  for (const auto& [name, t] : topics_) counts[name] = t.meta.partitions;
  auto found = meta::find_orphans(options_.home + "/data", counts);
  if (!found.ok()) return found.take_status();
  orphans_ = std::move(*found);
  if (orphans_.empty()) return Status::OK();
  log_warn("data/ holds %zu partition director%s that no topic in meta.db owns: %s", orphans_.size(),
           orphans_.size() == 1 ? "y" : "ies", meta::describe_orphans(orphans_, 20).c_str());
  for (const auto& o : orphans_) {
    if (o.partition < 0)
      log_warn("orphan: data/%s is not a partition directory (<topic>-<partition>); move it away", o.name.c_str());
    else
      log_warn("orphan: data/%s (%llu bytes of segments)%s; %s", o.name.c_str(),
               static_cast<unsigned long long>(o.log_bytes),
               o.topic_exists ? ", beyond the topic's partition count" : ", its topic is not in meta.db",
               fix_hint(o.topic).c_str());
  }
  return Status::OK();
}

Status Broker::refuse_orphans(const std::string& name, int32_t from, int32_t to) const {
  std::vector<meta::OrphanDir> mine;
  for (const auto& o : orphans_)
    if (o.topic == name && o.partition >= from && o.partition < to) mine.push_back(o);
  if (mine.empty()) return Status::OK();
  return Status::AlreadyExists("data/ already holds partition directories of topic '" + name +
                               "' that meta.db does not know (" + meta::describe_orphans(mine) +
                               "), left by a change lost to a crash or copied in; " + fix_hint(name));
}

Status Broker::adopt_topic(const TopicName& topic, const ConfigMap& configs) {
  const std::string& name = topic.str();
  int32_t highest = -1;
  for (const auto& o : orphans_)
    if (o.topic == name) highest = std::max(highest, o.partition);
  if (highest < 0) return Status::NotFound("data/ holds no orphaned partition directories of topic '" + name + "'");
  const int32_t partitions = highest + 1;
  KS_RETURN_IF_ERROR(validate_configs(configs));
  auto it = topics_.find(name);
  if (it == topics_.end()) {
    KS_RETURN_IF_ERROR(check_partition_budget(partitions));
    KS_RETURN_IF_ERROR(make_topic(name, partitions, configs));
  } else {
    KS_RETURN_IF_ERROR(check_partition_budget(partitions - it->second.meta.partitions));
    if (!configs.empty()) KS_RETURN_IF_ERROR(alter_topic(topic, configs, {}, std::nullopt));
    KS_RETURN_IF_ERROR(grow_partitions(name, partitions));
  }
  std::erase_if(orphans_, [&](const meta::OrphanDir& o) { return o.topic == name; });
  log_info("adopted the orphaned partition directories of topic %s: it now has %d partition(s)", name.c_str(),
           partitions);
  return Status::OK();
}

Status Broker::remove_orphans(const TopicName& topic) {
  const std::string& name = topic.str();
  std::vector<meta::OrphanDir> mine;
  for (const auto& o : orphans_)
    if (o.topic == name) mine.push_back(o);
  if (mine.empty()) return Status::NotFound("data/ holds no orphaned partition directories of topic '" + name + "'");
  const std::string data = options_.home + "/data";
  int64_t stamp = clock_.now_ms();
  for (const auto& o : mine) {
    // As delete_topic: rename at once (the name is free, and a restart
    // finishes an interrupted removal), remove the files off the loop.
    std::string dir = data + "/" + o.name;
    std::string gone = dir + "." + std::to_string(stamp) + ".deleted";
    if (std::rename(dir.c_str(), gone.c_str()) != 0)
      return Status::IOError("renaming " + dir + " to remove it: " + std::strerror(errno));
    executor_->run([gone] { return storage::remove_tree(gone); }, [gone](Status s) {
      if (!s.ok()) log_warn("removing %s: %s", gone.c_str(), s.to_string().c_str());
    });
    std::erase_if(orphans_, [&](const meta::OrphanDir& x) { return x.name == o.name; });
  }
  meta_sync_->add_dir(data);
  log_info("removed %zu orphaned partition director%s of topic %s", mine.size(), mine.size() == 1 ? "y" : "ies",
           name.c_str());
  return Status::OK();
}

}  // namespace ks::server
