#!/usr/bin/env bash
# A real Apache Kafka 4.4.0 broker, the reference ks is compared with.
#
#   kafka.sh start DIR      format and start a single-node KRaft broker
#                           (broker+controller in one JVM) in DIR, which is
#                           emptied first; prints its bootstrap address
#   kafka.sh stop DIR       stop it (TERM, then KILL after 20 s)
#   kafka.sh bootstrap DIR  print its bootstrap address (127.0.0.1:PORT)
#   kafka.sh classpath broker|tools
#                           print the classpath of the broker (pom.xml) or
#                           of Kafka's command-line tools, kafka-tools and
#                           the Java client (tools/pom.xml), resolving it
#                           first if need be
#
# DIR after start: server.properties, data/ (the log dirs), server.log
# (log4j2, INFO), kafka.out (the JVM's stdout/stderr), pid, bootstrap,
# launched_at (the time, epoch seconds, just before the broker's JVM was
# launched, for scripts/bench.sh's cold-start figure).
#
# The jars come from Maven Central through `mvn` into ~/.m2, as pom.xml
# pins them; the resulting classpath is cached in
# ${XDG_CACHE_HOME:-~/.cache}/ks-tests/apache-kafka/ (keyed by pom.xml's
# hash) so later starts do not run Maven. Java 17 or newer runs it
# ($JAVA_HOME/bin/java, else java on PATH). Missing java or mvn: installed
# with apt-get when root (as in CI), else exit 77 (skip), except with
# CI=true, where it is an error (exit 1).
#
# Settings are Kafka's defaults except what one node needs: replication
# factor 1 (and min ISR 1) for the internal topics. group.initial.
# rebalance.delay.ms keeps its default (3000), auto.create.topics.enable
# its default (true), num.partitions its default (1).
# KS_APACHE_KAFKA_HEAP (default 512m) sets -Xmx.
# KS_APACHE_KAFKA_JVM_OPTS, when set, replaces the other JVM options (by
# default ones that start the broker fast for tests: C1 JIT only, 128 MiB
# initial heap); scripts/bench.sh passes Kafka's own kafka-run-class ones.
# KS_APACHE_KAFKA_PORT, when set, is the broker's port instead of a free
# one chosen at start.
set -euo pipefail

HERE=$(dirname "$(realpath "${BASH_SOURCE[0]}")")
KAFKA_VERSION=4.4.0
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/ks-tests/apache-kafka

die() { echo "kafka.sh: $*" >&2; exit 1; }
skip_or_die() {
  if [[ "${CI:-}" == "true" ]]; then die "$*"; fi
  echo "kafka.sh: SKIP: $*" >&2
  exit 77
}

java_bin() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then echo "$JAVA_HOME/bin/java"; else command -v java || true; fi
}

# java and mvn, installed from Debian's packages when missing and root.
ensure_tools() {
  if [[ -z "$(java_bin)" ]] || ! command -v mvn >/dev/null 2>&1; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
      echo "kafka.sh: installing java and maven (apt-get)" >&2
      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
         openjdk-17-jdk-headless maven) </dev/null >&2 || skip_or_die "apt-get install openjdk-17-jdk-headless maven failed"
    fi
  fi
  [[ -n "$(java_bin)" ]] || skip_or_die "no java (Java 17+; Debian package openjdk-17-jdk-headless)"
  command -v mvn >/dev/null 2>&1 || skip_or_die "no mvn (Debian package maven)"
  local major
  major=$("$(java_bin)" -XshowSettings:properties -version 2>&1 | awk -F'= ' '/java.specification.version/{print $2}')
  [[ "${major%%.*}" -ge 17 ]] 2>/dev/null || die "$(java_bin) is Java $major; Apache Kafka $KAFKA_VERSION's broker needs 17+"
}

# The classpath of POM (one line, ':'-separated; default pom.xml, the
# broker), resolved once per pom; every jar in it must still be in ~/.m2.
classpath() {  # [POM]
  local pom=${1:-$HERE/pom.xml} key file cp jar ok=1
  key=$(sha256sum "$pom" | cut -c1-16)
  file=$CACHE/classpath-$key.txt
  if [[ -s "$file" ]]; then
    cp=$(cat "$file")
    IFS=: read -ra jars <<<"$cp"
    for jar in "${jars[@]}"; do [[ -f "$jar" ]] || { ok=0; break; }; done
    if [[ $ok -eq 1 ]]; then echo "$cp"; return 0; fi
  fi
  mkdir -p "$CACHE"
  command -v mvn >/dev/null 2>&1 || ensure_tools
  echo "kafka.sh: resolving Apache Kafka $KAFKA_VERSION jars ($pom) with mvn (cached in ~/.m2)" >&2
  mvn -B -q -f "$pom" dependency:build-classpath \
      -Dmdep.outputFile="$file.tmp" </dev/null >"$CACHE/mvn.log" 2>&1 ||
    { tail -n 30 "$CACHE/mvn.log" >&2; die "mvn could not resolve the jars of $pom (log: $CACHE/mvn.log)"; }
  mv "$file.tmp" "$file"
  cat "$file"
}

free_port() {
  python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

port_open() {
  python3 -c 'import socket, sys
socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1)' "$1" 2>/dev/null
}

# A cluster id as Kafka's Uuid prints it: 16 random bytes, URL-safe
# base64 without padding.
cluster_id() {
  python3 -c 'import base64, os
print(base64.urlsafe_b64encode(os.urandom(16)).decode().rstrip("="))'
}

write_config() {  # DIR PORT CONTROLLER_PORT
  local dir=$1 port=$2 cport=$3
  cat >"$dir/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$cport
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$cport
advertised.listeners=PLAINTEXT://127.0.0.1:$port
inter.broker.listener.name=PLAINTEXT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir/data
# One node: the internal topics cannot have more replicas than brokers.
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
EOF
  cat >"$dir/log4j2.properties" <<EOF
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = $dir/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
EOF
}

stop() {  # DIR
  local dir=$1 pid i
  [[ -f "$dir/pid" ]] || return 0
  pid=$(cat "$dir/pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 200; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      echo "kafka.sh: broker $pid still running 20 s after TERM; KILL" >&2
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.2
    fi
  fi
  rm -f "$dir/pid"
}

# One try on fresh ports: 0 when the broker is up, 1 when it did not come
# up (its log is printed, it is killed).
start_once() {  # DIR CLASSPATH JAVA
  local dir=$1 cp=$2 java=$3 port cport i pid
  rm -rf "$dir/data" "$dir/server.log" "$dir/kafka.out" "$dir/bootstrap" "$dir/launched_at"
  port=${KS_APACHE_KAFKA_PORT:-$(free_port)}
  cport=$(free_port)
  [[ $port != "$cport" ]] || cport=$(free_port)
  write_config "$dir" "$port" "$cport"
  "$java" -cp "$cp" -Dlog4j2.configurationFile="$dir/log4j2.properties" \
      kafka.tools.StorageTool format -t "$(cluster_id)" -c "$dir/server.properties" \
      >"$dir/format.out" 2>&1 || { cat "$dir/format.out" >&2; die "formatting the log dirs failed"; }
  local -a jvm_opts
  read -ra jvm_opts <<<"${KS_APACHE_KAFKA_JVM_OPTS:--Xms128m -XX:+UseG1GC -XX:TieredStopAtLevel=1 -Xss1m}"
  echo "$EPOCHREALTIME" >"$dir/launched_at"
  # setsid: the broker outlives this script (a ctest fixture step) and
  # does not get the terminal's signals.
  setsid "$java" -Xmx"${KS_APACHE_KAFKA_HEAP:-512m}" "${jvm_opts[@]}" -Djava.awt.headless=true \
      -Dlog4j2.configurationFile="$dir/log4j2.properties" \
      -cp "$cp" kafka.Kafka "$dir/server.properties" \
      </dev/null >"$dir/kafka.out" 2>&1 &
  pid=$!
  echo "$pid" >"$dir/pid"
  for ((i = 0; i < 1200; i++)); do  # 120 s
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "kafka.sh: the broker exited during startup" >&2
      break
    fi
    if grep -q "Kafka Server started" "$dir/server.log" 2>/dev/null && port_open "$port"; then
      echo "127.0.0.1:$port" >"$dir/bootstrap"
      return 0
    fi
    sleep 0.1
  done
  echo "kafka.sh: broker not ready (log: $dir/server.log); last lines:" >&2
  tail -n 30 "$dir/server.log" "$dir/kafka.out" 2>/dev/null | sed 's/^/  | /' >&2
  stop "$dir"
  return 1
}

start() {  # DIR
  local dir=$1 cp java try
  ensure_tools
  java=$(java_bin)
  cp=$(classpath)
  mkdir -p "$dir"
  stop "$dir"  # a broker left over from an earlier run of the same DIR
  # A port taken by another process between choosing and binding makes
  # the broker exit; retry on fresh ports.
  for try in 1 2 3; do
    if start_once "$dir" "$cp" "$java"; then
      cat "$dir/bootstrap"
      return 0
    fi
    echo "kafka.sh: start failed (try $try)" >&2
  done
  die "could not start Apache Kafka $KAFKA_VERSION in $dir"
}

usage="usage: kafka.sh start|stop|bootstrap DIR, or kafka.sh classpath broker|tools"
[[ $# -eq 2 ]] || die "$usage"
if [[ $1 == classpath ]]; then
  ensure_tools
  case $2 in
    broker) classpath "$HERE/pom.xml" ;;
    tools) classpath "$HERE/tools/pom.xml" ;;
    *) die "$usage" ;;
  esac
  exit 0
fi
dir=$(realpath -m "$2")
case $1 in
  start) start "$dir" ;;
  stop) stop "$dir" ;;
  bootstrap) [[ -s "$dir/bootstrap" ]] || die "no broker started in $dir"; cat "$dir/bootstrap" ;;
  *) die "$usage" ;;
esac
