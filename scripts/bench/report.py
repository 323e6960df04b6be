# Reads results.tsv (figure, round, value) and meta.tsv; prints the table of
# medians and, given a path, writes the Markdown report.
import os, statistics, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report_more

results_path, meta_path, out_path = sys.argv[1], sys.argv[2], sys.argv[3]
meta = dict(line.rstrip("\n").split("\t", 1) for line in open(meta_path))
vals = {}
for line in open(results_path):
    k, r, v = line.rstrip("\n").split("\t")
    vals.setdefault(k, []).append(v)
runs = int(meta["runs"])
N = int(meta["records"])

def nums(k):
    return [float(v) for v in vals.get(k, [])]

def med(k):
    xs = nums(k)
    return statistics.median(xs) if xs else None

def fmt(x, unit):
    if x is None:
        return "—"
    if unit == "rec/s":
        return f"{x / 1e6:.2f}M" if x >= 1e6 else f"{x / 1e3:.0f}k"
    if unit == "µs":
        return f"{x:.0f}" if x >= 10 else f"{x:.1f}"
    return f"{x:.1f}"

# figure, label, unit, Redis metric, NATS metric, absolute target, ratio target vs Redis
ROWS = [
    ("produce", "produce, acks 1: `ks produce T < file`", "rec/s",
     "redis.xadd_pipelined_rps", "nats.js_async_publish_rps", (">=", 4e6), 10.0),
    ("produce_cat", "produce, acks 1: `cat file | ks produce T`", "rec/s",
     "redis.xadd_pipelined_rps", "nats.js_async_publish_rps", (">=", 4e6), 5.0),
    ("produce_all", "produce, `--acks all`", "rec/s",
     "redis.xadd_pipelined_fsync_always_rps", None, (">=", 2e6), 6.0),
    ("consume_null", "consume: `ks consume T -e > /dev/null`", "rec/s",
     "redis.xrange_rps", "nats.js_ordered_consume_rps", (">=", 10e6), 8.0),
    ("consume_wc", "consume: `ks consume T -e | wc -l`", "rec/s",
     "redis.xrange_rps", "nats.js_ordered_consume_rps", None, None),
    ("bench_produce", "`ks bench produce` (generated records, 16 requests in flight)", "rec/s",
     "redis.xadd_pipelined_rps", "nats.js_async_publish_rps", None, None),
    ("bench_consume", "`ks bench consume T` (decodes, prints nothing)", "rec/s",
     "redis.xrange_rps", "nats.js_ordered_consume_rps", None, None),
    ("e2e_p50", "end-to-end, one in flight, p50", "µs", "redis.e2e_p50_us", "nats.js_e2e_p50_us", ("<=", 60), None),
    ("e2e_p99", "end-to-end, one in flight, p99", "µs", "redis.e2e_p99_us", "nats.js_e2e_p99_us", ("<=", 120), None),
    ("e2e_p999", "end-to-end, one in flight, p99.9", "µs", None, None, None, None),
    ("group3", "group consume, 3 members, 3 partitions", "rec/s", None, None, None, None),
] + [
    (f"partitions_{p}", f"produce into {p} partition{'s' if p != '1' else ''}", "rec/s", None, None, None, None)
    for p in meta["partition_counts"].split()
] + [
    ("idle_growth_mib", f"daemon RSS growth, {meta['idle_conns']} idle connections", "MiB", None, None, ("<", 50), None),
    ("lag_rss_peak_mib", "daemon peak RSS, consumer reading nothing lags "
     f"{int(meta['lag_target']) / 1e9:g} GB", "MiB", None, None, None, None),
    ("lag_growth_mib", "daemon RSS growth during that lag", "MiB", None, None, ("<", 100), None),
]

def check(x, target):
    op, t = target
    return {"<=": x <= t, ">=": x >= t, "<": x < t}[op]

def target_text(unit, target, ratio):
    parts = []
    if target:
        op, t = target
        sym = {"<=": "≤", ">=": "≥", "<": "<"}[op]
        parts.append(f"{sym} {fmt(t, unit)} {unit}")
    if ratio:
        parts.append(f"≥ {ratio:g}× Redis")
    return ", ".join(parts) or "—"

table = []
for key, label, unit, rk, nk, target, ratio in ROWS:
    x = med(key)
    if x is None:
        continue
    r = med(rk) if rk else None
    n = med(nk) if nk else None
    xr = x / r if r else None
    xn = x / n if n else None
    verdict = []
    if target:
        verdict.append(check(x, target))
    if ratio and xr is not None:
        verdict.append(xr >= ratio)
    met = "—" if not verdict else ("yes" if all(verdict) else "no")
    if ratio and xr is None:
        met += "; ratio not measured"
    table.append({"key": key, "label": label, "unit": unit, "ks": fmt(x, unit),
                  "redis": fmt(r, unit) if rk else "—", "xr": f"{xr:.2f}×" if xr else "—",
                  "nats": fmt(n, unit) if nk else "—", "xn": f"{xn:.2f}×" if xn else "—",
                  "target": target_text(unit, target, ratio), "met": met})

def plain_table():
    cols = [("figure", "label"), ("unit", "unit"), ("ks", "ks"), ("Redis", "redis"), ("ks/Redis", "xr"),
            ("NATS", "nats"), ("ks/NATS", "xn"), ("target", "target"), ("met", "met")]
    rows = [[c[0] for c in cols]] + [[t[c[1]].replace("`", "") for c in cols] for t in table]
    widths = [max(len(r[i]) for r in rows) for i in range(len(cols))]
    for i, r in enumerate(rows):
        print("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))

print(f"\nks vs peers: medians of {runs} run(s), {N} records of 100 bytes"
      + ("" if meta["peers"] == "1" else " (no peers: --no-peers)"))
if meta["e2e_tool"] == "follow_latency":
    print("end-to-end latency from bench/follow_latency: `ks bench` is not in this build")
if table:
    plain_table()
report_more.print_all(vals, meta)
if out_path == "":
    sys.exit(0)

# --- Markdown ---
o = []
w = o.append
w("# Benchmarks")
w("")
w(f"Generated by `{meta['command']}` ({meta['started']} to {meta['finished']}). "
  f"Every figure is the median of {runs} rounds; each round starts a fresh daemon in a throw-away home"
  + (" and runs the peers right after ks, so ratios compare runs made under the same load."
     if meta["peers"] == "1" else ".")
  + " The machine is a shared, noisy VM: compare ratios from one run, not absolute numbers across runs "
  "or machines. Regenerate with `scripts/bench.sh`.")
w("")
w("## Machine")
w("")
w("| | |")
w("|---|---|")
for k, label in [("cpu", "CPU"), ("cpus", "CPUs"), ("topology", "topology"), ("hypervisor", "hypervisor"),
                 ("memory", "memory"), ("kernel", "kernel"), ("os", "OS"), ("filesystem", "filesystem (temp dir)"),
                 ("compiler", "compiler"), ("build", "ks build"), ("load_start", "load average (1, 5, 15 min) at the start"),
                 ("loadavg", "load average at the end")]:
    if meta.get(k):
        w(f"| {label} | {meta[k]} |")
w("")
w("## Results")
w("")
w(f"{N:,} records of 100 bytes (a line of 100 digits each) per throughput figure; "
  "records/s count records, not bytes. `ks/Redis` and `ks/NATS` divide the ks median by the peer's "
  "(for latencies lower is better, so below 1× is better).")
w("")
w("| figure | unit | ks | Redis | ks/Redis | NATS | ks/NATS | target | met |")
w("|---|---|---:|---:|---:|---:|---:|---|---|")
def cell(text):
    return text.replace("|", "\\|")
for t in table:
    w(f"| {cell(t['label'])} | {t['unit']} | {t['ks']} | {t['redis']} | {t['xr']} | {t['nats']} | {t['xn']} | {t['target']} | {t['met']} |")
w("")
w("Peer figures, from `../shared/peers/peers.sh all N` (see its README): Redis Streams pipelined XADD "
  "(1000 in flight, no persistence), XRANGE COUNT 1000, XADD → blocked XREAD one in flight, and XADD "
  "pipelined with `appendfsync always`; NATS JetStream async publish to a file-backed stream, an ordered "
  "push consumer, and publish → push consumer one in flight. NATS has no fsync-per-write mode in "
  "peers.sh, so `--acks all` is compared with Redis only." if meta["peers"] == "1" else
  "Peers were not measured (`--no-peers`).")
w("")
report_more.write_markdown(w, vals, meta)

w("### Every run")
w("")
w("| figure | " + " | ".join(f"run {i + 1}" for i in range(runs)) + " |")
w("|---|" + "---:|" * runs)
def tidy(v):
    try:
        x = float(v)
    except ValueError:
        return v
    return str(int(x)) if x.is_integer() and "." in v else v
def run_row(label, key):
    vs = vals.get(key)
    if vs:
        w(f"| {cell(label)} | " + " | ".join(tidy(v) for v in vs) + " |")
for key, label, unit, *_ in ROWS:
    run_row(f"{label} ({unit})", key)
run_row("end-to-end max (µs)", "e2e_max")
run_row("group: records read by each member", "group3.split")
run_row(f"daemon RSS before the {meta['idle_conns']} connections (MiB)", "idle_rss_before_mib")
run_row(f"daemon RSS with them open (MiB)", "idle_rss_after_mib")
run_row("daemon RSS before the lag (MiB)", "lag_rss_before_mib")
run_row("log written during the lag (GB)", "lag_gb")
run_row("lag: fetches the client pipelined", "lag_fetches_asked")
run_row("lag: fetches the socket took", "lag_fetches_sent")
run_row("lag: the client's socket blocked (1 = yes)", "lag_sends_blocked")
run_row("produce while lagging (rec/s)", "lag_produce")
for k in sorted(k for k in vals if k.startswith(("redis.", "nats."))):
    run_row(f"peer `{k}`", k)
# The rows of report_more's tables, by figure name.
listed = {r[0] for r in ROWS}
def side_by_side(k):  # ks.X next to kafka.X
    head, _, tail = k.partition(".")
    return (tail, head) if head in ("ks", "kafka") else (k, "")
for k in sorted((k for k in vals if k.startswith(("ks.", "kafka.")) or
                 k.split("_")[0] in ("keyed", "concurrent", "size", "scale", "startup", "shutdown", "file") or
                 k.startswith("e2e_load")), key=side_by_side):
    if k not in listed and not k.endswith((".wall_s", ".client_cpu_s", ".daemon_cpu_s")):
        run_row(f"`{k}`", k)
# The same ratios round by round: noise on a shared machine often hits ks
# and the peers of one round alike.
for key, label, unit, rk, nk, target, ratio in ROWS:
    if ratio and vals.get(key) and vals.get(rk) and len(vals[key]) == len(vals[rk]):
        w(f"| ks/Redis, {cell(label)} | " + " | ".join(
            f"{float(a) / float(b):.2f}×" for a, b in zip(vals[key], vals[rk])) + " |")
w("")

w("## Commands")
w("")
w("Each round, in a fresh home `H` with `ks --home H daemon start` (all `ks` commands below carry "
  "`--home H --no-autostart`); `lines.txt` is written once per invocation:")
w("")
w("```sh")
w(f"python3 -c '...'   # lines.txt: {N} lines, each 100 digits (the line number, zero-padded) and a newline")
w("ks topic create pR -p 1;  ks produce pR < lines.txt                 # produce, acks 1")
w("ks topic create cR -p 1;  cat lines.txt | ks produce cR             # produce through a pipe")
w("ks topic create aR -p 1;  ks produce aR --acks all < lines.txt      # produce, acks all")
w("ks consume pR -e > /dev/null                                        # consume")
w("ks consume pR -e | wc -l                                            # consume through a pipe (count checked)")
w("ks bench produce --records N -o json;  ks bench consume pR -o json  # when the build has `ks bench`")
if meta["e2e_tool"] == "ks-bench":
    w(f"ks bench e2e --records {meta['e2e_samples']} -o json                               # end-to-end latency")
else:
    w(f"build/bench/follow_latency H {meta['e2e_samples']}                          # end-to-end latency (`ks bench` was not in this build)")
w("ks topic create gR -p 3;  ks produce gR < lines.txt")
w("for m in 1 2 3; do ks consume gR -g benchR -e > member$m.out & done; wait   # group consume, timed")
w(f"for P in {meta['partition_counts']}; do ks topic create sP-R -p P; ks produce sP-R < lines.txt; done  # partitions")
w("```")
w("")
w("The Apache Kafka comparison and the rows after it are described under their tables above; their code "
  "is in `scripts/bench/vs_kafka.sh` and `scripts/bench/ks_rows.sh`.")
w("")
w("Each produce is checked with `ks offsets -o json` (the partitions' latest offsets add up to N); the")
w("group figure is N divided by the time until all three members exit, and the members' line counts")
w("must add up to at least N. Wall time is taken around the command, so it includes starting `ks`.")
w("CPU times come from `/proc` (the shell's waited-for children for the client side, the daemon's")
w("own utime + stime), in 10 ms ticks.")
w("")
w(f"Idle connections: a Python client opens {meta['idle_conns']} Unix-socket connections to `H/ks.sock`, "
  "sends `hello` on each and reads the answer, waits a second, and reads `VmRSS` from "
  "`/proc/PID/status` of the daemon (just restarted) before and after; the daemon's `status` must "
  "count the connections.")
w("")
w(f"Lagging consumer (daemon restarted first): while `cat lines.txt` × k `| ks produce lagR` writes "
  f"about {int(meta['lag_target']) / 1e9:g} GB into one partition, a Python client pipelines `fetch` requests, each for "
  "the next ~1 MiB of the log with `max_wait_ms` 0, on a connection it never reads, sending whatever "
  "the socket accepts; a second connection follows the partition's end. The daemon's `VmRSS` is "
  "sampled every 10 ms until 2 s after the last record.")
w("")

# What bounds it: only what the figures above show.
w("## What bounds it")
w("")
w("Only what these runs show (medians):")
w("")
ncpu = meta["cpus"]
w(f"- The machine was shared: load average {meta['load_start'].split()[0]} at the start and "
  f"{meta['loadavg'].split()[0]} at the end, on {ncpu} CPUs.")
def cpu_line(key, what):
    wall, c, d = med(key + ".wall_s"), med(key + ".client_cpu_s"), med(key + ".daemon_cpu_s")
    if wall is None:
        return
    w(f"- {what}: {wall:.2f} s wall; the client side used {c:.2f} s of CPU ({100 * c / wall:.0f}% of one CPU), "
      f"the daemon {d:.2f} s ({100 * d / wall:.0f}%).")
cpu_line("produce", "`ks produce` (acks 1)")
cpu_line("produce_all", "`ks produce --acks all`")
cpu_line("consume_null", "`ks consume -e > /dev/null`")
cpu_line("consume_wc", "`ks consume -e | wc -l` (client side includes `wc`)")
cpu_line("group3", "group consume with 3 members")
def ratio_line(a, b, text):
    x, y = med(a), med(b)
    if x and y:
        w(f"- {text}: {x / y:.2f}× ({fmt(x, 'rec/s')} vs {fmt(y, 'rec/s')} rec/s).")
ratio_line("produce_cat", "produce", "`cat file |` against `< file`")
ratio_line("produce", "bench_produce", "`ks produce < file` against `ks bench produce` (no input parsing)")
ratio_line("consume_null", "bench_consume", "`ks consume -e > /dev/null` against `ks bench consume` (no output formatting)")
ratio_line("produce_all", "produce", "`--acks all` against acks 1")
ratio_line("consume_wc", "consume_null", "`| wc -l` against `> /dev/null`")
pcs = meta["partition_counts"].split()
ratio_line(f"partitions_{pcs[-1]}", f"partitions_{pcs[0]}", f"{pcs[-1]} partitions against {pcs[0]}")
if vals.get("group3.split"):
    w(f"- Group consume, records read by each of the 3 members per run: {', '.join(vals['group3.split'])}.")
g = med("idle_growth_mib")
if g is not None:
    per = g * 1024 / int(meta["idle_conns"])
    w(f"- {meta['idle_conns']} idle connections added {g:.1f} MiB to the daemon's RSS (about {per:.1f} KiB each).")
if med("lag_rss_peak_mib") is not None:
    blocked = sum(int(v) for v in vals["lag_sends_blocked"])
    w(f"- Lagging consumer: the daemon's RSS went from {med('lag_rss_before_mib'):.1f} to a peak of "
      f"{med('lag_rss_peak_mib'):.1f} MiB while {med('lag_gb'):.2f} GB were written; the client pipelined "
      f"{med('lag_fetches_asked'):.0f} fetches (about 1 MiB each), its socket took "
      f"{med('lag_fetches_sent'):.0f}, and its sends were blocked at the end in {blocked} of {runs} runs.")
p50, rp50 = med("e2e_p50"), med("redis.e2e_p50_us")
if p50 is not None and rp50:
    w(f"- End-to-end p50: ks {p50:.0f} µs, Redis {rp50:.0f} µs on the same machine.")
w("")
# Before/after figures of past changes, kept by hand next to the report.
import os
history = os.path.join(os.path.dirname(out_path), "benchmarks-changes.md")
if os.path.exists(history):
    o.append(open(history).read())
open(out_path, "w").write("\n".join(o))
print(f"\nwrote {out_path}")
