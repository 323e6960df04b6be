// CreateTopics (19): one partition set per topic, replication factor 1.
#include "daemon/kafka/errors.h"
#include "daemon/kafka/handlers/handler.h"
#include "daemon/broker/topic_config.h"

namespace ks::kafka {
namespace {

// Creates (or, validate_only, checks) one topic; fills rt's error.
void create_one(Context& cx, const CreateTopicsRequest& req, const CreateTopicsRequest::Topic& t,
                CreateTopicsResponse::Topic& rt) {
  auto fail = [&](int16_t code, std::string msg) {
    rt.error_code = code;
    rt.error_message = std::move(msg);
  };
  server::Broker& broker = cx.broker();
  int32_t partitions = t.num_partitions;
  if (!t.assignments.empty()) {
    partitions = static_cast<int32_t>(t.assignments.size());
    for (const auto& a : t.assignments)
      if (a.brokers != std::vector<int32_t>{kNodeId})
        return fail(kInvalidReplicaAssignment, "this broker (node 1) is the only replica there is");
  }
  if (partitions == -1) partitions = cx.options().default_partitions;
  server::ConfigMap configs;
  for (const auto& cfg : t.configs)
    if (cfg.value) configs[cfg.name] = *cfg.value;
  if (t.replication_factor != -1 && t.replication_factor != 1) {
    fail(kInvalidReplicationFactor, "replication factor must be 1: ks is a single broker");
  } else if (partitions <= 0) {
    fail(kInvalidPartitions, "the number of partitions must be at least 1");
  } else if (auto name = TopicName::Parse(t.name); !name.ok()) {
    fail(kInvalidTopicException, name.status().message());
  } else if (Status s = server::validate_configs(configs); !s.ok()) {
    fail(kInvalidConfig, s.message());
  } else if (req.validate_only) {
    auto exists = broker.topics({*name}, false);
    if (exists.ok()) fail(kTopicAlreadyExists, "topic '" + t.name + "' already exists");
  } else if (Status s = broker.create_topic(*name, partitions, configs); !s.ok()) {
    // The name and the configs were checked above: an invalid argument now
    // is the partition count (over the per-topic maximum or the daemon's
    // --max-partitions).
    fail(s.code() == Code::kInvalidArgument ? int16_t{kInvalidPartitions} : default_error(s), s.message());
  }
}

}  // namespace

void handle_create_topics(Context& cx) {
  CreateTopicsRequest req;
  if (!decode_request(cx, &req)) return;
  CreateTopicsResponse r;
  for (const auto& t : req.topics) {
    CreateTopicsResponse::Topic rt;
    rt.name = t.name;
    create_one(cx, req, t, rt);
    r.topics.push_back(std::move(rt));
  }
  reply(cx, r);
}

}  // namespace ks::kafka
