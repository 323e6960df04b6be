#include "daemon/broker/dynamic_configs.h"

#include <nlohmann/json.hpp>

namespace ks::server {

DynamicConfigs initial_dynamic_configs() {
  return DynamicConfigs{.cluster = {{"min.insync.replicas", "1"}}, .node = {}};
}

const ConfigDef* dynamic_broker_config(std::string_view broker_name) {
  if (broker_name.empty()) return nullptr;
  for (const ConfigDef& c : topic_config_catalog())
    if (!c.legacy && c.broker_name == broker_name) return &c;
  return nullptr;
}

Status validate_dynamic(const ConfigMap& layer) {
  std::string fixed;
  for (const auto& [name, value] : layer)
    if (!dynamic_broker_config(name)) {
      if (!fixed.empty()) fixed += ", ";
      fixed += name;
    }
  if (!fixed.empty())
    return Status::InvalidArgument("Cannot update these configs dynamically: " + fixed +
                                   " (ks changes the broker-level defaults of topic configs; the rest are "
                                   "`ks daemon start` options)");
  for (const auto& [name, value] : layer) {
    const ConfigDef* def = dynamic_broker_config(name);
    ConfigDef as_broker = *def;
    as_broker.name = name;  // errors name the broker config
    KS_RETURN_IF_ERROR(check_value(as_broker, value));
    KS_RETURN_IF_ERROR(check_supported(as_broker, value));
  }
  return Status::OK();
}

ConfigMap topic_defaults(const DynamicConfigs& d) {
  ConfigMap out;
  for (const ConfigMap* layer : {&d.cluster, &d.node})
    for (const auto& [name, value] : *layer)
      if (const ConfigDef* def = dynamic_broker_config(name)) out[std::string(def->name)] = value;
  return out;
}

std::string layer_to_json(const ConfigMap& layer) { return nlohmann::json(layer).dump(); }

Result<ConfigMap> layer_from_json(const std::string& json) {
  auto j = nlohmann::json::parse(json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Status::Corruption("broker configs in meta.db are not a JSON object");
  ConfigMap out;
  for (const auto& [k, v] : j.items()) {
    if (!v.is_string()) return Status::Corruption("broker config " + k + " in meta.db is not a string");
    out[k] = v.get<std::string>();
  }
  return out;
}

}  // namespace ks::server
