# Kafka Metadata requests (v8) for scripts/bench.sh, with no Kafka client:
#
#   kafka_meta.py wait PORT TIMEOUT    until a broker on 127.0.0.1:PORT answers
#       listing at least one broker, connects and asks again, 2 ms apart; then
#       prints the time of that answer (epoch seconds, as bash's
#       EPOCHREALTIME). Started before the broker, so its own start-up is not
#       in the cold-start figure.
#   kafka_meta.py create PORT TOPIC... asks for the topics with auto-creation
#       allowed until each has its partitions with a leader (the broker's
#       default partition count), so no timed workload waits for a topic to
#       be created.
#
# Exits 1 after TIMEOUT s (create: 60 s).
import socket, struct, sys, time

CLIENT = b"ks-bench"


def request(topics, auto_create):
    # Request header v1 (api key 3 Metadata, version 8, correlation id 1,
    # client id); Metadata v8: topics, allow_auto_topic_creation,
    # include_cluster_authorized_operations, include_topic_authorized_operations.
    body = struct.pack(">hhih", 3, 8, 1, len(CLIENT)) + CLIENT + struct.pack(">i", len(topics))
    for t in topics:
        body += struct.pack(">h", len(t)) + t.encode()
    body += struct.pack(">bbb", 1 if auto_create else 0, 0, 0)
    return struct.pack(">i", len(body)) + body


def read_exact(s, n):
    b = bytearray()
    while len(b) < n:
        chunk = s.recv(n - len(b))
        if not chunk:
            raise EOFError
        b += chunk
    return bytes(b)


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, fmt):
        v = struct.unpack_from(fmt, self.data, self.pos)
        self.pos += struct.calcsize(fmt)
        return v[0] if len(v) == 1 else v

    def string(self):
        n = self.take(">h")
        s = self.data[self.pos:self.pos + max(n, 0)].decode()
        self.pos += max(n, 0)
        return s


def metadata(port, topics, auto_create):
    """(brokers listed, {topic: (error, [leader of each partition])})."""
    with socket.create_connection(("127.0.0.1", port), timeout=1.0) as s:
        s.sendall(request(topics, auto_create))
        r = Reader(read_exact(s, struct.unpack(">i", read_exact(s, 4))[0]))
    if r.take(">i") != 1:
        raise EOFError
    r.take(">i")  # throttle_time_ms
    brokers = r.take(">i")
    for _ in range(brokers):
        r.take(">i"); r.string(); r.take(">i"); r.string()  # id, host, port, rack
    r.string(); r.take(">i")  # cluster_id, controller_id
    out = {}
    for _ in range(r.take(">i")):
        err, name = r.take(">h"), r.string()
        r.take(">b")  # is_internal
        leaders = []
        for _ in range(r.take(">i")):
            r.take(">h"); r.take(">i")  # error, index
            leaders.append(r.take(">i"))
            r.take(">i")  # leader_epoch
            for _ in range(3):  # replicas, isr, offline replicas
                r.take(f">{r.take('>i')}i")
        r.take(">i")  # topic_authorized_operations
        out[name] = (err, leaders)
    return brokers, out


def until(timeout, ok):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if ok():
                return True
        except (OSError, EOFError, struct.error):
            pass
        time.sleep(0.002)
    return False


mode, port = sys.argv[1], int(sys.argv[2])
if mode == "wait":
    if not until(float(sys.argv[3]), lambda: metadata(port, [], False)[0] >= 1):
        sys.exit(f"kafka_meta.py: no Metadata answer from 127.0.0.1:{port} in {sys.argv[3]} s")
    print(f"{time.time():.6f}")
elif mode == "create":
    topics = sys.argv[3:]

    def created():
        _, t = metadata(port, topics, True)
        return all(n in t and t[n][0] == 0 and t[n][1] and min(t[n][1]) >= 0 for n in topics)

    if not until(60, created):
        sys.exit(f"kafka_meta.py: topics {' '.join(topics)} not created on 127.0.0.1:{port} in 60 s")
else:
    sys.exit("usage: kafka_meta.py wait PORT TIMEOUT | create PORT TOPIC...")
