#include "daemon/kafka/messages_configs.h"

#include <doctest/doctest.h>

#include "daemon/kafka/messages_test_util.h"

namespace ks::kafka {
namespace {

using test::encode_body;
using test::round_trip;

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
