# ks against Apache Kafka 4.4, side by side: the same Kafka clients (Kafka's
# own Java perf tools and kcat) against a single-node KRaft broker
# (tests/kafka/apache/kafka.sh) and against the ks daemon's Kafka listener,
# in the same round; plus each broker's cold start, RSS, CPU per record and
# disk bytes per record. Sourced by scripts/bench.sh.
#
# Figures are "<broker>.<name>" with broker ks or kafka:
#   cold_start_ms        process start to the first Metadata answer listing
#                        a broker (scripts/bench/kafka_meta.py wait)
#   java_produce_acks1   ProducerPerformance, 100-byte records, acks=1 (rec/s,
#   java_produce_acksall   the tool's own figure); and acks=all
#   java_consume         ConsumerPerformance fetch.nMsg.sec (rec/s, without
#                        the group join, which it reports apart)
#   java_consume_join_ms its rebalance.time.ms
#   java_e2e_avg_us      EndToEndLatency, one record in flight, acks=1: the
#   java_e2e_p50_ms ...  average (µs) and its percentiles (whole ms: the tool
#                        truncates them to milliseconds)
#   kcat_produce         `kcat -P < file` (rec/s, wall time)
#   kcat_consume         `kcat -C -o beginning -c N -e > /dev/null`, fastest of 3
#   cpu_ns_per_record    broker CPU (utime + stime) during the acks=1
#                        ProducerPerformance run, divided by its records;
#   java_client_cpu_ns_per_record  and the tool's own (the JVM's) CPU
#   disk_bytes_per_record the segment files (*.log) of that topic, divided
#                        by its records
#   rss_mib, rss_peak_mib the broker's VmRSS after the workloads, and VmHWM

kafka_sh=$root/tests/kafka/apache/kafka.sh
kafka_dir=$work/kafka
# Kafka's own start script's JVM settings (kafka-server-start.sh and
# kafka-run-class.sh): 1 GiB heap, G1 with a 20 ms pause goal.
kafka_jvm_opts="-Xms1g -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent"
tools_cp=

# Once: kcat, java and mvn (Debian packages when root), the tools' and the
# broker's jars (Maven, cached in ~/.m2), and a log4j2 file that keeps the
# Java clients' log lines on stderr at ERROR.
kafka_setup() {
  if ! command -v kcat >/dev/null 2>&1; then
    [[ $(id -u) == 0 ]] || die "kcat is missing (Debian package kcat); use --no-kafka"
    say "installing kcat (apt-get)"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kcat) </dev/null >&2 ||
      die "apt-get install kcat failed"
  fi
  tools_cp=$(bash "$kafka_sh" classpath tools) || die "no classpath for Apache Kafka's tools"
  bash "$kafka_sh" classpath broker >/dev/null || die "no classpath for Apache Kafka's broker"
  cat >"$work/tools-log4j2.properties" <<'EOF'
status = error
rootLogger.level = ERROR
appender.err.type = Console
appender.err.name = err
appender.err.target = SYSTEM_ERR
appender.err.layout.type = PatternLayout
appender.err.layout.pattern = %d %p %m (%c)%n
rootLogger.appenderRef.err.ref = err
EOF
}

# jtool CLASS ARGS...: one of org.apache.kafka.tools, with the heap Kafka's
# scripts give the tools (kafka-run-class.sh: 256 MiB is too small for 1M
# in-flight records of ProducerPerformance's callbacks, so 512 MiB).
jtool() {
  timeout -k 5 600 java -Xmx512m -Dlog4j2.configurationFile="$work/tools-log4j2.properties" \
    -cp "$tools_cp" "org.apache.kafka.tools.$1" "${@:2}"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# kafka_start BROKER: starts a fresh broker (ks: the daemon with a Kafka
# listener in an emptied home; kafka: kafka.sh in an emptied directory),
# puts its cold start, and sets kbroker (HOST:PORT), kpid and kdata (the
# directory holding the partition directories).
kafka_start() {
  local which=$1 port probe t0 t1
  port=$(free_port)
  python3 "$bench_dir/kafka_meta.py" wait "$port" 180 >"$work/coldstart.out" &
  probe=$!
  bg_pids+=("$probe")
  if [[ $which == ks ]]; then
    home_reset
    t0=$EPOCHREALTIME
    daemon_restart --kafka "127.0.0.1:$port"
    kpid=$dpid kdata=$home/data
  else
    rm -rf "$kafka_dir"
    KS_APACHE_KAFKA_PORT=$port KS_APACHE_KAFKA_HEAP=1g KS_APACHE_KAFKA_JVM_OPTS=$kafka_jvm_opts \
      bash "$kafka_sh" start "$kafka_dir" >/dev/null || die "Apache Kafka did not start (see $kafka_dir)"
    t0=$(cat "$kafka_dir/launched_at")
    kpid=$(cat "$kafka_dir/pid") kdata=$kafka_dir/data
  fi
  wait "$probe" || die "$which: no Metadata answer on 127.0.0.1:$port"
  bg_pids=()
  t1=$(cat "$work/coldstart.out")
  put "$which.cold_start_ms" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) * 1000 }')"
  kbroker=127.0.0.1:$port
  # The workloads' topics, created now (one partition: both brokers'
  # default) so that no timed run waits for an auto-creation.
  python3 "$bench_dir/kafka_meta.py" create "$port" jp1 jpa je2e kc || die "$which: could not create the topics"
}

kafka_stop() {
  if [[ $1 == ks ]]; then daemon_stop; else bash "$kafka_sh" stop "$kafka_dir"; fi
}

# The number after LABEL in the tool's last summary line.
java_produce() {  # TOPIC ACKS
  jtool ProducerPerformance --topic "$1" --num-records "$kafka_records" --record-size 100 \
    --throughput -1 --command-property "bootstrap.servers=$kbroker" "acks=$2" >"$work/jtool.out" ||
    die "ProducerPerformance against $kbroker failed: $(tail -5 "$work/jtool.out")"
}
fig_java_produce() {  # BROKER
  local b=$1 line
  measured_pid=$kpid run_timed java_produce jp1 1
  line=$(grep 'records sent' "$work/jtool.out" | tail -1)
  [[ $line == "$kafka_records records sent"* ]] || die "$b: ProducerPerformance acks=1: $line"
  put "$b.java_produce_acks1" "$(sed 's/.* records sent, \([0-9]*\)[0-9.]* records\/sec.*/\1/' <<<"$line")"
  put "$b.cpu_ns_per_record" "$(awk -v s="$T_DAEMON" -v n="$kafka_records" 'BEGIN { printf "%.0f", s * 1e9 / n }')"
  put "$b.java_client_cpu_ns_per_record" "$(awk -v s="$T_CLIENT" -v n="$kafka_records" 'BEGIN { printf "%.0f", s * 1e9 / n }')"
  put "$b.disk_bytes_per_record" "$(find "$kdata/jp1-0" -name '*.log' -printf '%s\n' |
    awk -v n="$kafka_records" '{ s += $1 } END { printf "%.1f", s / n }')"

  java_produce jpa all
  line=$(grep 'records sent' "$work/jtool.out" | tail -1)
  [[ $line == "$kafka_records records sent"* ]] || die "$b: ProducerPerformance acks=all: $line"
  put "$b.java_produce_acksall" "$(sed 's/.* records sent, \([0-9]*\)[0-9.]* records\/sec.*/\1/' <<<"$line")"
}

# start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg,
# nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
fig_java_consume() {  # BROKER
  local b=$1 f
  jtool ConsumerPerformance --bootstrap-server "$kbroker" --topic jp1 --num-records "$kafka_records" \
    --timeout 60000 --hide-header >"$work/jtool.out" ||
    die "ConsumerPerformance against $kbroker failed: $(tail -5 "$work/jtool.out")"
  IFS=, read -ra f < <(grep -E '^[0-9]{4}-' "$work/jtool.out" | tail -1)
  [[ ${#f[@]} -ge 10 ]] || die "$b: ConsumerPerformance printed no figures: $(tail -5 "$work/jtool.out")"
  [[ $((${f[4]})) -ge $kafka_records ]] || die "$b: ConsumerPerformance read ${f[4]} records, expected $kafka_records"
  put "$b.java_consume" "$(printf "%.0f" "${f[9]// /}")"
  put "$b.java_consume_join_ms" "$((${f[6]}))"
}

# Avg latency: 1.2345 ms / Percentiles: 50th = 1, 99th = 3, 99.9th = 10
fig_java_e2e() {  # BROKER
  local b=$1 avg p
  jtool EndToEndLatency "$kbroker" je2e "$kafka_e2e_samples" 1 100 >"$work/jtool.out" ||
    die "EndToEndLatency against $kbroker failed: $(tail -5 "$work/jtool.out")"
  avg=$(sed -n 's/^Avg latency: \([0-9.]*\) ms.*/\1/p' "$work/jtool.out")
  read -ra p < <(sed -n 's/^Percentiles: 50th = \([0-9]*\), 99th = \([0-9]*\), 99.9th = \([0-9]*\).*/\1 \2 \3/p' "$work/jtool.out")
  [[ -n $avg && ${#p[@]} == 3 ]] || die "$b: EndToEndLatency printed no figures: $(tail -5 "$work/jtool.out")"
  put "$b.java_e2e_avg_us" "$(awk -v a="$avg" 'BEGIN { printf "%.0f", a * 1000 }')"
  put "$b.java_e2e_p50_ms" "${p[0]}"
  put "$b.java_e2e_p99_ms" "${p[1]}"
  put "$b.java_e2e_p999_ms" "${p[2]}"
}

kcat_produce() { kcat -P -b "$kbroker" -t kc <"$kafka_input" || die "kcat -P against $kbroker exited $?"; }
kcat_consume() {
  kcat -C -b "$kbroker" -t kc -o beginning -c "$kafka_records" -e -q >/dev/null ||
    die "kcat -C against $kbroker exited $?"
}
fig_kcat() {  # BROKER
  local b=$1
  run_timed kcat_produce
  put "$b.kcat_produce" "$(rate "$kafka_records" "$T_WALL")"
  # The fastest of 3: now and then librdkafka waits out its fetch.wait.max.ms
  # (500 ms) once during the read, against either broker.
  local i best=
  for i in 1 2 3; do
    run_timed kcat_consume
    best=$(awk -v a="${best:-1e9}" -v b="$T_WALL" 'BEGIN { print (b < a ? b : a) }')
  done
  put "$b.kcat_consume" "$(rate "$kafka_records" "$best")"
}

# ks runs in a home of its own, emptied each round, so the other groups'
# home (kept across rounds) is left alone.
fig_kafka_broker() {  # BROKER
  local b=$1 home=$work/home-kafka dpid=$dpid
  say "  $b: cold start"; kafka_start "$b"
  say "  $b: ProducerPerformance acks=1, acks=all ($kafka_records records)"; fig_java_produce "$b"
  say "  $b: ConsumerPerformance"; fig_java_consume "$b"
  say "  $b: EndToEndLatency ($kafka_e2e_samples records)"; fig_java_e2e "$b"
  say "  $b: kcat -P, kcat -C"; fig_kcat "$b"
  put "$b.rss_mib" "$(mib "$(status_kb "$kpid" VmRSS)")"
  put "$b.rss_peak_mib" "$(mib "$(status_kb "$kpid" VmHWM)")"
  kafka_stop "$b"
}

fig_kafka() {
  [[ -f $kafka_input ]] || head -n "$kafka_records" "$input" >"$kafka_input"
  fig_kafka_broker kafka
  fig_kafka_broker ks
}
