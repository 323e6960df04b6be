#!/usr/bin/env bash
# Apache Kafka's Java AdminClient 4.4.0 with default settings against the
# daemon's Kafka listener: topics (create with configs, list, describe,
# describeCluster, delete), createPartitions, describeConfigs and
# incrementalAlterConfigs, listOffsets (earliest, latest, by timestamp,
# max timestamp) and deleteRecords, and group administration. The steps
# and their expected answers (Apache Kafka 4.4's) are in src/ks/Admin*.java;
# here each scenario is a case, cross-checked with `ks` where it helps.
source "$(dirname "$0")/lib.sh"
java_start

# Runs one Admin scenario; its "ok" lines are in $T/admin.out.
admin_scenario() {  # SCENARIO ARGS...
  local rc=0
  jadmin "$@" >"$T/admin.out" 2>"$T/admin.err" || rc=$?
  if [[ $rc -ne 0 ]]; then
    fail "AdminClient scenario '$1' exited $rc:
$(sed 's/^/    /' "$T/admin.out")
  error: $(grep -v '^\[' "$T/admin.err" | tail -c 1500)
  client log: $(grep '^\[' "$T/admin.err" | tail -n 5)"
  fi
}

case_topics() {
  admin_scenario topics "$RUN-adm-topics"
  if on_ks; then
    assert_fails ks topic describe "$RUN-adm-topics"
  fi
}

case_partitions() {
  admin_scenario partitions "$RUN-adm-parts"
  if on_ks; then
    ks topic describe "$RUN-adm-parts" -o json | json_check 'topic(d)["partitions"] == 5' "ks topic describe after createPartitions"
  fi
}

case_configs() {
  admin_scenario configs "$RUN-adm-configs"
  if on_ks; then
    ks topic describe "$RUN-adm-configs" -o json >"$T/desc.json"
    json_check '"7200000" in json.dumps(d)' "ks topic describe shows retention.ms=7200000" <"$T/desc.json"
  fi
}

case_offsets() {
  admin_scenario offsets "$RUN-adm-offsets"
}

case_delete_records() {
  admin_scenario delete-records "$RUN-adm-delrec"
  if on_ks; then
    consume_all "$RUN-adm-delrec" -f '%o\n'
    assert_eq "" "$(cat "$OUT")" "ks consume after deleteRecords up to the high watermark"
  fi
}

case_groups() {
  admin_scenario groups "$RUN-adm-groups" "$RUN-adm-group"
  if on_ks; then
    assert_fails ks group describe "$RUN-adm-group"
  fi
}

run_cases topics:90 partitions:90 configs:90 offsets:90 delete_records:90 groups:120
