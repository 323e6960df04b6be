// InitProducerId (22): a new producer id for an idempotent producer.
//
// As Apache Kafka answers a request without a transactional id: always a
// new producer id with epoch 0, even when the request names the producer's
// current id and epoch (KIP-360, v3+); the producer then starts its
// sequences at 0 under the new id. Ids come from a counter in meta.db and
// are answered once it is durable, so none is given out twice.
//
// A transactional id is refused with TRANSACTIONAL_ID_AUTHORIZATION_FAILED:
// ks has no transactions, and that is the code every Kafka client treats
// as fatal at once for a transactional producer (rather than retrying
// until its timeout); FindCoordinator for a transaction says why in words.
#include "daemon/kafka/errors.h"
#include "daemon/kafka/handlers/handler.h"
#include "daemon/kafka/messages_producer_id.h"

namespace ks::kafka {

void handle_init_producer_id(Context& cx) {
  InitProducerIdRequest req;
  if (!decode_request(cx, &req)) return;
  InitProducerIdResponse r;
  if (req.transactional_id) {
    r.error_code = kTransactionalIdAuthorizationFailed;
    return reply(cx, r);
  }
  auto id = cx.broker().new_producer_id();
  if (!id.ok()) {
    r.error_code = default_error(id.status());
  } else {
    r.producer_id = *id;
    r.producer_epoch = 0;
  }
  reply(cx, r);
}

}  // namespace ks::kafka
