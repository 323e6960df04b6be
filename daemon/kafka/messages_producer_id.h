// InitProducerId (22) layouts, v0-v5 (flexible from v2). ProducerId and
// ProducerEpoch in the request (v3+, KIP-360) are what a producer that
// already has an id sends when it asks again.
#pragma once

#include "daemon/kafka/messages.h"

namespace ks::kafka {

struct InitProducerIdRequest {
  std::optional<std::string> transactional_id;
  int32_t transaction_timeout_ms = 0;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
};
template <class IO>
void serde(IO& io, InitProducerIdRequest& m, int16_t v) {
  io.nstr(m.transactional_id);
  io.i32(m.transaction_timeout_ms);
  if (v >= 3) {
    io.i64(m.producer_id);
    io.i16(m.producer_epoch);
  }
  io.tags();
}

struct InitProducerIdResponse {
  int32_t throttle_time_ms = 0;
  int16_t error_code = 0;
  int64_t producer_id = -1;
  int16_t producer_epoch = -1;
};
template <class IO>
void serde(IO& io, InitProducerIdResponse& m, int16_t) {
  io.i32(m.throttle_time_ms);
  io.i16(m.error_code);
  io.i64(m.producer_id);
  io.i16(m.producer_epoch);
  io.tags();
}

}  // namespace ks::kafka
