// FindCoordinator (10): this broker, for groups; no transactions.
#include "daemon/kafka/errors.h"
#include "daemon/kafka/handlers/handler.h"

namespace ks::kafka {

void handle_find_coordinator(Context& cx) {
  FindCoordinatorRequest req;
  if (!decode_request(cx, &req)) return;
  FindCoordinatorResponse r;
  if (req.key_type != 0) {
    r.error_code = kCoordinatorNotAvailable;
    r.error_message = "transactions are not supported";
    r.node_id = -1;
    r.port = -1;
  } else {
    r.node_id = kNodeId;
    r.host = cx.advertised_host();
    r.port = cx.advertised_port();
  }
  reply(cx, r);
}

}  // namespace ks::kafka
