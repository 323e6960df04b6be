"""ListOffsets by hand, with the standard library only, at a version no
Debian client sends: v1 (the classic layout) or v7 (flexible, the first
with -3, the largest timestamp). Prints one JSON object per partition:
{"partition", "error", "timestamp", "offset"}.

usage: list_offsets.py HOST:PORT VERSION TOPIC PARTITION TIMESTAMP...
"""
import json
import socket
import struct
import sys


def uvarint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


class Reader:
    def __init__(self, data):
        self.d, self.p = data, 0

    def take(self, fmt):
        v = struct.unpack_from(fmt, self.d, self.p)
        self.p += struct.calcsize(fmt)
        return v[0]

    def uvarint(self):
        n = shift = 0
        while True:
            b = self.d[self.p]
            self.p += 1
            n |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                return n

    def string(self, flexible):
        n = self.uvarint() - 1 if flexible else self.take(">h")
        s = self.d[self.p:self.p + n].decode()
        self.p += n
        return s

    def count(self, flexible):
        return self.uvarint() - 1 if flexible else self.take(">i")

    def tags(self, flexible):
        if flexible:
            for _ in range(self.uvarint()):
                self.uvarint()
                self.p += self.uvarint()


def request(version, topic, partition, timestamps):
    flex = version >= 6
    client = b"list_offsets.py"
    head = struct.pack(">hhih", 2, version, 7, len(client)) + client + (b"\0" if flex else b"")
    body = struct.pack(">ib", -1, 0) if version >= 2 else struct.pack(">i", -1)
    name = topic.encode()
    body += uvarint(2) + uvarint(len(name) + 1) + name if flex else struct.pack(">ih", 1, len(name)) + name
    # One entry per timestamp, all for the same partition, as a client may.
    body += uvarint(len(timestamps) + 1) if flex else struct.pack(">i", len(timestamps))
    for ts in timestamps:
        body += struct.pack(">i", partition)
        if version >= 4:
            body += struct.pack(">i", -1)
        body += struct.pack(">q", ts)
        body += b"\0" if flex else b""
    body += b"\0\0" if flex else b""  # topic tags, request tags
    return head + body


def main():
    host, port = sys.argv[1].rsplit(":", 1)
    version, topic, partition = int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    timestamps = [int(t) for t in sys.argv[5:]]
    flex = version >= 6
    s = socket.create_connection((host, int(port)), timeout=30)
    msg = request(version, topic, partition, timestamps)
    s.sendall(struct.pack(">i", len(msg)) + msg)
    size = struct.unpack(">i", s.recv(4, socket.MSG_WAITALL))[0]
    data = b""
    while len(data) < size:
        chunk = s.recv(size - len(data))
        if not chunk:
            sys.exit("list_offsets.py: connection closed")
        data += chunk
    r = Reader(data)
    assert r.take(">i") == 7
    r.tags(flex)
    if version >= 2:
        r.take(">i")
    for _ in range(r.count(flex)):
        r.string(flex)
        for _ in range(r.count(flex)):
            p = r.take(">i")
            err = r.take(">h")
            ts, off = r.take(">q"), r.take(">q")
            if version >= 4:
                r.take(">i")
            r.tags(flex)
            print(json.dumps({"partition": p, "error": err, "timestamp": ts, "offset": off}))
        r.tags(flex)


if __name__ == "__main__":
    main()
