// Kafka topic ids for ks topics. ks keeps no id in meta.db: a topic's id
// is derived from its name and creation time, so it is the same after a
// restart and differs when a topic is deleted and created again (unless
// within the same millisecond).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "daemon/kafka/wire.h"

namespace ks::server {

class Broker;

kafka::Uuid topic_id(std::string_view name, int64_t created_ms);
// The id of an existing topic, or nullopt.
std::optional<kafka::Uuid> topic_id_of(Broker& broker, const std::string& name);
// Every topic by id.
std::map<kafka::Uuid, std::string> topics_by_id(Broker& broker);

}  // namespace ks::server
