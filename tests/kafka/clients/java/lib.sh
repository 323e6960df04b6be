# Shared harness of the Java client tests (test_java_*.sh): Apache Kafka's
# own Java clients, tools and Kafka Streams (4.4.0, pom.xml) against the
# daemon's Kafka listener, on top of tests/kafka/lib.sh (one daemon per
# script, BROKER, cases, assertions).
#
#   source "$(dirname "$0")/lib.sh"
#   java_start            # classpath (setup.sh), then the broker
#   case_x() { jrun ks.Produce --broker "$BROKER" ...; }
#   run_cases x:60
#
# The same scenarios run against a real Apache Kafka 4.4 broker, to show
# they hold there: KS_JAVA_TARGET=apache uses the broker of the ctest
# fixture apache_kafka (tests/kafka/apache), or KS_APACHE_BOOTSTRAP=H:P
# names one. Then no ks daemon is started and the cross-checks with the
# `ks` binary (`on_ks && ...`) are left out. Topic and group names carry a
# per-run prefix ($RUN) so reruns against one long-lived broker do not meet
# each other's topics.

source "$(dirname "${BASH_SOURCE[0]}")/../../lib.sh"

JAVA_DIR=$(dirname "$(realpath "${BASH_SOURCE[0]}")")
export JAVA_DIR

# True when the scenarios run against ks (not the reference broker).
on_ks() { [[ "${KS_JAVA_TARGET:-ks}" != apache ]]; }

# In the outer process: the classpath (resolving and compiling on first
# use; a missing JDK or Maven skips locally with 77 and fails in CI), then
# the broker. Exports JAVA_CP, BROKER and RUN.
java_start() {
  [[ -n "${IT_CASE:-}" ]] && return 0
  local rc=0 t0
  t0=$(now_ms)
  JAVA_CP=$(bash "$JAVA_DIR/setup.sh") || rc=$?
  if [[ $rc -eq 77 ]]; then
    if [[ "${CI:-}" == "true" ]]; then echo "FAIL [$IT_NAME] no JDK/Maven in CI" >&2; exit 1; fi
    echo "SKIP [$IT_NAME] no JDK/Maven (see above)" >&2
    exit 77
  fi
  [[ $rc -eq 0 ]] || { echo "FAIL [$IT_NAME:setup] tests/kafka/clients/java/setup.sh exited $rc" >&2; exit 1; }
  echo "   java classpath ready in $(( $(now_ms) - t0 )) ms"
  export JAVA_CP
  RUN=r$(date +%s%N | cut -c8-13)
  export RUN
  if on_ks; then
    start_kafka_daemon
  else
    if [[ -z "${KS_APACHE_BOOTSTRAP:-}" ]]; then
      KS_APACHE_BOOTSTRAP=$(apache_bootstrap) ||
        { echo "FAIL [$IT_NAME:setup] no Apache Kafka broker (tests/kafka/apache/kafka.sh start DIR)" >&2; exit 1; }
    fi
    BROKER=$KS_APACHE_BOOTSTRAP
    export BROKER
    echo "   against Apache Kafka at $BROKER (run $RUN)"
  fi
}

# A Java program of the test classpath, under an overall timeout (times
# KS_IT_TIMEOUT_SCALE). Client logs at WARN go to stderr. The JIT stops at
# C1: these programs are short and startup dominates.
jrun() {  # MAIN ARGS...
  timeout -k 5 $(( ${JAVA_TIMEOUT:-90} * ${KS_IT_TIMEOUT_SCALE:-1} )) \
    java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss1m \
      -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
      -cp "$JAVA_CP" "$@"
}

# Kafka's command-line tools by their script names (bin/kafka-*.sh in a
# Kafka 4.4 distribution), run from the jars.
ktool() {  # NAME ARGS...
  local main
  case "$1" in
    topics) main=org.apache.kafka.tools.TopicCommand ;;
    configs) main=org.apache.kafka.tools.ConfigCommand ;;
    consumer-groups) main=org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
    console-producer) main=org.apache.kafka.tools.ConsoleProducer ;;
    console-consumer) main=org.apache.kafka.tools.consumer.ConsoleConsumer ;;
    get-offsets) main=org.apache.kafka.tools.GetOffsetShell ;;
    delete-records) main=org.apache.kafka.tools.DeleteRecordsCommand ;;
    verifiable-producer) main=org.apache.kafka.tools.VerifiableProducer ;;
    verifiable-consumer) main=org.apache.kafka.tools.VerifiableConsumer ;;
    *) fail "ktool: unknown tool $1" ;;
  esac
  shift
  jrun "$main" "$@"
}

# The scenario programs of src/ks (see each file's header).
jadmin() { jrun ks.Admin --broker "$BROKER" "$@"; }
jproduce() { jrun ks.Produce --broker "$BROKER" "$@"; }
jconsume() { jrun ks.Consume --broker "$BROKER" "$@"; }

# Creates a topic through AdminClient (works on both targets).
create_topic() {  # NAME PARTITIONS [k=v...]
  jadmin create "$@" >"$T/create.out" 2>"$T/create.err" ||
    fail "createTopics $*: $(tail -c 1500 "$T/create.err")"
}

# Records for a consumer, with the producer's idempotence off so that the
# consumer scenarios do not wait on InitProducerId (the producer scenario
# covers it). Input: key:value lines on stdin.
feed() {  # TOPIC [Produce ARGS...]
  local topic=$1
  shift
  jproduce --topic "$topic" --keyed true --prop enable.idempotence=false "$@" >"$T/feed.out" 2>"$T/feed.err" ||
    fail "feeding $topic (Produce, idempotence off) exited $?: $(tail -c 1500 "$T/feed.err")"
}

# Waits until a Consume output FILE shows, as its latest assignment, N
# partitions. Fails with the consumer's stderr (FILE.err) if not in SECS,
# or at once if the consumer ended.
wait_assigned() {  # FILE N SECS
  local deadline=$(( $(now_ms) + $3 * 1000 )) rc
  while :; do
    rc=0
    "$PY" "$JAVA_DIR/check.py" assigned "$1" "$2" || rc=$?
    [[ $rc -eq 0 ]] && return 0
    if [[ $rc -eq 2 || $(now_ms) -gt $deadline ]]; then
      fail "consumer $(basename "$1"): not assigned $2 partitions$([[ $rc -eq 2 ]] && echo ' (it ended)' || echo " after $3 s"); output: $(tail -c 800 "$1"); stderr: $(grep -v '^\s*at ' "$1.err" 2>/dev/null | tail -c 1500)"
    fi
    sleep 0.2
  done
}
