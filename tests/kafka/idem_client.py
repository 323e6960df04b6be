#!/usr/bin/python3
"""Idempotent-producer steps for tests/kafka/test_idempotence.sh; each prints
JSON lines.

  idem_client.py --broker B ck-produce TOPIC --partitions P --count N
      confluent-kafka (librdkafka) with enable.idempotence=true sends N
      records "i" to partition i % P; waits for every delivery report and
      prints {"errors": E, "acked": A, "pid_ok": bool}.
  idem_client.py --broker B ck-read TOPIC --partitions P --count N
      reads every partition from the beginning with assign() and checks
      that partition p holds exactly the records i with i % P == p, once
      each, in order; prints {"records": N} or exits 1 saying what is wrong.
  idem_client.py --broker B init [--transactional-id T] [--version V]
      a hand-built InitProducerId; prints {"error", "producer_id", "epoch"}.
  idem_client.py --broker B send TOPIC PARTITION --pid ID --epoch E --seq S --count N [--tag X]
      a hand-built Produce v7 (acks -1) with one RecordBatch v2 of N records
      "X-S+i"; prints {"error", "base_offset"}.
"""
import argparse
import json
import socket
import struct
import sys
import time


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def fail(msg):
    print("idem_client: " + msg, file=sys.stderr)
    sys.exit(1)


# ------------------------------------------------------------ confluent-kafka

def ck_produce(a):
    from confluent_kafka import Producer
    p = Producer({"bootstrap.servers": a.broker, "enable.idempotence": True, "linger.ms": 5,
                  "batch.num.messages": 200, "socket.timeout.ms": 15000, "message.timeout.ms": 60000})
    stats = {"errors": 0, "acked": 0}
    errors = []

    def report(err, msg):
        if err is not None:
            stats["errors"] += 1
            errors.append(str(err))
        else:
            stats["acked"] += 1

    for i in range(a.count):
        while True:
            try:
                p.produce(a.topic, value=str(i).encode(), partition=i % a.partitions, on_delivery=report)
                break
            except BufferError:
                p.poll(0.1)
        p.poll(0)
    left = p.flush(60)
    stats["unflushed"] = left
    stats["first_errors"] = errors[:5]
    emit(stats)
    sys.exit(0 if stats["errors"] == 0 and left == 0 and stats["acked"] == a.count else 1)


def ck_read(a):
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": a.broker, "group.id": "idem-reader", "enable.auto.commit": False,
                  "auto.offset.reset": "earliest", "socket.timeout.ms": 15000})
    c.assign([TopicPartition(a.topic, p, 0) for p in range(a.partitions)])
    got = {p: [] for p in range(a.partitions)}
    total = 0
    deadline = time.time() + 60
    while total < a.count and time.time() < deadline:
        for m in c.consume(500, 1.0):
            if m.error():
                fail("consume: %s" % m.error())
            got[m.partition()].append(int(m.value()))
            total += 1
    time.sleep(1)  # anything extra (a duplicate) arrives now
    for m in c.consume(500, 1.0):
        if not m.error():
            got[m.partition()].append(int(m.value()))
            total += 1
    c.close()
    for p in range(a.partitions):
        want = list(range(p, a.count, a.partitions))
        if got[p] != want:
            extra = len(got[p]) - len(want)
            first = next((i for i, (x, y) in enumerate(zip(got[p], want)) if x != y), None)
            fail("partition %d: %d records, %d expected (%+d); first difference at index %s" %
                 (p, len(got[p]), len(want), extra, first))
    emit({"records": total})


# ------------------------------------------------------------ hand-built requests

def _crc32c_table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        t.append(c)
    return t


_T = _crc32c_table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = _T[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def varint(n):
    n = (n << 1) ^ (n >> 63)  # zigzag
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def record_batch(pid, epoch, seq, values, ts):
    recs = b""
    for i, v in enumerate(values):
        body = b"\x00" + varint(0) + varint(i) + varint(-1) + varint(len(v)) + v + varint(0)
        recs += varint(len(body)) + body
    after_crc = struct.pack(">hiqqqhii", 0, len(values) - 1, ts, ts, pid, epoch, seq, len(values)) + recs
    crc = crc32c(after_crc)
    tail = struct.pack(">ibI", 0, 2, crc) + after_crc  # leader epoch, magic, crc
    return struct.pack(">qi", 0, len(tail)) + tail


def s16(s):
    if s is None:
        return struct.pack(">h", -1)
    e = s.encode()
    return struct.pack(">h", len(e)) + e


def call(broker, key, version, body):
    host, port = broker.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=15) as sk:
        req = struct.pack(">hhi", key, version, 7) + s16("idem-client") + body
        sk.sendall(struct.pack(">i", len(req)) + req)
        head = b""
        while len(head) < 4:
            chunk = sk.recv(4 - len(head))
            if not chunk:
                fail("connection closed before an answer (api %d v%d)" % (key, version))
            head += chunk
        n = struct.unpack(">i", head)[0]
        resp = b""
        while len(resp) < n:
            chunk = sk.recv(n - len(resp))
            if not chunk:
                fail("connection closed inside an answer")
            resp += chunk
    corr = struct.unpack(">i", resp[:4])[0]
    if corr != 7:
        fail("correlation id %d" % corr)
    return resp[4:]


def init(a):
    if a.version >= 2:
        fail("only non-flexible versions here")
    body = s16(a.transactional_id) + struct.pack(">i", 60000)
    r = call(a.broker, 22, a.version, body)
    throttle, error, pid, epoch = struct.unpack(">ihqh", r)
    emit({"error": error, "producer_id": pid, "epoch": epoch})


def send(a):
    values = [("%s-%d" % (a.tag, a.seq + i)).encode() for i in range(a.count)]
    batch = record_batch(a.pid, a.epoch, a.seq, values, int(time.time() * 1000))
    body = s16(None) + struct.pack(">hi", -1, 15000) + struct.pack(">i", 1) + s16(a.topic)
    body += struct.pack(">i", 1) + struct.pack(">ii", a.partition, len(batch)) + batch
    r = call(a.broker, 0, 7, body)
    pos = 4  # one topic
    n = struct.unpack(">h", r[pos:pos + 2])[0]
    pos += 2 + n + 4  # name, partition count
    index, error, base, append_time, start = struct.unpack(">ihqqq", r[pos:pos + 30])
    emit({"error": error, "base_offset": base})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--broker", required=True)
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("ck-produce", "ck-read"):
        p = sub.add_parser(name)
        p.add_argument("topic")
        p.add_argument("--partitions", type=int, required=True)
        p.add_argument("--count", type=int, required=True)
    i = sub.add_parser("init")
    i.add_argument("--transactional-id")
    i.add_argument("--version", type=int, default=1)
    s = sub.add_parser("send")
    s.add_argument("topic")
    s.add_argument("partition", type=int)
    s.add_argument("--pid", type=int, required=True)
    s.add_argument("--epoch", type=int, required=True)
    s.add_argument("--seq", type=int, required=True)
    s.add_argument("--count", type=int, default=1)
    s.add_argument("--tag", default="r")
    a = ap.parse_args()
    {"ck-produce": ck_produce, "ck-read": ck_read, "init": init, "send": send}[a.cmd](a)


if __name__ == "__main__":
    main()
