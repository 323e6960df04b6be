#!/usr/bin/env bash
# Topic and broker configs through Kafka's admin APIs: CreateTopics with the
# configs Kafka Streams and Connect send, DescribeConfigs (values, sources,
# synonyms) with confluent-kafka and kafka-python, AlterConfigs,
# IncrementalAlterConfigs (by hand: neither Debian client has it),
# validate-only, refused values, unknown topics, broker resources, a
# restart, and configs applied (max.message.bytes, the timestamp limits,
# LogAppendTime). Client steps are in configs_client.py.
source "$(dirname "$0")/lib.sh"
require_tools confluent-kafka kafka-python
start_kafka_daemon

cc() { timeout -k 5 $(( 60 * ${KS_IT_TIMEOUT_SCALE:-1} )) "$PY" "$KAFKA_DIR/configs_client.py" --broker "$BROKER" "$@"; }

# DescribeConfigs' ConfigSource numbers.
DYNAMIC_TOPIC=1
DEFAULT=5

case_streams_style_create_then_describe() {
  cc ck-create st-changelog 2 cleanup.policy=delete retention.ms=86400000 min.insync.replicas=2 \
    message.timestamp.type=CreateTime message.timestamp.difference.max.ms=9223372036854775807 \
    segment.bytes=52428800 unclean.leader.election.enable=false compression.type=producer \
    | json_check 'd["error"] is None' "CreateTopics with Streams-style configs"
  cc ck-describe topic st-changelog >"$T/d"
  json_check "d['retention.ms']['value'] == '86400000' and d['retention.ms']['source'] == $DYNAMIC_TOPIC and not d['retention.ms']['default']" \
    "retention.ms set at creation" <"$T/d"
  json_check "d['min.insync.replicas']['value'] == '2' and d['min.insync.replicas']['source'] == $DYNAMIC_TOPIC" \
    "min.insync.replicas is stored and described" <"$T/d"
  json_check "d['max.message.bytes']['value'] == '1048588' and d['max.message.bytes']['source'] == $DEFAULT and d['max.message.bytes']['default']" \
    "max.message.bytes is Kafka's default" <"$T/d"
  json_check "d['message.timestamp.after.max.ms']['value'] == '3600000' and d['flush.ms']['value'] == '9223372036854775807'" \
    "Kafka 4 defaults" <"$T/d"
  json_check "all(not e['read_only'] and not e['sensitive'] for e in d.values()) and len(d) >= 35" \
    "every topic config is described, none read-only" <"$T/d"
  json_check "['log.retention.hours', '168', $DEFAULT] in d['retention.ms']['synonyms'] and ['retention.ms', '86400000', $DYNAMIC_TOPIC] in d['retention.ms']['synonyms']" \
    "retention.ms synonyms: the override, then the broker default" <"$T/d"
  # kafka-python reads the same, with its own DescribeConfigs version.
  cc kp-describe topic st-changelog |
    json_check 'd["error_code"] == 0 and d["configs"]["retention.ms"][0] == "86400000" and d["configs"]["cleanup.policy"][0] == "delete"' \
      "kafka-python describe_configs"
  # The native CLI shows the overrides.
  ks topic describe st-changelog -o json |
    json_check 'topic(d)["configs"].get("min.insync.replicas") == "2"' "ks topic describe"
}

case_refused_configs_say_why() {
  cc ck-create bad1 1 compression.type=zstd |
    json_check '"INVALID_CONFIG" in d["error"] and "recompress" in d["error"]' "compression.type=zstd refused with a reason"
  cc ck-create bad2 1 retention.msx=1 |
    json_check '"INVALID_CONFIG" in d["error"] and "Unknown topic config name: retention.msx" in d["error"]' "unknown name"
  cc ck-create bad3 1 segment.ms=soon |
    json_check '"INVALID_CONFIG" in d["error"] and "Not a number of type LONG" in d["error"]' "bad value"
  cc ck-create bad4 1 compression.type=zstd |
    json_check '"INVALID_CONFIG" in d["error"] and "recompress" in d["error"]' "compression.type other than producer"
  cc ck-create bad5 1 message.timestamp.type=Now |
    json_check '"INVALID_CONFIG" in d["error"] and "CreateTime,LogAppendTime" in d["error"]' "timestamp type"
  ks topic list -o json | json_check 'not any(t["name"].startswith("bad") for t in d)' "nothing was created"
  assert_exit 2 ks topic create bad6 -c compression.type=gzip
  assert_contains "$(cat "$ERR")" "recompress" "ks topic create refuses with the reason"
  assert_exit 0 ks topic create cli-ok -c min.insync.replicas=2 -c message.timestamp.type=LogAppendTime
}

case_alter_validate_only_and_incremental() {
  cc ck-create alt 1 retention.ms=1000 | json_check 'd["error"] is None' "create"
  # validate_only changes nothing; a bad value changes nothing.
  cc ck-alter alt --validate-only retention.ms=5000 | json_check 'd["error"] is None' "validate-only alter"
  cc ck-alter alt retention.ms=-7 | json_check '"INVALID_CONFIG" in d["error"]' "bad alter"
  cc ck-describe topic alt retention.ms | json_check 'd["retention.ms"]["value"] == "1000"' "unchanged"
  # AlterConfigs replaces every override.
  cc ck-alter alt segment.ms=60000 max.message.bytes=5000 | json_check 'd["error"] is None' "alter"
  cc ck-describe topic alt >"$T/d"
  json_check 'd["retention.ms"]["value"] == "604800000" and d["retention.ms"]["source"] == 5 and d["segment.ms"]["value"] == "60000" and d["max.message.bytes"]["value"] == "5000"' \
    "AlterConfigs replaced the overrides" <"$T/d"
  # kafka-python's AlterConfigs too.
  cc kp-alter alt max.message.bytes=6000 segment.ms=70000 | json_check 'd["error_code"] == 0' "kafka-python alter_configs"
  cc kp-describe topic alt | json_check 'd["configs"]["max.message.bytes"][0] == "6000"' "kafka-python sees it"

  # Incremental: set and delete; v0 and v1.
  cc incremental --version 0 topic:alt set:retention.ms=123456 delete:segment.ms |
    json_check 'd[0]["error_code"] == 0' "incremental v0"
  cc ck-describe topic alt >"$T/d"
  json_check 'd["retention.ms"]["value"] == "123456" and d["segment.ms"]["source"] == 5 and d["max.message.bytes"]["value"] == "6000"' \
    "incremental set/delete kept the rest" <"$T/d"
  cc incremental topic:alt append:leader.replication.throttled.replicas=0:1 append:follower.replication.throttled.replicas=0:1 |
    json_check 'd[0]["error_code"] == 0' "append to lists"
  cc incremental topic:alt append:leader.replication.throttled.replicas=1:1 subtract:follower.replication.throttled.replicas=0:1 |
    json_check 'd[0]["error_code"] == 0' "append and subtract"
  cc ck-describe topic alt >"$T/d"
  json_check 'd["leader.replication.throttled.replicas"]["value"] == "0:1,1:1" and d["follower.replication.throttled.replicas"]["value"] == ""' \
    "list values after append/subtract" <"$T/d"
  cc incremental topic:alt append:retention.ms=5 |
    json_check 'd[0]["error_code"] == 40 and "append" in d[0]["error_message"]' "append to a non-list"
  cc incremental topic:alt append:cleanup.policy=compact | json_check 'd[0]["error_code"] == 0' "appending compact"
  cc ck-describe topic alt | json_check 'd["cleanup.policy"]["value"] == "delete,compact"' "cleanup.policy after append"
  cc incremental topic:alt subtract:cleanup.policy=compact | json_check 'd[0]["error_code"] == 0' "subtracting compact"
  cc incremental --validate-only topic:alt set:retention.ms=1 | json_check 'd[0]["error_code"] == 0' "validate-only"
  cc incremental topic:alt set:retention.ms=1 set:retention.ms=2 |
    json_check 'd[0]["error_code"] == 42' "duplicate keys: INVALID_REQUEST"
  cc ck-describe topic alt retention.ms | json_check 'd["retention.ms"]["value"] == "123456"' "unchanged by validate-only and refusals"
  # Per-resource errors: one request, three resources.
  cc incremental topic:nope set:retention.ms=1 -- broker:1 set:num.partitions=3 -- topic:alt set:segment.ms=90000 >"$T/r"
  json_check 'd[0]["error_code"] == 3 and d[1]["error_code"] == 42 and d[2]["error_code"] == 0' \
    "unknown topic, read-only broker config, good topic" <"$T/r"
}

case_broker_resources_and_unknown_topics() {
  cc ck-describe broker 1 >"$T/b"
  json_check 'd["num.partitions"]["value"] == "1" and d["log.retention.hours"]["value"] == "168" and d["message.max.bytes"]["value"] == "1048588"' \
    "broker configs" <"$T/b"
  json_check 'd["auto.create.topics.enable"]["read_only"] and d["num.partitions"]["read_only"] and not d["message.max.bytes"]["read_only"] and not d["log.retention.ms"]["read_only"]' \
    "topic defaults are dynamic, the rest read-only" <"$T/b"
  json_check 'd["min.insync.replicas"]["source"] == 3 and d["group.initial.rebalance.delay.ms"]["value"] == "300"' \
    "min.insync.replicas is a cluster-wide dynamic default; the group delay is ks's" <"$T/b"
  cc kp-describe broker 1 | json_check 'd["error_code"] == 0 and d["configs"]["log.segment.bytes"][0] == "1073741824"' \
    "kafka-python broker describe"
  cc ck-describe topic no-such-topic | json_check '"UNKNOWN_TOPIC_OR_PART" in d["error"]' "unknown topic"
}

# Dynamic broker configs: the cluster-wide level (broker "") and node 1's,
# under a topic's own overrides; checked by what a producer is refused.
case_broker_configs_are_dynamic() {
  cc ck-create dyn 1 | json_check 'd["error"] is None' "create dyn"
  cc ck-create own 1 max.message.bytes=100000 | json_check 'd["error"] is None' "create own"
  cc incremental broker: set:message.max.bytes=2000 | json_check 'd[0]["error_code"] == 0' "cluster-wide message.max.bytes"
  # (Describing the broker "" itself: the differential tests, with the Java
  # client; both Debian clients refuse the empty name.)
  cc kp-describe broker 1 | json_check 'd["configs"]["message.max.bytes"] == ["2000", False, 3]' \
    "node 1 shows the cluster-wide value"
  cc ck-describe topic dyn max.message.bytes | json_check 'd["max.message.bytes"]["value"] == "2000" and d["max.message.bytes"]["source"] == 3' \
    "the topic takes the dynamic default"
  cc produce dyn 5000 | json_check 'd["error"] == "MSG_SIZE_TOO_LARGE"' "and applies it"
  cc produce own 5000 | json_check 'd["error"] is None' "a topic's own override wins"
  cc incremental broker:1 set:message.max.bytes=100000 | json_check 'd[0]["error_code"] == 0' "node 1's message.max.bytes"
  cc ck-describe broker 1 message.max.bytes >"$T/b"
  json_check 'd["message.max.bytes"]["value"] == "100000" and d["message.max.bytes"]["source"] == 2' \
    "node 1's value over the cluster-wide one" <"$T/b"
  cc produce dyn 5000 | json_check 'd["error"] is None' "node 1's value applies at once"
  local bad
  for bad in broker:\ set:log.retention.ms=soon broker:\ set:num.partitions=3 broker:\ set:compression.type=gzip \
    broker:2\ set:log.retention.ms=1000 broker:\ set:no.such.config=1; do
    # shellcheck disable=SC2086 # the resource and the operation, two words
    cc incremental $bad | json_check 'd[0]["error_code"] == 42 and d[0]["error_message"]' "refused: $bad"
  done
  cc incremental broker: set:num.partitions=3 | json_check '"num.partitions" in d[0]["error_message"]' "the message names it"
  assert_exit 0 ks daemon stop
  assert_exit 0 ks daemon start --kafka "$BROKER"
  wait_until 30 port_open "$KAFKA_PORT" || fail "no Kafka listener after the restart"
  cc ck-describe topic dyn max.message.bytes | json_check 'd["max.message.bytes"]["value"] == "100000" and d["max.message.bytes"]["source"] == 2' \
    "dynamic configs survive a restart"
  cc incremental broker:1 delete:message.max.bytes -- broker: delete:message.max.bytes | json_check 'd[0]["error_code"] == 0 and d[1]["error_code"] == 0' "delete both"
  cc ck-describe topic dyn max.message.bytes | json_check 'd["max.message.bytes"]["value"] == "1048588" and d["max.message.bytes"]["source"] == 5' \
    "back to Kafka's default"
}

case_configs_are_applied() {
  cc ck-create big 1 max.message.bytes=2000 | json_check 'd["error"] is None' "create"
  cc produce big 1000 | json_check 'd["error"] is None' "a small record"
  cc produce big 5000 | json_check 'd["error"] == "MSG_SIZE_TOO_LARGE"' "max.message.bytes refuses a big batch"
  cc incremental topic:big set:max.message.bytes=100000 | json_check 'd[0]["error_code"] == 0' "raise the limit"
  cc produce big 5000 | json_check 'd["error"] is None' "the new limit applies at once"

  local now
  now=$("$PY" -c 'import time; print(int(time.time() * 1000))')
  cc ck-create ts 1 message.timestamp.before.max.ms=60000 | json_check 'd["error"] is None' "create"
  cc produce ts 10 $((now - 3600000)) | json_check 'd["error"] == "INVALID_TIMESTAMP"' "an hour-old record"
  cc produce ts 10 $((now + 7200000)) | json_check 'd["error"] == "INVALID_TIMESTAMP"' "a record two hours ahead (Kafka 4's after.max.ms)"
  cc produce ts 10 $((now - 1000)) | json_check 'd["error"] is None and d["offset"] == 0' "a recent record"

  cc ck-create lat 1 message.timestamp.type=LogAppendTime | json_check 'd["error"] is None' "create"
  cc produce lat 10 1000 | json_check 'd["error"] is None' "produce with an old timestamp"
  cc consume lat | json_check "len(d) == 1 and d[0]['timestamp_type'] == 2 and d[0]['timestamp'] >= $now" \
    "LogAppendTime: the broker's time, type 2"
}

case_configs_survive_a_restart() {
  cc ck-create kept 1 retention.ms=4242 message.timestamp.type=LogAppendTime | json_check 'd["error"] is None' "create"
  cc incremental topic:kept set:min.insync.replicas=3 | json_check 'd[0]["error_code"] == 0' "alter"
  assert_exit 0 ks daemon stop
  assert_exit 0 ks daemon start --kafka "$BROKER"
  wait_until 30 port_open "$KAFKA_PORT" || fail "no Kafka listener after the restart"
  cc ck-describe topic kept >"$T/d"
  json_check 'd["retention.ms"]["value"] == "4242" and d["min.insync.replicas"]["value"] == "3" and d["message.timestamp.type"]["value"] == "LogAppendTime"' \
    "configs after a restart" <"$T/d"
}

run_cases streams_style_create_then_describe refused_configs_say_why alter_validate_only_and_incremental \
  broker_resources_and_unknown_topics broker_configs_are_dynamic configs_are_applied configs_survive_a_restart
