"""The native protocol of ks (common/protocol.h), written again from the
spec with the Python standard library, for tests that must speak it in ways
the `ks` binary never does: oversize or malformed frames, names the CLI
refuses to send, requests whose answers are never read.

    frame   = u32be length (bytes after it) | u32be header length H
              | H bytes of JSON header | payload
    payload = Kafka RecordBatch v2 (common/record_batch.h) for produce

Used as a module (overload_clients.py) and as a command:

    python3 fault_wire.py SOCKET request '{"op": "status"}'
    python3 fault_wire.py SOCKET produce TOPIC PARTITION VALUE_BYTES [COUNT]
    python3 fault_wire.py SOCKET raw HEX            # send bytes, print the answer
    python3 fault_wire.py SOCKET hold N             # hold N idle connections open

Each prints the response header as one JSON line ({"closed": true} when
the daemon closed the connection without answering).
"""

import json
import socket
import struct
import sys
import time

# --------------------------------------------------------------- CRC-32C

_CRC_TABLE = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    _CRC_TABLE.append(_c)


def crc32c(data):
    crc = 0xFFFFFFFF
    table = _CRC_TABLE
    for b in data:
        crc = table[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


# --------------------------------------------------------------- batches

def _varint(n):
    z = (n << 1) ^ (n >> 63)  # zigzag
    out = bytearray()
    while True:
        b = z & 0x7F
        z >>= 7
        if z:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def build_batch(values, timestamp_ms=None):
    """One uncompressed RecordBatch v2 holding `values` (bytes each),
    no keys or headers; base offset 0 (the log stamps the real one)."""
    ts = int(time.time() * 1000) if timestamp_ms is None else timestamp_ms
    records = bytearray()
    for i, v in enumerate(values):
        body = (b"\x00" + _varint(0) + _varint(i) + _varint(-1) + _varint(len(v)) + v + _varint(0))
        records += _varint(len(body)) + body
    after_crc = struct.pack(">hiqqqhii", 0, len(values) - 1, ts, ts, -1, -1, -1, len(values)) + bytes(records)
    crc = crc32c(after_crc)
    batch_length = 4 + 1 + 4 + len(after_crc)  # leader epoch, magic, crc, rest
    return struct.pack(">qiibI", 0, batch_length, 0, 2, crc) + after_crc


# --------------------------------------------------------------- frames

def frame(header, payload=b""):
    h = json.dumps(header).encode() if not isinstance(header, (bytes, bytearray)) else bytes(header)
    return struct.pack(">II", 4 + len(h) + len(payload), len(h)) + h + payload


def _recv_exact(sock, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


def read_frame(sock):
    """(header dict, payload bytes), or None when the connection closed."""
    prefix = _recv_exact(sock, 8)
    if prefix is None:
        return None
    length, hlen = struct.unpack(">II", prefix)
    rest = _recv_exact(sock, length - 4)
    if rest is None:
        return None
    return json.loads(rest[:hlen]), rest[hlen:]


class Conn:
    def __init__(self, path, timeout=30.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path)
        self.next_id = 1

    def send(self, header, payload=b""):
        header = dict(header)
        header.setdefault("id", self.next_id)
        self.next_id += 1
        self.sock.sendall(frame(header, payload))
        return header["id"]

    def call(self, header, payload=b""):
        self.send(header, payload)
        return read_frame(self.sock)

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def _print_answer(r):
    if r is None:
        print(json.dumps({"closed": True}))
    else:
        print(json.dumps(r[0]))


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    path, cmd, args = argv[1], argv[2], argv[3:]
    if cmd == "request":
        c = Conn(path)
        _print_answer(c.call(json.loads(args[0])))
    elif cmd == "produce":
        topic, partition, size = args[0], int(args[1]), int(args[2])
        count = int(args[3]) if len(args) > 3 else 1
        values = [(b"%08d" % i + b"x" * size)[:size] for i in range(count)]
        c = Conn(path)
        _print_answer(c.call({"op": "produce", "topic": topic, "partition": partition, "acks": 1},
                             build_batch(values)))
    elif cmd == "raw":
        c = Conn(path)
        c.sock.sendall(bytes.fromhex(args[0]))
        try:
            _print_answer(read_frame(c.sock))
        except (ConnectionResetError, socket.timeout) as e:
            print(json.dumps({"closed": True, "why": str(e)}))
    elif cmd == "hold":
        conns = [Conn(path) for _ in range(int(args[0]))]
        print(json.dumps({"holding": len(conns)}), flush=True)
        sys.stdin.read()  # until the test closes our stdin
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
