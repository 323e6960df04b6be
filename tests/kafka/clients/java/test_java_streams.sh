#!/usr/bin/env bash
# A Kafka Streams 4.4.0 word count (src/ks/WordCount.java; at-least-once,
# default settings) against the daemon's Kafka listener: lines in, counts
# out, checked by reading the output topic (a Java consumer), while Streams
# creates its repartition and changelog topics with their configs and
# purges the repartition topic with DeleteRecords. Cross-checked with `ks`.
source "$(dirname "$0")/lib.sh"
java_start

words_in() {  # COUNT FIRST
  local i
  for (( i = $2; i < $2 + $1; i++ )); do
    echo "the quick brown fox $((i % 7)) jumps over the lazy dog $((i % 3))"
  done
}

counts_match() {  # IN FILE
  "$PY" "$JAVA_DIR/check.py" counts "$1" "$2" 2>"$T/counts.err"
}

case_word_count() {
  local app=$RUN-wc in=$RUN-wc-in out=$RUN-wc-out
  create_topic "$in" 2
  create_topic "$out" 1
  # The output reader: a plain consumer from the beginning of the output.
  jconsume --topic "$out" --group "$RUN-wc-reader" --prop auto.offset.reset=earliest \
    --stop-file "$T/stop-reader" --max-seconds 280 >"$T/counts" 2>"$T/counts.err.log" &
  local reader=$!
  jrun ks.WordCount --broker "$BROKER" --app "$app" --input "$in" --output "$out" \
    --state-dir "$T/state" --stop-file "$T/stop-app" --max-seconds 280 >"$T/app" 2>"$T/app.err" &
  local app_pid=$!
  # RUNNING, or the application ended (then fail at once).
  wait_until 90 eval 'grep -q "\"RUNNING\"" "$T/app" || ! alive $app_pid' || true
  grep -q '"RUNNING"' "$T/app" ||
    fail "Kafka Streams did not reach RUNNING: $(cat "$T/app"); $(grep -v '^\s*at ' "$T/app.err" | tail -c 2500)"
  words_in 50 0 >"$T/in1"
  sed 's/^/:/' "$T/in1" | feed "$in"
  # At-least-once commits (and so forwards the counts) every 30 s.
  wait_until 100 counts_match "$T/in1" "$T/counts" ||
    fail "word counts after the first 50 lines: $(cat "$T/counts.err"); app: $(grep -v '^\s*at ' "$T/app.err" | tail -c 2500)"
  words_in 30 50 >"$T/in2"
  sed 's/^/:/' "$T/in2" | feed "$in"
  cat "$T/in1" "$T/in2" >"$T/in"
  # The second batch's counts come with the next commit (every 30 s); a
  # stop before the application has read all of it would leave the rest
  # for its next run, on Apache Kafka as on ks.
  wait_until 100 counts_match "$T/in" "$T/counts" ||
    fail "word counts after 80 lines: $(cat "$T/counts.err"); app: $(grep -v '^\s*at ' "$T/app.err" | tail -c 2500)"
  touch "$T/stop-app"
  local rc=0
  wait "$app_pid" || rc=$?
  [[ $rc -eq 0 ]] || fail "WordCount exited $rc: $(grep -v '^\s*at ' "$T/app.err" | tail -c 2500)"
  # Closing commits, so the second batch's counts are out.
  wait_until 60 counts_match "$T/in" "$T/counts" ||
    fail "word counts after 80 lines and a clean close: $(cat "$T/counts.err")"
  touch "$T/stop-reader"
  wait "$reader" || fail "the output reader exited $?: $(tail -c 1500 "$T/counts.err.log")"
  if on_ks; then
    ks topic list >"$T/topics"
    grep -q "^$app-.*-repartition" "$T/topics" || fail "no repartition topic: $(cat "$T/topics")"
    grep -q "^$app-.*-changelog" "$T/topics" || fail "no changelog topic: $(cat "$T/topics")"
  fi
}

run_cases word_count:300
