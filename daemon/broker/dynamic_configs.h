// Dynamic broker configs, as Kafka's `kafka-configs --alter --entity-type
// brokers` sets them: the broker-level defaults of topic configs
// (log.retention.ms, compression.type, message.max.bytes, ...), each either
// cluster-wide (the broker resource named "": DYNAMIC_DEFAULT_BROKER_CONFIG)
// or for node 1 alone ("1": DYNAMIC_BROKER_CONFIG, which wins). A topic
// that does not override a config takes it from here, then from the
// catalog's default (config_catalog.h).
//
// Only the broker names Kafka makes dynamic for topic defaults are
// accepted: each topic config's broker synonym (ConfigDef::broker_name).
// The layers are kept in meta.db's settings as JSON objects.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "daemon/broker/config_catalog.h"
#include "daemon/broker/topic_config.h"

namespace ks::server {

struct DynamicConfigs {
  ConfigMap cluster;  // broker names → values, resource ""
  ConfigMap node;     // resource "1"
};

// What a Kafka 4.4 cluster formatted with its defaults holds: eligible
// leader replicas set min.insync.replicas cluster-wide.
DynamicConfigs initial_dynamic_configs();

// The topic config whose broker-level default `broker_name` is, when that
// name is a dynamic broker config; null otherwise.
const ConfigDef* dynamic_broker_config(std::string_view broker_name);

// Checks one layer as a whole: every name dynamic (InvalidArgument
// "Cannot update these configs dynamically: ...") and every value valid
// for its topic config and honoured by ks.
Status validate_dynamic(const ConfigMap& layer);

// The topic defaults the layers set, by topic config name (node over
// cluster): what policy_for() lays over the catalog's defaults.
ConfigMap topic_defaults(const DynamicConfigs& d);

// meta.db settings keys and the JSON of one layer.
inline constexpr const char* kClusterConfigsKey = "broker_configs.cluster";
inline constexpr const char* kNodeConfigsKey = "broker_configs.node";
std::string layer_to_json(const ConfigMap& layer);
Result<ConfigMap> layer_from_json(const std::string& json);

}  // namespace ks::server
