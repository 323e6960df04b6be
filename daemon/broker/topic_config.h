// Topic configs as a topic holds them: the overrides it sets (names and
// values as given, like Kafka), their validation against the catalog
// (config_catalog.h), and how they become a storage::LogConfig.
#pragma once

#include <map>
#include <string>

#include "common/status.h"
#include "daemon/storage/log.h"

namespace ks::server {

using ConfigMap = std::map<std::string, std::string>;

struct TopicPolicy {
  storage::LogConfig log;
  int64_t flush_ms = -1;        // -1: no time-based flush
  int64_t flush_messages = -1;  // -1: no count-based flush
};

// Checks a topic's whole set of overrides: every name is a Kafka topic
// config, every value valid as Kafka validates it, the values agree with
// each other (min.compaction.lag.ms <= max.compaction.lag.ms), and ks can
// honour them (check_supported). InvalidArgument naming the first bad one.
Status validate_configs(const ConfigMap& configs);
// Every config with its default value (legacy names left out).
const ConfigMap& default_configs();
// The catalog's defaults, overlaid with `defaults` (the broker-level ones
// set dynamically, by topic config name: dynamic_configs.h), then with
// `configs` (already validated).
TopicPolicy policy_for(const ConfigMap& configs, const ConfigMap& defaults = {});

}  // namespace ks::server
