#include "daemon/broker/orphan_ops.h"

#include "daemon/broker/broker.h"

namespace ks::server {

bool is_orphan_op(const std::string& op) { return op == "adopt_topic" || op == "remove_orphans"; }

Status run_orphan_op(Broker& broker, const std::string& op, const nlohmann::json& req) {
  auto topic = TopicName::Parse(req.at("topic").get<std::string>());
  if (!topic.ok()) return topic.status();
  if (op == "adopt_topic") {
    ConfigMap configs;
    if (req.contains("configs")) configs = req["configs"].get<ConfigMap>();
    return broker.adopt_topic(*topic, configs);
  }
  return broker.remove_orphans(*topic);
}

nlohmann::json orphans_json(const std::vector<meta::OrphanDir>& orphans) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& o : orphans) {
    nlohmann::json j{{"dir", "data/" + o.name}, {"bytes", o.log_bytes}};
    if (o.partition >= 0) {
      j["topic"] = o.topic;
      j["partition"] = o.partition;
    }
    arr.push_back(std::move(j));
  }
  return arr;
}

}  // namespace ks::server
