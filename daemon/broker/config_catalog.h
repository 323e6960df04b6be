// The catalog of topic configs: every name Apache Kafka 4.4's LogConfig
// defines, with its type, default, valid values, the broker config it
// falls back to, and what ks does with it. CreateTopics, AlterConfigs,
// IncrementalAlterConfigs, DescribeConfigs and `ks topic create|alter`
// all go through this one table, so a name or a rule is written once.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace ks::server {

// DescribeConfigs' ConfigType numbers (Kafka's ConfigDef types).
enum class ConfigType : int8_t {
  kBoolean = 1,
  kString = 2,
  kInt = 3,
  kShort = 4,
  kLong = 5,
  kDouble = 6,
  kList = 7,
  kClass = 8,
  kPassword = 9,
};

// What ks does with a config.
enum class Effect : uint8_t {
  kApplied,  // behaves as in Kafka
  kStored,   // accepted, stored and described; nothing to do on one broker
             // without replicas, compaction or tiered storage
  kPartly,   // values ks can honour are applied, the others refused with
             // the reason (check_supported)
};

struct ConfigDef {
  std::string_view name;
  ConfigType type;
  std::string_view default_value;  // as Kafka describes it
  std::string_view broker_name;    // the broker config it defaults from; "" none
  Effect effect;
  int64_t min = INT64_MIN;         // numeric types: valid range
  int64_t max = INT64_MAX;
  std::string_view valid;          // STRING/LIST: accepted values, comma-separated; "" any
  std::string_view doc;            // DescribeConfigs v3+ documentation
  // A custom value check (compression levels, throttled replica lists,
  // the ratio); null: the type, range and `valid` are enough.
  Status (*check)(const ConfigDef&, std::string_view value) = nullptr;
  // A name Kafka 4 dropped that clients built for Kafka 3 still send;
  // accepted, and described only when a topic sets it.
  bool legacy = false;
};

// Every topic config, sorted by name.
std::span<const ConfigDef> topic_config_catalog();
// The entry for `name`, or null when Kafka has no such topic config.
const ConfigDef* find_topic_config(std::string_view name);

// Checks `value` as Kafka's ConfigDef parses and validates it: the type
// (integers in range of INT/LONG, true/false, doubles), the range and the
// valid strings. InvalidArgument in Kafka's words: "Invalid value V for
// configuration N: why".
Status check_value(const ConfigDef& def, std::string_view value);
// For a value Kafka accepts but ks cannot honour: InvalidArgument saying why.
Status check_supported(const ConfigDef& def, std::string_view value);

// Parsing as Kafka does (surrounding whitespace trimmed). parse_long
// refuses values outside int64; parse_bool takes true/false in any case.
bool parse_long(std::string_view s, int64_t* v);
bool parse_bool(std::string_view s, bool* v);
// A LIST value's elements, each trimmed; "" is the empty list.
std::vector<std::string> split_list(std::string_view s);
std::string_view trim(std::string_view s);

}  // namespace ks::server
