"""A native-protocol client for test_security.sh that may be run as another
user: it needs only the Python standard library and fault_wire.py. ADDR
is a Unix socket path or tcp://HOST:PORT.

    python3 sec_client.py ADDR calls JSON...     # one connection, one answer per request
    python3 sec_client.py ADDR hold N            # N silent connections until stdin closes
    python3 sec_client.py ADDR wait_closed SECS  # one silent connection: does the daemon close it?
    python3 sec_client.py kafka://HOST:PORT wait_closed SECS

Each prints one JSON line per answer ({"closed": true} when the daemon
closed the connection without one).
"""

import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fault_wire import frame, read_frame  # noqa: E402


def connect(addr, timeout=30.0):
    for scheme in ("tcp://", "kafka://"):
        if addr.startswith(scheme):
            host, port = addr[len(scheme):].rsplit(":", 1)
            return socket.create_connection((host, int(port)), timeout=timeout)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.connect(addr)
    return s


def answer(sock):
    try:
        r = read_frame(sock)
    except (ConnectionResetError, BrokenPipeError, socket.timeout) as e:
        return {"closed": True, "why": str(e)}
    return {"closed": True} if r is None else r[0]


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    addr, cmd, args = argv[1], argv[2], argv[3:]
    if cmd == "calls":
        s = connect(addr)
        for n, text in enumerate(args, 1):
            req = json.loads(text)
            req.setdefault("id", n)
            try:
                s.sendall(frame(req))
            except (BrokenPipeError, ConnectionResetError) as e:
                print(json.dumps({"closed": True, "why": str(e)}), flush=True)
                return
            a = answer(s)
            print(json.dumps(a), flush=True)
            if a.get("closed"):
                return
    elif cmd == "hold":
        conns = []
        for _ in range(int(args[0])):
            try:
                conns.append(connect(addr))
            except OSError as e:
                print(json.dumps({"connect_error": str(e)}), file=sys.stderr)
        print(json.dumps({"holding": len(conns)}), flush=True)
        sys.stdin.read()  # until the test closes our stdin
    elif cmd == "wait_closed":
        s = connect(addr, timeout=float(args[0]))
        start = time.monotonic()
        try:
            data = s.recv(1)
            print(json.dumps({"closed": not data, "after_ms": int((time.monotonic() - start) * 1000)}))
        except ConnectionResetError:
            print(json.dumps({"closed": True, "after_ms": int((time.monotonic() - start) * 1000)}))
        except socket.timeout:
            print(json.dumps({"closed": False}))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
