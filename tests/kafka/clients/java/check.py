#!/usr/bin/env python3
"""Checks on the output of the Java test programs (src/ks/Consume.java).

  check.py assigned FILE N      exit 0 when FILE's latest assignment has N
                                partitions, 2 when the consumer has ended, else 1
  check.py count FILE...        prints the number of records in the FILEs
  check.py once IN FILE...      every key:value line of IN was consumed exactly
                                once across the FILEs, and nothing else was
                                (a line without ':' has a null key)
  check.py headers FILE K V     every record in FILE carries header K=V
  check.py counts IN FILE       the latest value of each key in FILE (a word
                                count's output) is that word's count in IN
                                (lines of text, words as Kafka Streams'
                                WordCount.java splits them), and no other key
"""
import collections
import json
import re
import sys


def lines(path):
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if line.startswith("{"):
                    try:
                        yield json.loads(line)
                    except ValueError:
                        pass  # a line cut by a kill
    except FileNotFoundError:
        return


def records(paths):
    return [o for p in paths for o in lines(p) if "o" in o]


def assigned(path, n):
    last = None
    for o in lines(path):
        if "closed" in o:
            return 2
        if "assigned" in o:
            last = o["assigned"]
        elif "revoked" in o or "lost" in o:
            gone = set(o.get("revoked", o.get("lost", [])))
            last = [x for x in (last or []) if x not in gone]
    return 0 if last is not None and len(last) == int(n) else 1


def once(inp, paths):
    want = collections.Counter()
    for line in open(inp, encoding="utf-8").read().split("\n"):
        if line == "":
            continue
        k, sep, v = line.partition(":")
        want[(k, v) if sep else (None, line)] += 1
    recs = records(paths)
    got = collections.Counter((r["k"], r["v"]) for r in recs)
    at = collections.Counter((r.get("t"), r["p"], r["o"]) for r in recs)
    bad = []
    for kv, n in (got - want).items():
        bad.append("consumed %d more time(s) than produced: %r" % (n, kv))
    for kv, n in (want - got).items():
        bad.append("never consumed (%d): %r" % (n, kv))
    for pos, n in at.items():
        if n > 1:
            bad.append("offset %r delivered %d times" % (pos, n))
    for b in bad[:12]:
        print(b, file=sys.stderr)
    if bad:
        print("%d records produced, %d consumed" % (sum(want.values()), len(recs)), file=sys.stderr)
    return 1 if bad else 0


def counts(inp, path):
    want = collections.Counter(w for line in open(inp, encoding="utf-8")
                               for w in re.split(r"\W+", line.strip().lower()) if w)
    latest = {}
    for r in sorted(records([path]), key=lambda r: (r["p"], r["o"])):
        latest[r["k"]] = int(r["v"])
    if latest == dict(want):
        return 0
    diff = sorted(set(latest.items()) ^ set(want.items()))
    print("word counts differ (word, count) in one but not the other: %r" % diff[:12], file=sys.stderr)
    return 1


def main(argv):
    cmd = argv[1]
    if cmd == "assigned":
        return assigned(argv[2], argv[3])
    if cmd == "count":
        print(len(records(argv[2:])))
        return 0
    if cmd == "once":
        return once(argv[2], argv[3:])
    if cmd == "headers":
        bad = [r for r in records([argv[2]]) if [argv[3], argv[4]] not in r["h"]]
        for r in bad[:5]:
            print("record without header %s=%s: %r" % (argv[3], argv[4], r), file=sys.stderr)
        return 1 if bad else 0
    if cmd == "counts":
        return counts(argv[2], argv[3])
    raise SystemExit("check.py: unknown command " + cmd)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
