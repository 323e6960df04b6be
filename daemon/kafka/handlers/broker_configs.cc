#include "daemon/kafka/handlers/broker_configs.h"

#include <algorithm>

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

}  // namespace

std::vector<BrokerConfig> broker_configs(const server::DaemonOptions& o) {
  std::vector<BrokerConfig> out;
  auto add = [&](std::string name, std::optional<std::string> value, const char* kafka_default, ConfigType type,
                 std::string doc) {
    int8_t source = source_of(value, kafka_default);
    out.push_back({std::move(name), std::move(value), source, type, std::move(doc)});
  };
  // Each topic config's broker fallback holds the topic default, as in Kafka.
  for (const auto& d : server::topic_config_catalog()) {
    if (d.broker_name.empty() || d.legacy) continue;
    if (d.name == "retention.ms" || d.name == "segment.ms" || d.name == "segment.jitter.ms" || d.name == "flush.ms")
      continue;  // in kExtra, under Kafka's units
    std::string v(d.default_value);
    add(std::string(d.broker_name), v, v.c_str(), d.type, std::string(d.doc));
  }
  // A Kafka 4.4 cluster formatted with eligible leader replicas (the
  // default) sets min.insync.replicas cluster-wide, so clients see it as a
  // dynamic default on every broker and as the source of each topic's value.
  for (BrokerConfig& b : out)
    if (b.name == "min.insync.replicas") b.source = kSourceDynamicDefaultBroker;
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
  add("delete.topic.enable", "true", "true", ConfigType::kBoolean, "Topics can be deleted.");
  add("log.dirs", o.home + "/data", nullptr, ConfigType::kList, "Where partition logs are kept (the home's data/).");
  add("log.retention.check.interval.ms", std::to_string(o.retention_check_ms), "300000", ConfigType::kLong,
      "How often retention runs.");
  add("connections.max.idle.ms", std::to_string(o.kafka_idle_timeout_ms), "600000", ConfigType::kLong,
      "Idle Kafka connections are closed after this long.");
  std::sort(out.begin(), out.end(), [](const BrokerConfig& a, const BrokerConfig& b) { return a.name < b.name; });
  return out;
}

}  // namespace ks::kafka
