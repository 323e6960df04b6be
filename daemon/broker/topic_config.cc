#include "daemon/broker/topic_config.h"

#include <charconv>

#include "common/topic_defaults.h"

namespace ks::server {
namespace {

struct Key {
  const char* name;
  int64_t min;
  int64_t fallback;
};

// Kafka's names; the defaults are common/topic_defaults.h's. -1 means "no
// limit" where Kafka allows it.
constexpr Key kKeys[] = {
    {"retention.ms", -1, topic_defaults::kRetentionMs},
    {"retention.bytes", -1, topic_defaults::kRetentionBytes},
    {"segment.bytes", 1024, topic_defaults::kSegmentBytes},
    {"segment.ms", 1, topic_defaults::kSegmentMs},
    {"max.message.bytes", 0, topic_defaults::kMaxMessageBytes},
    {"flush.ms", -1, topic_defaults::kFlushMs},
    {"flush.messages", -1, topic_defaults::kFlushMessages},
};

bool parse_int(const std::string& s, int64_t* v) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && p == s.data() + s.size();
}

std::string known_keys() {
  std::string s;
  for (const Key& k : kKeys) s += std::string(s.empty() ? "" : ", ") + k.name;
  return s + ", cleanup.policy";
}

}  // namespace

const ConfigMap& default_configs() {
  static const ConfigMap m = [] {
    ConfigMap d;
    for (const Key& k : kKeys) d[k.name] = std::to_string(k.fallback);
    d["cleanup.policy"] = topic_defaults::kCleanupPolicy;
    return d;
  }();
  return m;
}

Status validate_configs(const ConfigMap& configs) {
  for (const auto& [key, value] : configs) {
    if (key == "cleanup.policy") {
      if (value == "delete") continue;
      if (value == "compact")
        return Status::InvalidArgument("cleanup.policy=compact is not supported yet; use delete");
      return Status::InvalidArgument("cleanup.policy must be delete, not '" + value + "'");
    }
    const Key* known = nullptr;
    for (const Key& k : kKeys)
      if (key == k.name) known = &k;
    if (known == nullptr)
      return Status::InvalidArgument("unknown topic config '" + key + "'; known: " + known_keys());
    int64_t v;
    if (!parse_int(value, &v))
      return Status::InvalidArgument(key + " must be an integer, not '" + value + "'");
    if (v < known->min)
      return Status::InvalidArgument(key + " must be at least " + std::to_string(known->min) +
                                     ", not " + value);
    if (key == "segment.bytes" && v > INT32_MAX)
      return Status::InvalidArgument("segment.bytes must be at most 2147483647");
  }
  return Status::OK();
}

TopicPolicy policy_for(const ConfigMap& configs) {
  ConfigMap all = default_configs();
  for (const auto& [k, v] : configs) all[k] = v;
  auto get = [&](const char* k) {
    int64_t v = 0;
    parse_int(all[k], &v);
    return v;
  };
  TopicPolicy p;
  p.log.retention_ms = get("retention.ms");
  p.log.retention_bytes = get("retention.bytes");
  p.log.segment_bytes = get("segment.bytes");
  p.log.segment_ms = get("segment.ms");
  p.log.max_message_bytes = get("max.message.bytes");
  p.flush_ms = get("flush.ms");
  p.flush_messages = get("flush.messages");
  return p;
}

}  // namespace ks::server
