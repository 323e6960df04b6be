// JoinGroup (11): answered when the group's rebalance completes.
#include "daemon/kafka/handlers/handler.h"

namespace ks::kafka {

void handle_join_group(Context& cx) {
  JoinGroupRequest req;
  if (!decode_request(cx, &req)) return;
  server::KafkaJoinRequest jr;
  jr.group = req.group_id;
  jr.member_id = req.member_id;
  jr.protocol_type = req.protocol_type;
  jr.client_id = cx.header().client_id.value_or("");
  jr.client_host = std::string(cx.peer());
  jr.session_timeout_ms = req.session_timeout_ms;
  jr.rebalance_timeout_ms = req.rebalance_timeout_ms >= 0 ? req.rebalance_timeout_ms : req.session_timeout_ms;
  for (auto& p : req.protocols) jr.protocols.emplace_back(std::move(p.name), std::move(p.metadata));
  jr.require_known_member_id = cx.version() >= 4;
  if (req.group_instance_id && !req.group_instance_id->empty()) jr.instance_id = req.group_instance_id;
  auto answer = later<JoinGroupResponse>(cx);
  server::Broker& broker = cx.broker();
  broker.kafka_groups().join(jr, broker.now_ms(), [answer](const server::KafkaJoinResult& res) {
    JoinGroupResponse r;
    r.error_code = res.error;
    r.generation_id = res.generation;
    r.protocol_name = res.protocol_name;
    r.leader = res.leader;
    r.member_id = res.member_id;
    for (size_t i = 0; i < res.members.size(); ++i) {
      auto instance = i < res.member_instances.size() ? res.member_instances[i] : std::nullopt;
      r.members.push_back({res.members[i].first, std::move(instance), res.members[i].second});
    }
    answer(r);
  });
}

}  // namespace ks::kafka
