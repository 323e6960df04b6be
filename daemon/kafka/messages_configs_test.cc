#include "daemon/kafka/messages_configs.h"

#include <doctest/doctest.h>

namespace ks::kafka {
namespace {

template <class T>
std::string encode_body(T& m, int16_t key, int16_t v) {
  std::string out;
  Encoder e(&out, is_flexible(key, v));
  serde(e, m, v);
  return out;
}

// Encode → decode → encode gives the same bytes; no strict prefix decodes.
template <class T>
T round_trip(T m, int16_t key, int16_t v) {
  CAPTURE(key);
  CAPTURE(v);
  std::string bytes = encode_body(m, key, v);
  T back = m;  // keeps fields that are not on the wire (AlterConfigs' incremental)
  const char* why = nullptr;
  REQUIRE(decode(bytes, key, v, &back, &why));
  CHECK(encode_body(back, key, v) == bytes);
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    T partial = m;
    Decoder d(std::string_view(bytes.data(), cut), is_flexible(key, v));
    serde(d, partial, v);
    CHECK_FALSE((d.ok() && d.remaining() == 0));
  }
  return back;
}

TEST_CASE("DescribeConfigs requests and responses round-trip at every version") {
  DescribeConfigsRequest req;
  req.resources.push_back({kResourceTopic, "orders", {}, true});
  req.resources.push_back({kResourceBroker, "1", {"num.partitions", "log.retention.hours"}, false});
  req.include_synonyms = true;
  req.include_documentation = true;
  DescribeConfigsResponse resp;
  DescribeConfigsResponse::Config c;
  c.name = "retention.ms";
  c.value = "1000";
  c.source = kSourceTopic;
  c.synonyms = {{"retention.ms", "1000", kSourceTopic}, {"log.retention.hours", "168", kSourceDefault}};
  c.type = 5;
  c.documentation = "doc";
  resp.results.push_back({0, std::nullopt, kResourceTopic, "orders", {c}});
  resp.results.push_back({3, "gone", kResourceTopic, "gone", {}});
  for (int16_t v = 0; v <= 4; ++v) {
    auto back = round_trip(req, kDescribeConfigs, v);
    CHECK(back.resources[0].all_keys);
    CHECK_FALSE(back.resources[1].all_keys);
    if (v >= 1) CHECK(back.include_synonyms);
    round_trip(resp, kDescribeConfigs, v);
  }
}

TEST_CASE("a flexible DescribeConfigs v4 request decodes from its bytes") {
  // resources: compact array of 1; type 2; name "t"; keys null; tags;
  // include_synonyms 1; include_documentation 0; tags.
  const char bytes[] = {0x02, 0x02, 0x02, 't', 0x00, 0x00, 0x01, 0x00, 0x00};
  DescribeConfigsRequest req;
  const char* why = nullptr;
  REQUIRE(decode(std::string_view(bytes, sizeof bytes), kDescribeConfigs, 4, &req, &why));
  REQUIRE(req.resources.size() == 1);
  CHECK(req.resources[0].name == "t");
  CHECK(req.resources[0].all_keys);
  CHECK(req.include_synonyms);
}

TEST_CASE("AlterConfigs and IncrementalAlterConfigs round-trip, only the incremental one carries operations") {
  AlterConfigsRequest req;
  req.resources.push_back({kResourceTopic, "t", {{"retention.ms", kOpSet, "1"}, {"cleanup.policy", kOpDelete, std::nullopt}}});
  req.validate_only = true;
  AlterConfigsResponse resp;
  resp.results.push_back({40, "Invalid value", kResourceTopic, "t"});
  for (int16_t v = 0; v <= 2; ++v) {
    std::string plain = encode_body(req, kAlterConfigs, v);
    round_trip(req, kAlterConfigs, v);
    round_trip(resp, kAlterConfigs, v);
    if (v > 1) continue;
    AlterConfigsRequest inc = req;
    inc.incremental = true;
    auto back = round_trip(inc, kIncrementalAlterConfigs, v);
    CHECK(back.resources[0].configs[1].op == kOpDelete);
    if (v == 0) CHECK(encode_body(inc, kIncrementalAlterConfigs, v).size() == plain.size() + 2);  // an op each
    round_trip(resp, kIncrementalAlterConfigs, v);
  }
}

}  // namespace
}  // namespace ks::kafka
