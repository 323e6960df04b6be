#!/usr/bin/env python3
"""Checks what a client program of the matrix printed (tests/kafka/clients/
README.md has the scenarios and the line formats) against `ks consume --json`
and `ks group describe -o json`. Each subcommand exits 1 with one line per
problem on stderr; nothing is printed when all is well.

  check.py produced N ACKS KS_JSON [--any-partition]
  check.py consumed OUT KS_JSON
  check.py group OUT PARTITIONS
  check.py resume RUN1 RUN2 KS_JSON
"""
import collections
import json
import sys


def spec(i):
    """Record i of the produce scenario: the same formula in every client."""
    key = None if i % 10 == 9 else "k%d" % (i % 7)
    return key, "v%d \u00fc" % i, [("i", str(i)), ("h2", "x")]


def lines(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def envelope(r):
    """(partition, offset) -> (key, value, headers, timestamp) of one record
    in the envelope format shared by ks consume --json and the clients."""
    hs = tuple((h["key"], h["value"]) for h in r.get("headers") or [])
    return (r["partition"], r["offset"]), (r.get("key"), r.get("value"), hs, r["timestamp"])


def produced(n, acks_path, ks_path, *flags):
    bad = []
    acks = lines(acks_path)
    ks = dict(envelope(r) for r in lines(ks_path))
    by_value = {rec[1]: at for at, rec in ks.items()}
    seen = {}
    for a in acks:
        # A client that reports no offsets (kafka-go's Writer): the record
        # is found by its value, unique per record.
        at = (a["partition"], a["offset"]) if "partition" in a else by_value.get(spec(a["i"])[1], (-1, -1))
        seen.setdefault(a["i"], []).append(at)
    missing = [i for i in range(n) if i not in seen]
    if missing:
        bad.append("%d of %d records not acknowledged (first %r)" % (len(missing), n, missing[:5]))
    dups = [i for i, at in seen.items() if len(at) > 1]
    if dups:
        bad.append("records acknowledged more than once: %r" % dups[:5])
    per_part = collections.defaultdict(list)
    key_parts = collections.defaultdict(set)
    for i, at in sorted(seen.items()):
        key, value, hs = spec(i)
        got = ks.get(at[0])
        per_part[at[0][0]].append(at[0][1])
        if key is not None:
            key_parts[key].add(at[0][0])
        if got is None or got[:3] != (key, value, tuple(hs)):
            bad.append("record %d acknowledged at %r; ks consume has %r there, expected %r" % (i, at[0], got and got[:3], (key, value, hs)))
    for p, offs in per_part.items():
        if sorted(offs) != list(range(min(offs), min(offs) + len(offs))):
            bad.append("partition %d: acknowledged offsets not contiguous: %r" % (p, sorted(offs)[:10]))
    if len(ks) != n:
        bad.append("ks consume read %d records, %d were sent" % (len(ks), n))
    if len(per_part) < 2:
        bad.append("every record in one partition: %r" % sorted(per_part))
    if "--any-partition" not in flags:
        for k, ps in key_parts.items():
            if len(ps) != 1:
                bad.append("key %r in partitions %r" % (k, sorted(ps)))
    return bad


def consumed(out_path, ks_path):
    bad = []
    got = lines(out_path)
    ks = dict(envelope(r) for r in lines(ks_path))
    mine = {}
    last = {}
    for r in got:
        at, rec = envelope(r)
        if at in mine:
            bad.append("record at %r read twice" % (at,))
        mine[at] = rec
        if last.get(at[0], -1) >= at[1]:
            bad.append("partition %d: offset %d read after %d" % (at[0], at[1], last[at[0]]))
        last[at[0]] = at[1]
    for at in sorted(set(ks) | set(mine)):
        if ks.get(at) != mine.get(at):
            bad.append("at %r: ks consume has %r, the client read %r" % (at, ks.get(at), mine.get(at)))
    return bad


def group(out_path, partitions):
    """Two members a and b of one group, phases 1-3 (see README.md)."""
    bad = []
    owned = {"a": set(), "b": set()}
    produced_values, read_values = set(), collections.Counter()
    phases_seen = []
    for e in lines(out_path):
        ev = e["ev"]
        if ev == "assigned":
            m = e["m"]
            other = owned["b" if m == "a" else "a"]
            clash = other & set(e["parts"] or [])
            if clash:
                bad.append("partitions %r assigned to %s while the other member still owns them (event %r)" % (sorted(clash), m, e))
            owned[m] |= set(e["parts"] or [])
        elif ev == "revoked":
            owned[e["m"]] -= set(e["parts"] or [])
        elif ev == "phase":
            phases_seen.append(e)
            want = {1: ("all", "none"), 2: ("some", "some"), 3: ("all", "none")}[e["n"]]
            for m, w in zip("ab", want):
                n = len(owned[m])
                if (w == "all" and n != partitions) or (w == "none" and n) or (w == "some" and not n):
                    bad.append("phase %d: member %s owns %r" % (e["n"], m, sorted(owned[m])))
            produced_values.update(e["values"])
        elif ev == "rec":
            read_values[e["value"]] += 1
        else:
            bad.append("unknown event %r" % e)
    if [p["n"] for p in phases_seen] != [1, 2, 3]:
        bad.append("phases seen: %r" % [p["n"] for p in phases_seen])
    never = produced_values - set(read_values)
    if never:
        bad.append("%d records never read (%r...)" % (len(never), sorted(never)[:5]))
    extra = set(read_values) - produced_values
    if extra:
        bad.append("records read that were not produced: %r" % sorted(extra)[:5])
    twice = sum(c - 1 for c in read_values.values() if c > 1)
    if twice:
        # At-least-once allows redelivery after a rebalance; said, not failed.
        print("  .. %d records read more than once" % twice, file=sys.stderr)
    return bad


def resume(run1_path, run2_path, ks_path):
    bad = []
    ks = dict(envelope(r) for r in lines(ks_path))
    runs = []
    for path in (run1_path, run2_path):
        recs = [r for r in lines(path) if "offset" in r]
        runs.append({(r["partition"], r["offset"]) for r in recs})
        if len(runs[-1]) != len(recs):
            bad.append("%s: a record read twice in one run" % path)
    both = runs[0] & runs[1]
    if both:
        bad.append("%d records read again after the restart (first %r): resume did not start at the committed offsets" % (len(both), sorted(both)[:5]))
    missing = set(ks) - runs[0] - runs[1]
    if missing:
        bad.append("%d records never read (first %r)" % (len(missing), sorted(missing)[:5]))
    if not runs[0] or not runs[1]:
        bad.append("each run should read some records: %d then %d" % (len(runs[0]), len(runs[1])))
    return bad


def main(argv):
    cmd, args = argv[1], argv[2:]
    if cmd == "produced":
        bad = produced(int(args[0]), *args[1:])
    elif cmd == "consumed":
        bad = consumed(*args)
    elif cmd == "group":
        bad = group(args[0], int(args[1]))
    elif cmd == "resume":
        bad = resume(*args)
    else:
        sys.exit("check.py: unknown check %r" % cmd)
    for b in bad[:15]:
        print(b, file=sys.stderr)
    if len(bad) > 15:
        print("... and %d more" % (len(bad) - 15), file=sys.stderr)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main(sys.argv)
