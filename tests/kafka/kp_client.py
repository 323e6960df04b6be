#!/usr/bin/python3
"""kafka-python (Debian's python3-kafka) steps for the Kafka compatibility
tests: each subcommand does one thing with a real client and prints what it
saw as JSON, one object per line, for the calling test to check.

  kp_client.py --broker HOST:PORT produce TOPIC [--keyed|--json] [--acks all|1|0] [--compression gzip] < LINES
      one record per input line ("key:value" with --keyed; a line without ':'
      has a null key), or with --json per JSON envelope line as `ks consume
      --json` prints them (key, value, headers, timestamp, partition); prints
      {"partition","offset","timestamp"} per record, in input order, after
      flush().
  kp_client.py --broker B consume TOPIC [TOPIC...] --group G --min N [--commit] [--linger-ms MS]
      a KafkaConsumer with enable_auto_commit=False polls until it has read at
      least N records (N=0: until --idle-ms pass without any), then MS more,
      prints each record, commits everything it read with commit() when
      asked, prints {"positions": {"topic/partition": next offset}}, closes.
  kp_client.py --broker B commit-assigned TOPIC PARTITION OFFSET --group G
      a KafkaConsumer that assign()s the partition itself (no group
      membership: generation -1) commits OFFSET, prints {"committed": N}
      as committed() reads it back.
  kp_client.py --broker B offsets-for-times TOPIC PARTITION TS...
      KafkaConsumer.offsets_for_times (ListOffsets v1+) for each time;
      prints {"ts", "offset", "timestamp"} (null offset and timestamp when
      no record is that late).
  kp_client.py --broker B admin create TOPIC PARTITIONS | list | delete TOPIC...
      | groups | group-offsets GROUP | describe-group GROUP

Bytes (keys, values, header values) are printed as {"hex": ...} so any byte
survives; null stays null. Exit status 1 with a message on any error;
every network wait is bounded by a client timeout.
"""
import argparse
import base64
import json
import os
import sys
import time

import kafka
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic

TIMEOUTS = dict(request_timeout_ms=15000, api_version_auto_timeout_ms=10000,
                reconnect_backoff_max_ms=1000)


def b(x):
    return None if x is None else {"hex": x.hex()}


def envelope_bytes(x):
    """A key, value or header value of the JSON envelope (see `ks produce --json`)."""
    if x is None or isinstance(x, bytes):
        return x
    if isinstance(x, str):
        return x.encode()
    return base64.b64decode(x["base64"])


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def produce(a):
    acks = {"all": "all", "-1": "all", "1": 1, "0": 0}[a.acks]
    p = KafkaProducer(bootstrap_servers=a.broker, acks=acks, max_block_ms=15000, linger_ms=5,
                      compression_type=a.compression, **TIMEOUTS)
    futures = []
    if a.json:
        for line in sys.stdin:
            if not line.strip():
                continue
            o = json.loads(line)
            headers = [(h["key"], envelope_bytes(h["value"])) for h in o.get("headers", [])]
            futures.append(p.send(a.topic, key=envelope_bytes(o.get("key")), value=envelope_bytes(o.get("value")),
                                  headers=headers, partition=o.get("partition"), timestamp_ms=o.get("timestamp")))
    for line in [] if a.json else sys.stdin.buffer.read().split(b"\n")[:-1]:
        key = None
        if a.keyed:
            k, sep, v = line.partition(b":")
            if sep:
                key, line = k, v
        futures.append(p.send(a.topic, key=key, value=line))
    p.flush(timeout=30)
    for f in futures:
        md = f.get(timeout=1)
        emit({"partition": md.partition, "offset": md.offset, "timestamp": md.timestamp})
    p.close(timeout=10)


def record_json(r):
    return {"topic": r.topic, "partition": r.partition, "offset": r.offset, "timestamp": r.timestamp,
            "key": b(r.key), "value": b(r.value), "headers": [[k, b(v)] for k, v in (r.headers or [])]}


def consume(a):
    c = KafkaConsumer(*a.topics, bootstrap_servers=a.broker, group_id=a.group, client_id="kp-" + a.group,
                      enable_auto_commit=False, auto_offset_reset=a.reset,
                      session_timeout_ms=6000, heartbeat_interval_ms=500, max_poll_interval_ms=10000,
                      max_poll_records=a.max_poll_records, fetch_max_wait_ms=200, **TIMEOUTS)
    got = 0
    deadline = time.monotonic() + a.max_seconds
    last = time.monotonic()
    while got < a.min and time.monotonic() < deadline:
        batch = c.poll(timeout_ms=200, max_records=a.max_poll_records)
        if batch:
            last = time.monotonic()
        elif a.min == 0 and time.monotonic() - last > a.idle_ms / 1000:
            break
        for tp, records in sorted(batch.items()):
            for r in records:
                emit(record_json(r))
                got += 1
    # Stay a member a little longer (heartbeats), reading whatever comes.
    linger_end = time.monotonic() + a.linger_ms / 1000
    while time.monotonic() < linger_end:
        for tp, records in sorted(c.poll(timeout_ms=100).items()):
            for r in records:
                emit(record_json(r))
                got += 1
    if got < a.min:
        print("kp_client consume: read %d records, wanted at least %d, within %d s" % (got, a.min, a.max_seconds),
              file=sys.stderr)
        c.close(autocommit=False)
        sys.exit(1)
    positions = {"%s/%d" % (tp.topic, tp.partition): c.position(tp) for tp in sorted(c.assignment())}
    if a.commit:
        c.commit()
    emit({"positions": positions})
    c.close(autocommit=False)


def commit_assigned(a):
    from kafka import TopicPartition
    from kafka.structs import OffsetAndMetadata
    c = KafkaConsumer(bootstrap_servers=a.broker, group_id=a.group, enable_auto_commit=False, **TIMEOUTS)
    tp = TopicPartition(a.topic, a.partition)
    c.assign([tp])
    c.commit({tp: OffsetAndMetadata(a.offset, "kp")})
    emit({"committed": c.committed(tp)})
    c.close(autocommit=False)


def offsets_for_times(a):
    from kafka import TopicPartition
    c = KafkaConsumer(bootstrap_servers=a.broker, **TIMEOUTS)
    try:
        tp = TopicPartition(a.topic, a.partition)
        for ts in a.times:
            found = c.offsets_for_times({tp: ts})[tp]
            emit({"ts": ts, "offset": found and found.offset, "timestamp": found and found.timestamp})
    finally:
        c.close()


def admin(a):
    ad = KafkaAdminClient(bootstrap_servers=a.broker, client_id="kp-admin", **TIMEOUTS)
    try:
        if a.op == "create":
            name, parts = a.args[0], int(a.args[1])
            try:
                ad.create_topics([NewTopic(name=name, num_partitions=parts, replication_factor=1)], timeout_ms=10000)
                emit({"created": name})
            except kafka.errors.TopicAlreadyExistsError as e:
                emit({"error": "TopicAlreadyExistsError", "message": str(e)[:300]})
        elif a.op == "list":
            emit({"topics": sorted(ad.list_topics())})
        elif a.op == "delete":
            try:
                ad.delete_topics(a.args, timeout_ms=10000)
                emit({"deleted": a.args})
            except kafka.errors.UnknownTopicOrPartitionError as e:
                emit({"error": "UnknownTopicOrPartitionError", "message": str(e)[:300]})
        elif a.op == "groups":
            emit({"groups": sorted(g[0] for g in ad.list_consumer_groups())})
        elif a.op == "describe-group":
            g = ad.describe_consumer_groups([a.args[0]])[0]
            emit({"group": g.group, "state": g.state, "protocol_type": g.protocol_type, "members": len(g.members)})
        elif a.op == "group-offsets":
            offs = ad.list_consumer_group_offsets(a.args[0])
            emit({"offsets": {"%s/%d" % (tp.topic, tp.partition): om.offset for tp, om in sorted(offs.items())}})
        else:
            raise SystemExit("unknown admin op " + a.op)
    finally:
        ad.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--broker", required=True)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("produce")
    p.add_argument("topic")
    p.add_argument("--keyed", action="store_true")
    p.add_argument("--acks", default="all")
    p.add_argument("--json", action="store_true")
    p.add_argument("--compression", default=None, help="gzip (others need extra Python modules)")
    c = sub.add_parser("consume")
    c.add_argument("topics", nargs="+")
    c.add_argument("--group", required=True)
    c.add_argument("--min", type=int, required=True)
    c.add_argument("--commit", action="store_true")
    c.add_argument("--reset", default="earliest")
    c.add_argument("--max-poll-records", type=int, default=500)
    c.add_argument("--max-seconds", type=int, default=30)
    c.add_argument("--idle-ms", type=int, default=3000)
    c.add_argument("--linger-ms", type=int, default=0)
    m = sub.add_parser("commit-assigned")
    m.add_argument("topic")
    m.add_argument("partition", type=int)
    m.add_argument("offset", type=int)
    m.add_argument("--group", required=True)
    t = sub.add_parser("offsets-for-times")
    t.add_argument("topic")
    t.add_argument("partition", type=int)
    t.add_argument("times", type=int, nargs="+")
    d = sub.add_parser("admin")
    d.add_argument("op")
    d.add_argument("args", nargs="*")
    a = ap.parse_args()
    # A sanitizer build gets more time (KS_IT_TIMEOUT_SCALE, tests/CMakeLists.txt).
    if hasattr(a, "max_seconds"):
        a.max_seconds *= int(os.environ.get("KS_IT_TIMEOUT_SCALE", "1"))
    {"produce": produce, "consume": consume, "commit-assigned": commit_assigned, "admin": admin,
     "offsets-for-times": offsets_for_times}[a.cmd](a)


if __name__ == "__main__":
    try:
        main()
    except kafka.errors.KafkaError as e:
        print("kp_client: %s: %s" % (type(e).__name__, e), file=sys.stderr)
        sys.exit(1)
