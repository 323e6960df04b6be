# A consumer that asks and never reads. While a producer writes TARGET
# records into TOPIC (one partition), it pipelines fetches, each for the next
# ~1 MiB of the log (max_wait_ms 0), on a connection it never reads from,
# sending what the socket takes; a second connection, read normally, follows
# the partition's end. Samples the daemon's RSS every 10 ms until 2 s after
# the last record, and prints one JSON object.
import json, socket, struct, sys, time

def frame(header, payload=b""):
    h = json.dumps(header).encode()
    return struct.pack(">II", 4 + len(h) + len(payload), len(h)) + h + payload

def read_exact(s, n):
    b = bytearray()
    while len(b) < n:
        chunk = s.recv(n - len(b))
        if not chunk:
            raise EOFError("the daemon closed the connection")
        b += chunk
    return bytes(b)

def call(s, header):
    s.sendall(frame(header))
    size, hlen = struct.unpack(">II", read_exact(s, 8))
    return json.loads(read_exact(s, size - 4)[:hlen])

def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])

sock_path, topic, pid, target = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
fetch_bytes = 1 << 20
ctl = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
ctl.connect(sock_path)
stalled = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
stalled.connect(sock_path)
stalled.setblocking(False)

base = peak = rss_kb(pid)
next_offset, pending, rid = 0, b"", 0
asked = sent_bytes = 0
frame_ends = []  # cumulative byte count at the end of each fetch frame
end = size = 0
deadline = time.monotonic() + 900
done_at = None
print("ready", file=sys.stderr, flush=True)
while time.monotonic() < deadline:
    rid += 1
    info = call(ctl, {"op": "topics", "id": rid, "topics": [topic], "detail": True})
    if "error" in info:
        sys.exit(f"topics: {info['error']}")
    p0 = info["topics"][0]["partition_info"][0]
    end, size = p0["end"], p0["size"]
    if end > 0:
        stride = max(1, int(fetch_bytes / (size / end)))
        while next_offset < end and len(pending) < (64 << 10):
            rid += 1
            f = frame({"op": "fetch", "id": rid, "topic": topic,
                       "partitions": [{"partition": 0, "offset": next_offset}],
                       "max_wait_ms": 0, "min_bytes": 1, "max_bytes": fetch_bytes})
            pending += f
            frame_ends.append((frame_ends[-1] if frame_ends else 0) + len(f))
            asked += 1
            next_offset += stride
    if pending:
        try:
            n = stalled.send(pending)
            pending = pending[n:]
            sent_bytes += n
        except BlockingIOError:
            pass
    peak = max(peak, rss_kb(pid))
    if end >= target and done_at is None:
        done_at = time.monotonic()
    if done_at is not None and time.monotonic() - done_at > 2.0:
        break
    time.sleep(0.01)
final = rss_kb(pid)
sent = sum(1 for e in frame_ends if e <= sent_bytes)
print(json.dumps({"base_kb": base, "peak_kb": peak, "final_kb": final, "records": end, "log_bytes": size,
                  "fetches_asked": asked, "fetches_sent": sent, "sends_blocked": len(pending) > 0}))
stalled.close()
ctl.close()
