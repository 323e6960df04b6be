// AlterConfigs (33) and IncrementalAlterConfigs (44). AlterConfigs
// replaces a topic's overrides with the ones given; the incremental form
// sets, deletes, appends to or subtracts from single configs. Either way
// the topic's resulting overrides are validated as a whole (the catalog,
// config_catalog.h), nothing changes with validate_only, and otherwise the
// change is in meta.db (answered once synced) and applied to the topic's
// partitions at once. Broker resources ("" for the cluster-wide defaults,
// "1" for node 1) take the dynamic broker configs, the broker-level
// defaults of topic configs (daemon/broker/dynamic_configs.h), the same
// way. Errors are per resource.
#include <algorithm>
#include <set>

#include "daemon/broker/config_catalog.h"
#include "daemon/kafka/errors.h"
#include "daemon/kafka/handlers/handler.h"
#include "daemon/kafka/messages_configs.h"

namespace ks::kafka {
namespace {

using Resource = AlterConfigsRequest::Resource;

struct Outcome {
  int16_t code = kNone;
  std::string message;
};

Outcome fail(int16_t code, std::string message) { return {code, std::move(message)}; }

// APPEND / SUBTRACT on a LIST config, starting from its override or, when
// the resource has none, the topic config's default.
Outcome change_list(const AlterConfigsRequest::Config& c, const server::ConfigDef& def, server::ConfigMap* next) {
  const char* verb = c.op == kOpAppend ? "append" : "subtract";
  if (def.type != server::ConfigType::kList)
    return fail(kInvalidConfig, std::string("Config value ") + verb + " is not allowed for config key: " + c.name);
  auto it = next->find(c.name);
  auto items = server::split_list(it != next->end() ? it->second : std::string(def.default_value));
  for (const auto& v : server::split_list(*c.value)) {
    auto at = std::find(items.begin(), items.end(), v);
    if (c.op == kOpAppend && at == items.end()) items.push_back(v);
    if (c.op == kOpSubtract && at != items.end()) items.erase(at);
  }
  std::string joined;
  for (const auto& v : items) joined += (joined.empty() ? "" : ",") + v;
  (*next)[c.name] = joined;
  return {};
}

// The resource's configs after the request's changes to `current`: a
// topic's overrides, or one level of dynamic broker configs (whose names
// are checked afterwards, as a whole: server::validate_dynamic).
Outcome next_configs(const Resource& res, bool incremental, const server::ConfigMap& current,
                     server::ConfigMap* next) {
  const bool broker = res.type == kResourceBroker;
  *next = incremental ? current : server::ConfigMap{};
  std::set<std::string> seen;
  for (const auto& c : res.configs) {
    if (!seen.insert(c.name).second)
      return fail(kInvalidRequest, "Error due to duplicate config keys: " + c.name);
    const server::ConfigDef* def =
        broker ? server::dynamic_broker_config(c.name) : server::find_topic_config(c.name);
    if (def == nullptr && !broker) return fail(kInvalidConfig, "Unknown topic config name: " + c.name);
    if (c.op < kOpSet || c.op > kOpSubtract)
      return fail(kInvalidRequest, "unknown config operation " + std::to_string(c.op) + " for " + c.name);
    if (c.op == kOpDelete) {
      next->erase(c.name);
      continue;
    }
    if (!c.value)
      return fail(kInvalidConfig, std::string("Null value not supported for ") + (broker ? "broker" : "topic") +
                                      " config: " + c.name);
    if (c.op == kOpSet || def == nullptr) {
      (*next)[c.name] = *c.value;
      continue;
    }
    if (Outcome o = change_list(c, *def, next); o.code != kNone) return o;
  }
  return {};
}

Outcome alter_topic(Context& cx, const Resource& res, bool incremental, bool validate_only) {
  server::Broker& broker = cx.broker();
  auto name = server::existing_topic_name(res.name);
  auto info = name.ok() ? broker.topics({*name}, false) : Result<std::vector<server::TopicInfo>>(name.status());
  if (!info.ok()) return fail(default_error(info.status()), info.status().message());
  const server::ConfigMap& current = info->front().configs;
  server::ConfigMap next;
  if (Outcome o = next_configs(res, incremental, current, &next); o.code != kNone) return o;
  if (Status s = server::validate_configs(next); !s.ok()) return fail(kInvalidConfig, s.message());
  if (validate_only) return {};
  server::ConfigMap set;
  std::vector<std::string> unset;
  for (const auto& [k, v] : next)
    if (auto it = current.find(k); it == current.end() || it->second != v) set[k] = v;
  for (const auto& [k, v] : current)
    if (!next.count(k)) unset.push_back(k);
  if (set.empty() && unset.empty()) return {};
  Status s = broker.alter_topic(*name, set, unset, std::nullopt);
  if (!s.ok()) return fail(s.code() == Code::kInvalidArgument ? int16_t{kInvalidConfig} : default_error(s), s.message());
  return {};
}

// A broker resource: "" is the cluster-wide level, "1" node 1's.
Outcome alter_broker(Context& cx, const Resource& res, bool incremental, bool validate_only) {
  const bool node = res.name == std::to_string(kNodeId);
  if (!node && !res.name.empty())
    return fail(kInvalidRequest, "ks is one broker, node " + std::to_string(kNodeId) + "; there is no broker '" +
                                     res.name + "'");
  const server::DynamicConfigs& dynamic = cx.broker().dynamic_configs();
  const server::ConfigMap& current = node ? dynamic.node : dynamic.cluster;
  server::ConfigMap next;
  if (Outcome o = next_configs(res, incremental, current, &next); o.code != kNone) return o;
  if (next == current && !validate_only) return {};
  Status s = cx.broker().set_dynamic_configs(node, next, validate_only);
  if (s.code() == Code::kInvalidArgument)
    return fail(kInvalidRequest, "Invalid config value for broker resource '" + res.name + "': " + s.message());
  if (!s.ok()) return fail(default_error(s), s.message());
  return {};
}

Outcome alter_one(Context& cx, const Resource& res, bool incremental, bool validate_only) {
  switch (res.type) {
    case kResourceTopic:
      return alter_topic(cx, res, incremental, validate_only);
    case kResourceBroker:
      return alter_broker(cx, res, incremental, validate_only);
    case kResourceBrokerLogger:
      return fail(kInvalidRequest, "ks has no broker loggers to change: its log level is fixed");
    default:
      return fail(kInvalidRequest,
                  "ks alters topic (2) and broker (4) configs, not resource type " + std::to_string(res.type));
  }
}

void alter(Context& cx, bool incremental) {
  AlterConfigsRequest req;
  req.incremental = incremental;
  if (!decode_request(cx, &req)) return;
  AlterConfigsResponse resp;
  std::set<std::pair<int8_t, std::string>> seen, twice;
  for (const auto& res : req.resources)
    if (!seen.insert({res.type, res.name}).second) twice.insert({res.type, res.name});
  for (const auto& res : req.resources) {
    AlterConfigsResponse::Result r;
    r.type = res.type;
    r.name = res.name;
    Outcome o = twice.count({res.type, res.name})
                    ? fail(kInvalidRequest, "Duplicate resource in the request: " + res.name)
                    : alter_one(cx, res, incremental, req.validate_only);
    r.error_code = o.code;
    if (o.code != kNone) r.error_message = o.message;
    resp.results.push_back(std::move(r));
  }
  reply(cx, resp);
}

}  // namespace

void handle_alter_configs(Context& cx) { alter(cx, false); }
void handle_incremental_alter_configs(Context& cx) { alter(cx, true); }

}  // namespace ks::kafka
