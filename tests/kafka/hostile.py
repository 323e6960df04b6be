"""Hostile input against the daemon's Kafka listener, with the standard
library only: malformed frames, lying lengths, unknown APIs and versions,
corrupt record batches and random bytes. Each scenario checks what the
daemon answers (or that it closes just that connection), and that a client
connected all along keeps being served in order.

usage: hostile.py HOST:PORT SCENARIO (frames, versions, records, protocol, random)
"""
import os
import random
import socket
import struct
import sys
import threading
import time
import zlib

HOST, PORT = sys.argv[1].rsplit(":", 1)
PORT = int(PORT)


def fail(msg):
    print("hostile.py: " + msg, file=sys.stderr)
    sys.exit(1)


def connect():
    s = socket.create_connection((HOST, PORT), timeout=90)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def header(key, version, corr, client="hostile"):
    c = client.encode()
    return struct.pack(">hhih", key, version, corr, len(c)) + c


def frame(body):
    return struct.pack(">i", len(body)) + body


def recv_exact(s, n):
    out = b""
    while len(out) < n:
        chunk = s.recv(n - len(out))
        if not chunk:
            return None
        out += chunk
    return out


def recv_frame(s):
    size = recv_exact(s, 4)
    if size is None:
        return None
    (n,) = struct.unpack(">i", size)
    return recv_exact(s, n)


def closed(s, wait=20.0):
    """True when the daemon closes the connection (EOF) within `wait`
    (seconds: a bad frame is answered at once, but a sanitizer build on a
    loaded machine can take a while)."""
    s.settimeout(wait)
    try:
        while True:
            data = s.recv(65536)
            if not data:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False


def api_versions(s, corr, version=0):
    s.sendall(frame(header(18, version, corr)))
    r = recv_frame(s)
    if r is None:
        fail("connection closed instead of an ApiVersions answer")
    (got,) = struct.unpack(">i", r[:4])
    if got != corr:
        fail("correlation id %d, wanted %d" % (got, corr))
    (err,) = struct.unpack(">h", r[4:6])
    return err, r


def crc32c(data):
    poly = 0x82F63B78
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (poly if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def zigzag(n):
    n = (n << 1) ^ (n >> 63)
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def record_batch(values, corrupt_crc=False, magic=2):
    recs = b""
    for i, v in enumerate(values):
        body = b"\x00" + zigzag(0) + zigzag(i) + zigzag(-1) + zigzag(len(v)) + v + zigzag(0)
        recs += zigzag(len(body)) + body
    now = int(time.time() * 1000)
    after_crc = struct.pack(">hiqqqhii", 0, len(values) - 1, now, now, -1, -1, -1, len(values)) + recs
    crc = crc32c(after_crc)
    if corrupt_crc:
        crc ^= 1
    rest = struct.pack(">ib", 0, magic) + struct.pack(">I", crc) + after_crc
    return struct.pack(">qi", 0, len(rest)) + rest


def produce(s, corr, topic, batch, version=3):
    t = topic.encode()
    body = header(0, version, corr)
    if version >= 3:
        body += struct.pack(">h", -1)  # transactional id
    body += struct.pack(">hi", 1, 5000)
    body += struct.pack(">i", 1) + struct.pack(">h", len(t)) + t
    body += struct.pack(">i", 1) + struct.pack(">i", 0) + struct.pack(">i", len(batch)) + batch
    s.sendall(frame(body))
    r = recv_frame(s)
    if r is None:
        fail("connection closed instead of a Produce answer")
    # corr, [topics: name, [partitions: index, error, base offset, ...]]
    off = 4 + 4
    (n,) = struct.unpack(">h", r[off:off + 2])
    off += 2 + n + 4
    index, err, base = struct.unpack(">ihq", r[off:off + 14])
    return err, base


class Witness:
    """A client connected before the attack that must keep being served."""

    def __init__(self):
        self.s = connect()
        self.corr = 1000

    def check(self):
        self.corr += 1
        err, _ = api_versions(self.s, self.corr)
        if err != 0:
            fail("the witness got error %d" % err)


def scenario_frames():
    w = Witness()
    w.check()
    cases = [
        ("negative size", struct.pack(">i", -5)),
        ("huge size", struct.pack(">i", 0x7FFFFFFF) + b"x" * 100),
        ("size below a header", struct.pack(">i", 3) + b"abc"),
        ("garbage header", frame(b"\xff" * 6)),
        ("client id longer than the frame", frame(struct.pack(">hhih", 18, 0, 1, 30000) + b"abc")),
        ("unknown API key", frame(header(999, 0, 1))),
        ("unsupported Produce version", frame(header(0, 99, 1))),
        ("truncated Metadata body", frame(header(3, 1, 1) + b"\x00\x00")),
        ("array of 2^31-1 topics", frame(header(3, 1, 1) + struct.pack(">i", 0x7FFFFFFF))),
        ("Produce with 2^31-1 partitions", frame(header(0, 3, 1) + struct.pack(">hhi", -1, 1, 100) +
                                                 struct.pack(">i", 1) + b"\x00\x01t" + struct.pack(">i", 0x7FFFFFFF))),
        ("trailing bytes", frame(header(10, 0, 1) + b"\x00\x01g" + b"junk")),
        ("null where a string is required", frame(header(10, 0, 1) + b"\xff\xff")),
    ]
    for name, data in cases:
        s = connect()
        s.sendall(data)
        if not closed(s):
            fail("%s: the connection stayed open" % name)
        s.close()
        w.check()
    # Answers owed before a bad request are still sent, in order.
    s = connect()
    s.sendall(frame(header(18, 0, 1)) + frame(header(18, 0, 2)) + frame(b"\xff" * 6))
    for want in (1, 2):
        r = recv_frame(s)
        if r is None or struct.unpack(">i", r[:4])[0] != want:
            fail("pipelined answers before a bad request were not sent in order")
    if not closed(s):
        fail("the connection stayed open after the bad request")
    # A request cut short by the client closing: nothing breaks.
    s = connect()
    s.sendall(struct.pack(">i", 100) + b"\x00\x03")
    s.close()
    w.check()


def scenario_versions():
    s = connect()
    # An ApiVersions version we do not know: error 35 in the v0 layout, the
    # connection stays open, and the client retries with one we do.
    err, r = api_versions(s, 7, version=99)
    if err != 35:
        fail("ApiVersions v99 answered error %d, wanted 35" % err)
    (n,) = struct.unpack(">i", r[6:10])
    keys = {struct.unpack(">h", r[10 + 6 * i:12 + 6 * i])[0] for i in range(n)}
    if 18 not in keys:
        fail("the error-35 answer does not list ApiVersions")
    err, r = api_versions(s, 8, version=0)
    if err != 0:
        fail("ApiVersions v0 after v99 answered %d" % err)
    # No advertised version we cannot parse: each range's max is decodable
    # (checked elsewhere); here: Produce must start at 0, Fetch reach 10.
    (n,) = struct.unpack(">i", r[6:10])
    ranges = {}
    for i in range(n):
        k, lo, hi = struct.unpack(">hhh", r[10 + 6 * i:16 + 6 * i])
        ranges[k] = (lo, hi)
    if ranges.get(0, (9, 9))[0] != 0 or ranges.get(1, (0, 0))[1] < 10:
        fail("advertised Produce/Fetch ranges %r %r" % (ranges.get(0), ranges.get(1)))


def scenario_records():
    s = connect()
    topic = "hostile-records"
    err, base = produce(s, 1, topic, record_batch([b"one", b"two"]))
    if err != 0 or base != 0:
        fail("a good batch got error %d base %d" % (err, base))
    err, _ = produce(s, 2, topic, record_batch([b"bad"], corrupt_crc=True))
    if err != 2:
        fail("a batch with a bad CRC got error %d, wanted 2 (CORRUPT_MESSAGE)" % err)
    err, _ = produce(s, 3, topic, record_batch([b"old"], magic=1))
    if err != 43:
        fail("a magic 1 batch got error %d, wanted 43" % err)
    b = bytearray(record_batch([b"x"]))
    b[8:12] = struct.pack(">i", 10 ** 8)  # a batch length past the data
    err, _ = produce(s, 4, topic, bytes(b))
    if err != 2:
        fail("a batch with a lying length got error %d, wanted 2" % err)
    # Compressed garbage with a correct CRC (gzip attribute, junk payload).
    good = bytearray(record_batch([b"y"]))
    good[21:23] = struct.pack(">h", 1)
    good[61:] = b"\x1f\x8b" + os.urandom(len(good) - 63)
    good[17:21] = struct.pack(">I", crc32c(bytes(good[21:])))
    err, _ = produce(s, 5, topic, bytes(good))
    if err != 2:
        fail("a gzip batch of garbage got error %d, wanted 2" % err)
    # The connection is still fine and only the good batch was stored.
    err, base = produce(s, 6, topic, record_batch([b"three"]))
    if err != 0 or base != 2:
        fail("after the bad batches: error %d base %d, wanted 0 and 2" % (err, base))


def scenario_random():
    w = Witness()
    rng = random.Random(int(os.environ.get("SEED", "7")))
    keys = [0, 1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 19, 20]
    start = time.time()
    sent = 0
    while time.time() - start < float(os.environ.get("SECONDS_BUDGET", "8")):
        s = connect()
        for _ in range(rng.randint(1, 5)):
            key = rng.choice(keys)
            version = rng.randint(0, 12)
            body = header(key, version, rng.randint(0, 1 << 30)) + bytes(
                rng.getrandbits(8) for _ in range(rng.randint(0, 80)))
            # Sometimes lie about the size, sometimes flip a header byte.
            data = frame(body)
            if rng.random() < 0.1:
                data = data[:rng.randint(0, len(data))]
            try:
                s.sendall(data)
            except (BrokenPipeError, ConnectionResetError):
                break  # the daemon closed it after an earlier bad frame
            sent += 1
        s.close()
        if sent % 50 < 5:
            w.check()
    w.check()
    print("hostile.py: %d random requests" % sent)


def fetch(s, corr, topic, offset, max_wait_ms, min_bytes=1):
    """Fetch v4 of one partition; returns (error, high watermark, records bytes)."""
    t = topic.encode()
    body = header(1, 4, corr) + struct.pack(">iiiib", -1, max_wait_ms, min_bytes, 1 << 20, 0)
    body += struct.pack(">i", 1) + struct.pack(">h", len(t)) + t
    body += struct.pack(">i", 1) + struct.pack(">iqi", 0, offset, 1 << 20)
    s.sendall(frame(body))
    r = recv_frame(s)
    if r is None:
        fail("connection closed instead of a Fetch answer")
    (got,) = struct.unpack(">i", r[:4])
    if got != corr:
        fail("Fetch answered correlation id %d, wanted %d" % (got, corr))
    # corr, throttle, [topics: name, [partitions: index, error, hw, lso, aborted[], records]]
    off = 4 + 4 + 4
    (n,) = struct.unpack(">h", r[off:off + 2])
    off += 2 + n + 4
    index, err, hw, lso = struct.unpack(">ihqq", r[off:off + 22])
    off += 22
    (aborted,) = struct.unpack(">i", r[off:off + 4])
    off += 4 + max(aborted, 0) * 16
    (size,) = struct.unpack(">i", r[off:off + 4])
    return err, hw, r[off + 4:off + 4 + max(size, 0)]


def scenario_protocol():
    topic = "hostile-protocol"
    s = connect()
    err, _ = produce(s, 1, topic, record_batch([b"a"]))
    if err != 0:
        fail("produce answered %d" % err)
    # At the end of the log a fetch waits max_wait_ms, then answers empty.
    start = time.time()
    err, hw, recs = fetch(s, 2, topic, 1, 400)
    waited = time.time() - start
    if err != 0 or hw != 1 or recs:
        fail("fetch at the end: error %d hw %d %d bytes" % (err, hw, len(recs)))
    if waited < 0.3:
        fail("a fetch at the end answered after %.3f s, not after max_wait_ms (0.4 s)" % waited)
    # A record produced while it waits answers it before max_wait_ms: a
    # minute, so a loaded machine's delay (seconds at worst) cannot be
    # taken for the full wait.
    other = connect()
    start = time.time()
    timer = threading.Timer(0.2, lambda: produce(other, 3, topic, record_batch([b"b"])))
    timer.start()
    err, hw, recs = fetch(s, 4, topic, 1, 60000)
    waited = time.time() - start
    timer.join()
    if err != 0 or hw != 2 or b"b" not in recs:
        fail("woken fetch: error %d hw %d %d bytes" % (err, hw, len(recs)))
    if waited > 30:
        fail("a produce did not wake the waiting fetch (%.3f s of a 60 s max_wait_ms)" % waited)
    # acks=0: no answer at all; the next request's answer comes first.
    name = topic.encode()
    batch = record_batch([b"c"])
    body = header(0, 3, 5) + struct.pack(">hhi", -1, 0, 5000)
    body += struct.pack(">i", 1) + struct.pack(">h", len(name)) + name
    body += struct.pack(">i", 1) + struct.pack(">i", 0) + struct.pack(">i", len(batch)) + batch
    s.sendall(frame(body))
    err, r = api_versions(s, 6)  # fails unless correlation id 6 answers first
    if err != 0:
        fail("ApiVersions after an acks=0 produce answered %d" % err)
    err, hw, _ = fetch(s, 7, topic, 0, 0)
    if hw != 3:
        fail("the acks=0 record was not stored (hw %d)" % hw)


globals()["scenario_" + sys.argv[2]]()
