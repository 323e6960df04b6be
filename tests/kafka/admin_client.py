#!/usr/bin/env python3
"""Kafka admin calls for tests/kafka/test_admin.sh, through Debian's
kafka-python 2.0.2 (and its own request encoder). Each prints one JSON
document on stdout.

kafka-python's admin client has create_partitions, delete_consumer_groups
and consumers' list offsets; DeleteRecords, OffsetForLeaderEpoch,
DescribeLogDirs and OffsetDelete are sent as requests declared here, at
their classic (non-flexible) versions, with kafka-python's field types
from the schemas in Kafka's messages/*.json. DescribeCluster is flexible
from v0, which kafka-python 2.0.2 cannot encode; `cluster` sends it on a
plain socket (header v2, compact strings).

  admin_client.py --broker HOST:PORT create-partitions TOPIC COUNT [--validate-only] [--assign 1,1]
  admin_client.py --broker HOST:PORT delete-records TOPIC PARTITION OFFSET
  admin_client.py --broker HOST:PORT epoch TOPIC PARTITION EPOCH [CURRENT_EPOCH]
  admin_client.py --broker HOST:PORT log-dirs [TOPIC:PARTITION ...]
  admin_client.py --broker HOST:PORT delete-groups GROUP...
  admin_client.py --broker HOST:PORT offset-delete GROUP TOPIC:PARTITION...
  admin_client.py --broker HOST:PORT cluster
  admin_client.py --broker HOST:PORT earliest TOPIC PARTITION
  admin_client.py --broker HOST:PORT fetch-at TOPIC PARTITION OFFSET
  admin_client.py --broker HOST:PORT member GROUP TOPIC SECONDS
"""
import argparse
import json
import socket
import struct
import sys
import time

from kafka import KafkaConsumer, TopicPartition
from kafka.admin import KafkaAdminClient, NewPartitions
from kafka.protocol.api import Request, Response
from kafka.protocol.types import Array, Boolean, Int16, Int32, Int64, Schema, String

S = String("utf-8")


def request_class(key, version, req_schema, resp_schema):
    resp = type("Resp%d_%d" % (key, version), (Response,), {"API_KEY": key, "API_VERSION": version, "SCHEMA": resp_schema})
    return type("Req%d_%d" % (key, version), (Request,), {"API_KEY": key, "API_VERSION": version, "SCHEMA": req_schema, "RESPONSE_TYPE": resp})


DeleteRecords_v1 = request_class(
    21, 1,
    Schema(("topics", Array(("name", S), ("partitions", Array(("partition", Int32), ("offset", Int64))))), ("timeout_ms", Int32)),
    Schema(("throttle_time_ms", Int32),
           ("topics", Array(("name", S), ("partitions", Array(("partition", Int32), ("low_watermark", Int64), ("error_code", Int16)))))))
OffsetForLeaderEpoch_v3 = request_class(
    23, 3,
    Schema(("replica_id", Int32),
           ("topics", Array(("name", S), ("partitions", Array(("partition", Int32), ("current_leader_epoch", Int32), ("leader_epoch", Int32)))))),
    Schema(("throttle_time_ms", Int32),
           ("topics", Array(("name", S), ("partitions", Array(("error_code", Int16), ("partition", Int32), ("leader_epoch", Int32), ("end_offset", Int64)))))))
DescribeLogDirs_v1 = request_class(
    35, 1,
    Schema(("topics", Array(("topic", S), ("partitions", Array(Int32))))),
    Schema(("throttle_time_ms", Int32),
           ("results", Array(("error_code", Int16), ("log_dir", S),
                             ("topics", Array(("name", S), ("partitions", Array(("partition", Int32), ("size", Int64), ("offset_lag", Int64), ("is_future", Boolean)))))))))
OffsetDelete_v0 = request_class(
    47, 0,
    Schema(("group_id", S), ("topics", Array(("name", S), ("partitions", Array(Int32))))),
    Schema(("error_code", Int16), ("throttle_time_ms", Int32),
           ("topics", Array(("name", S), ("partitions", Array(("partition", Int32), ("error_code", Int16)))))))


def send(admin, request):
    future = admin._send_request_to_node(admin._client.least_loaded_node(), request)
    admin._wait_for_futures([future])
    return future.value


def tps(specs):
    out = {}
    for s in specs:
        t, p = s.rsplit(":", 1)
        out.setdefault(t, []).append(int(p))
    return out


def describe_cluster(broker):
    """DescribeCluster v0 by hand: header v2, compact strings, tagged fields."""
    host, port = broker.rsplit(":", 1)
    client = b"admin_client"
    body = struct.pack(">hhi", 60, 0, 7) + struct.pack(">h", len(client)) + client + b"\x00" + b"\x01\x00"
    s = socket.create_connection((host, int(port)), timeout=10)
    s.sendall(struct.pack(">i", len(body)) + body)

    def exact(n):
        b = b""
        while len(b) < n:
            chunk = s.recv(n - len(b))
            if not chunk:
                raise EOFError("connection closed")
            b += chunk
        return b

    data = exact(struct.unpack(">i", exact(4))[0])
    pos = 0

    def take(n):
        nonlocal pos
        pos += n
        return data[pos - n:pos]

    def uvarint():
        v = shift = 0
        while True:
            b = take(1)[0]
            v |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return v

    def cstr():
        n = uvarint()
        return None if n == 0 else take(n - 1).decode()

    corr = struct.unpack(">i", take(4))[0]
    uvarint()  # response header tags
    throttle, error = struct.unpack(">ih", take(6))
    msg = cstr()
    cluster = cstr()
    controller = struct.unpack(">i", take(4))[0]
    brokers = []
    for _ in range(uvarint() - 1):
        node = struct.unpack(">i", take(4))[0]
        bhost = cstr()
        bport = struct.unpack(">i", take(4))[0]
        rack = cstr()
        uvarint()
        brokers.append({"node_id": node, "host": bhost, "port": bport, "rack": rack})
    ops = struct.unpack(">i", take(4))[0]
    uvarint()
    return {"correlation_id": corr, "error_code": error, "error_message": msg, "cluster_id": cluster,
            "controller_id": controller, "brokers": brokers, "authorized_operations": ops, "left": len(data) - pos}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--broker", required=True)
    ap.add_argument("cmd")
    ap.add_argument("args", nargs="*")
    ap.add_argument("--validate-only", action="store_true")
    ap.add_argument("--assign", action="append", default=None)
    o = ap.parse_args()
    a = o.args
    if o.cmd == "cluster":
        print(json.dumps(describe_cluster(o.broker)))
        return
    if o.cmd in ("earliest", "fetch-at", "member"):
        return consumer_cmd(o)
    admin = KafkaAdminClient(bootstrap_servers=o.broker, request_timeout_ms=15000)
    if o.cmd == "create-partitions":
        assignments = [[int(x) for x in s.split(",")] for s in o.assign] if o.assign else None
        try:
            r = admin.create_partitions({a[0]: NewPartitions(int(a[1]), assignments)}, validate_only=o.validate_only)
            out = [{"topic": t[0], "error_code": t[1], "error_message": t[2]} for t in r.topic_errors]
        except Exception as e:  # kafka-python raises on the first error
            out = [{"topic": a[0], "error": type(e).__name__, "errno": getattr(e, "errno", None)}]
        print(json.dumps(out))
    elif o.cmd == "delete-records":
        r = send(admin, DeleteRecords_v1(topics=[(a[0], [(int(a[1]), int(a[2]))])], timeout_ms=15000))
        print(json.dumps([{"topic": t[0], "partition": p[0], "low_watermark": p[1], "error_code": p[2]} for t in r.topics for p in t[1]]))
    elif o.cmd == "epoch":
        current = int(a[3]) if len(a) > 3 else -1
        r = send(admin, OffsetForLeaderEpoch_v3(replica_id=-1, topics=[(a[0], [(int(a[1]), current, int(a[2]))])]))
        print(json.dumps([{"error_code": p[0], "partition": p[1], "leader_epoch": p[2], "end_offset": p[3]} for t in r.topics for p in t[1]]))
    elif o.cmd == "log-dirs":
        topics = None if not a else list(tps(a).items())
        r = send(admin, DescribeLogDirs_v1(topics=topics))
        print(json.dumps([{"error_code": d[0], "log_dir": d[1],
                           "partitions": {"%s:%d" % (t[0], p[0]): {"size": p[1], "lag": p[2], "future": p[3]} for t in d[2] for p in t[1]}}
                          for d in r.results]))
    elif o.cmd == "delete-groups":
        r = admin.delete_consumer_groups(a)
        print(json.dumps({g: (None if e is None or getattr(e, "errno", 0) == 0 else getattr(e, "errno", str(e))) for g, e in r}))
    elif o.cmd == "offset-delete":
        r = send(admin, OffsetDelete_v0(group_id=a[0], topics=[(t, ps) for t, ps in tps(a[1:]).items()]))
        print(json.dumps({"error_code": r.error_code,
                          "partitions": {"%s:%d" % (t[0], p[0]): p[1] for t in r.topics for p in t[1]}}))
    else:
        sys.exit("unknown command " + o.cmd)
    admin.close()


def consumer_cmd(o):
    a = o.args
    if o.cmd == "member":
        # A live member of GROUP subscribed to TOPIC for SECONDS; says "joined" once assigned.
        c = KafkaConsumer(a[1], bootstrap_servers=o.broker, group_id=a[0], enable_auto_commit=False)
        end = time.time() + float(a[2])
        said = False
        while time.time() < end:
            c.poll(timeout_ms=200)
            if c.assignment() and not said:
                print("joined", flush=True)
                said = True
        c.close()
        return
    tp = TopicPartition(a[0], int(a[1]))
    c = KafkaConsumer(bootstrap_servers=o.broker, auto_offset_reset="none", enable_auto_commit=False)
    if o.cmd == "earliest":
        print(json.dumps({"earliest": c.beginning_offsets([tp])[tp], "latest": c.end_offsets([tp])[tp]}))
    else:
        c.assign([tp])
        c.seek(tp, int(a[2]))
        try:
            recs = c.poll(timeout_ms=5000).get(tp, [])
            print(json.dumps({"offsets": [r.offset for r in recs]}))
        except Exception as e:
            print(json.dumps({"error": type(e).__name__}))
    c.close()


if __name__ == "__main__":
    main()
