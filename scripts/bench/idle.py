# Opens COUNT connections to the daemon's Unix socket, each saying hello and
# reading the answer (so the daemon has accepted it), leaves them idle for a
# second and prints the daemon's RSS before and after, and the number of
# connections the daemon reports.
import json, resource, socket, struct, sys, time

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

sock_path, pid, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if soft < count + 64:
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, count + 64), hard))
time.sleep(0.5)
before = rss_kb(pid)
conns = []
for i in range(count):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock_path)
    r = call(s, {"op": "hello", "id": 1, "client": "bench-idle"})
    if "error" in r:
        sys.exit(f"hello: {r['error']}")
    conns.append(s)
time.sleep(1.0)
after = rss_kb(pid)
status = call(conns[0], {"op": "status", "id": 2})
print(before, after, status.get("connections"))
for s in conns:
    s.close()
