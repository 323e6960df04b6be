#include "daemon/broker/topic_config.h"

#include <doctest/doctest.h>

#include "daemon/broker/config_catalog.h"
#include "daemon/broker/dynamic_configs.h"

using namespace ks;
using namespace ks::server;

TEST_CASE("known topic configs are accepted and become the log's settings") {
  ConfigMap c = {{"retention.ms", "1000"}, {"retention.bytes", "-1"}, {"segment.bytes", "1048576"},
                 {"segment.ms", "60000"}, {"max.message.bytes", "2000"}, {"flush.ms", "10"},
                 {"flush.messages", "5"}, {"cleanup.policy", "delete"}, {"index.interval.bytes", "100"},
                 {"message.timestamp.type", "LogAppendTime"}, {"message.timestamp.before.max.ms", "5000"},
                 {"message.timestamp.after.max.ms", "6000"}};
  REQUIRE(validate_configs(c).ok());
  TopicPolicy p = policy_for(c);
  CHECK(p.log.retention_ms == 1000);
  CHECK(p.log.retention_bytes == -1);
  CHECK(p.log.segment_bytes == 1048576);
  CHECK(p.log.segment_ms == 60000);
  CHECK(p.log.max_message_bytes == 2000);
  CHECK(p.log.index_interval_bytes == 100);
  CHECK(p.log.log_append_time);
  CHECK(p.log.timestamp_before_max_ms == 5000);
  CHECK(p.log.timestamp_after_max_ms == 6000);
  CHECK(p.flush_ms == 10);
  CHECK(p.flush_messages == 5);
}

TEST_CASE("defaults are Kafka 4.4's") {
  TopicPolicy p = policy_for({});
  CHECK(p.log.retention_ms == 604800000);
  CHECK(p.log.segment_bytes == 1073741824);
  CHECK(p.log.max_message_bytes == 1048588);
  CHECK_FALSE(p.log.log_append_time);
  CHECK(p.log.timestamp_after_max_ms == 3600000);
  CHECK(p.log.timestamp_before_max_ms == INT64_MAX);
  CHECK(p.flush_ms == -1);  // Kafka's Long.MAX_VALUE: never
  CHECK(p.flush_messages == -1);
  CHECK(default_configs().at("cleanup.policy") == "delete");
  CHECK(default_configs().at("flush.ms") == "9223372036854775807");
  CHECK(default_configs().at("compression.type") == "producer");
  CHECK_FALSE(default_configs().count("message.timestamp.difference.max.ms"));  // Kafka 3's name
}

TEST_CASE("the configs Streams and Connect create topics with are accepted and stored") {
  ConfigMap c = {{"min.insync.replicas", "2"},
                 {"compression.type", "producer"},
                 {"message.timestamp.type", "CreateTime"},
                 {"message.timestamp.difference.max.ms", "86400000"},
                 {"unclean.leader.election.enable", "false"},
                 {"segment.index.bytes", "52428800"},
                 {"leader.replication.throttled.replicas", "0:1,1:1"},
                 {"follower.replication.throttled.replicas", "*"},
                 {"remote.storage.enable", "false"},
                 {"min.cleanable.dirty.ratio", "0.1"},
                 {"preallocate", "TRUE"},
                 {"compression.gzip.level", "-1"},
                 {"compression.zstd.level", "-5"}};
  CHECK(validate_configs(c).ok());
  TopicPolicy p = policy_for(c);
  // Kafka 3's single limit fills the sides left unset.
  CHECK(p.log.timestamp_before_max_ms == 86400000);
  CHECK(p.log.timestamp_after_max_ms == 86400000);
}

TEST_CASE("every catalog default passes its own validation") {
  for (const ConfigDef& d : topic_config_catalog()) {
    CAPTURE(d.name);
    CHECK(check_value(d, d.default_value).ok());
  }
  ConfigMap all = default_configs();
  CHECK(validate_configs(all).ok());
}

TEST_CASE("bad configs are refused as Kafka refuses them, naming the config") {
  auto bad = [](ConfigMap c) { return validate_configs(c); };
  auto says = [&](ConfigMap c, const char* what) {
    Status s = bad(c);
    CAPTURE(s.message());
    CHECK(s.code() == Code::kInvalidArgument);
    CHECK(s.message().find(what) != std::string::npos);
  };
  says({{"retention.msx", "1"}}, "Unknown topic config name: retention.msx");
  says({{"retention.ms", "soon"}}, "Not a number of type LONG");
  says({{"retention.ms", "12x"}}, "retention.ms");
  says({{"retention.ms", "-2"}}, "Value must be at least -1");
  says({{"segment.bytes", "10"}}, "at least 1024");
  says({{"segment.bytes", "4294967296"}}, "Not a number of type INT");
  says({{"max.message.bytes", "-1"}}, "at least 0");
  says({{"min.insync.replicas", "0"}}, "at least 1");
  says({{"compression.lz4.level", "18"}}, "no more than 17");
  says({{"compression.gzip.level", "0"}}, "compression.gzip.level");
  says({{"unclean.leader.election.enable", "yes"}}, "either true or false");
  says({{"message.timestamp.type", "createtime"}}, "String must be one of");
  says({{"cleanup.policy", "x"}}, "String must be one of");
  says({{"min.cleanable.dirty.ratio", "1.5"}}, "no more than 1");
  says({{"min.cleanable.dirty.ratio", "half"}}, "DOUBLE");
  says({{"leader.replication.throttled.replicas", "0-1"}}, "[partitionId]:[brokerId]");
  says({{"min.compaction.lag.ms", "10"}, {"max.compaction.lag.ms", "5"}}, "conflict");
  // Values Kafka takes but ks cannot honour: refused with the reason.
  says({{"cleanup.policy", ""}}, "empty cleanup.policy");
  says({{"compression.type", "zstd"}}, "does not recompress");
  says({{"remote.storage.enable", "true"}}, "tiered storage");
}

TEST_CASE("values parse as Kafka parses them") {
  CHECK(validate_configs({{"retention.ms", " 1000 "}}).ok());  // trimmed
  CHECK(validate_configs({{"retention.bytes", "-5"}}).ok());   // any negative: no limit
  CHECK(validate_configs({{"flush.ms", "-1"}}).ok());          // ks's earlier "never"
  CHECK(validate_configs({{"cleanup.policy", " delete "}}).ok());
  CHECK(split_list("a, b,,c") == std::vector<std::string>{"a", "b", "", "c"});
  CHECK(split_list(" ").empty());
  CHECK_FALSE(validate_configs({{"retention.ms", "9223372036854775808"}}).ok());
}

TEST_CASE("cleanup.policy=compact is accepted, without delete, retention never removes a record") {
  // ks does not compact yet: keeping every record is what a reader of a
  // compacted topic may always see (Kafka never compacts the head either).
  CHECK(validate_configs({{"cleanup.policy", "compact"}}).ok());
  CHECK(validate_configs({{"cleanup.policy", "compact,delete"}}).ok());
  auto compact = policy_for({{"cleanup.policy", "compact"}, {"retention.ms", "1000"}, {"retention.bytes", "5"}});
  CHECK(compact.log.retention_ms == -1);
  CHECK(compact.log.retention_bytes == -1);
  auto both = policy_for({{"cleanup.policy", "delete,compact"}, {"retention.ms", "1000"}});
  CHECK(both.log.retention_ms == 1000);
  CHECK(policy_for({}).log.retention_ms == 604800000);
}

TEST_CASE("dynamic broker configs: only topic defaults, validated, node over cluster, under a topic's own") {
  CHECK(dynamic_broker_config("log.retention.ms")->name == "retention.ms");
  CHECK(dynamic_broker_config("message.max.bytes")->name == "max.message.bytes");
  CHECK(dynamic_broker_config("log.roll.ms")->name == "segment.ms");
  CHECK(dynamic_broker_config("num.partitions") == nullptr);
  CHECK(dynamic_broker_config("log.retention.hours") == nullptr);  // read-only in Kafka too
  CHECK(dynamic_broker_config("") == nullptr);

  CHECK(validate_dynamic({{"log.retention.ms", "1000"}, {"log.cleanup.policy", "compact"}}).ok());
  Status s = validate_dynamic({{"num.partitions", "3"}, {"no.such", "1"}});
  CHECK(s.code() == Code::kInvalidArgument);
  CHECK(s.message().find("Cannot update these configs dynamically: no.such, num.partitions") == 0);
  s = validate_dynamic({{"log.retention.ms", "soon"}});
  CHECK(s.message().find("log.retention.ms") != std::string::npos);  // the broker name, not retention.ms
  CHECK_FALSE(validate_dynamic({{"compression.type", "gzip"}}).ok());  // ks does not recompress
  CHECK_FALSE(validate_dynamic({{"min.insync.replicas", "0"}}).ok());

  DynamicConfigs d;
  d.cluster = {{"log.retention.ms", "1000"}, {"message.max.bytes", "2000"}};
  d.node = {{"message.max.bytes", "3000"}};
  ConfigMap defaults = server::topic_defaults(d);
  CHECK(defaults == ConfigMap{{"max.message.bytes", "3000"}, {"retention.ms", "1000"}});
  TopicPolicy p = policy_for({}, defaults);
  CHECK(p.log.retention_ms == 1000);
  CHECK(p.log.max_message_bytes == 3000);
  p = policy_for({{"max.message.bytes", "500"}}, defaults);
  CHECK(p.log.max_message_bytes == 500);

  CHECK(initial_dynamic_configs().cluster == ConfigMap{{"min.insync.replicas", "1"}});
  auto back = layer_from_json(layer_to_json(d.cluster));
  REQUIRE(back.ok());
  CHECK(*back == d.cluster);
  CHECK_FALSE(layer_from_json("[1]").ok());
  CHECK_FALSE(layer_from_json("{\"a\": 1}").ok());
}
