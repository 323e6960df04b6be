// adopt_topic {topic, configs} and remove_orphans {topic}: `ks topic adopt`
// and `ks topic delete --orphan` on directories no topic owns.
#include "daemon/native/op_orphans.h"

#include "daemon/broker/broker.h"
#include "daemon/native/fields.h"
#include "daemon/native/ops.h"

namespace ks::native {

void op_adopt_topic(Session& s) {
  auto topic = TopicName::Parse(str_at(s.request(), "topic"));
  if (!topic.ok()) return s.reply(topic.status());
  server::ConfigMap configs;
  if (s.request().contains("configs")) configs = s.request()["configs"].get<server::ConfigMap>();
  s.reply(s.broker().adopt_topic(*topic, configs));
}

void op_remove_orphans(Session& s) {
  auto topic = TopicName::Parse(str_at(s.request(), "topic"));
  if (!topic.ok()) return s.reply(topic.status());
  s.reply(s.broker().remove_orphans(*topic));
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

}  // namespace ks::native
