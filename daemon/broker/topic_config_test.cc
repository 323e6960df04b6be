#include "daemon/broker/topic_config.h"

#include <doctest/doctest.h>

using namespace ks;
using namespace ks::server;

TEST_CASE("known topic configs are accepted and become the log's settings") {
  ConfigMap c = {{"retention.ms", "1000"}, {"retention.bytes", "-1"}, {"segment.bytes", "1048576"},
                 {"segment.ms", "60000"}, {"max.message.bytes", "2000"}, {"flush.ms", "10"},
                 {"flush.messages", "5"}, {"cleanup.policy", "delete"}};
  REQUIRE(validate_configs(c).ok());
  TopicPolicy p = policy_for(c);
  CHECK(p.log.retention_ms == 1000);
  CHECK(p.log.retention_bytes == -1);
  CHECK(p.log.segment_bytes == 1048576);
  CHECK(p.log.segment_ms == 60000);
  CHECK(p.log.max_message_bytes == 2000);
  CHECK(p.flush_ms == 10);
  CHECK(p.flush_messages == 5);
}

TEST_CASE("defaults are Kafka's") {
  TopicPolicy p = policy_for({});
  CHECK(p.log.retention_ms == 604800000);
  CHECK(p.log.segment_bytes == 1073741824);
  CHECK(p.log.max_message_bytes == 1048588);
  CHECK(p.flush_ms == -1);
  CHECK(default_configs().at("cleanup.policy") == "delete");
}

TEST_CASE("bad configs are refused with the key and what is accepted") {
  auto bad = [](ConfigMap c) { return validate_configs(c); };
  Status s = bad({{"retention.msx", "1"}});
  CHECK(s.code() == Code::kInvalidArgument);
  CHECK(s.message().find("retention.msx") != std::string::npos);
  CHECK(s.message().find("segment.bytes") != std::string::npos);
  CHECK(bad({{"retention.ms", "soon"}}).message().find("integer") != std::string::npos);
  CHECK(bad({{"retention.ms", "12x"}}).code() == Code::kInvalidArgument);
  CHECK(bad({{"retention.ms", "-2"}}).message().find("at least -1") != std::string::npos);
  CHECK(bad({{"segment.bytes", "10"}}).code() == Code::kInvalidArgument);
  CHECK(bad({{"segment.bytes", "4294967296"}}).code() == Code::kInvalidArgument);
  CHECK(bad({{"cleanup.policy", "compact"}}).message().find("not supported") != std::string::npos);
  CHECK(bad({{"cleanup.policy", "x"}}).code() == Code::kInvalidArgument);
}
