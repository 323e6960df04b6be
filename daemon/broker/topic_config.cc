#include "daemon/broker/topic_config.h"

#include <algorithm>
#include <cstdlib>

#include "common/topic_defaults.h"
#include "daemon/broker/config_catalog.h"

namespace ks::server {
namespace {

// ks's earlier spelling of "no scheduled flush", still accepted.
bool is_ks_no_flush(const std::string& key, const std::string& value) {
  int64_t v = 0;
  return (key == "flush.ms" || key == "flush.messages") && parse_long(value, &v) && v == -1;
}

bool has_delete_policy(const std::string& policy) {
  auto items = split_list(policy);
  return std::find(items.begin(), items.end(), "delete") != items.end();
}

int64_t long_of(const ConfigMap& all, const char* key) {
  int64_t v = 0;
  auto it = all.find(key);
  if (it != all.end()) parse_long(it->second, &v);
  return v;
}

// Kafka's Long.MAX_VALUE flush defaults mean "never": ks's -1.
int64_t flush_value(int64_t v) { return v == INT64_MAX ? -1 : v; }

}  // namespace

const ConfigMap& default_configs() {
  static const ConfigMap m = [] {
    ConfigMap d;
    for (const ConfigDef& c : topic_config_catalog())
      if (!c.legacy) d[std::string(c.name)] = std::string(c.default_value);
    return d;
  }();
  return m;
}

Status validate_configs(const ConfigMap& configs) {
  for (const auto& [key, value] : configs) {
    const ConfigDef* def = find_topic_config(key);
    if (def == nullptr)
      return Status::InvalidArgument("Unknown topic config name: " + key +
                                     " (ks accepts every topic config of Apache Kafka 4.4)");
    if (is_ks_no_flush(key, value)) continue;
    KS_RETURN_IF_ERROR(check_value(*def, value));
    KS_RETURN_IF_ERROR(check_supported(*def, value));
  }
  ConfigMap all = default_configs();
  for (const auto& [k, v] : configs) all[k] = v;
  int64_t min_lag = long_of(all, "min.compaction.lag.ms"), max_lag = long_of(all, "max.compaction.lag.ms");
  if (min_lag > max_lag)
    return Status::InvalidArgument("conflict topic config setting min.compaction.lag.ms (" +
                                   std::to_string(min_lag) + ") > max.compaction.lag.ms (" +
                                   std::to_string(max_lag) + ")");
  return Status::OK();
}

namespace {

// How often a log writes its recovery point (storage::LogConfig): Kafka's
// 60 s, or KS_RECOVERY_POINT_MS, for the power-loss tests, which cannot
// wait a minute for one.
int64_t recovery_point_ms() {
  static const int64_t ms = [] {
    const char* v = std::getenv("KS_RECOVERY_POINT_MS");
    char* end = nullptr;
    long long n = v ? std::strtoll(v, &end, 10) : 0;
    return v && end && *end == '\0' && n > 0 ? static_cast<int64_t>(n) : storage::LogConfig{}.recovery_point_ms;
  }();
  return ms;
}

}  // namespace

TopicPolicy policy_for(const ConfigMap& configs, const ConfigMap& defaults) {
  ConfigMap all = default_configs();
  for (const auto& [k, v] : defaults) all[k] = v;
  for (const auto& [k, v] : configs) all[k] = v;
  TopicPolicy p;
  p.log.retention_ms = long_of(all, "retention.ms");
  p.log.retention_bytes = long_of(all, "retention.bytes");
  // cleanup.policy=compact without delete: Kafka removes records only by
  // compaction, never by retention. ks does not compact yet, so it keeps
  // every record: what a reader of a compacted topic may always see (the
  // latest value of each key is there; older ones may be too).
  if (!has_delete_policy(all["cleanup.policy"])) p.log.retention_ms = p.log.retention_bytes = -1;
  p.log.segment_bytes = long_of(all, "segment.bytes");
  p.log.segment_ms = long_of(all, "segment.ms");
  p.log.max_message_bytes = long_of(all, "max.message.bytes");
  p.log.index_interval_bytes = static_cast<uint32_t>(long_of(all, "index.interval.bytes"));
  p.log.log_append_time = trim(all["message.timestamp.type"]) == "LogAppendTime";
  p.log.timestamp_before_max_ms = long_of(all, "message.timestamp.before.max.ms");
  p.log.timestamp_after_max_ms = long_of(all, "message.timestamp.after.max.ms");
  // Kafka 3's one limit stands in for a side the topic leaves unset.
  if (configs.count("message.timestamp.difference.max.ms")) {
    int64_t diff = long_of(all, "message.timestamp.difference.max.ms");
    if (!configs.count("message.timestamp.before.max.ms")) p.log.timestamp_before_max_ms = diff;
    if (!configs.count("message.timestamp.after.max.ms")) p.log.timestamp_after_max_ms = diff;
  }
  p.flush_ms = flush_value(long_of(all, "flush.ms"));
  p.flush_messages = flush_value(long_of(all, "flush.messages"));
  p.log.recovery_point_ms = recovery_point_ms();
  return p;
}

}  // namespace ks::server
