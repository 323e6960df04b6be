# Cold-start probe: until a broker on 127.0.0.1:PORT answers a Kafka
# Metadata request (v8, no topics) listing at least one broker, connects and
# asks again, 2 ms apart; then prints the time of that answer (epoch
# seconds, as bash's EPOCHREALTIME) and exits 0. Exits 1 after TIMEOUT s.
# Started before the broker, so its own start-up is not in the figure.
import socket, struct, sys, time

port, timeout = int(sys.argv[1]), float(sys.argv[2])
client = b"ks-bench-coldstart"
# Request header v1 (api key 3 Metadata, version 8, correlation id 1,
# client id), then Metadata v8: topics = [] (none), allow auto-creation
# false, include cluster / topic authorized operations false.
body = struct.pack(">hhih", 3, 8, 1, len(client)) + client + struct.pack(">ibbb", 0, 0, 0, 0)
request = struct.pack(">i", len(body)) + body


def read_exact(s, n):
    b = bytearray()
    while len(b) < n:
        chunk = s.recv(n - len(b))
        if not chunk:
            raise EOFError
        b += chunk
    return bytes(b)


def brokers_listed():
    with socket.create_connection(("127.0.0.1", port), timeout=1.0) as s:
        s.sendall(request)
        size, = struct.unpack(">i", read_exact(s, 4))
        answer = read_exact(s, size)
        # correlation id, throttle time, then the brokers array's length
        corr, _, count = struct.unpack(">iii", answer[:12])
        return corr == 1 and count >= 1


deadline = time.monotonic() + timeout
while time.monotonic() < deadline:
    try:
        if brokers_listed():
            print(f"{time.time():.6f}")
            sys.exit(0)
    except (OSError, EOFError, struct.error):
        pass
    time.sleep(0.002)
sys.exit(f"coldstart.py: no Metadata answer from 127.0.0.1:{port} in {timeout:g} s")
