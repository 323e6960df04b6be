#!/usr/bin/python3
"""confluent-kafka (Debian's python3-confluent-kafka, librdkafka 2.0.2)
steps for the Kafka compatibility tests; each prints JSON lines.

  ck_client.py --broker HOST:PORT produce TOPIC [--compression C] [--keyed] < LINES
      one record per line through a Producer with compression.type=C; waits
      for every delivery report and prints {"error","partition","offset"}
      per record in input order. Exit 1 if any report has an error.
  ck_client.py --broker B consume TOPIC... --group G --count N [--no-commit] [--linger-ms MS]
      a Consumer in group G (auto.offset.reset=earliest) reads exactly N
      records, prints them, polls MS more (failing on any further record),
      commits synchronously (unless --no-commit), closes.
  ck_client.py --broker B commit-assigned TOPIC PARTITION OFFSET --group G
      a Consumer that assign()s the partition (no group membership)
      commits OFFSET and prints {"committed": N} as committed() reads it.
  ck_client.py --broker B admin create TOPIC PARTITIONS | delete TOPIC... | list | groups
"""
import argparse
import json
import os
import sys
import time

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

COMMON = {"socket.timeout.ms": 15000, "reconnect.backoff.max.ms": 1000}


def b(x):
    return None if x is None else {"hex": x.hex()}


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def fail(msg):
    print("ck_client: " + msg, file=sys.stderr)
    sys.exit(1)


def produce(a):
    conf = dict(COMMON, **{"bootstrap.servers": a.broker, "compression.type": a.compression,
                           "linger.ms": 20, "message.timeout.ms": 20000, "acks": "all"})
    p = Producer(conf)
    reports = []

    def on_delivery(i):
        def cb(err, msg):
            reports.append((i, err, msg.partition(), msg.offset()))
        return cb

    lines = sys.stdin.buffer.read().split(b"\n")[:-1]
    for i, line in enumerate(lines):
        key = None
        if a.keyed:
            k, sep, v = line.partition(b":")
            if sep:
                key, line = k, v
        while True:
            try:
                p.produce(a.topic, value=line, key=key, on_delivery=on_delivery(i))
                break
            except BufferError:
                p.poll(0.1)
        p.poll(0)
    left = p.flush(30)
    if left:
        fail("%d records still undelivered after flush(30)" % left)
    reports.sort(key=lambda r: r[0])
    if len(reports) != len(lines):
        fail("%d delivery reports for %d records" % (len(reports), len(lines)))
    errors = 0
    for i, err, part, off in reports:
        emit({"error": None if err is None else str(err), "partition": part, "offset": off})
        errors += err is not None
    if errors:
        fail("%d of %d delivery reports carry an error" % (errors, len(lines)))


def consume(a):
    conf = dict(COMMON, **{"bootstrap.servers": a.broker, "group.id": a.group, "auto.offset.reset": "earliest",
                           "enable.auto.commit": False, "session.timeout.ms": 6000,
                           "heartbeat.interval.ms": 500, "fetch.wait.max.ms": 200})
    c = Consumer(conf)
    c.subscribe(a.topics)
    got = 0
    deadline = time.monotonic() + a.max_seconds
    while got < a.count and time.monotonic() < deadline:
        m = c.poll(0.2)
        if m is None:
            continue
        if m.error():
            if m.error().code() == KafkaError._PARTITION_EOF:
                continue
            fail("consumer error: %s" % m.error())
        emit({"topic": m.topic(), "partition": m.partition(), "offset": m.offset(),
              "timestamp": m.timestamp()[1], "key": b(m.key()), "value": b(m.value()),
              "headers": [[k, b(v)] for k, v in (m.headers() or [])]})
        got += 1
    linger_end = time.monotonic() + a.linger_ms / 1000
    while time.monotonic() < linger_end:
        m = c.poll(0.1)
        if m is not None and not m.error():
            fail("read more than %d records: %s [%d] at %d" % (a.count, m.topic(), m.partition(), m.offset()))
    if got < a.count:
        c.close()
        fail("read %d of %d records within %d s" % (got, a.count, a.max_seconds))
    if not a.no_commit:
        c.commit(asynchronous=False)
    c.close()


def commit_assigned(a):
    c = Consumer(dict(COMMON, **{"bootstrap.servers": a.broker, "group.id": a.group, "enable.auto.commit": False}))
    c.assign([TopicPartition(a.topic, a.partition, a.offset)])
    res = c.commit(offsets=[TopicPartition(a.topic, a.partition, a.offset)], asynchronous=False)
    if any(tp.error for tp in res):
        fail("commit: %s" % res)
    got = c.committed([TopicPartition(a.topic, a.partition)], timeout=15)
    emit({"committed": got[0].offset})
    c.close()


def admin(a):
    ad = AdminClient(dict(COMMON, **{"bootstrap.servers": a.broker}))
    if a.op == "create":
        fs = ad.create_topics([NewTopic(a.args[0], num_partitions=int(a.args[1]), replication_factor=1)],
                              operation_timeout=10, request_timeout=15)
        for t, f in fs.items():
            f.result(timeout=20)
            emit({"created": t})
    elif a.op == "delete":
        fs = ad.delete_topics(a.args, operation_timeout=10, request_timeout=15)
        for t, f in fs.items():
            f.result(timeout=20)
            emit({"deleted": t})
    elif a.op == "groups":
        emit({"groups": sorted(g.id for g in ad.list_groups(timeout=15))})
    elif a.op == "list":
        md = ad.list_topics(timeout=15)
        emit({"topics": {t: len(m.partitions) for t, m in md.topics.items()},
              "brokers": {str(i): "%s:%d" % (br.host, br.port) for i, br in md.brokers.items()}})
    else:
        fail("unknown admin op " + a.op)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--broker", required=True)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("produce")
    p.add_argument("topic")
    p.add_argument("--compression", default="none")
    p.add_argument("--keyed", action="store_true")
    c = sub.add_parser("consume")
    c.add_argument("topics", nargs="+")
    c.add_argument("--group", required=True)
    c.add_argument("--count", type=int, required=True)
    c.add_argument("--no-commit", action="store_true")
    c.add_argument("--max-seconds", type=int, default=30)
    c.add_argument("--linger-ms", type=int, default=0)
    m = sub.add_parser("commit-assigned")
    m.add_argument("topic")
    m.add_argument("partition", type=int)
    m.add_argument("offset", type=int)
    m.add_argument("--group", required=True)
    d = sub.add_parser("admin")
    d.add_argument("op")
    d.add_argument("args", nargs="*")
    a = ap.parse_args()
    # A sanitizer build gets more time (KS_IT_TIMEOUT_SCALE, tests/CMakeLists.txt).
    if hasattr(a, "max_seconds"):
        a.max_seconds *= int(os.environ.get("KS_IT_TIMEOUT_SCALE", "1"))
    {"produce": produce, "consume": consume, "commit-assigned": commit_assigned, "admin": admin}[a.cmd](a)


if __name__ == "__main__":
    try:
        main()
    except KafkaException as e:
        fail("KafkaException: %s" % e)
