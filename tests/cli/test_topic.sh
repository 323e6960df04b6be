#!/usr/bin/env bash
# `ks topic create | list | describe | alter | delete` and the configs they
# carry, checked through their JSON output and the files on disk.
source "$(dirname "$0")/lib.sh"

CONFIG_KEYS=(retention.ms retention.bytes segment.bytes segment.ms max.message.bytes flush.ms flush.messages)

# The configs of topic NAME as "key=value" lines, sorted.
configs_of() {  # NAME
  assert_exit 0 ks topic describe "$1" -o json
  json_eval '"\n".join(sorted("%s=%s" % (k, v) for k, v in topic(d)["configs"].items()))' <"$OUT"
}

case_create_list_describe() {
  assert_exit 0 ks topic create orders -p 4 -c retention.ms=60000 -c segment.bytes=1048576
  assert_exit 0 ks topic create single
  assert_exit 0 ks topic list
  assert_contains "$(cat "$OUT")" orders "topic list"
  assert_contains "$(cat "$OUT")" single "topic list"
  assert_exit 0 ks topic list -o json
  json_check 'sorted((t["name"], t["partitions"]) for t in (d if isinstance(d, list) else d["topics"])) == [("orders", 4), ("single", 1)]' \
    "topic list -o json (names and partition counts)" <"$OUT"

  assert_exit 0 ks topic describe orders -o json
  cp "$OUT" "$T/orders.json"
  json_check 'topic(d)["name"] == "orders" and topic(d)["partitions"] == 4' "describe name/partitions" <"$T/orders.json"
  json_check 'isinstance(topic(d)["configs"], dict) and str(topic(d)["configs"].get("retention.ms")) == "60000" and str(topic(d)["configs"].get("segment.bytes")) == "1048576"' \
    "describe configs" <"$T/orders.json"
  json_check 'sorted(p["partition"] for p in topic(d)["partition_info"]) == [0, 1, 2, 3]' "describe partition_info partitions" <"$T/orders.json"
  json_check 'all({"partition", "start", "end", "size", "segments"} <= set(p) and p["start"] == 0 and p["end"] == 0 for p in topic(d)["partition_info"])' \
    "describe partition_info of an empty topic" <"$T/orders.json"
  assert_exit 0 ks topic describe orders
  assert_contains "$(cat "$OUT")" orders "text describe"
  local p
  for p in 0 1 2 3; do
    if [[ ! -d "$KS_HOME/data/orders-$p" ]]; then fail "no data/orders-$p after create -p 4"; fi
  done
  if [[ -e "$KS_HOME/data/orders-4" ]]; then fail "data/orders-4 exists for a 4-partition topic"; fi
}

case_all_config_keys() {
  local k args=() v
  for k in "${CONFIG_KEYS[@]}"; do
    case $k in
      segment.bytes) v=2097152 ;;
      max.message.bytes) v=500000 ;;
      *) v=123456789 ;;
    esac
    args+=(-c "$k=$v")
  done
  assert_exit 0 ks topic create allcfg "${args[@]}"
  local got
  got=$(configs_of allcfg)
  for k in "${CONFIG_KEYS[@]}"; do
    assert_contains "$got" "$k=" "configs of a topic created with every key"
  done
  assert_contains "$got" "segment.bytes=2097152" "configs"
  assert_contains "$got" "flush.messages=123456789" "configs"
}

case_unknown_config_exit_2() {
  assert_exit 2 ks topic create badcfg -c no.such.key=1
  assert_file_nonempty "$ERR" "stderr for an unknown config key"
  assert_exit 4 ks topic describe badcfg
  assert_exit 2 ks topic create badcfg -c retention.ms=soon
  assert_exit 4 ks topic describe badcfg
  assert_exit 2 ks topic create badcfg -c retention.ms
  assert_exit 4 ks topic describe badcfg
  assert_exit 0 ks topic create goodcfg
  assert_exit 2 ks topic alter goodcfg -c no.such.key=1
  assert_exit 2 ks topic alter goodcfg -c segment.ms=-x
  assert_eq "" "$(configs_of goodcfg | grep -E 'no.such|segment.ms=-x' || true)" "configs after refused alters"
  assert_exit 2 ks topic create badparts -p 0
  assert_exit 2 ks topic create badparts -p -1
  assert_exit 4 ks topic describe badparts
}

case_alter_configs() {
  assert_exit 0 ks topic create alt -c retention.ms=60000
  assert_exit 0 ks topic alter alt -c retention.ms=1000 -c flush.messages=10
  local got
  got=$(configs_of alt)
  assert_contains "$got" "retention.ms=1000" "configs after alter"
  assert_contains "$got" "flush.messages=10" "configs after alter"
  assert_exit 0 ks topic alter alt --delete-config retention.ms
  got=$(configs_of alt)
  if [[ "$got" == *retention.ms=1000* ]]; then fail "retention.ms=1000 still set after --delete-config: $got"; fi
  assert_contains "$got" "flush.messages=10" "configs after deleting another key"
  assert_exit 4 ks topic alter nosuch -c retention.ms=1
}

case_alter_partitions() {
  assert_exit 0 ks topic create grow -p 2
  seq 10 | assert_exit 0 ks produce grow -p 1
  assert_exit 0 ks topic alter grow -p 6
  assert_exit 0 ks topic describe grow -o json
  json_check 'topic(d)["partitions"] == 6 and sorted(p["partition"] for p in topic(d)["partition_info"]) == list(range(6))' \
    "describe after alter -p 6" <"$OUT"
  if [[ ! -d "$KS_HOME/data/grow-5" ]]; then fail "no data/grow-5 after alter -p 6"; fi
  echo new | assert_exit 0 ks produce grow -p 5
  consume_all grow -p 5
  assert_eq new "$(cat "$OUT")" "record in a partition added by alter"
  consume_all grow -p 1
  assert_eq "$(seq 10)" "$(cat "$OUT")" "records of an old partition after alter -p"
  # Fewer partitions would lose data: refused, nothing changes.
  assert_fails ks topic alter grow -p 3
  assert_exit 0 ks topic describe grow -o json
  json_check 'topic(d)["partitions"] == 6' "partitions after a refused shrink" <"$OUT"
}

case_create_existing_fails() {
  assert_exit 0 ks topic create twice -p 2
  assert_fails ks topic create twice -p 5
  assert_file_nonempty "$ERR" "stderr for creating an existing topic"
  assert_exit 0 ks topic describe twice -o json
  json_check 'topic(d)["partitions"] == 2' "partitions after a second create" <"$OUT"
}

case_delete_topic() {
  assert_exit 0 ks topic create gone -p 2
  seq 100 | assert_exit 0 ks produce gone -p 0
  assert_exit 0 ks topic delete gone -y
  assert_exit 4 ks topic describe gone
  assert_exit 0 ks topic list -o json
  json_check '"gone" not in [t["name"] for t in (d if isinstance(d, list) else d["topics"])]' "topic list after delete" <"$OUT"
  if ! wait_until 30 bash -c "! compgen -G '$KS_HOME/data/gone-*' >/dev/null"; then
    fail "partition directories remain after delete: $(ls "$KS_HOME/data")"
  fi
  assert_exit 4 ks topic delete gone -y
  assert_exit 4 timeout 30 "$KS" consume gone -e
  # The name is free again, and starts empty.
  echo again | assert_exit 0 ks produce gone
  consume_all gone -f '%o %v\n'
  assert_eq "0 again" "$(cat "$OUT")" "a re-created topic starts at offset 0 with no old records"
}

case_describe_reflects_data() {
  assert_exit 0 ks topic create dd -p 2
  seq 1000 | assert_exit 0 ks produce dd -p 0
  seq 10 | assert_exit 0 ks produce dd -p 1
  assert_exit 0 ks topic describe dd -o json
  json_check 'sorted((p["partition"], p["start"], p["end"]) for p in topic(d)["partition_info"]) == [(0, 0, 1000), (1, 0, 10)]' \
    "start/end per partition" <"$OUT"
  json_check 'all(p["segments"] >= 1 and p["size"] > 0 for p in topic(d)["partition_info"])' "size and segments" <"$OUT"
  local on_disk
  on_disk=$(cat "$KS_HOME"/data/dd-0/*.log | wc -c)
  json_check "[p['size'] for p in topic(d)['partition_info'] if p['partition'] == 0][0] >= $on_disk" "size of partition 0 vs its .log bytes ($on_disk)" <"$OUT"

  assert_exit 0 ks daemon status -o json
  json_check 'd["bytes"] >= '"$on_disk" "status bytes vs data on disk" <"$OUT"
  local n
  n=$(ks topic list -o json | json_eval 'len(d if isinstance(d, list) else d["topics"])')
  json_check "(d['topics'] if isinstance(d['topics'], int) else len(d['topics'])) == $n" "status topics vs topic list ($n)" <"$OUT"
}

# segment.bytes makes the log roll; verify stays clean.
case_segment_roll() {
  assert_exit 0 ks topic create rolled -c segment.bytes=65536
  local line j
  line=$(printf 'x%.0s' $(seq 100))
  : >"$T/in"
  # 20 produce runs of ~20 kB each: a batch is never split across segments
  # (as in Kafka), so small batches are what make the roll visible.
  for (( j = 0; j < 20; j++ )); do
    for (( i = 0; i < 200; i++ )); do echo "$j.$i $line"; done >"$T/chunk"
    assert_exit 0 ks produce rolled <"$T/chunk"
    cat "$T/chunk" >>"$T/in"
  done
  local logs
  logs=$(find "$KS_HOME/data/rolled-0" -name '*.log' | wc -l)
  if [[ $logs -lt 4 ]]; then fail "expected at least 4 segments for 400 kB in 20 kB batches at segment.bytes=65536, found $logs: $(ls -l "$KS_HOME/data/rolled-0")"; fi
  # Rolled before a batch would take a segment past segment.bytes.
  local big
  big=$(find "$KS_HOME/data/rolled-0" -name '*.log' -size +65536c)
  assert_eq "" "$big" "segments larger than segment.bytes=65536 made of 20 kB batches"
  assert_exit 0 ks topic describe rolled -o json
  json_check "topic(d)['partition_info'][0]['segments'] == $logs" "segments in describe vs .log files ($logs)" <"$OUT"
  consume_all rolled
  assert_file_eq "$T/in" "$OUT" "records across rolled segments"
  stop_daemon
  assert_exit 0 ks log verify "$KS_HOME/data/rolled-0"
}

case_destructive_commands_ask() {
  # On a terminal they ask; elsewhere they need --yes and change nothing.
  assert_exit 0 ks topic create keepme
  seq 3 | assert_exit 0 ks produce keepme
  assert_exit 2 ks topic delete keepme </dev/null
  assert_contains "$(cat "$ERR")" "--yes" "the refusal names --yes"
  assert_exit 0 ks group reset gask --topic keepme --to 1 --execute -y
  assert_exit 2 ks group reset gask --topic keepme --to end --execute </dev/null
  assert_exit 2 ks group delete gask </dev/null
  assert_exit 0 ks group describe gask -o json
  json_check '[o["committed"] for o in d["offsets"]] == [1]' "offsets untouched by the refused reset" <"$OUT"
  # A pseudo-terminal: "n" keeps the topic (exit 1), "y" deletes it.
  assert_exit 1 on_pty --answer n "$KS" topic delete keepme
  assert_contains "$(cat "$OUT")" "delete topic 'keepme' and every record in it? [y/N]" "the question"
  assert_contains "$(cat "$OUT")" "cancelled" "a no"
  assert_exit 0 ks topic describe keepme
  assert_exit 0 on_pty --answer y "$KS" topic delete keepme
  assert_exit 4 ks topic describe keepme
  assert_exit 0 on_pty --answer yes "$KS" group delete gask
  assert_exit 4 ks group describe gask
}

case_unknown_names_suggest_the_closest() {
  assert_exit 0 ks topic create invoices
  assert_exit 0 ks topic create refunds
  assert_exit 4 ks topic describe invoiecs
  assert_contains "$(cat "$ERR")" "did you mean 'invoices'?" "suggestion for a transposed topic name"
  assert_exit 4 timeout 20 "$KS" --no-autostart consume refnds -e
  assert_contains "$(cat "$ERR")" "did you mean 'refunds'?" "suggestion from consume"
  assert_exit 4 ks topic describe shipments
  if grep -q "did you mean" "$ERR"; then fail "a suggestion for an unrelated name: $(cat "$ERR")"; fi
  echo 1 | assert_exit 0 ks produce invoices
  assert_exit 0 timeout 20 "$KS" consume invoices -g billing -e
  assert_exit 4 ks group describe biling
  assert_contains "$(cat "$ERR")" "did you mean 'billing'?" "suggestion for a group"
}

case_colour_only_on_a_terminal_and_never_with_no_color() {
  assert_exit 0 ks topic create colours
  local esc=$'\033['
  TERM=xterm on_pty "$KS" topic list >"$T/tty.out"
  assert_contains "$(cat "$T/tty.out")" "${esc}1mTOPIC" "a bold header row on a terminal"
  TERM=xterm on_pty "$KS" topic describe colourz >"$T/tty.err" || true
  assert_contains "$(cat "$T/tty.err")" "${esc}1;31merror:" "a red error prefix on a terminal"
  NO_COLOR=1 TERM=xterm on_pty "$KS" topic list >"$T/nocolor.out"
  NO_COLOR=1 TERM=xterm on_pty "$KS" topic describe colourz >>"$T/nocolor.out" || true
  assert_contains "$(cat "$T/nocolor.out")" "TOPIC" "the table is still there with NO_COLOR"
  if grep -q $'\033' "$T/nocolor.out"; then fail "escape sequences with NO_COLOR set: $(od -c "$T/nocolor.out" | head -5)"; fi
  TERM=xterm assert_exit 0 ks topic list
  TERM=xterm assert_exit 4 ks topic describe colourz
  if grep -q $'\033' "$OUT" "$ERR"; then fail "escape sequences when not on a terminal"; fi
}

case_usage_errors_name_the_fix() {
  assert_exit 2 ks topic lst
  assert_contains "$(cat "$ERR")" "unknown command 'lst' for \`ks topic\`; did you mean \`ks topic list\`?" "unknown subcommand"
  assert_contains "$(cat "$ERR")" "see \`ks topic --help\`" "help of the command at hand"
  assert_exit 2 ks consume anything --form beginning
  assert_contains "$(cat "$ERR")" "unknown flag '--form' for \`ks consume\`; did you mean --from?" "unknown flag"
  assert_exit 2 ks produce anything --acks 2 </dev/null
  assert_contains "$(cat "$ERR")" "not in {0,1,all,-1}" "a bad value lists what is accepted"
  assert_exit 2 ks consume anything --from yesterday
  assert_contains "$(cat "$ERR")" "expected beginning, end" "a bad position says what is accepted"
}

run_cases \
  create_list_describe \
  usage_errors_name_the_fix \
  colour_only_on_a_terminal_and_never_with_no_color \
  unknown_names_suggest_the_closest \
  destructive_commands_ask \
  all_config_keys \
  unknown_config_exit_2 \
  alter_configs \
  alter_partitions \
  create_existing_fails \
  delete_topic \
  describe_reflects_data \
  segment_roll
