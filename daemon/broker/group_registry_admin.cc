// The registry's part of Kafka's OffsetDelete: whether a group exists, what
// its live members subscribe to, and removing some committed offsets.
#include <algorithm>

#include "daemon/broker/group_registry.h"

namespace ks::server {

Result<bool> GroupRegistry::exists(const std::string& group) const {
  for (const GroupMembers* p : protocols_)
    if (p->view(group)) return true;
  auto names = meta_->list_groups();
  if (!names.ok()) return names.status();
  return std::binary_search(names->begin(), names->end(), group);
}

std::set<std::string> GroupRegistry::subscribed_topics(const std::string& group) const {
  std::set<std::string> topics;
  const GroupMembers* live = live_protocol(group);
  if (live == nullptr) return topics;
  if (auto v = live->view(group))
    for (const auto& m : v->members) topics.insert(m.topics.begin(), m.topics.end());
  return topics;
}

Status GroupRegistry::delete_offsets(const std::string& group, const std::vector<TopicPartition>& partitions) {
  std::vector<std::pair<std::string, int32_t>> rows;
  rows.reserve(partitions.size());
  for (const auto& tp : partitions) rows.emplace_back(tp.topic, tp.partition);
  return meta_->delete_offsets(group, rows);
}

}  // namespace ks::server
