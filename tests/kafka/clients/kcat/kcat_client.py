#!/usr/bin/env python3
"""kcat (Debian's, librdkafka inside) with its default settings in the
scenarios of tests/kafka/clients/README.md, as the other clients' programs
take them; kcat has no admin API, so only produce, consume, commit and
group. Each step runs kcat processes; this file only turns their output
into the matrix's lines. Standard library only (any python3)."""
import json
import os
import re
import subprocess
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "python"))
from common import Group, args, die, emit, spec  # noqa: E402

broker, a = args()


def kcat(*argv, **kw):
    return ["kcat", "-b", broker] + list(argv)


def envelopes(out):
    for line in out.splitlines():
        if line.strip():
            r = json.loads(line)
            hs = r.get("headers") or []
            yield {"partition": r["partition"], "offset": r["offset"], "timestamp": r["ts"],
                   "key": r.get("key"), "value": r.get("payload"),
                   "headers": [{"key": hs[i], "value": hs[i + 1]} for i in range(0, len(hs), 2)]}


def run(argv, what, stdin=None):
    p = subprocess.run(argv, input=stdin, capture_output=True)
    if p.returncode:
        die("%s: kcat exited %d: %s" % (what, p.returncode, p.stderr.decode(errors="replace")[-1500:]))
    return p.stdout.decode()


def produce(topic, n):
    # kcat -P gives one set of headers to all its records, and no offsets:
    # one kcat per record; check.py finds each record by its value.
    for i in range(n):
        key, value, hs = spec(i)
        hargs = [x for k, v in hs for x in ("-H", "%s=%s" % (k, v))]
        line = value if key is None else "%s:%s" % (key, value)
        run(kcat("-P", "-t", topic, "-K:", *hargs), "produce %d" % i, (line + "\n").encode())
        emit({"i": i})


def consume(topic, n):
    for r in envelopes(run(kcat("-C", "-t", topic, "-o", "beginning", "-c", str(n), "-J", "-q"), "consume")):
        emit(r)


def commit(topic, group, n):
    # -c N: kcat stops after N records and, closing, commits what it handed
    # out (auto commit of the stored offsets, librdkafka's default).
    out = run(kcat("-G", group, "-c", str(n), "-J", "-q", "-X", "auto.offset.reset=earliest", topic), "commit")
    for r in envelopes(out):
        emit(r)


REBALANCE = re.compile(r"rebalanced .*: (assigned|revoked): (.*)")


def group(topic, gid, parts):
    g = Group()
    procs, threads = {}, {}

    def start(m):
        p = procs[m] = subprocess.Popen(kcat("-G", gid, "-J", "-u", "-X", "auto.offset.reset=earliest", topic),
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

        def err():
            for line in p.stderr:
                mo = REBALANCE.search(line)
                if mo:
                    ps = [int(x) for x in re.findall(r"\[(\d+)\]", mo.group(2))]
                    (g.assigned if mo.group(1) == "assigned" else g.revoked)(m, ps)

        def out():
            for line in p.stdout:
                r = json.loads(line)
                g.rec(m, r["partition"], r["offset"], r["payload"])
        threads[m] = [threading.Thread(target=f, daemon=True) for f in (err, out)]
        for t in threads[m]:
            t.start()

    def stop(m):
        procs[m].terminate()
        procs[m].wait(30)
        for t in threads[m]:
            t.join(10)
    g.run(topic, parts, start, stop)


if a[0] == "produce":
    produce(a[1], int(a[2]))
elif a[0] == "consume":
    consume(a[1], int(a[2]))
elif a[0] == "commit":
    commit(a[1], a[2], int(a[3]))
elif a[0] == "group":
    group(a[1], a[2], int(a[3]))
else:
    die("kcat has no admin API: %s" % a[0])
