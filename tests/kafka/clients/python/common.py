"""What the Python client programs of the matrix share: the command line,
the records of the produce scenario, the JSON lines they print
(tests/kafka/clients/README.md) and the phases of the group scenario, so
each client's file holds only client calls. Mirrors go/common/common.go."""
import json
import os
import subprocess
import sys
import threading
import time

_out = threading.Lock()
# A sanitizer build is slower: every deadline stretches (tests/CMakeLists.txt).
SCALE = int(os.environ.get("KS_IT_TIMEOUT_SCALE") or 1)


def args():
    """--broker B SCENARIO ARGS... -> (broker, [scenario, args...]); arms
    the overall deadline."""
    a = sys.argv[1:]
    if len(a) < 3 or a[0] != "--broker":
        die("usage: %s --broker HOST:PORT SCENARIO ARGS..." % sys.argv[0])
    t = threading.Timer(90 * SCALE, lambda: die("timed out after %d s" % (90 * SCALE)))
    t.daemon = True
    t.start()
    return a[1], a[2:]


def die(msg):
    sys.stderr.write("%s: %s\n" % (os.path.basename(sys.argv[0]), msg))
    sys.stderr.flush()
    os._exit(1)


def emit(obj):
    with _out:
        sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")
        sys.stdout.flush()


def spec(i):
    key = None if i % 10 == 9 else "k%d" % (i % 7)
    return key, "v%d \u00fc" % i, [("i", str(i)), ("h2", "x")]


def s(b):
    return None if b is None else b.decode()


def envelope(partition, offset, timestamp, key, value, headers):
    return {"partition": partition, "offset": offset, "timestamp": timestamp, "key": s(key),
            "value": s(value), "headers": [{"key": k, "value": s(v)} for k, v in (headers or [])]}


def feed(topic, values):
    """The records of a phase, written with the harness's feeder (kcat)."""
    lines = "".join("g%d:%s\n" % (i, v) for i, v in enumerate(values))
    subprocess.run([os.environ["CLIENTS_FEED"], topic, "-K:"], input=lines.encode(), check=True)


class Group:
    """The two members a and b of the group scenario."""

    def __init__(self):
        self.lock = threading.Lock()
        self.owned = {"a": set(), "b": set()}
        self.read = set()

    def assigned(self, m, parts):
        with self.lock:
            self.owned[m] |= set(parts)
            emit({"ev": "assigned", "m": m, "parts": sorted(parts)})

    def revoked(self, m, parts):
        with self.lock:
            self.owned[m] -= set(parts)
            emit({"ev": "revoked", "m": m, "parts": sorted(parts)})

    def rec(self, m, p, o, v):
        with self.lock:
            self.read.add(v)
            emit({"ev": "rec", "m": m, "partition": p, "offset": o, "value": v})

    def owns(self, a, b, parts):
        with self.lock:
            na, nb = len(self.owned["a"]), len(self.owned["b"])
        if a < 0:
            return na > 0 and nb > 0 and na + nb == parts
        return (na, nb) == (a, b)

    def read_all(self, vs):
        with self.lock:
            return set(vs) <= self.read

    def phases(self, topic, parts, start, stop, sleep=time.sleep):
        """Generator form of Run in common.go: yields the waits, so that a
        threaded driver (run) and an asyncio one (arun) share it."""
        def phase(n, want_a, want_b, what):
            yield (what, lambda: self.owns(want_a, want_b, parts))
            vs = ["phase%d-%d" % (n, i) for i in range(30)]
            emit({"ev": "phase", "n": n, "values": vs})
            feed(topic, vs)
            yield ("the records of phase %d" % n, lambda: self.read_all(vs))
        yield ("start", start("a"))
        yield from phase(1, parts, 0, "a to own every partition")
        yield ("start", start("b"))
        yield from phase(2, -1, -1, "a and b to share the partitions")
        yield ("stop", stop("b"))
        yield from phase(3, parts, 0, "a to own every partition after b left")
        yield ("stop", stop("a"))

    def run(self, topic, parts, start, stop):
        for what, cond in self.phases(topic, parts, start, stop):
            if callable(cond):
                wait_for(what, cond)

    async def arun(self, topic, parts, start, stop):
        import asyncio
        for what, x in self.phases(topic, parts, start, stop):
            if asyncio.iscoroutine(x):
                await x
            elif callable(x):
                end = time.time() + 40 * SCALE
                while not x():
                    if time.time() > end:
                        die("gave up waiting for " + what)
                    await asyncio.sleep(0.05)


def wait_for(what, cond):
    end = time.time() + 40 * SCALE
    while not cond():
        if time.time() > end:
            die("gave up waiting for " + what)
        time.sleep(0.05)
