# The report's tables for ks against Apache Kafka (same Kafka clients) and
# for the ks rows added with it (keyed, concurrency, sizes, scale, start-up,
# latency under load, file copy), each printed plainly and as Markdown with
# a line saying how each figure is measured. Used by report.py.
import statistics


class Figures:
    """Medians of results.tsv's values, by figure name."""

    def __init__(self, vals):
        self.vals = vals

    def med(self, key):
        xs = [float(v) for v in self.vals.get(key, [])]
        return statistics.median(xs) if xs else None


def fmt(x, unit):
    if x is None:
        return "—"
    if unit == "rec/s":
        return f"{x / 1e6:.2f}M" if x >= 1e6 else f"{x / 1e3:.0f}k" if x >= 1e3 else f"{x:.0f}"
    if unit in ("µs", "ns", "ms") and x >= 10:
        return f"{x:.0f}"
    return f"{x:.1f}" if x >= 1 or x == 0 else f"{x:.2f}"


OPS = {"<=": ("≤", lambda a, b: a <= b), ">=": ("≥", lambda a, b: a >= b)}

# ks against Apache Kafka: figure (after "ks." / "kafka."), label, unit,
# target on ks/Kafka (op, factor) or None.
KAFKA_ROWS = [
    ("java_produce_acks1", "ProducerPerformance, acks=1", "rec/s", (">=", 2)),
    ("java_produce_acksall", "ProducerPerformance, acks=all", "rec/s", (">=", 2)),
    ("java_consume", "ConsumerPerformance (fetch.nMsg.sec)", "rec/s", (">=", 2)),
    ("java_consume_join_ms", "ConsumerPerformance group join (rebalance.time.ms)", "ms", None),
    ("java_e2e_avg_us", "EndToEndLatency, average", "µs", None),
    ("java_e2e_p50_ms", "EndToEndLatency, p50 (whole ms)", "ms", None),
    ("java_e2e_p99_ms", "EndToEndLatency, p99 (whole ms)", "ms", ("<=", 0.5)),
    ("java_e2e_p999_ms", "EndToEndLatency, p99.9 (whole ms)", "ms", None),
    ("kcat_produce", "`kcat -P < file`", "rec/s", None),
    ("kcat_consume", "`kcat -C -o beginning -e > /dev/null`, fastest of 3", "rec/s", None),
    ("rss_mib", "broker RSS after the workloads", "MiB", ("<=", 0.1)),
    ("rss_peak_mib", "broker peak RSS (VmHWM)", "MiB", None),
    ("cpu_ns_per_record", "broker CPU per record (ProducerPerformance acks=1)", "ns", None),
    ("java_client_cpu_ns_per_record", "ProducerPerformance's own CPU per record (the client)", "ns", None),
    ("cold_start_ms", "cold start: process start to first Metadata answer", "ms", ("<=", 0.05)),
    ("disk_bytes_per_record", "disk bytes per record (segment files)", "B", None),
]


def kafka_table(f):
    rows = []
    for key, label, unit, target in KAFKA_ROWS:
        x, k = f.med("ks." + key), f.med("kafka." + key)
        if x is None and k is None:
            continue
        ratio = x / k if x is not None and k else None
        met, ttext = "—", "—"
        if target:
            sym, test = OPS[target[0]]
            ttext = f"{sym} {target[1]:g}× Kafka"
            met = "—" if ratio is None else ("yes" if test(ratio, target[1]) else "no")
        rows.append([label, unit, fmt(x, unit), fmt(k, unit), f"{ratio:.2f}×" if ratio is not None else "—", ttext, met])
    return ["figure", "unit", "ks", "Kafka", "ks/Kafka", "target", "met"], rows


def more_rows(meta):
    """(key, label, unit, reference key or None, target on key/reference)."""
    rows = [
        ("file_produce", "`ks produce T < file`", "rec/s", None, None),
        ("file_cat", "`cat file > file2`, the same bytes", "rec/s", None, None),
    ]
    parts = meta.get("keyed_partitions", "").split()
    for p in parts:
        tgt = (">=", 0.5) if p == "10000" and "1" in parts else None  # the target is for 10,000
        rows.append((f"keyed_produce_{p}", f"keyed produce (`-K :`), {p} partition{'s' if p != '1' else ''}",
                     "rec/s", "keyed_produce_1" if p != "1" else None, tgt))
    for p in parts:
        rows.append((f"keyed_consume_{p}", f"consume of that keyed topic, {p} partition{'s' if p != '1' else ''}",
                     "rec/s", "keyed_consume_1" if p != "1" else None, None))
    sp = f"{int(meta.get('startup_partitions', 10000)):,}"
    rows.append(("shutdown_many_ms", f"`ks daemon stop` with a {sp}-partition topic, until the process is gone",
                 "ms", None, None))
    rows.append(("startup_many_ms", f"start-up with a {sp}-partition topic, until it answers", "ms", None, None))
    for c in meta.get("concurrency_levels", "").split():
        rows.append((f"concurrent_produce_{c}", f"{c} concurrent producers, one 8-partition topic (all records)",
                     "rec/s", "concurrent_produce_1" if c != "1" else None, None))
    for c in meta.get("concurrency_levels", "").split():
        rows.append((f"concurrent_consume_{c}", f"{c} concurrent consumers, each the whole topic (all reads)",
                     "rec/s", "concurrent_consume_1" if c != "1" else None, None))
    for what in ("produce", "consume"):
        for n in (meta.get("scale_small"), meta.get("scale_big")):
            if n:
                ref = f"scale_{what}_{meta['scale_small']}" if n != meta["scale_small"] else None
                rows.append((f"scale_{what}_{n}", f"{what} {int(n):,} records", "rec/s", ref, None))
    for k in ("p50", "p99", "p999"):
        rows.append((f"e2e_load_{k}", f"end-to-end {k.replace('p999', 'p99.9')} while `ks bench produce` saturates "
                     "the daemon", "µs", f"e2e_{k}", None))
    return rows


def more_table(f, meta):
    out = []
    for key, label, unit, ref, target in more_rows(meta):
        x = f.med(key)
        if x is None:
            continue
        r = f.med(ref) if ref else None
        ratio = x / r if r else None
        met, ttext = "—", "—"
        if target:
            sym, test = OPS[target[0]]
            ttext = f"{sym} {target[1]:g}× `{ref}`"
            met = "—" if ratio is None else ("yes" if test(ratio, target[1]) else "no")
        out.append([label, unit, fmt(x, unit), f"`{ref}`" if r else "—",
                    f"{ratio:.2f}×" if ratio is not None else "—", ttext, met])
    # `ks produce < file` within 3× of `cat file > file`: time ratio.
    a, b = f.med("file_produce"), f.med("file_cat")
    if a and b:
        out.append(["time of `ks produce T < file` / time of `cat file > file2`", "×", f"{b / a:.2f}", "—", "—",
                    "≤ 3", "yes" if b / a <= 3 else "no"])
    return ["figure", "unit", "ks", "against", "ratio", "target", "met"], out


def sizes_table(f, meta):
    out = []
    for s in meta.get("value_sizes", "").split():
        n = f.med(f"size_records_{s}")
        if n is None:
            continue
        p, c = f.med(f"size_produce_{s}"), f.med(f"size_consume_{s}")
        mb = lambda r: f"{r * int(s) / 1e6:.0f}" if r else "—"
        out.append([s, f"{n:,.0f}", fmt(p, "rec/s"), mb(p), fmt(c, "rec/s"), mb(c)])
    return ["value bytes", "records", "produce rec/s", "produce MB/s", "consume rec/s", "consume MB/s"], out


def scale_table(f, meta):
    out = []
    for n in (meta.get("scale_small"), meta.get("scale_big")):
        for what in ("produce", "consume"):
            k = f"scale_{what}_{n}"
            wall = f.med(k + ".wall_s")
            if wall is None:
                continue
            c, d = f.med(k + ".client_cpu_s"), f.med(k + ".daemon_cpu_s")
            N = int(n)
            out.append([f"{N:,}", what, f"{wall * 1e9 / N:.0f}", f"{c * 1e9 / N:.0f}", f"{d * 1e9 / N:.0f}"])
    return ["records", "", "wall ns/record", "client CPU ns/record", "daemon CPU ns/record"], out


def plain(header, rows, title):
    if not rows:
        return
    print(f"\n{title}")
    rows = [header] + [[c.replace("`", "") for c in r] for r in rows]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    for i, r in enumerate(rows):
        print("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))


def markdown(w, header, rows):
    w("| " + " | ".join(header) + " |")
    tail = 2 if header[-1] == "met" else 0  # target, met: text
    w("|---|---|" + "---:|" * (len(header) - 2 - tail) + "---|" * tail)
    for r in rows:
        w("| " + " | ".join(c.replace("|", "\\|") for c in r) + " |")
    w("")


def print_all(vals, meta):
    f = Figures(vals)
    plain(*kafka_table(f), "ks against Apache Kafka 4.4, the same Kafka clients (medians)")
    plain(*more_table(f, meta), "more ks rows (medians)")
    plain(*sizes_table(f, meta), "value sizes (medians)")
    plain(*scale_table(f, meta), "cost per record (medians)")


def write_markdown(w, vals, meta):
    f = Figures(vals)
    header, rows = kafka_table(f)
    if rows:
        w("## ks against Apache Kafka 4.4")
        w("")
        w(f"The same clients against both brokers, in the same round: Apache Kafka 4.4.0 ({meta.get('java', 'java')}), "
          "a single-node KRaft broker (broker and controller in one JVM, `tests/kafka/apache/kafka.sh`) on "
          "loopback, data in a temporary directory, started with the JVM settings of Kafka's own start script "
          "(`-Xmx1g -Xms1g`, G1, 20 ms pause goal), and the ks daemon started with `--kafka 127.0.0.1:PORT` in "
          "an empty home. Each round starts both afresh. "
          f"{int(meta['kafka_records']):,} records of 100 bytes per throughput figure; "
          f"{int(meta['kafka_e2e_samples']):,} round trips for the latency figures. `ks/Kafka` divides the ks "
          "median by Kafka's (for latency, RSS, CPU, start and disk, lower is better, so below 1× is better).")
        w("")
        markdown(w, header, rows)
        w("How each is measured:")
        w("")
        w("- ProducerPerformance: `org.apache.kafka.tools.ProducerPerformance --topic T --num-records N "
          "--record-size 100 --throughput -1 --command-property bootstrap.servers=B acks=1` (then `acks=all`), "
          "the tool's own records/sec (the Java client's defaults otherwise). Every topic of these workloads "
          "is created right after the broker starts, before anything is timed, by a Metadata request that "
          "allows auto-creation (`scripts/bench/kafka_meta.py create`): one partition, both brokers' default.")
        w("- ConsumerPerformance: `org.apache.kafka.tools.ConsumerPerformance --bootstrap-server B --topic T "
          "--num-records N` on the acks=1 topic; the figure is its `fetch.nMsg.sec`, which leaves out the "
          "consumer group join (`rebalance.time.ms`, shown apart; Kafka's `group.initial.rebalance.delay.ms` "
          "is its default, 3 s).")
        w("- EndToEndLatency: `org.apache.kafka.tools.EndToEndLatency B T N 1 100` (one record in flight, "
          "produce with acks=1, then poll until it arrives). The tool prints its average in µs precision but "
          "truncates its percentiles to whole milliseconds, so the p99 target is judged at 1 ms resolution; "
          "`ks bench e2e` above gives ks's percentiles in µs.")
        w("- kcat: `kcat -P -b B -t T < file` (N lines of 100 bytes), then `kcat -C -b B -t T -o beginning "
          "-c N -e -q > /dev/null` (the fastest of 3 in each round: now and then librdkafka waits out its "
          "500 ms `fetch.wait.max.ms` once during the read, against either broker); wall time of the command, "
          "librdkafka's defaults.")
        w("- Broker RSS: `VmRSS` of the broker process after all the workloads above, and its `VmHWM`.")
        w("- Broker CPU per record: the broker's utime + stime (`/proc/PID/stat`, 10 ms ticks) over the "
          "acks=1 ProducerPerformance run, divided by its records; the client's line is the same for the JVM "
          "running the tool. On a machine with few cores the Java client can use more CPU per record than "
          "either broker and then bounds both produce figures: compare the CPU lines.")
        w("- Cold start: `scripts/bench/kafka_meta.py wait` sends a Kafka Metadata request (v8) to the port every "
          "2 ms from before the broker is launched; the figure is from launching the process (Kafka: the "
          "moment `kafka.sh` execs the JVM, after formatting the log dirs; ks: `ks daemon start`) to the "
          "first answer that lists a broker.")
        w("- Disk bytes per record: the sizes of the acks=1 topic's segment files (`*.log`) divided by its "
          "records.")
        w("")
    header, rows = more_table(f, meta)
    sp = f"{int(meta.get('startup_partitions', 10000)):,}"
    if rows:
        w("## More ks rows")
        w("")
        w("Native clients (`ks produce`, `ks consume`) against a daemon with a home of its own for these rows, "
          "restarted each round; every topic is created for the figure and deleted after it. `against` names "
          "the figure a ratio divides by.")
        w("")
        markdown(w, header, rows)
        w("How each is measured:")
        w("")
        w(f"- `ks produce T < file` against `cat file > file2`: the same {int(meta['records']):,} lines of 100 "
          "bytes, the second copied to a file beside the daemon's home (same file system), each after a "
          "`sync`; the target is on the ratio of their wall times.")
        if meta.get("keyed_records"):
            w(f"- Keyed produce: {int(meta['keyed_records']):,} lines `kI:VALUE` of 100 bytes with "
              f"{int(meta['keyed_keys']):,} distinct keys, `ks produce T -K : < file` into a topic of P "
              "partitions (murmur2 of the key picks the partition); then `ks consume T -e > /dev/null`. "
              "Creating the topic is not timed.")
        w(f"- Stop and start-up with {sp} partitions (measured in the first {meta.get('startup_rounds', '1')} "
          f"round(s) only: `--startup-rounds`): the {sp}-partition keyed topic kept, the time from "
          "`ks daemon stop` until the daemon's process is gone, then the time from `ks daemon start` to the "
          "first `ks offsets T` that succeeds.")
        w("- Concurrent clients: the input split into C pieces, C `ks produce T < piece` at once into one "
          "topic of 8 partitions (records/s of all of them, until the last exits); then C `ks consume T -e "
          "> /dev/null` at once, each reading the whole topic (C × N records).")
        w("- Cost per record: `ks produce T < file` and `ks consume T -e > /dev/null` of "
          f"{int(meta.get('scale_small', 0)):,} and {int(meta.get('scale_big', 0)):,} lines of 100 bytes; "
          "the table below divides wall and CPU time by the records.")
        w(f"- Latency under load: `ks bench produce` ({int(meta.get('load_records', 0)):,} records, 16 "
          "requests in flight) into another topic, started 0.5 s before `ks bench e2e`; compared with the "
          "idle `ks bench e2e` of the first table.")
        w("")
    header, rows = sizes_table(f, meta)
    if rows:
        w("### Value sizes")
        w("")
        w(f"For each size, min(N, {int(meta['size_bytes']) / 1e6:g} MB / size) lines of that many bytes: "
          "`ks produce T < file`, then `ks consume T -e > /dev/null`; MB/s counts value bytes.")
        w("")
        markdown(w, header, rows)
    header, rows = scale_table(f, meta)
    if rows:
        w("### Cost per record")
        w("")
        markdown(w, header, rows)
