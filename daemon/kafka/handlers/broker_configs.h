// The broker configs a Kafka client can describe on ks's one broker (node
// 1): those Kafka topic configs fall back to (log.retention.hours,
// message.max.bytes, ...) and a few every client or tool reads
// (num.partitions, auto.create.topics.enable, ...), with ks's values. The
// topic defaults among them are dynamic (daemon/broker/dynamic_configs.h):
// set cluster-wide or for node 1, they hide the static value; the others
// are read-only (ks takes them at start).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "daemon/broker/config_catalog.h"
#include "daemon/broker/dynamic_configs.h"
#include "daemon/kafka/messages_configs.h"
#include "daemon/server/options.h"

namespace ks::kafka {

struct BrokerConfig {
  std::string name;
  std::optional<std::string> value;  // in effect; null: unset, as Kafka shows log.retention.ms
  int8_t source = 0;                 // ConfigSource of the value in effect
  server::ConfigType type = server::ConfigType::kString;
  std::string doc;
  bool read_only = true;
  // Where the value comes from, most specific first, as Kafka lists them:
  // node 1's dynamic value, the cluster-wide one, the static or default
  // one, and the same config in other units (log.retention.hours for
  // log.retention.ms). Unset levels are left out.
  std::vector<DescribeConfigsResponse::Synonym> synonyms;
  // The cluster-wide dynamic value, when one is set (the broker resource "").
  std::optional<std::string> cluster_value;
};

// Sorted by name.
std::vector<BrokerConfig> broker_configs(const server::DaemonOptions& options,
                                         const server::DynamicConfigs& dynamic);

}  // namespace ks::kafka
