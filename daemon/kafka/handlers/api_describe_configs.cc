// DescribeConfigs (32): a topic's configs (every Kafka topic config, the
// ones it overrides as DYNAMIC_TOPIC_CONFIG, the rest as DEFAULT_CONFIG,
// with the broker config each falls back to as a synonym), and the broker
// configs of node 1 (broker_configs.h). Errors are per resource.
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

// A broker config's synonyms, most specific first: a cluster-wide dynamic
// default hides the static default below it, and Kafka lists both.
void add_broker_synonyms(Config& c, const BrokerConfig& b) {
  if (!b.value) return;
  c.synonyms.push_back({b.name, b.value, b.source});
  if (b.source == kSourceDynamicDefaultBroker) c.synonyms.push_back({b.name, b.value, kSourceDefault});
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
  auto brokers = broker_configs(cx.options());
  for (const auto& d : server::topic_config_catalog()) {
    auto it = set.find(std::string(d.name));
    bool overridden = it != set.end();
    if ((d.legacy && !overridden) || !w.wants(d.name)) continue;
    std::string value = overridden ? it->second : std::string(d.default_value);
    // The broker config the default comes from, in the units Kafka
    // reports (log.retention.hours for retention.ms).
    std::string_view fallback = d.broker_name;
    if (d.name == "retention.ms") fallback = "log.retention.hours";
    if (d.name == "segment.ms") fallback = "log.roll.hours";
    if (d.name == "segment.jitter.ms") fallback = "log.roll.jitter.hours";
    if (d.name == "flush.ms") fallback = "log.flush.scheduler.interval.ms";
    const BrokerConfig* b = find_broker(brokers, fallback);
    // A default set on the broker (statically or cluster-wide) is the
    // source of a topic value left unset, as in Kafka.
    int8_t source = kSourceDefault;
    if (overridden)
      source = kSourceTopic;
    else if (b && b->value)
      source = b->source;
    Config c = entry(std::string(d.name), value, source, d.type, d.doc, w);
    if (w.synonyms) {
      if (overridden) c.synonyms.push_back({c.name, value, kSourceTopic});
      if (b) add_broker_synonyms(c, *b);
    }
    r.configs.push_back(std::move(c));
  }
}

void describe_broker(Context& cx, const Want& w, DescribeConfigsResponse::Result& r) {
  if (w.resource.name != std::to_string(kNodeId) && !w.resource.name.empty()) {
    r.error_code = kInvalidRequest;
    r.error_message = "ks is one broker, node " + std::to_string(kNodeId) + "; there is no broker '" +
                      w.resource.name + "'";
    return;
  }
  for (const auto& b : broker_configs(cx.options())) {
    if (!w.wants(b.name)) continue;
    Config c = entry(b.name, b.value, b.source, b.type, b.doc, w);
    c.read_only = true;  // ks takes its settings at start
    if (w.synonyms) add_broker_synonyms(c, b);
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
