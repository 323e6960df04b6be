#!/usr/bin/env python3
"""Crash harness: acknowledged records survive kill -9 and clean stops.

    python3 tests/reliability/crash.py /path/to/ks

Each round starts producers and group consumers against a real daemon in a
throw-away home, then ends the daemon one of two ways:

  kill round   producers use --acks all; the daemon gets SIGKILL at a random
               moment, then is restarted (recovery runs);
  clean round  producers use --acks 1; `ks daemon stop` runs while they write.

After every restart, with no client running, the harness checks:

  - every record of every `ks produce` that exited 0 is in the log exactly
    once; records of failed invocations are there at most once;
  - per producer, sequence numbers strictly increase within its partition
    (no duplicate, no reordering), values are intact, offsets contiguous;
  - what was in the log at the previous check is still there, unchanged,
    and every record a group consumer printed is at the offset it printed;
  - `ks log verify` of the data directory exits 0 (indexes agree with the
    logs); after a clean stop it reports nothing at all, not even a warning;
  - no committed group offset is lower than one observed earlier (observed
    with `ks group describe` while the consumers ran, also right before a
    kill), none is past the log end, and every offset below an observed
    commit was printed by some member of the group (commit => delivered).

At the end the groups drain the current topic with `-e` and must have
printed every record at least once and committed the log end.

Clients run with KS_NO_AUTOSTART=1 and --no-autostart, so no client starts
a daemon while the harness has killed or stopped it: every restart is the
harness's own `ks daemon start`.

Environment:
  KS_CRASH_SECONDS     stop starting rounds after this long (default 45)
  KS_CRASH_ITERATIONS  stop after this many kill rounds (default: no limit)
  KS_CRASH_SEED        seed of the random schedule, to replay a run
  KS_CRASH_KEEP=1      keep the home and work directory
  KS_CRASH_TOPIC_RECORDS  records after which a fresh topic is started, so
                       a full re-read stays cheap (default 100000); older
                       topics are checked for growth or shrinkage after
                       every kill and re-read fully after every clean stop
                       and at the end.

Exit status 0 when every check passed, 1 when one failed (the home and the
harness's journal are copied to /tmp/crash-evidence-N), 2 on usage errors.
"""

import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

PARTITIONS = 4
PRODUCERS = 6                    # producer k writes to partition k % PARTITIONS
GROUPS = {"gpair": 2, "gsolo": 1}  # group -> members per round
SEGMENT_BYTES = 131072           # small segments: rolls happen under crashes too
CLEAN_EVERY = 4                  # every 4th round is a clean-stop round

VALUE_RE = re.compile(r"^p(\d+):(\d+):(x*)$")


def pad_len(producer, seq):
    """Deterministic padding, so batch sizes vary and values can be checked."""
    return (seq * 31 + producer * 7) % 120


def value_of(producer, seq):
    return "p%d:%d:%s" % (producer, seq, "x" * pad_len(producer, seq))


class Failure(Exception):
    """A check failed: a real problem in ks (or in this harness)."""


def log(msg):
    print("[crash %7.1fs] %s" % (time.monotonic() - T0, msg), flush=True)


T0 = time.monotonic()


# ------------------------------------------------------------------ state

class Topic:
    """A topic the harness writes to, and what it knows about its content."""

    def __init__(self, name):
        self.name = name
        # Per partition: the number of records at the last full check and
        # the sha256 of their values (one per line), so later checks can
        # prove that history was not rewritten without keeping the values.
        self.checked_count = [0] * PARTITIONS
        self.checked_digest = [hashlib.sha256().hexdigest()] * PARTITIONS
        # producer -> [(first_seq, last_seq, exited_0, acks)], one per ks produce run
        self.attempts = {k: [] for k in range(PRODUCERS)}
        self.lock = threading.Lock()

    def acked_records(self):
        return sum(b - a + 1 for runs in self.attempts.values() for a, b, ok, _ in runs if ok)


class Stats:
    def __init__(self):
        self.kill_rounds = 0
        self.clean_rounds = 0
        self.produce_runs = 0
        self.produce_runs_acked = 0
        self.records_acked = 0        # records of ks produce runs that exited 0
        self.records_unacked = 0      # records of runs that failed (may be present, at most once)
        self.record_checks = 0        # records read and checked, summed over full reads
        self.acked_checks = 0         # acknowledged records found present, summed over checks
        self.delivered_checks = 0     # consumer-printed records matched against the log
        self.commit_observations = 0  # committed offsets seen in `group describe` polls
        self.commit_checks = 0        # committed offsets compared after a restart
        self.torn_tails = 0           # tails truncated by recovery (daemon.log)
        self.torn_tail_bytes = 0
        self.crash_state_problems = 0  # `log verify` problems in a killed home, before recovery
        self.double_kills = 0         # kill -9 again right after the restart
        self.slow_starts = []         # seconds, when `ks daemon start` gave up after 10 s


# ------------------------------------------------------------------ harness

class Harness:
    def __init__(self, ks, seed, seconds, iterations):
        self.ks = os.path.realpath(ks)
        self.seed = seed
        self.rng = random.Random(seed)
        self.seconds = seconds
        self.iterations = iterations
        base = os.environ.get("TMPDIR", "/tmp")
        if len(base) > 40:
            base = "/tmp"  # a Unix socket path must fit in 108 bytes
        self.home = tempfile.mkdtemp(prefix="ks-crash-home.", dir=base)
        self.work = tempfile.mkdtemp(prefix="ks-crash-work.", dir=base)
        os.chmod(self.home, 0o700)
        self.env = dict(os.environ)
        self.env.update(KS_HOME=self.home, KS_NO_AUTOSTART="1", LC_ALL="C",
                        XDG_DATA_HOME=os.path.join(self.work, "xdg"))
        for k in ("KS_ADDR", "KS_TOKEN"):
            self.env.pop(k, None)
        self.stats = Stats()
        self.topics = []
        self.round = 0
        self.next_seq = [0] * PRODUCERS
        self.daemon_pid = None
        self.children = set()          # Popen objects still running
        self.children_lock = threading.Lock()
        self.max_commit = {}           # (group, topic, partition) -> highest committed seen
        self.delivered = {}            # (group, topic, partition) -> bytearray, 1 = printed
        self.failures = []
        self.closing = False           # set on failure: spawn nothing more
        self.stats_lock = threading.Lock()
        self.describe_lock = threading.Lock()  # one commit observation at a time, in order
        self.journal = open(os.path.join(self.work, "journal.ndjson"), "w")
        self.journal_lock = threading.Lock()

    # -------------------------------------------------------------- helpers

    def note(self, **event):
        event["t"] = round(time.monotonic() - T0, 3)
        event["round"] = self.round
        with self.journal_lock:
            self.journal.write(json.dumps(event) + "\n")

    def fail(self, msg):
        raise Failure("round %d: %s" % (self.round, msg))

    def ks_cmd(self, *args):
        return [self.ks, "--home", self.home, "--no-autostart", *args]

    def run(self, *args, timeout=120, stdout=subprocess.PIPE):
        """Runs ks with ARGS to completion; returns (rc, stdout, stderr)."""
        if self.closing:
            return 1, b"", b"[harness: shutting down]"
        p = subprocess.Popen(self.ks_cmd(*args), env=self.env, stdin=subprocess.DEVNULL,
                             stdout=stdout, stderr=subprocess.PIPE)
        with self.children_lock:
            self.children.add(p)
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            out, err = p.communicate()
            err = (err or b"") + b"\n[harness: timed out after %d s]" % timeout
            return 124, out, err
        finally:
            with self.children_lock:
                self.children.discard(p)
        return p.returncode, out, err

    def must(self, *args, timeout=120):
        rc, out, err = self.run(*args, timeout=timeout)
        if rc != 0:
            self.fail("`ks %s` exited %d: %s" % (" ".join(args), rc, err.decode(errors="replace").strip()))
        return out

    def current(self):
        return self.topics[-1]

    # -------------------------------------------------------------- daemon

    def start_daemon(self, why):
        log_size = self._daemon_log_size()
        rc, _, err = self.run("daemon", "start", timeout=120)
        err = err.decode(errors="replace").strip()
        if rc != 0 and "did not start within" in err:
            # `ks daemon start` waits a fixed 10 s for the daemon to listen,
            # and recovery can take longer (every partition is opened, and
            # after a crash every segment fsynced, before it listens). Not
            # a refusal as long as the daemon is alive: wait for it, and
            # report the slow start in the summary.
            rc = self._wait_slow_start(why, err)
        if rc != 0:
            self.fail("the daemon refused to %s: `ks daemon start` exited %d: %s\ndaemon.log tail:\n%s"
                      % (why, rc, err, self._daemon_log_tail(log_size)))
        with open(os.path.join(self.home, "daemon.pid")) as f:
            pid = int(f.read().strip())
        if os.path.realpath("/proc/%d/exe" % pid) != self.ks:
            self.fail("daemon.pid names %d, which is not a ks process" % pid)
        self.daemon_pid = pid
        self._scan_recovery(log_size)
        self.note(event="daemon_started", pid=pid, why=why)

    def _wait_slow_start(self, why, err):
        t0 = time.monotonic()
        while time.monotonic() - t0 < 600:
            if self.run("daemon", "status", timeout=60)[0] == 0:
                took = 10 + time.monotonic() - t0
                self.stats.slow_starts.append(took)
                log("`ks daemon start` gave up (%s), but the daemon came up %.1f s later; "
                    "it took about %.1f s to %s" % (err.splitlines()[0], took - 10, took, why))
                self.note(event="slow_start", seconds=round(took, 1), why=why)
                return 0
            if not self.find_daemon_pids():
                return 3  # it exited: a refusal after all
            time.sleep(0.2)
        return 3

    def find_daemon_pids(self):
        """`ks daemon run` processes of this binary serving this home."""
        pids = []
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                if os.path.realpath("/proc/%s/exe" % d) != self.ks:
                    continue
                with open("/proc/%s/cmdline" % d, "rb") as f:
                    args = f.read().split(b"\0")
            except OSError:
                continue
            if b"run" in args and self.home.encode() in args:
                pids.append(int(d))
        return pids

    def _daemon_log_size(self):
        try:
            return os.path.getsize(os.path.join(self.home, "daemon.log"))
        except OSError:
            return 0

    def _daemon_log_tail(self, since):
        try:
            with open(os.path.join(self.home, "daemon.log"), "rb") as f:
                f.seek(since)
                return f.read().decode(errors="replace")[-4000:]
        except OSError:
            return "<no daemon.log>"

    def _scan_recovery(self, since):
        """Counts torn tails the restart truncated; corrupt batches fail."""
        for line in self._daemon_log_tail(since).splitlines():
            if "recovery:" not in line:
                continue
            m = re.search(r"truncating the (\d+) bytes", line)
            if m:
                self.stats.torn_tails += 1
                self.stats.torn_tail_bytes += int(m.group(1))
                log("recovery: " + line.split("recovery: ", 1)[1])
            if "corrupt batch" in line:
                self.fail("recovery after a process kill found a corrupt batch in the middle of a "
                          "segment (a killed process can only tear the tail): " + line)

    def _wait_gone(self, pid, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with open("/proc/%d/stat" % pid) as f:
                    state = f.read().rsplit(")", 1)[1].split()[0]
                if state in ("Z", "X"):
                    return True
            except OSError:
                return True
            time.sleep(0.01)
        return False

    def kill_daemon(self):
        pid = self.daemon_pid
        if os.path.realpath("/proc/%d/exe" % pid) != self.ks:
            self.fail("daemon %d is gone before the kill (it crashed by itself?)\ndaemon.log tail:\n%s"
                      % (pid, self._daemon_log_tail(max(0, self._daemon_log_size() - 4000))))
        os.kill(pid, signal.SIGKILL)
        if not self._wait_gone(pid, 30):
            self.fail("daemon %d still exists 30 s after SIGKILL" % pid)
        self.daemon_pid = None

    def stop_daemon(self):
        pid = self.daemon_pid
        rc, _, err = self.run("daemon", "stop", timeout=120)
        if rc != 0:
            self.fail("`ks daemon stop` exited %d: %s" % (rc, err.decode(errors="replace").strip()))
        if not self._wait_gone(pid, 30):
            self.fail("daemon %d still running 30 s after `ks daemon stop` returned" % pid)
        self.daemon_pid = None

    # -------------------------------------------------------------- setup

    def new_topic(self):
        t = Topic("crash%d" % (len(self.topics) + 1))
        self.must("topic", "create", t.name, "-p", str(PARTITIONS), "-c", "segment.bytes=%d" % SEGMENT_BYTES)
        self.topics.append(t)
        self.note(event="topic", name=t.name)
        log("topic %s: %d partitions, segment.bytes=%d" % (t.name, PARTITIONS, SEGMENT_BYTES))

    # -------------------------------------------------------------- clients

    def producer(self, k, topic, acks, stop, rng, end_times):
        """Runs ks produce on small chunks until `stop`; journals each run."""
        part = k % PARTITIONS
        path = os.path.join(self.work, "chunk-%d" % k)
        while not stop.is_set():
            n = rng.randint(20, 400)
            first = self.next_seq[k]
            self.next_seq[k] += n
            with open(path, "w") as f:
                for seq in range(first, first + n):
                    f.write(value_of(k, seq) + "\n")
            args = ["produce", topic.name, "-p", str(part), "--acks", acks, "--file", path]
            if rng.random() < 0.3:
                args += ["--batch-bytes", "4096"]  # several batches in flight per run
            if rng.random() < 0.5:
                time.sleep(rng.uniform(0, 0.1))  # leave the machine some air
            started = time.monotonic()
            rc, _, err = self.run(*args, timeout=180)
            ended = time.monotonic()
            with topic.lock:
                topic.attempts[k].append((first, first + n - 1, rc == 0, acks))
            end_times.append((ended, rc, k, first, err.decode(errors="replace").strip()))
            with self.stats_lock:
                self.stats.produce_runs += 1
                if rc == 0:
                    self.stats.produce_runs_acked += 1
                    self.stats.records_acked += n
                else:
                    self.stats.records_unacked += n
            self.note(event="produce", producer=k, partition=part, first=first, last=first + n - 1,
                      rc=rc, started=round(started - T0, 3), ended=round(ended - T0, 3))

    def observer(self, topic, stop):
        """Polls committed offsets while the consumers run."""
        while not stop.wait(0.25):
            for g in GROUPS:
                try:
                    self.describe_and_observe(g, "observed while consuming")
                except Failure as e:
                    self.failures.append(str(e))

    def describe_and_observe(self, group, when):
        """One `group describe`; a failure (no group yet, daemon gone) is
        not an observation. Serialized, so observations are in order."""
        with self.describe_lock:
            rc, out, _ = self.run("group", "describe", group, "-o", "json", timeout=60)
            if rc == 0:
                self.observe_commits(group, json.loads(out), when)

    def observe_commits(self, group, doc, when):
        checked = 0
        for o in doc.get("offsets", []):
            c = o.get("committed", -1)
            if c is None or c < 0:
                continue
            key = (group, o["topic"], o["partition"])
            prev = self.max_commit.get(key, -1)
            if c < prev:
                self.fail("group %s %s-%d: committed offset went backwards (%s): %d after %d"
                          % (group, o["topic"], o["partition"], when, c, prev))
            if c > o["end"]:
                self.fail("group %s %s-%d: committed offset %d is past the log end %d (%s)"
                          % (group, o["topic"], o["partition"], c, o["end"], when))
            if prev >= 0:
                checked += 1
            self.max_commit[key] = c
            self.stats.commit_observations += 1
        self.note(event="commits", group=group, when=when,
                  offsets={"%s-%d" % (o["topic"], o["partition"]): o.get("committed") for o in doc.get("offsets", [])})
        return checked

    def start_consumer(self, group, topic, idx, *extra):
        path = os.path.join(self.work, "consumer-r%d-%s-%d" % (self.round, group, idx))
        out = open(path, "wb")
        err = open(path + ".err", "wb")
        p = subprocess.Popen(self.ks_cmd("consume", topic.name, "-g", group, "-f", "%p %o %v\\n",
                                         "--session-timeout-ms", "30000", *extra),
                             env=self.env, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
        out.close()
        err.close()
        with self.children_lock:
            self.children.add(p)
        self.note(event="consumer", group=group, pid=p.pid, file=path)
        return (p, group, path, time.monotonic())

    # -------------------------------------------------------------- a round

    def run_round(self, kind):
        self.round += 1
        if sum(self.current().checked_count) >= self.topic_records:
            self.new_topic()
        topic = self.current()
        acks = "all" if kind == "kill" else "1"
        stop = threading.Event()
        end_times = []
        threads = []
        for k in range(PRODUCERS):
            rng = random.Random("%d/%d/%d" % (self.seed, self.round, k))
            th = threading.Thread(target=self.producer, args=(k, topic, acks, stop, rng, end_times), daemon=True)
            th.start()
            threads.append(th)
        obs_stop = threading.Event()
        obs = threading.Thread(target=self.observer, args=(topic, obs_stop), daemon=True)
        obs.start()

        # The schedule: consumers join at random moments, the end comes at
        # a random moment (sometimes very early, before clients connected).
        starts = sorted((self.rng.uniform(0, 1.2), g, i) for g, n in GROUPS.items() for i in range(n))
        r = self.rng.random()
        end_at = self.rng.uniform(0, 0.3) if r < 0.15 else self.rng.uniform(0.3, 3.5)
        t_start = time.monotonic()
        consumers = []
        for at, g, i in starts:
            if at >= end_at:
                break
            time.sleep(max(0.0, t_start + at - time.monotonic()))
            consumers.append(self.start_consumer(g, topic, i))
        time.sleep(max(0.0, t_start + end_at - time.monotonic()))

        # Committed offsets right before the end: the last ones the kill
        # must not lose.
        for g in GROUPS:
            self.describe_and_observe(g, "right before the " + kind)
        t_end = time.monotonic()
        for p, g, path, started in consumers:
            if p.poll() is not None:
                with open(path + ".err", "rb") as f:
                    self.fail("consumer %d of group %s exited %d while its daemon was up: %s"
                              % (p.pid, g, p.returncode, f.read().decode(errors="replace").strip()))
        if kind == "kill":
            self.kill_daemon()
            log("round %d: kill -9 at %.2f s (%d consumers)" % (self.round, end_at, len(consumers)))
        else:
            self.stop_daemon()
            log("round %d: clean stop at %.2f s (%d consumers)" % (self.round, end_at, len(consumers)))
        self.note(event=kind, at=end_at)
        stop.set()
        obs_stop.set()

        for th in threads:
            th.join()
        obs.join()
        for p, g, path, started in consumers:
            try:
                p.wait(timeout=120)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
                self.failures.append("round %d: consumer %d (group %s) still running 120 s after its daemon "
                                     "went away (autostart is off, so it cannot reconnect)" % (self.round, p.pid, g))
            with self.children_lock:
                self.children.discard(p)
        if self.failures:
            raise Failure(self.failures[0])

        # Clients that failed while the daemon was still up are bugs, not
        # crash victims.
        for ended, rc, k, first, err in end_times:
            if rc != 0 and ended < t_end:
                self.fail("ks produce (producer %d, seq %d...) exited %d before the %s: %s"
                          % (k, first, rc, kind, err))
        for p, g, path, started in consumers:
            with open(path + ".err", "rb") as f:
                err = f.read().decode(errors="replace").strip()
            if p.returncode == 0:
                self.fail("consumer %d of group %s exited 0 although it was following: %s" % (p.pid, g, err))

        if kind == "kill":
            self.stats.kill_rounds += 1
            self.verify_crashed_state()
            self.start_daemon("restart after kill -9")
            if self.rng.random() < 0.2:
                # Killed again as soon as it serves: recovery must cope with
                # a home that was recovered but never closed.
                self.kill_daemon()
                self.stats.double_kills += 1
                self.verify_crashed_state()
                self.start_daemon("restart after a kill -9 right after a restart")
            self.verify_data(strict=False)
        else:
            self.stats.clean_rounds += 1
            self.verify_data(strict=True)  # stopped: every index written, nothing to warn about
            self.start_daemon("restart after a clean stop")
            self.verify_data(strict=False)
        self.check_commits_after_restart()
        self.check_topic(topic, consumers)
        for t in self.topics[:-1]:
            if kind == "clean":
                self.check_topic(t, [])  # a full re-read of older topics now and then
            else:
                self.check_retired_unchanged(t)
        self.check_commits_delivered()

    # -------------------------------------------------------------- checks

    def verify_crashed_state(self):
        """`ks log verify` of a killed home, before recovery: informational.

        A torn tail or an index that lags the log is what recovery is for,
        so problems here are counted and journaled, not failures."""
        rc, out, err = self.run("log", "verify", "-o", "json", os.path.join(self.home, "data"), timeout=300)
        for line in out.decode(errors="replace").splitlines():
            if not line.strip():
                continue
            d = json.loads(line)
            for pr in d.get("problems", []):
                if pr.get("fatal"):
                    self.stats.crash_state_problems += 1
                    log("before recovery, log verify: %s at byte %s: %s" % (pr["file"], pr["position"], pr["message"]))
                    self.note(event="crash_state_problem", **pr)
        self.note(event="crash_state_verify", rc=rc)

    def verify_data(self, strict):
        data = os.path.join(self.home, "data")
        rc, out, err = self.run("log", "verify", "-o", "json", data, timeout=300)
        problems = []
        for line in out.decode(errors="replace").splitlines():
            if line.strip():
                d = json.loads(line)
                problems += [p for p in d.get("problems", []) if strict or p.get("fatal")]
        if rc != 0 or problems:
            text = "\n".join("  %s at byte %s: %s" % (p["file"], p["position"], p["message"]) for p in problems)
            self.fail("`ks log verify %s` exited %d %s:\n%s\n%s"
                      % (data, rc, "after a clean stop" if strict else "after the restart", text,
                         err.decode(errors="replace").strip()))

    def read_topic(self, topic):
        """Every record of every partition: {partition: [(offset, value)]}."""
        offs = json.loads(self.must("offsets", topic.name, "-o", "json"))
        path = os.path.join(self.work, "read-" + topic.name)
        with open(path, "wb") as f:
            rc, _, err = self.run("consume", topic.name, "-e", "-f", "%p %o %v\\n", timeout=600, stdout=f)
        if rc != 0:
            self.fail("`ks consume %s -e` exited %d: %s" % (topic.name, rc, err.decode(errors="replace").strip()))
        recs = {p: [] for p in range(PARTITIONS)}
        with open(path, "rb") as f:
            for line in f:
                p, o, v = line.decode().rstrip("\n").split(" ", 2)
                recs[int(p)].append((int(o), v))
        os.unlink(path)
        ends = {}
        for o in offs:
            p = o["partition"]
            ends[p] = o["latest"]
            if o["earliest"] != 0:
                self.fail("%s-%d: log starts at %d, expected 0 (no retention here)" % (topic.name, p, o["earliest"]))
        return recs, ends

    def check_topic(self, topic, consumers):
        recs, ends = self.read_topic(topic)
        present = {k: set() for k in range(PRODUCERS)}
        for p in range(PARTITIONS):
            rows = recs[p]
            where = "%s-%d" % (topic.name, p)
            # Offsets contiguous from 0 to the log end.
            for i, (o, v) in enumerate(rows):
                if o != i:
                    self.fail("%s: record #%d has offset %d (offsets must be contiguous from 0)" % (where, i, o))
            if len(rows) != ends[p]:
                self.fail("%s: read %d records but the log end is %d" % (where, len(rows), ends[p]))
            # History unchanged since the last check.
            n = topic.checked_count[p]
            if len(rows) < n:
                self.fail("%s: the log shrank from %d to %d records (acknowledged or not, records "
                          "that were in the log before a restart were lost)" % (where, n, len(rows)))
            h = hashlib.sha256()
            for o, v in rows[:n]:
                h.update(v.encode() + b"\n")
            if h.hexdigest() != topic.checked_digest[p]:
                self.fail("%s: the first %d records differ from what the previous check read" % (where, n))
            for o, v in rows[n:]:
                h.update(v.encode() + b"\n")
            topic.checked_count[p] = len(rows)
            topic.checked_digest[p] = h.hexdigest()
            # Values intact, in the right partition, per producer increasing.
            last = {}
            for o, v in rows:
                m = VALUE_RE.match(v)
                if not m:
                    self.fail("%s offset %d: malformed value %r" % (where, o, v[:200]))
                k, seq = int(m.group(1)), int(m.group(2))
                if k >= PRODUCERS or k % PARTITIONS != p or len(m.group(3)) != pad_len(k, seq):
                    self.fail("%s offset %d: value %r is damaged or in the wrong partition" % (where, o, v[:200]))
                if seq <= last.get(k, -1):
                    kind = "a duplicate" if seq in present[k] else "out of order"
                    self.fail("%s offset %d: producer %d seq %d after seq %d: %s"
                              % (where, o, k, seq, last[k], kind))
                last[k] = seq
                present[k].add(seq)
            self.stats.record_checks += len(rows)

        # Every acknowledged record present; nothing that was never sent.
        unacked_present = 0
        for k in range(PRODUCERS):
            sent = present[k].copy()
            for a, b, ok, acks in topic.attempts[k]:
                for seq in range(a, b + 1):
                    there = seq in sent
                    sent.discard(seq)
                    if ok:
                        if not there:
                            self.fail("%s-%d: producer %d seq %d was acknowledged (ks produce exited 0, "
                                      "--acks %s, seqs %d..%d) but is not in the log"
                                      % (topic.name, k % PARTITIONS, k, seq, acks, a, b))
                        self.stats.acked_checks += 1
                    elif there:
                        unacked_present += 1
            if sent:
                self.fail("%s: producer %d seqs %s are in the log but were never sent"
                          % (topic.name, k, sorted(sent)[:10]))
        topic.unacked_present = unacked_present

        # What consumers printed is in the log at the offset they printed.
        for p, g, path, started in consumers:
            with open(path, "rb") as f:
                data = f.read()
            lines = data.split(b"\n")
            if lines and lines[-1] != b"":
                self.fail("consumer %d of %s: output does not end at a line boundary" % (p.pid, g))
            for line in lines[:-1]:
                part, off, v = line.decode().split(" ", 2)
                part, off = int(part), int(off)
                rows = recs[part]
                if off >= len(rows) or rows[off][1] != v:
                    self.fail("group %s printed %s-%d offset %d = %r, but after the restart the log "
                              "has %r there" % (g, topic.name, part, off, v[:80],
                                               rows[off][1][:80] if off < len(rows) else "nothing"))
                bm = self.delivered.setdefault((g, topic.name, part), bytearray())
                if len(bm) <= off:
                    bm.extend(b"\0" * (off + 1 - len(bm)))
                bm[off] = 1
                self.stats.delivered_checks += 1
        log("round %d: checked %s: %d records (%d acknowledged in all), log ends %s"
            % (self.round, topic.name, sum(len(r) for r in recs.values()), topic.acked_records(),
               [ends[p] for p in range(PARTITIONS)]))

    def check_retired_unchanged(self, topic):
        for o in json.loads(self.must("offsets", topic.name, "-o", "json")):
            if o["latest"] != topic.checked_count[o["partition"]] or o["earliest"] != 0:
                self.fail("%s-%d: retired topic changed: offsets %d..%d, expected 0..%d"
                          % (topic.name, o["partition"], o["earliest"], o["latest"],
                             topic.checked_count[o["partition"]]))

    def check_commits_after_restart(self):
        for g in GROUPS:
            rc, out, err = self.run("group", "describe", g, "-o", "json", timeout=60)
            if rc == 4:
                if any(key[0] == g for key in self.max_commit):
                    self.fail("group %s is gone after the restart, but commits were observed" % g)
                continue
            if rc != 0:
                self.fail("`ks group describe %s` exited %d: %s" % (g, rc, err.decode(errors="replace").strip()))
            doc = json.loads(out)
            seen = {(o["topic"], o["partition"]) for o in doc.get("offsets", []) if o.get("committed", -1) >= 0}
            for key in self.max_commit:
                if key[0] == g and key[1:] not in seen:
                    self.fail("group %s %s-%d: committed offset %d observed before, none after the restart"
                              % (g, key[1], key[2], self.max_commit[key]))
            self.stats.commit_checks += self.observe_commits(g, doc, "after the restart")

    def check_commits_delivered(self):
        """At least once: every offset below a commit was printed by a member."""
        for (g, t, p), c in self.max_commit.items():
            bm = self.delivered.get((g, t, p), bytearray())
            if len(bm) < c or 0 in bm[:c]:
                missing = next(i for i in range(c) if i >= len(bm) or not bm[i])
                self.fail("group %s committed %s-%d up to %d, but no member printed offset %d"
                          % (g, t, p, c, missing))

    # -------------------------------------------------------------- the end

    def drain_groups(self):
        """Each group reads the current topic to its end with -e: every
        record printed at least once, and the end committed."""
        topic = self.current()
        for g, n in GROUPS.items():
            procs = [self.start_consumer(g, topic, i, "-e") for i in range(n)]
            for i, (p, _, path, _) in enumerate(procs):
                try:
                    p.wait(timeout=600)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()
                    self.fail("group %s: `ks consume -g %s -e` did not finish in 600 s" % (g, g))
                with self.children_lock:
                    self.children.discard(p)
                if p.returncode != 0:
                    with open(path + ".err", "rb") as f:
                        self.fail("group %s: `ks consume -e` exited %d: %s"
                                  % (g, p.returncode, f.read().decode(errors="replace").strip()))
            self.check_topic(topic, procs)
            doc = json.loads(self.must("group", "describe", g, "-o", "json"))
            self.stats.commit_checks += self.observe_commits(g, doc, "after draining")
            for o in doc["offsets"]:
                if o["topic"] == topic.name and o["committed"] != o["end"]:
                    self.fail("group %s drained %s-%d with -e but committed %d, end %d"
                              % (g, topic.name, o["partition"], o["committed"], o["end"]))
            for p in range(PARTITIONS):
                bm = self.delivered.get((g, topic.name, p), bytearray())
                end = topic.checked_count[p]
                if len(bm) < end or 0 in bm[:end]:
                    missing = next(i for i in range(end) if i >= len(bm) or not bm[i])
                    self.fail("group %s never printed %s-%d offset %d" % (g, topic.name, p, missing))
        self.check_commits_delivered()

    def final_reread(self):
        for t in self.topics:
            self.check_topic(t, [])

    def main(self):
        start = time.monotonic()
        log("seed %d (replay with KS_CRASH_SEED=%d); home %s; budget %s s, %s kill rounds"
            % (self.seed, self.seed, self.home, self.seconds, self.iterations or "unlimited"))
        self.start_daemon("start")
        self.new_topic()
        kind = None
        while True:
            if self.seconds and time.monotonic() - start >= self.seconds:
                break
            if self.iterations and self.stats.kill_rounds >= self.iterations:
                break
            kind = "clean" if (self.round + 1) % CLEAN_EVERY == 0 else "kill"
            self.run_round(kind)
        if kind != "clean":
            self.run_round("clean")  # end on a clean stop, and its strict verify
        self.drain_groups()
        self.final_reread()
        self.stop_daemon()
        self.verify_data(strict=True)
        self.summary(time.monotonic() - start, ok=True)

    def summary(self, elapsed, ok):
        s = self.stats
        unacked_present = sum(getattr(t, "unacked_present", 0) for t in self.topics)
        final_records = sum(sum(t.checked_count) for t in self.topics)
        print("", flush=True)
        print("crash harness %s" % ("PASSED" if ok else "FAILED"))
        rows = [
            ("seed", self.seed),
            ("elapsed", "%.1f s" % elapsed),
            ("kill -9 rounds survived (--acks all)", s.kill_rounds),
            ("  of which killed again right after the restart", s.double_kills),
            ("clean-stop rounds (--acks 1)", s.clean_rounds),
            ("topics (partitions each)", "%d (%d)" % (len(self.topics), PARTITIONS)),
            ("ks produce runs (exited 0)", "%d (%d)" % (s.produce_runs, s.produce_runs_acked)),
            ("records acknowledged", s.records_acked),
            ("records of failed ks produce runs", "%d (%d of them in the log)" % (s.records_unacked, unacked_present)),
            ("records in the final logs", final_records),
            ("record checks (records read and checked, all full reads)", s.record_checks),
            ("acknowledged-record presence checks", s.acked_checks),
            ("consumer-printed records matched to the log", s.delivered_checks),
            ("committed offsets observed", s.commit_observations),
            ("committed offsets checked after a restart", s.commit_checks),
            ("torn tails truncated by recovery", "%d (%d bytes)" % (s.torn_tails, s.torn_tail_bytes)),
            ("verify problems in killed homes, before recovery", s.crash_state_problems),
            ("restarts `ks daemon start` gave up on (10 s), daemon up later",
             "%d%s" % (len(s.slow_starts), " (took %s s)" % ", ".join("%.1f" % x for x in s.slow_starts)
                       if s.slow_starts else "")),
        ]
        w = max(len(k) for k, _ in rows)
        for k, v in rows:
            print("  %-*s  %s" % (w, k, v))
        sys.stdout.flush()

    # -------------------------------------------------------------- cleanup

    def kill_children(self):
        with self.children_lock:
            for p in list(self.children):
                if p.poll() is None:
                    p.kill()
        # The daemon, and one still starting (no daemon.pid yet) if any.
        for pid in set(self.find_daemon_pids()) | ({self.daemon_pid} if self.daemon_pid else set()):
            if os.path.realpath("/proc/%d/exe" % pid) == self.ks:
                os.kill(pid, signal.SIGKILL)
                self._wait_gone(pid, 10)
        self.daemon_pid = None

    def preserve_evidence(self):
        n = 1
        while os.path.exists("/tmp/crash-evidence-%d" % n):
            n += 1
        dest = "/tmp/crash-evidence-%d" % n
        self.journal.flush()
        shutil.copytree(self.home, os.path.join(dest, "home"), symlinks=True,
                        ignore=shutil.ignore_patterns("ks.sock"))
        shutil.copytree(self.work, os.path.join(dest, "work"), symlinks=True)
        return dest

    def cleanup(self, keep):
        self.kill_children()
        self.journal.close()
        if keep:
            log("kept home %s and work directory %s" % (self.home, self.work))
        else:
            shutil.rmtree(self.home, ignore_errors=True)
            shutil.rmtree(self.work, ignore_errors=True)


def env_int(name, default):
    v = os.environ.get(name, "")
    if v == "":
        return default
    try:
        return int(v)
    except ValueError:
        print("crash.py: %s must be an integer, got %r" % (name, v), file=sys.stderr)
        sys.exit(2)


def main():
    if len(sys.argv) != 2 or not os.access(sys.argv[1], os.X_OK):
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        print("usage: python3 %s /path/to/ks" % sys.argv[0], file=sys.stderr)
        return 2
    seconds = env_int("KS_CRASH_SECONDS", 45)
    iterations = env_int("KS_CRASH_ITERATIONS", 0)
    seed = env_int("KS_CRASH_SEED", random.SystemRandom().randrange(1 << 31))
    h = Harness(sys.argv[1], seed, seconds, iterations)
    h.topic_records = env_int("KS_CRASH_TOPIC_RECORDS", 100000)

    def on_signal(signum, frame):
        raise KeyboardInterrupt("signal %d" % signum)
    signal.signal(signal.SIGTERM, on_signal)

    start = time.monotonic()
    keep = os.environ.get("KS_CRASH_KEEP") == "1"
    try:
        h.main()
        return 0
    except Failure as e:
        h.closing = True
        h.kill_children()  # clients and daemon stop touching the home first
        dest = h.preserve_evidence()
        print("\nFAIL: %s" % e, file=sys.stderr, flush=True)
        print("evidence (home, journal, consumer outputs) in %s; replay with KS_CRASH_SEED=%d"
              % (dest, seed), file=sys.stderr, flush=True)
        h.summary(time.monotonic() - start, ok=False)
        return 1
    except KeyboardInterrupt as e:
        h.closing = True
        print("\ninterrupted (%s)" % e, file=sys.stderr, flush=True)
        h.summary(time.monotonic() - start, ok=False)
        return 130
    finally:
        h.cleanup(keep)


if __name__ == "__main__":
    sys.exit(main())
