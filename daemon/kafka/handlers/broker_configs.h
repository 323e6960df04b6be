// The broker configs a Kafka client can describe on ks's one broker (node
// 1): those Kafka topic configs fall back to (log.retention.hours,
// message.max.bytes, ...) and a few every client or tool reads
// (num.partitions, auto.create.topics.enable, ...), with ks's values.
// Every one is read-only: ks takes its settings at start.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "daemon/broker/config_catalog.h"
#include "daemon/server/options.h"

namespace ks::kafka {

struct BrokerConfig {
  std::string name;
  std::optional<std::string> value;  // null: unset, as Kafka shows log.retention.ms
  int8_t source = 0;                 // ConfigSource: DEFAULT_CONFIG, STATIC_BROKER_CONFIG or
                                     // DYNAMIC_DEFAULT_BROKER_CONFIG (min.insync.replicas)
  server::ConfigType type = server::ConfigType::kString;
  std::string doc;
};

// Sorted by name.
std::vector<BrokerConfig> broker_configs(const server::DaemonOptions& options);

}  // namespace ks::kafka
