// Metadata (3): this broker, and the partitions of the topics asked for
// (created when the client allows it and the daemon auto-creates).
#include "daemon/broker/topic_ids.h"
#include "daemon/kafka/errors.h"
#include "daemon/kafka/handlers/handler.h"

namespace ks::kafka {

void handle_metadata(Context& cx) {
  MetadataRequest req;
  if (!decode_request(cx, &req)) return;
  server::Broker& broker = cx.broker();
  MetadataResponse r;
  r.brokers.push_back({kNodeId, cx.advertised_host(), cx.advertised_port(), std::nullopt});
  auto cluster = broker.cluster_id();
  if (cluster.ok()) r.cluster_id = *cluster;
  r.controller_id = kNodeId;
  std::vector<std::string> names = req.topics;
  if (req.all_topics) {
    auto all = broker.topics({}, false);
    if (all.ok())
      for (const auto& t : *all) names.push_back(t.name.str());
  }
  bool create = cx.version() >= 4 ? req.allow_auto_topic_creation : true;
  for (const auto& name : names) {
    MetadataResponse::Topic t;
    t.name = name;
    auto topic = TopicName::Parse(name);
    auto count = topic.ok() ? broker.partition_count(*topic, create) : Result<int32_t>(topic.status());
    if (!count.ok()) {
      t.error_code =
          count.status().code() == Code::kInvalidArgument ? kInvalidTopicException : kUnknownTopicOrPartition;
    } else {
      // Topic ids (v10+): the consumer protocol names partitions by id.
      if (cx.version() >= 10) t.topic_id = server::topic_id_of(broker, name).value_or(Uuid{});
      for (int32_t p = 0; p < *count; ++p) {
        MetadataResponse::Partition part;
        part.index = p;
        part.leader = kNodeId;
        part.replicas = {kNodeId};
        part.isr = {kNodeId};
        t.partitions.push_back(std::move(part));
      }
    }
    r.topics.push_back(std::move(t));
  }
  // ks looks topics up by name only; one asked for by id alone is unknown.
  for (const auto& id : req.ids_without_name) {
    MetadataResponse::Topic t;
    t.error_code = kUnknownTopicId;
    t.topic_id = id;
    r.topics.push_back(std::move(t));
  }
  reply(cx, r);
}

}  // namespace ks::kafka
