// ConsumerGroupHeartbeat (68): the consumer protocol of KIP-848. Topic
// ids on the wire, names in the coordinator.
#include "daemon/broker/topic_ids.h"
#include "daemon/kafka/errors.h"
#include "daemon/kafka/handlers/handler.h"
#include "daemon/kafka/messages_consumer_group.h"

namespace ks::kafka {

void handle_consumer_group_heartbeat(Context& cx) {
  ConsumerGroupHeartbeatRequest req;
  if (!decode_request(cx, &req)) return;
  server::Broker& broker = cx.broker();
  server::ConsumerHeartbeat hb;
  hb.group = req.group_id;
  hb.member_id = req.member_id;
  hb.member_epoch = req.member_epoch;
  hb.instance_id = req.instance_id;
  hb.rack_id = req.rack_id;
  hb.rebalance_timeout_ms = req.rebalance_timeout_ms;
  if (!req.topics_null) hb.topics = req.topics;
  hb.regex = req.topic_regex;
  hb.assignor = req.server_assignor;
  hb.client_id = cx.header().client_id.value_or("");
  hb.client_host = std::string(cx.peer());
  std::map<Uuid, std::string> names;
  if (!req.owned_null) {
    names = server::topics_by_id(broker);
    hb.owned.emplace();
    // A partition of a topic that is gone is simply not held any more.
    for (const auto& t : req.owned)
      if (auto n = names.find(t.topic_id); n != names.end())
        (*hb.owned)[n->second].insert(t.partitions.begin(), t.partitions.end());
  }
  server::ConsumerHeartbeatResult res = broker.consumer_groups().heartbeat(hb, broker.now_ms());
  ConsumerGroupHeartbeatResponse r;
  r.error_code = res.error;
  if (!res.error_message.empty()) r.error_message = res.error_message;
  if (res.error == kNone) r.member_id = res.member_id;
  r.member_epoch = res.member_epoch;
  r.heartbeat_interval_ms = res.heartbeat_interval_ms;
  if (res.error == kNone && res.assignment) {
    r.assignment.emplace();
    for (const auto& [topic, ps] : *res.assignment) {
      auto id = server::topic_id_of(broker, topic);
      if (!id || ps.empty()) continue;
      r.assignment->push_back({*id, {ps.begin(), ps.end()}});
    }
  }
  reply(cx, r);
}

}  // namespace ks::kafka
