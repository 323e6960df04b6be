// DescribeConfigs (32): a topic's configs (every Kafka topic config, the
// ones it overrides as DYNAMIC_TOPIC_CONFIG, the rest from the broker
// config each falls back to, listed as synonyms), and the broker configs
// of node 1 or the cluster-wide dynamic ones (broker_configs.h). Errors are per resource.
#include <algorithm>

#include "daemon/broker/config_catalog.h"
#include "daemon/kafka/errors.h"
#include "daemon/kafka/handlers/broker_configs.h"
#include "daemon/kafka/handlers/handler.h"
#include "daemon/kafka/messages_configs.h"

namespace ks::kafka {
namespace {

using Config = DescribeConfigsResponse::Config;
using Request = DescribeConfigsRequest;

struct Want {
  const Request::Resource& resource;
  bool synonyms, docs;
  int16_t version;
  bool wants(std::string_view name) const {
    return resource.all_keys || std::find(resource.keys.begin(), resource.keys.end(), name) != resource.keys.end();
  }
};

Config entry(std::string name, std::optional<std::string> value, int8_t source, server::ConfigType type,
             std::string_view doc, const Want& w) {
  Config c;
  c.name = std::move(name);
  c.value = std::move(value);
  c.source = source;
  c.is_default = source == kSourceDefault;
  c.type = static_cast<int8_t>(type);
  if (w.docs) c.documentation = std::string(doc);
  return c;
}

const BrokerConfig* find_broker(const std::vector<BrokerConfig>& all, std::string_view name) {
  for (const auto& b : all)
    if (b.name == name) return &b;
  return nullptr;
}

// The broker config a topic config's default is described from when no
// dynamic value is set, in the units Kafka reports.
std::string_view fallback_of(const server::ConfigDef& d) {
  if (d.name == "retention.ms") return "log.retention.hours";
  if (d.name == "segment.ms") return "log.roll.hours";
  if (d.name == "segment.jitter.ms") return "log.roll.jitter.hours";
  if (d.name == "flush.ms") return "log.flush.scheduler.interval.ms";
  return d.broker_name;
}

void describe_topic(Context& cx, const Want& w, DescribeConfigsResponse::Result& r) {
  auto name = server::existing_topic_name(w.resource.name);
  auto info = name.ok() ? cx.broker().topics({*name}, false) : Result<std::vector<server::TopicInfo>>(name.status());
  if (!info.ok()) {
    r.error_code = default_error(info.status());
    r.error_message = info.status().message();
    return;
  }
  const server::ConfigMap& set = info->front().configs;
  auto brokers = broker_configs(cx.options(), cx.broker().dynamic_configs());
  for (const auto& d : server::topic_config_catalog()) {
    auto it = set.find(std::string(d.name));
    bool overridden = it != set.end();
    if ((d.legacy && !overridden) || !w.wants(d.name)) continue;
    std::string value = overridden ? it->second : std::string(d.default_value);
    int8_t source = overridden ? kSourceTopic : kSourceDefault;
    // The broker config the default comes from: set dynamically (which
    // gives the value), else in the units Kafka reports (log.retention.hours
    // for retention.ms) statically or by default.
    const BrokerConfig* b = find_broker(brokers, d.broker_name);
    if (b && b->value && (b->source == kSourceDynamicBroker || b->source == kSourceDynamicDefaultBroker)) {
      if (!overridden) value = *b->value, source = b->source;
    } else if (const BrokerConfig* base = find_broker(brokers, fallback_of(d)); base && base->value && !overridden) {
      source = base->source;
    }
    Config c = entry(std::string(d.name), value, source, d.type, d.doc, w);
    if (w.synonyms) {
      if (overridden) c.synonyms.push_back({c.name, value, kSourceTopic});
      if (b) c.synonyms.insert(c.synonyms.end(), b->synonyms.begin(), b->synonyms.end());
    }
    r.configs.push_back(std::move(c));
  }
}

// Node 1 describes every broker config; the broker resource "" (the
// cluster-wide defaults) only those set dynamically at that level.
void describe_broker(Context& cx, const Want& w, DescribeConfigsResponse::Result& r) {
  const bool cluster = w.resource.name.empty();
  if (!cluster && w.resource.name != std::to_string(kNodeId)) {
    r.error_code = kInvalidRequest;
    r.error_message = "ks is one broker, node " + std::to_string(kNodeId) + "; there is no broker '" +
                      w.resource.name + "'";
    return;
  }
  for (const auto& b : broker_configs(cx.options(), cx.broker().dynamic_configs())) {
    if (!w.wants(b.name) || (cluster && !b.cluster_value)) continue;
    Config c = cluster ? entry(b.name, b.cluster_value, kSourceDynamicDefaultBroker, b.type, b.doc, w)
                       : entry(b.name, b.value, b.source, b.type, b.doc, w);
    c.read_only = b.read_only;
    if (w.synonyms) {
      if (cluster)
        c.synonyms.push_back({b.name, b.cluster_value, kSourceDynamicDefaultBroker});
      else
        c.synonyms = b.synonyms;
    }
    r.configs.push_back(std::move(c));
  }
}

}  // namespace

void handle_describe_configs(Context& cx) {
  Request req;
  if (!decode_request(cx, &req)) return;
  DescribeConfigsResponse resp;
  for (const auto& res : req.resources) {
    DescribeConfigsResponse::Result r;
    r.type = res.type;
    r.name = res.name;
    // v0 has no synonyms; documentation only from v3.
    Want w{res, req.include_synonyms && cx.version() >= 1, req.include_documentation && cx.version() >= 3,
           cx.version()};
    if (res.type == kResourceTopic) {
      describe_topic(cx, w, r);
    } else if (res.type == kResourceBroker) {
      describe_broker(cx, w, r);
    } else if (res.type == kResourceBrokerLogger) {
      r.error_code = kInvalidRequest;
      r.error_message = "ks has no broker loggers to describe: its log level is fixed (daemon.log in the home)";
    } else {
      r.error_code = kInvalidRequest;
      r.error_message = "ks describes topic (2) and broker (4) configs, not resource type " +
                        std::to_string(res.type);
    }
    resp.results.push_back(std::move(r));
  }
  reply(cx, resp);
}

}  // namespace ks::kafka
