"""Hostile and numerous clients of the native protocol, with a witness and
an RSS sampler, for tests/reliability/test_overload.sh.

    python3 overload_clients.py SOCKET PID slow CONNS FETCHES MAX_BYTES WAIT_MS MIN_BYTES TOPIC
        CONNS connections each send FETCHES pipelined fetches of TOPIC-0 from
        offset 0 and never read an answer; they stay open until stdin closes
        (the test produces meanwhile).
    python3 overload_clients.py SOCKET PID churn TOTAL WAVE TOPIC
        TOTAL connections, WAVE at a time, each dropped in one of several
        ways (see MODES), while the witness runs.
    python3 overload_clients.py SOCKET PID watch
        only the witness and the sampler, until stdin closes.

Throughout, a witness keeps one connection asking for `status` and opens a
fresh connection for `hello` every 20th round; every answer must come, be
OK and carry PID. The sampler reads /proc/PID/status every 20 ms. At the end
one JSON line: counts, witness errors, peak VmRSS seen and VmHWM (KiB).
"""

import json
import os
import random
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fault_wire  # noqa: E402


def proc_kib(pid, key):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        return -1
    return -1


class Watch:
    def __init__(self, path, pid):
        self.path, self.pid = path, pid
        self.stop = threading.Event()
        self.ok = 0
        self.errors = []
        self.rss_max = 0
        self.max_latency_ms = 0.0
        self.threads = [threading.Thread(target=self._witness, daemon=True),
                        threading.Thread(target=self._sampler, daemon=True)]

    def start(self):
        for t in self.threads:
            t.start()

    def finish(self):
        self.stop.set()
        for t in self.threads:
            t.join(60)

    def _sampler(self):
        while not self.stop.is_set():
            rss = proc_kib(self.pid, "VmRSS")
            if rss < 0:
                self.errors.append("daemon %d is gone" % self.pid)
                return
            self.rss_max = max(self.rss_max, rss)
            time.sleep(0.02)

    # An answer may be slow (200 sanitizer-built clients on two cores);
    # what the witness checks is that every one comes, hence 120 s.
    def _witness(self):
        conn = None
        rounds = 0
        while not self.stop.is_set():
            rounds += 1
            t0 = time.monotonic()
            try:
                if conn is None:
                    conn = fault_wire.Conn(self.path, timeout=120)
                r = conn.call({"op": "status"})
                if rounds % 20 == 0:
                    fresh = fault_wire.Conn(self.path, timeout=120)
                    r2 = fresh.call({"op": "hello", "client": "witness"})
                    fresh.close()
                    if r2 is None or "error" in r2[0] or r2[0].get("pid") != self.pid:
                        self.errors.append("fresh hello: %r" % (r2 and r2[0],))
                if r is None:
                    self.errors.append("status: connection closed")
                    conn = None
                elif "error" in r[0] or r[0].get("pid") != self.pid:
                    self.errors.append("status: %r" % (r[0],))
                else:
                    self.ok += 1
            except (OSError, ValueError) as e:
                self.errors.append("witness: %s: %s" % (type(e).__name__, e))
                if conn:
                    conn.close()
                conn = None
                time.sleep(0.1)
            self.max_latency_ms = max(self.max_latency_ms, (time.monotonic() - t0) * 1000)
            time.sleep(0.01)


def fetch_header(topic, i, max_bytes, wait_ms, min_bytes):
    return {"op": "fetch", "id": i, "topic": topic, "partitions": [{"partition": 0, "offset": 0}],
            "max_wait_ms": wait_ms, "min_bytes": min_bytes, "max_bytes": max_bytes}


def slow(path, conns, fetches, max_bytes, wait_ms, min_bytes, topic):
    socks = []
    sent = 0
    for _ in range(conns):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(path)
        s.setblocking(False)
        data = b"".join(fault_wire.frame(fetch_header(topic, i + 1, max_bytes, wait_ms, min_bytes))
                        for i in range(fetches))
        try:
            sent += s.send(data)
        except BlockingIOError:
            pass
        socks.append(s)
    print(json.dumps({"slow_connections": len(socks), "request_bytes_sent": sent}), flush=True)
    sys.stdin.read()
    return {"slow_connections": len(socks), "request_bytes_sent": sent}


MODES = ["connect_close", "partial_length", "partial_header", "partial_payload",
         "request_unread", "fetch_unread", "garbage", "huge_length"]


def churn(path, total, wave, topic):
    rnd = random.Random(1234)
    counts = {m: 0 for m in MODES}
    refused = 0
    produce = fault_wire.frame({"op": "produce", "id": 1, "topic": topic, "partition": 0, "acks": 1},
                               fault_wire.build_batch([b"x" * 200] * 5))
    status = fault_wire.frame({"op": "status", "id": 1})
    fetch = fault_wire.frame(fetch_header(topic, 1, 1 << 20, 0, 1))
    done = 0
    while done < total:
        batch = []
        for _ in range(min(wave, total - done)):
            mode = MODES[done % len(MODES)]
            done += 1
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                s.connect(path)
                if mode == "partial_length":
                    s.send(produce[:rnd.randint(1, 3)])
                elif mode == "partial_header":
                    s.send(produce[:rnd.randint(9, 40)])
                elif mode == "partial_payload":
                    hlen = struct.unpack(">I", produce[4:8])[0]
                    s.send(produce[:8 + hlen + rnd.randint(1, len(produce) - 9 - hlen)])
                elif mode == "request_unread":
                    s.send(status * 3)
                elif mode == "fetch_unread":
                    s.send(fetch)
                elif mode == "garbage":
                    s.send(bytes(rnd.getrandbits(8) for _ in range(64)))
                elif mode == "huge_length":
                    s.send(struct.pack(">II", 60 << 20, 20) + b'{"op":"produce"     ' + b"y" * 4096)
                counts[mode] += 1
            except OSError:
                refused += 1
            batch.append(s)
        for s in batch:
            s.close()
    return {"connections": done, "by_mode": counts, "refused": refused}


def main(argv):
    path, pid, mode, args = argv[1], int(argv[2]), argv[3], argv[4:]
    w = Watch(path, pid)
    w.start()
    if mode == "slow":
        result = slow(path, int(args[0]), int(args[1]), int(args[2]), int(args[3]), int(args[4]), args[5])
    elif mode == "churn":
        t0 = time.monotonic()
        result = churn(path, int(args[0]), int(args[1]), args[2])
        result["seconds"] = round(time.monotonic() - t0, 2)
        time.sleep(0.5)  # the witness sees the aftermath too
    elif mode == "watch":
        print(json.dumps({"watching": pid}), flush=True)
        sys.stdin.read()
        result = {}
    else:
        sys.exit(__doc__)
    w.finish()
    result.update({"witness_ok": w.ok, "witness_errors": w.errors[:10], "witness_error_count": len(w.errors),
                   "witness_max_latency_ms": round(w.max_latency_ms, 1),
                   "rss_max_kib": w.rss_max, "hwm_kib": proc_kib(pid, "VmHWM"),
                   "rss_now_kib": proc_kib(pid, "VmRSS")})
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv)
