#include "daemon/kafka/handlers/broker_configs.h"

#include <algorithm>

#include "daemon/broker/kafka_groups.h"
#include "daemon/kafka/messages_configs.h"

namespace ks::kafka {
namespace {

using server::ConfigType;

// Broker configs that are not a topic config's fallback, with Kafka's
// default and ks's value. A value that differs from Kafka's default is
// one ks sets (STATIC_BROKER_CONFIG).
struct Fixed {
  const char* name;
  const char* kafka_default;  // null: unset by default
  ConfigType type;
  const char* doc;
};

// Topic config fallbacks Kafka keeps unset or expresses in other units:
// they come with the ones the topic catalog names.
constexpr Fixed kExtra[] = {
    {"log.retention.ms", nullptr, ConfigType::kLong, "Retention in ms; unset: log.retention.minutes, then log.retention.hours."},
    {"log.retention.minutes", nullptr, ConfigType::kInt, "Retention in minutes; unset: log.retention.hours."},
    {"log.retention.hours", "168", ConfigType::kInt, "Retention in hours, when neither ms nor minutes are set."},
    {"log.roll.ms", nullptr, ConfigType::kLong, "Segment roll time in ms; unset: log.roll.hours."},
    {"log.roll.hours", "168", ConfigType::kInt, "Segment roll time in hours, when log.roll.ms is unset."},
    {"log.roll.jitter.ms", nullptr, ConfigType::kLong, "Roll jitter in ms; unset: log.roll.jitter.hours."},
    {"log.roll.jitter.hours", "0", ConfigType::kInt, "Roll jitter in hours."},
    {"log.flush.interval.ms", nullptr, ConfigType::kLong, "Flush interval; unset: log.flush.scheduler.interval.ms."},
    {"log.flush.scheduler.interval.ms", "9223372036854775807", ConfigType::kLong, "How often logs are checked for a due flush."},
};

int8_t source_of(const std::optional<std::string>& value, const char* kafka_default) {
  bool same = kafka_default ? value && *value == kafka_default : !value;
  return same ? kSourceDefault : kSourceStaticBroker;
}

// The same setting in coarser units, listed as synonyms after it.
constexpr std::pair<const char*, const char*> kUnits[] = {
    {"log.retention.ms", "log.retention.minutes"}, {"log.retention.ms", "log.retention.hours"},
    {"log.retention.minutes", "log.retention.hours"}, {"log.roll.ms", "log.roll.hours"},
    {"log.roll.jitter.ms", "log.roll.jitter.hours"}, {"log.flush.interval.ms", "log.flush.scheduler.interval.ms"},
};

using Synonym = DescribeConfigsResponse::Synonym;

// The static or default level of one config: its value, then Kafka's
// default under it when ks sets another.
void add_base(std::vector<Synonym>* out, const std::string& name, const std::optional<std::string>& value,
              int8_t source, const std::optional<std::string>& kafka_default) {
  if (value) out->push_back({name, value, source});
  if (source == kSourceStaticBroker && kafka_default) out->push_back({name, kafka_default, kSourceDefault});
}

// Lays the dynamic levels over each base entry and lists the synonyms.
void apply_dynamic(std::vector<BrokerConfig>& all, const std::vector<std::optional<std::string>>& defaults,
                   const server::DynamicConfigs& dynamic) {
  std::vector<std::vector<Synonym>> bases(all.size());
  for (size_t i = 0; i < all.size(); ++i) add_base(&bases[i], all[i].name, all[i].value, all[i].source, defaults[i]);
  auto base_of = [&](std::string_view name) -> const std::vector<Synonym>* {
    for (size_t i = 0; i < all.size(); ++i)
      if (all[i].name == name) return &bases[i];
    return nullptr;
  };
  for (size_t i = 0; i < all.size(); ++i) {
    BrokerConfig& b = all[i];
    std::vector<Synonym> syn;
    if (server::dynamic_broker_config(b.name)) {
      b.read_only = false;
      if (auto it = dynamic.node.find(b.name); it != dynamic.node.end())
        syn.push_back({b.name, it->second, kSourceDynamicBroker});
      if (auto it = dynamic.cluster.find(b.name); it != dynamic.cluster.end()) {
        syn.push_back({b.name, it->second, kSourceDynamicDefaultBroker});
        b.cluster_value = it->second;
      }
    }
    syn.insert(syn.end(), bases[i].begin(), bases[i].end());
    for (const auto& [finer, coarser] : kUnits)
      if (b.name == finer)
        if (const auto* more = base_of(coarser)) syn.insert(syn.end(), more->begin(), more->end());
    if (!syn.empty() &&
        (syn.front().source == kSourceDynamicBroker || syn.front().source == kSourceDynamicDefaultBroker)) {
      b.value = syn.front().value;
      b.source = syn.front().source;
    }
    b.synonyms = std::move(syn);
  }
}

}  // namespace

std::vector<BrokerConfig> broker_configs(const server::DaemonOptions& o, const server::DynamicConfigs& dynamic) {
  std::vector<BrokerConfig> out;
  std::vector<std::optional<std::string>> defaults;  // Kafka's, by entry
  auto add = [&](std::string name, std::optional<std::string> value, const char* kafka_default, ConfigType type,
                 std::string doc) {
    int8_t source = source_of(value, kafka_default);
    BrokerConfig b;
    b.name = std::move(name);
    b.value = std::move(value);
    b.source = source;
    b.type = type;
    b.doc = std::move(doc);
    out.push_back(std::move(b));
    defaults.push_back(kafka_default ? std::optional<std::string>(kafka_default) : std::nullopt);
  };
  // Each topic config's broker fallback holds the topic default, as in Kafka.
  for (const auto& d : server::topic_config_catalog()) {
    if (d.broker_name.empty() || d.legacy) continue;
    if (d.name == "retention.ms" || d.name == "segment.ms" || d.name == "segment.jitter.ms" || d.name == "flush.ms")
      continue;  // in kExtra, under Kafka's units
    std::string v(d.default_value);
    add(std::string(d.broker_name), v, v.c_str(), d.type, std::string(d.doc));
  }
  for (const Fixed& f : kExtra)
    add(f.name, f.kafka_default ? std::optional<std::string>(f.kafka_default) : std::nullopt, f.kafka_default,
        f.type, f.doc);
  add("auto.create.topics.enable", o.auto_create ? "true" : "false", "true", ConfigType::kBoolean,
      "Whether producing to (or asking metadata for) a missing topic creates it (ks daemon --auto-create).");
  add("num.partitions", std::to_string(o.default_partitions), "1", ConfigType::kInt,
      "Partitions of a topic created without a count (ks daemon --default-partitions).");
  add("default.replication.factor", "1", "1", ConfigType::kInt, "Replicas of a new topic: ks is one broker.");
  add("offsets.topic.replication.factor", "1", "3", ConfigType::kShort,
      "ks keeps committed offsets in its metadata database, not in a topic.");
  add("node.id", "1", nullptr, ConfigType::kInt, "ks is node 1.");
  add("broker.id", "1", "-1", ConfigType::kInt, "ks is broker 1.");
  add("process.roles", "broker,controller", "", ConfigType::kList, "ks is its own controller.");
  add("group.initial.rebalance.delay.ms", std::to_string(server::kInitialRebalanceDelayMs), "3000", ConfigType::kInt,
      "How long the first member of an empty group waits for others before the first rebalance (shorter than "
      "Kafka's: docs/KAFKA.md).");
  add("delete.topic.enable", "true", "true", ConfigType::kBoolean, "Topics can be deleted.");
  add("log.dirs", o.home + "/data", nullptr, ConfigType::kList, "Where partition logs are kept (the home's data/).");
  add("log.retention.check.interval.ms", std::to_string(o.retention_check_ms), "300000", ConfigType::kLong,
      "How often retention runs.");
  add("connections.max.idle.ms", std::to_string(o.kafka_idle_timeout_ms), "600000", ConfigType::kLong,
      "Idle Kafka connections are closed after this long.");
  apply_dynamic(out, defaults, dynamic);
  std::sort(out.begin(), out.end(), [](const BrokerConfig& a, const BrokerConfig& b) { return a.name < b.name; });
  return out;
}

}  // namespace ks::kafka
