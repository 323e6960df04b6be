// Heartbeat (12).
#include "daemon/kafka/handlers/handler.h"

namespace ks::kafka {

void handle_heartbeat(Context& cx) {
  HeartbeatRequest req;
  if (!decode_request(cx, &req)) return;
  server::Broker& broker = cx.broker();
  ErrorOnlyResponse r;
  r.error_code = broker.kafka_groups().heartbeat(req.group_id, req.generation_id, req.member_id, broker.now_ms());
  reply(cx, r);
}

}  // namespace ks::kafka
