#!/usr/bin/env python3
"""Checks for the power-loss harness (test_power_loss.sh).

    power_loss.py records RUNS FOUND CASE ACKS [--expect-loss] [--partitions N]
    power_loss.py commits ACKED FOUND CASE
    power_loss.py recovery-points DATA CASE

records: RUNS has one line "FIRST LAST RC" per `ks produce` run (records
FIRST..LAST, numbered, exit status RC; RC 0 = every record acknowledged).
FOUND is `ks consume -e -f '%p %o %v\\n'` after the power cut. Checks:
  - every acknowledged record is there (unless --expect-loss: then some
    acknowledged record must be missing, or the rig does not lose
    unsynced writes and proves nothing);
  - every record found was sent (nothing made up or half-written), at most
    once, and in each partition in the order it was sent;
  - offsets in each partition strictly increase.
commits: ACKED has one JSON line per acknowledged group commit (the
committed offsets, {partition: offset}, as `ks group describe -o json`
showed right after `ks consume -g -e` exited 0); FOUND is `ks group
describe -o json` after the cut. No partition's committed offset may be
below the highest acknowledged one.
recovery-points: DATA is a home's data/ as the cut left it, before a
daemon touched it. Each partition's recovery-point file claims the bytes
below it were synced (daemon/storage/recovery_point.h): the segment it
names must hold whole, valid batches (CRC-32C checked) from byte 0 to the
position it names, the last one ending at the offset before the point.
A point that claims more than the disk kept is a failure.

Prints one "figures:" line for docs/RELIABILITY.md; exits 1 on a failure.
"""

import json
import re
import sys

VALUE = re.compile(r"^(?:k\d+:)?r(\d{7})-")


def fail(case, msg):
    print("power_loss %s: %s" % (case, msg), file=sys.stderr)
    sys.exit(1)


def read_runs(path):
    acked, sent = set(), set()
    runs = 0
    with open(path) as f:
        for line in f:
            first, last, rc = (int(x) for x in line.split())
            runs += 1
            nums = range(first, last + 1)
            sent.update(nums)
            if rc == 0:
                acked.update(nums)
    return acked, sent, runs


def read_found(path, case):
    """[(partition, offset, number)] in output order."""
    out = []
    with open(path, errors="replace") as f:
        for n, line in enumerate(f, 1):
            parts = line.rstrip("\n").split(" ", 2)
            if len(parts) != 3:
                fail(case, "line %d of the consumed records is malformed: %r" % (n, line[:80]))
            m = VALUE.match(parts[2])
            if not m:
                fail(case, "record at %s/%s was never sent: %r" % (parts[0], parts[1], parts[2][:60]))
            out.append((int(parts[0]), int(parts[1]), int(m.group(1))))
    return out


def check_records(argv):
    runs_path, found_path, case, acks = argv[:4]
    expect_loss = "--expect-loss" in argv[4:]
    acked, sent, runs = read_runs(runs_path)
    found = read_found(found_path, case)
    seen = {}
    last = {}
    for p, off, num in found:
        if num not in sent:
            fail(case, "record r%07d at %d/%d was never sent" % (num, p, off))
        if num in seen:
            fail(case, "record r%07d twice: at %d/%d and %d/%d" % (num, *seen[num], p, off))
        seen[num] = (p, off)
        if p in last:
            lo, ln = last[p]
            if off <= lo:
                fail(case, "partition %d: offset %d after %d" % (p, off, lo))
            if num <= ln:
                fail(case, "partition %d: record r%07d after r%07d (out of order)" % (p, num, ln))
        last[p] = (off, num)
    missing = sorted(acked - set(seen))
    unacked_found = len(set(seen) - acked)
    figures = ("figures: case=%s acks=%s runs=%d acknowledged=%d sent=%d found=%d "
               "acknowledged_missing=%d unacknowledged_found=%d"
               % (case, acks, runs, len(acked), len(sent), len(seen), len(missing), unacked_found))
    print(figures)
    if not acked:
        fail(case, "no record was acknowledged before the cut: the case tested nothing")
    if expect_loss:
        if not missing:
            fail(case, "rig broken: all %d records acknowledged with --acks %s survived the cut; "
                 "the image copy holds more than what reached the disk, so the harness cannot "
                 "tell synced from unsynced writes" % (len(acked), acks))
        return
    if missing:
        fail(case, "%d of %d records acknowledged with --acks %s are missing after the power cut "
             "(first r%07d, last r%07d)" % (len(missing), len(acked), acks, missing[0], missing[-1]))


def committed_map(doc):
    out = {}
    for e in doc.get("offsets", []):
        if e.get("committed", -1) is not None and e.get("committed", -1) >= 0:
            out[int(e["partition"])] = (int(e["committed"]), e.get("end"))
    return out


def check_commits(argv):
    acked_path, found_path, case = argv[:3]
    want = {}
    n = 0
    with open(acked_path) as f:
        for line in f:
            if not line.strip():
                continue
            n += 1
            for p, (c, _) in committed_map(json.loads(line)).items():
                want[p] = max(want.get(p, -1), c)
    with open(found_path) as f:
        text = f.read()
    got = committed_map(json.loads(text)) if text.strip() else {}
    print("figures: case=%s acknowledged_commits=%d acknowledged=%s found=%s"
          % (case, n, json.dumps({p: want[p] for p in sorted(want)}),
             json.dumps({p: got[p][0] for p in sorted(got)})))
    if not want:
        fail(case, "no group commit was acknowledged before the cut: the case tested nothing")
    for p in sorted(want):
        have = got.get(p, (-1, None))[0]
        if have < want[p]:
            fail(case, "partition %d: committed offset %s after the cut, below the acknowledged %d"
                 % (p, have if have >= 0 else "none", want[p]))
        end = got[p][1]
        if end is not None and have > end:
            fail(case, "partition %d: committed offset %d past the log end %d" % (p, have, end))


def crc32c(data):
    table = crc32c.table
    if table is None:
        table = crc32c.table = []
        for i in range(256):
            c = i
            for _ in range(8):
                c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
            table.append(c)
    c = 0xFFFFFFFF
    for b in data:
        c = table[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


crc32c.table = None


def segment_end(path, position):
    """The next offset after the batches in bytes [0, position) of a
    segment, or a string saying why they are not whole valid batches."""
    with open(path, "rb") as f:
        data = f.read(position)
    if len(data) < position:
        return "the file has %d bytes" % len(data)
    pos, nxt = 0, None
    while pos < position:
        if position - pos < 61:
            return "a batch header cut at byte %d" % pos
        base = int.from_bytes(data[pos:pos + 8], "big", signed=True)
        length = int.from_bytes(data[pos + 8:pos + 12], "big", signed=True)
        end = pos + 12 + length
        if data[pos + 16] != 2 or length < 49 or end > position:
            return "no valid batch at byte %d" % pos
        if crc32c(data[pos + 21:end]) != int.from_bytes(data[pos + 17:pos + 21], "big"):
            return "a batch with a bad CRC at byte %d" % pos
        nxt = base + int.from_bytes(data[pos + 23:pos + 27], "big", signed=True) + 1
        pos = end
    return nxt


def check_recovery_points(argv):
    import os
    data, case = argv[:2]
    checked = 0
    for part in sorted(os.listdir(data)):
        rp_path = os.path.join(data, part, "recovery-point")
        if not os.path.exists(rp_path):
            continue
        with open(rp_path) as f:
            text = f.read()
        fields = text.split()
        if len(fields) != 3:
            fail(case, "%s: not a recovery point: %r" % (rp_path, text[:80]))
        offset, base, position = (int(x) for x in fields)
        seg = os.path.join(data, part, "%020d.log" % base)
        if not os.path.exists(seg):
            fail(case, "%s claims %d bytes of %s, which is gone" % (rp_path, position, seg))
        end = segment_end(seg, position)
        if position > 0 and end != offset:
            fail(case, "%s claims offsets below %d in the first %d bytes of %s; the disk has: %s"
                 % (rp_path, offset, position, seg, end))
        if position == 0 and offset != base:
            fail(case, "%s: offset %d in an empty segment at %d" % (rp_path, offset, base))
        checked += 1
    print("figures: case=%s recovery_points_checked=%d" % (case, checked))


def main():
    checks = {"records": check_records, "commits": check_commits, "recovery-points": check_recovery_points}
    if len(sys.argv) < 2 or sys.argv[1] not in checks:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    checks[sys.argv[1]](sys.argv[2:])


if __name__ == "__main__":
    main()
