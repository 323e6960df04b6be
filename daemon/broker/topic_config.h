// Topic configs: the keys ks understands, their validation, and how they
// become a storage::LogConfig. Values travel as strings (as in Kafka).
#pragma once

#include <map>
#include <string>

#include "common/status.h"
#include "daemon/storage/log.h"

namespace ks::server {

using ConfigMap = std::map<std::string, std::string>;

struct TopicPolicy {
  storage::LogConfig log;
  int64_t flush_ms = -1;        // -1: no time-based flush
  int64_t flush_messages = -1;  // -1: no count-based flush
};

// Checks every key and value; InvalidArgument naming the first bad one and
// listing what is accepted.
Status validate_configs(const ConfigMap& configs);
// Known keys with their default values, for describe output.
const ConfigMap& default_configs();
// Defaults overlaid with `configs` (already validated).
TopicPolicy policy_for(const ConfigMap& configs);

}  // namespace ks::server
