#include "daemon/kafka/messages_producer_id.h"

#include <doctest/doctest.h>

namespace ks::kafka {
namespace {

template <class T>
std::string encode_body(T& m, int16_t v) {
  std::string out;
  Encoder e(&out, is_flexible(kInitProducerId, v));
  serde(e, m, v);
  return out;
}

}  // namespace

TEST_CASE("InitProducerId v0-v5 round-trip, and a prefix never decodes") {
  for (int16_t v = 0; v <= 5; ++v) {
    CAPTURE(v);
    InitProducerIdRequest req;
    req.transaction_timeout_ms = 60000;
    req.producer_id = v >= 3 ? 17 : -1;
    req.producer_epoch = v >= 3 ? 2 : -1;
    if (v == 4) req.transactional_id = "txn";
    std::string bytes = encode_body(req, v);
    InitProducerIdRequest back;
    const char* why = nullptr;
    REQUIRE(decode(bytes, kInitProducerId, v, &back, &why));
    CHECK(back.transactional_id == req.transactional_id);
    CHECK(back.producer_id == req.producer_id);
    CHECK(encode_body(back, v) == bytes);
    for (size_t cut = 0; cut < bytes.size(); ++cut) {
      InitProducerIdRequest partial;
      CHECK_FALSE(decode(std::string_view(bytes.data(), cut), kInitProducerId, v, &partial, &why));
    }
    InitProducerIdResponse resp{0, 0, 1234, 0};
    std::string rb = encode_body(resp, v);
    CHECK(rb.size() == 16u + (v >= 2 ? 1u : 0u));
  }
}

TEST_CASE("InitProducerId v4 as librdkafka sends it: null transactional id, flexible") {
  // transactional_id null (compact: 0), timeout 60000, producer id -1,
  // epoch -1, no tagged fields.
  const std::string body("\x00\x00\x00\xea\x60\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x00", 16);
  InitProducerIdRequest req;
  const char* why = nullptr;
  REQUIRE(decode(body, kInitProducerId, 4, &req, &why));
  CHECK(!req.transactional_id);
  CHECK(req.transaction_timeout_ms == 60000);
  CHECK(req.producer_id == -1);
  CHECK(req.producer_epoch == -1);
}

}  // namespace ks::kafka
