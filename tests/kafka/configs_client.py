"""Config administration against a Kafka broker, for test_configs.sh: the
admin clients of confluent-kafka (Debian's, librdkafka 2.0.2:
DescribeConfigs v1, AlterConfigs v0) and kafka-python (DescribeConfigs,
AlterConfigs), a hand-built IncrementalAlterConfigs request (neither
Debian client has it), and the producer/consumer steps that show a config
applied. Each step prints one JSON document on stdout.

usage: configs_client.py --broker HOST:PORT STEP ARGS...
  ck-create TOPIC PARTITIONS [K=V...]         -> {"error": null | "CODE: msg"}
  ck-describe (topic|broker) NAME [KEY...]    -> {name: {value, source, read_only, default, sensitive, synonyms}}
  ck-alter TOPIC [--validate-only] [K=V...]   -> {"error": ...}
  kp-describe (topic|broker) NAME             -> {"error_code", "error_message", "configs": {name: [value, read_only, source]}}
  kp-alter TOPIC [K=V...]                     -> {"error_code", "error_message"}
  incremental [--validate-only] [--version V] TYPE:NAME OP:KEY[=VALUE]... [-- TYPE:NAME OP:KEY...]
                                              -> [{"type", "name", "error_code", "error_message"}]
  produce TOPIC SIZE [TIMESTAMP_MS]           -> {"error": null | "NAME", "offset"}
  consume TOPIC                               -> [{"offset", "timestamp_type", "timestamp"}] (whole partition 0)
"""
import json
import socket
import struct
import sys
import time


def out(doc):
    print(json.dumps(doc, sort_keys=True))


def pairs(args):
    return dict(a.split("=", 1) for a in args)


def ck_admin(broker):
    from confluent_kafka.admin import AdminClient
    return AdminClient({"bootstrap.servers": broker, "socket.timeout.ms": 15000})


def ck_create(broker, topic, partitions, *configs):
    from confluent_kafka.admin import NewTopic
    admin = ck_admin(broker)  # kept alive until the futures resolve
    fs = admin.create_topics([NewTopic(topic, int(partitions), 1, config=pairs(configs))],
                                        request_timeout=20)
    try:
        fs[topic].result(timeout=30)
        out({"error": None})
    except Exception as e:  # KafkaException carrying a KafkaError
        err = e.args[0]
        out({"error": "%s: %s" % (err.name(), err.str())})


def ck_describe(broker, kind, name, *keys):
    from confluent_kafka.admin import ConfigResource
    res = ConfigResource(kind, name)
    admin = ck_admin(broker)
    fs = admin.describe_configs([res], request_timeout=20)
    try:
        entries = list(fs.values())[0].result(timeout=30)
    except Exception as e:
        err = e.args[0]
        out({"error": "%s: %s" % (err.name(), err.str())})
        return
    doc = {}
    for n, e in entries.items():
        if keys and n not in keys:
            continue
        doc[n] = {"value": e.value, "source": e.source, "read_only": e.is_read_only, "default": e.is_default,
                  "sensitive": e.is_sensitive,
                  "synonyms": [[s.name, s.value, s.source] for s in e.synonyms.values()]}
    out(doc)


def ck_alter(broker, topic, *args):
    from confluent_kafka.admin import ConfigResource
    validate = "--validate-only" in args
    res = ConfigResource("topic", topic, set_config=pairs(a for a in args if a != "--validate-only"))
    admin = ck_admin(broker)
    fs = admin.alter_configs([res], request_timeout=20, validate_only=validate)
    try:
        list(fs.values())[0].result(timeout=30)
        out({"error": None})
    except Exception as e:
        err = e.args[0]
        out({"error": "%s: %s" % (err.name(), err.str())})


def kp_admin(broker):
    from kafka import KafkaAdminClient
    return KafkaAdminClient(bootstrap_servers=broker, request_timeout_ms=20000)


def kp_describe(broker, kind, name):
    from kafka.admin import ConfigResource, ConfigResourceType
    t = ConfigResourceType.TOPIC if kind == "topic" else ConfigResourceType.BROKER
    resp = kp_admin(broker).describe_configs([ConfigResource(t, name)])[0]
    code, msg, _, _, entries = resp.resources[0]
    # v0 entries: name, value, read_only, is_default, sensitive; v1+: ..., source, sensitive, synonyms
    configs = {e[0]: [e[1], e[2], e[3]] for e in entries}
    out({"error_code": code, "error_message": msg, "version": resp.API_VERSION, "configs": configs})


def kp_alter(broker, topic, *configs):
    from kafka.admin import ConfigResource, ConfigResourceType
    resp = kp_admin(broker).alter_configs([ConfigResource(ConfigResourceType.TOPIC, topic, configs=pairs(configs))])
    code, msg, _, _ = resp.resources[0]
    out({"error_code": code, "error_message": msg})


# ---- IncrementalAlterConfigs (44) by hand: v0 classic, v1 flexible ----

def kstr(s, flexible):
    if s is None:
        return b"\x00" if flexible else struct.pack(">h", -1)
    b = s.encode()
    return uvarint(len(b) + 1) + b if flexible else struct.pack(">h", len(b)) + b


def uvarint(n):
    b = b""
    while n >= 0x80:
        b += bytes([(n & 0x7F) | 0x80])
        n >>= 7
    return b + bytes([n])


def read_uvarint(buf, pos):
    n = shift = 0
    while True:
        c = buf[pos]
        pos += 1
        n |= (c & 0x7F) << shift
        if not c & 0x80:
            return n, pos
        shift += 7


OPS = {"set": 0, "delete": 1, "append": 2, "subtract": 3}
TYPES = {"topic": 2, "broker": 4, "logger": 8, "group": 32}


def incremental(broker, *args):
    args = list(args)
    validate = "--validate-only" in args
    args = [a for a in args if a != "--validate-only"]
    version = 1
    if "--version" in args:
        i = args.index("--version")
        version = int(args[i + 1])
        del args[i:i + 2]
    flex = version >= 1
    resources, cur = [], None
    for a in args:
        if a == "--":
            cur = None
        elif cur is None:
            kind, name = a.split(":", 1)
            cur = (TYPES[kind], name, [])
            resources.append(cur)
        else:
            op, kv = a.split(":", 1)
            k, _, v = kv.partition("=")
            cur[2].append((OPS[op], k, v if "=" in kv else None))
    arr = (lambda n: uvarint(n + 1)) if flex else (lambda n: struct.pack(">i", n))
    tags = b"\x00" if flex else b""
    body = arr(len(resources))
    for kind, name, cfgs in resources:
        body += struct.pack(">b", kind) + kstr(name, flex) + arr(len(cfgs))
        for op, k, v in cfgs:
            body += kstr(k, flex) + struct.pack(">b", op) + kstr(v, flex) + tags
        body += tags
    body += struct.pack(">?", validate) + tags
    header = struct.pack(">hhi", 44, version, 7) + struct.pack(">h", 7) + b"configs" + tags
    host, port = broker.rsplit(":", 1)
    s = socket.create_connection((host, int(port)), timeout=30)
    req = header + body
    s.sendall(struct.pack(">i", len(req)) + req)
    size = struct.unpack(">i", recv(s, 4))[0]
    resp = recv(s, size)
    pos = 4 + (1 if flex else 0)  # correlation id, header tags
    pos += 4  # throttle
    if flex:
        n, pos = read_uvarint(resp, pos)
        n -= 1
    else:
        n = struct.unpack_from(">i", resp, pos)[0]
        pos += 4
    results = []
    for _ in range(n):
        code = struct.unpack_from(">h", resp, pos)[0]
        pos += 2
        msg, pos = read_str(resp, pos, flex)
        kind = struct.unpack_from(">b", resp, pos)[0]
        pos += 1
        name, pos = read_str(resp, pos, flex)
        if flex:
            pos += 1  # empty tags
        results.append({"type": kind, "name": name, "error_code": code, "error_message": msg})
    out(results)


def recv(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise SystemExit("connection closed by the broker")
        b += c
    return b


def read_str(buf, pos, flex):
    if flex:
        n, pos = read_uvarint(buf, pos)
        n -= 1
    else:
        n = struct.unpack_from(">h", buf, pos)[0]
        pos += 2
    if n < 0:
        return None, pos
    return buf[pos:pos + n].decode(), pos + n


# ---- a config applied: produce and consume ----

def produce(broker, topic, size, timestamp=None):
    from confluent_kafka import Producer
    p = Producer({"bootstrap.servers": broker, "message.max.bytes": 10 << 20, "linger.ms": 0,
                  "message.timeout.ms": 20000, "enable.idempotence": False, "retries": 0})
    got = {}

    def report(err, msg):
        got["error"] = None if err is None else err.name()
        got["offset"] = msg.offset()

    kw = {"timestamp": int(timestamp)} if timestamp is not None else {}
    p.produce(topic, b"x" * int(size), partition=0, on_delivery=report, **kw)
    p.flush(30)
    out(got)


def consume(broker, topic):
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": broker, "group.id": "configs-client", "enable.auto.commit": False,
                  "enable.partition.eof": True})
    c.assign([TopicPartition(topic, 0, 0)])
    recs, deadline = [], time.time() + 30
    while time.time() < deadline:
        m = c.poll(1.0)
        if m is None:
            continue
        if m.error():
            break  # partition EOF
        t, ts = m.timestamp()
        recs.append({"offset": m.offset(), "timestamp_type": t, "timestamp": ts})
    c.close()
    out(recs)


STEPS = {"ck-create": ck_create, "ck-describe": ck_describe, "ck-alter": ck_alter, "kp-describe": kp_describe,
         "kp-alter": kp_alter, "incremental": incremental, "produce": produce, "consume": consume}

if __name__ == "__main__":
    if len(sys.argv) < 4 or sys.argv[1] != "--broker" or sys.argv[3] not in STEPS:
        sys.exit(__doc__)
    STEPS[sys.argv[3]](sys.argv[2], *sys.argv[4:])
