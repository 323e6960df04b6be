#!/usr/bin/env python3
"""kcat -C -J lines on stdin -> the envelope lines `ks consume --json`
prints (topic, partition, offset, timestamp, key, value, headers), so the
clients' output can be compared with a dump taken on any broker."""
import json
import sys

for line in sys.stdin:
    if not line.strip():
        continue
    r = json.loads(line)
    hs = r.get("headers") or []
    print(json.dumps({
        "topic": r["topic"], "partition": r["partition"], "offset": r["offset"],
        "timestamp": r["ts"], "key": r.get("key"), "value": r.get("payload"),
        "headers": [{"key": hs[i], "value": hs[i + 1]} for i in range(0, len(hs), 2)],
    }, ensure_ascii=False, separators=(",", ":")))
