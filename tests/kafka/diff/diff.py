#!/usr/bin/env python3
"""Differential tests: the scenarios of src/*.java (Apache Kafka's Java
client 4.4) run against Apache Kafka 4.4 and against ks, and what the
client observed is compared, scenario by scenario.

  diff.py --apache HOST:PORT --ks HOST:PORT [--out DIR] [SCENARIO...]

Both runs go at the same time, each with fresh topic and group names (a
prefix the scenarios strip again before printing). Each JSON line is
normalized as allowed.json says (ids, hosts, ports: what cannot match);
allowed.json's "differences" drop the observations that may differ, each
with its reason. Anything else that differs fails that scenario, with a
unified diff of its normalized lines (Apache Kafka's side is "-").

The jars come through mvn into ~/.m2 (pom.xml); the classpath and the
compiled classes are cached under ${XDG_CACHE_HOME:-~/.cache}/ks-tests/
kafka-diff/, keyed by the hash of pom.xml and src/.
Exit status: 0 when every scenario matched, 1 otherwise, 2 on a setup error.
"""
import argparse
import concurrent.futures
import difflib
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.realpath(__file__))
CACHE = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "ks-tests", "kafka-diff")


def java():
    home = os.environ.get("JAVA_HOME")
    if home and os.access(os.path.join(home, "bin", "java"), os.X_OK):
        return os.path.join(home, "bin", "java"), os.path.join(home, "bin", "javac")
    return shutil.which("java"), shutil.which("javac")


def setup_error(msg):
    print("diff.py: " + msg, file=sys.stderr)
    sys.exit(2)


def build():
    """The classpath (jars + compiled scenarios), built once per source."""
    h = hashlib.sha256()
    srcs = sorted(os.path.join(HERE, "src", f) for f in os.listdir(os.path.join(HERE, "src")) if f.endswith(".java"))
    for f in [os.path.join(HERE, "pom.xml")] + srcs:
        h.update(f.encode() + b"\0" + open(f, "rb").read())
    key = h.hexdigest()[:16]
    os.makedirs(CACHE, exist_ok=True)
    pomkey = hashlib.sha256(open(os.path.join(HERE, "pom.xml"), "rb").read()).hexdigest()[:16]
    cpfile = os.path.join(CACHE, "classpath-%s.txt" % pomkey)
    cp = open(cpfile).read().strip() if os.path.exists(cpfile) else ""
    if not cp or not all(os.path.exists(j) for j in cp.split(":")):
        print("diff.py: resolving kafka-clients 4.4.0 with mvn (cached in ~/.m2)", file=sys.stderr)
        r = subprocess.run(["mvn", "-B", "-q", "-f", os.path.join(HERE, "pom.xml"), "dependency:build-classpath",
                            "-Dmdep.outputFile=" + cpfile + ".tmp"], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            setup_error("mvn failed:\n" + r.stdout[-3000:])
        os.replace(cpfile + ".tmp", cpfile)
        cp = open(cpfile).read().strip()
    classes = os.path.join(CACHE, "classes-" + key)
    if not os.path.exists(os.path.join(classes, "Diff.class")):
        tmp = classes + ".tmp%d" % os.getpid()
        os.makedirs(tmp, exist_ok=True)
        r = subprocess.run([java()[1], "-encoding", "UTF-8", "-cp", cp, "-d", tmp] + srcs,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if r.returncode != 0:
            setup_error("javac failed:\n" + r.stdout[-5000:])
        shutil.rmtree(classes, ignore_errors=True)
        os.replace(tmp, classes)
    return cp + ":" + classes


def run_side(cp, bootstrap, prefix, scenarios, out, seconds):
    """Runs the scenarios against one broker; JSON lines per scenario."""
    cmd = [java()[0], "-Xmx256m", "-XX:TieredStopAtLevel=1", "-Dfile.encoding=UTF-8",
           "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", cp, "Diff",
           "--bootstrap", bootstrap, "--prefix", prefix, "--seconds", str(seconds)] + scenarios
    with open(out + ".jsonl", "wb") as so, open(out + ".stderr", "wb") as se:
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=so, stderr=se,
                           timeout=seconds * max(1, len(scenarios)) + 120)
    lines = {}
    for raw in open(out + ".jsonl", encoding="utf-8"):
        if raw.strip():
            o = json.loads(raw)
            lines.setdefault(o["s"], []).append(o)
    return r.returncode, lines


class Normalizer:
    """allowed.json's "normalize" rules for one scenario's lines."""

    def __init__(self, rules):
        self.mask = {r["field"]: r for r in rules if r["action"] == "mask"}
        self.nodes = {r["field"] for r in rules if r["action"] == "node"}
        self.kind_mask = {(r["kind"]) for r in rules if r["action"] == "mask_kind"}

    def lines(self, objs):
        nodes = {}
        out = []
        for o in objs:
            o = dict(o)
            if o.get("k") in self.kind_mask and "ok" in o:
                o["ok"] = "<%s>" % o["k"]
            out.append(self.walk(o, nodes))
        return out

    def walk(self, v, nodes, key=None):
        if isinstance(v, dict):
            return {k: self.walk(x, nodes, k) for k, x in v.items()}
        if isinstance(v, list):
            return [self.walk(x, nodes, key) for x in v]
        if key in self.mask and v is not None:
            return "<%s>" % key
        if key in self.nodes and isinstance(v, int) and v >= 0:
            # Node ids name the same broker consistently within a scenario.
            return nodes.setdefault(v, "N%d" % len(nodes))
        return v


def matches(rule, o):
    if rule.get("scenario") not in (None, o["s"]) or rule.get("kind") not in (None, o["k"]):
        return False
    return all(o.get(k) == v for k, v in rule.get("where", {}).items())


def dump(o):
    return json.dumps(o, sort_keys=True, ensure_ascii=False)


def compare(name, ak, ks, allowed, norm):
    drop = allowed.get("differences", [])
    a = [dump(o) for o in norm.lines(ak) if not any(matches(r, o) for r in drop)]
    k = [dump(o) for o in norm.lines(ks) if not any(matches(r, o) for r in drop)]
    if a == k:
        return None
    d = list(difflib.unified_diff(a, k, "apache-kafka", "ks", n=1, lineterm=""))
    # The first hunk's first line of each side.
    hunk = d[3:next((i for i in range(3, len(d)) if d[i].startswith("@@")), len(d))]
    first = [l for l in (next((l for l in hunk if l[:1] == c), None) for c in "-+") if l]
    return first, d


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--apache", required=True)
    ap.add_argument("--ks", required=True)
    ap.add_argument("--out", default=None, help="keep each side's output here")
    ap.add_argument("--seconds", type=int, default=90, help="time limit of one scenario")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--strict", action="store_true", default=os.environ.get("KS_DIFF_STRICT") == "1",
                    help="pending.json's scenarios fail like any other (KS_DIFF_STRICT=1)")
    ap.add_argument("scenarios", nargs="*")
    args = ap.parse_args()
    if not java()[0] or not java()[1]:
        setup_error("no java/javac (Java 17+)")
    cp = build()
    every = subprocess.run([java()[0], "-cp", cp, "Diff", "--list"], stdout=subprocess.PIPE, text=True,
                           check=True).stdout.split()
    if args.list:
        print("\n".join(every))
        return 0
    scenarios = args.scenarios or every
    allowed = json.load(open(os.path.join(HERE, "allowed.json")))
    norm = Normalizer(allowed.get("normalize", []))
    pending = {} if args.strict else json.load(open(os.path.join(HERE, "pending.json")))["pending"]
    out = args.out or os.path.join(CACHE, "last-run")
    os.makedirs(out, exist_ok=True)
    run = "d%d%03d" % (int(time.time()), random.randrange(1000))
    t0 = time.time()
    with concurrent.futures.ThreadPoolExecutor(2) as ex:
        # Distinct prefixes: both sides may be one broker (a self-check).
        fa = ex.submit(run_side, cp, args.apache, run + "a-", scenarios, os.path.join(out, "apache-kafka"), args.seconds)
        fk = ex.submit(run_side, cp, args.ks, run + "k-", scenarios, os.path.join(out, "ks"), args.seconds)
        (rca, ak), (rck, ks) = fa.result(), fk.result()
    took = time.time() - t0
    passed, failed, waiting = 0, [], []
    for s in scenarios:
        if s not in ak or not ak[s] or ak[s][-1] != {"s": s, "k": "end", "ok": True}:
            # The reference itself did not get through: the scenario is wrong.
            print("FAIL differential:%s: did not complete against Apache Kafka (see %s/apache-kafka.*): %s"
                  % (s, out, dump(ak.get(s, [{}])[-1])))
            failed.append(s)
            continue
        res = compare(s, ak[s], ks.get(s, []), allowed, norm)
        if res is None and s in pending:
            print("FAIL differential:%s: passes now: remove it from pending.json" % s)
            failed.append(s)
            continue
        if res is None:
            print("ok   differential:%s" % s)
            passed += 1
            continue
        first, d = res
        if s in pending:
            waiting.append(s)
            print("PENDING differential:%s (waits for: %s); first difference:" % (s, pending[s]))
        else:
            failed.append(s)
            print("FAIL differential:%s: first difference:" % s)
        for l in first:
            print("  %s %s" % ("apache-kafka" if l[0] == "-" else "ks          ", l[1:][:400]))
        print("  full diff (- apache-kafka, + ks):")
        for l in d[:60]:
            print("    " + l)
        if len(d) > 60:
            print("    ... %d more diff lines (both sides in %s)" % (len(d) - 60, out))
    print("differential: both brokers in %.1f s (java exit: apache %d, ks %d); outputs in %s" % (took, rca, rck, out))
    if waiting:
        print("differential: %d pending (pending.json): %s" % (len(waiting), " ".join(waiting)))
    print("differential: %d passed, %d failed%s" % (passed, len(failed), " (%s)" % " ".join(failed) if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
