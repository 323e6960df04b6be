// LeaveGroup (13): one member (v0-2) or a batch of them (v3).
#include "daemon/kafka/handlers/handler.h"

namespace ks::kafka {

void handle_leave_group(Context& cx) {
  LeaveGroupRequest req;
  if (!decode_request(cx, &req)) return;
  server::Broker& broker = cx.broker();
  server::KafkaGroups& groups = broker.kafka_groups();
  const int64_t now = broker.now_ms();
  LeaveGroupResponse r;
  if (cx.version() <= 2) {
    r.error_code = groups.leave(req.group_id, req.member_id, now);
  } else {
    for (const auto& m : req.members)
      r.members.push_back({m.member_id, m.group_instance_id, groups.leave(req.group_id, m.member_id, now, m.group_instance_id)});
  }
  reply(cx, r);
}

}  // namespace ks::kafka
