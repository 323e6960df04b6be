// Heartbeat (12).
#include "daemon/kafka/errors.h"
#include "daemon/kafka/handlers/handler.h"

namespace ks::kafka {

void handle_heartbeat(Context& cx) {
  HeartbeatRequest req;
  if (!decode_request(cx, &req)) return;
  server::Broker& broker = cx.broker();
  ErrorOnlyResponse r;
  server::KafkaGroups& groups = broker.kafka_groups();
  r.error_code = groups.check_instance(req.group_id, req.group_instance_id, req.member_id);
  if (r.error_code == kNone)
    r.error_code = groups.heartbeat(req.group_id, req.generation_id, req.member_id, broker.now_ms());
  reply(cx, r);
}

}  // namespace ks::kafka
