"""Cost of durable metadata (issue 14): offset commits from several clients
at once, and the creation of a topic with many partitions, against a
running daemon. A figure, not a test: nothing here passes or fails.

    python3 scripts/meta_bench.py HOME [CLIENTS] [COMMITS_EACH] [PARTITIONS]

Each client is a thread on its own Unix-socket connection, committing the
offset of one partition of its own group (op commit_offsets, no member) in
a loop, waiting for each answer; every answer waits for the WAL sync that
covers it. Prints commits/s and the latency percentiles, then the time of
`create_topic` with PARTITIONS partitions, then what one fdatasync of a
freshly appended WAL page costs on this disk: what `synchronous=FULL`
would add to the daemon's loop thread for every commit.
"""

import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "reliability"))
import fault_wire  # noqa: E402


def committer(sock, group, n, lat, errors):
    c = fault_wire.Conn(sock, timeout=120)
    for i in range(n):
        t0 = time.perf_counter()
        h, _ = c.call({"op": "commit_offsets", "group": group,
                       "offsets": [{"topic": "bench", "partition": 0, "offset": i}]})
        lat.append(time.perf_counter() - t0)
        if "error" in h:
            errors.append(h["error"])
    c.close()


def fdatasync_cost(directory, rounds=50):
    path = os.path.join(directory, "fsync-probe.tmp")
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
    took = []
    try:
        for i in range(rounds):
            os.pwrite(fd, os.urandom(4096), i * 4096)
            t0 = time.perf_counter()
            os.fdatasync(fd)
            took.append(time.perf_counter() - t0)
    finally:
        os.close(fd)
        os.unlink(path)
    took.sort()
    return took[len(took) // 2], took[int(len(took) * 0.99)]


def main(argv):
    home = argv[1]
    clients = int(argv[2]) if len(argv) > 2 else 8
    each = int(argv[3]) if len(argv) > 3 else 200
    partitions = int(argv[4]) if len(argv) > 4 else 1000
    sock = os.path.join(home, "ks.sock")
    lat, errors, threads = [], [], []
    t0 = time.perf_counter()
    for k in range(clients):
        t = threading.Thread(target=committer, args=(sock, "bench-%d" % k, each, lat, errors))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    took = time.perf_counter() - t0
    lat.sort()
    print("offset commits: %d clients x %d: %.0f commits/s, latency p50 %.2f ms, p99 %.2f ms, errors %d"
          % (clients, each, clients * each / took, lat[len(lat) // 2] * 1e3,
             lat[int(len(lat) * 0.99)] * 1e3, len(errors)))
    c = fault_wire.Conn(sock, timeout=600)
    name = "bench-create-%d" % os.getpid()
    t0 = time.perf_counter()
    h, _ = c.call({"op": "create_topic", "topic": name, "partitions": partitions})
    print("create_topic with %d partitions: %.0f ms%s" % (partitions, (time.perf_counter() - t0) * 1e3,
                                                          " (error %s)" % h["error"] if "error" in h else ""))
    c.call({"op": "delete_topic", "topic": name})
    c.close()
    p50, p99 = fdatasync_cost(home)
    print("one fdatasync of a 4 KiB append in %s: p50 %.2f ms, p99 %.2f ms" % (home, p50 * 1e3, p99 * 1e3))


if __name__ == "__main__":
    main(sys.argv)
