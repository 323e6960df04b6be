#include "daemon/broker/topic_ids.h"

#include "daemon/broker/broker.h"

namespace ks::server {
namespace {

// FNV-1a, 64 bits, from a given basis: two bases give the id's halves.
uint64_t fnv(std::string_view bytes, uint64_t h) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  return h;
}

}  // namespace

kafka::Uuid topic_id(std::string_view name, int64_t created_ms) {
  std::string key(name);
  key.push_back('\0');
  key += std::to_string(created_ms);
  kafka::Uuid id{fnv(key, 0xcbf29ce484222325ULL), fnv(key, 0x84222325cbf29ce4ULL)};
  // Zero is "no id" and (0, 1) is Kafka's metadata topic: never either.
  if (id.hi == 0) id.hi = 1;
  return id;
}

std::optional<kafka::Uuid> topic_id_of(Broker& broker, const std::string& name) {
  auto parsed = TopicName::Parse(name);
  if (!parsed.ok()) return std::nullopt;
  auto info = broker.topics({*parsed}, false);
  if (!info.ok() || info->empty()) return std::nullopt;
  return topic_id(name, info->front().created_ms);
}

std::map<kafka::Uuid, std::string> topics_by_id(Broker& broker) {
  std::map<kafka::Uuid, std::string> out;
  auto all = broker.topics({}, false);
  if (all.ok())
    for (const auto& t : *all) out[topic_id(t.name.str(), t.created_ms)] = t.name.str();
  return out;
}

}  // namespace ks::server
