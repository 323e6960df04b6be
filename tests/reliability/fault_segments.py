"""Damage for partition files, written independently of ks's storage code
(layouts: daemon/storage/format.h, common/record_batch.h).

    python3 fault_segments.py batches LOG          # "position base last size" per batch
    python3 fault_segments.py find LOG TEXT        # byte position of TEXT's first occurrence
    python3 fault_segments.py flip FILE POS [MASK] # XOR the byte at POS with MASK (default 0x20)
    python3 fault_segments.py put32 FILE POS VALUE # write VALUE as uint32 BE at POS
    python3 fault_segments.py garbage FILE SIZE SEED  # replace FILE with SIZE pseudo-random bytes
    python3 fault_segments.py overwrite FILE POS SIZE SEED  # pseudo-random bytes over [POS, POS+SIZE)
    python3 fault_segments.py index FILE           # "rel_offset position" per .index entry
    python3 fault_segments.py zero FILE            # every byte of FILE zero, size kept (a power cut)
    python3 fault_segments.py reseal FILE          # recompute an index file's seal CRC after an edit

Index files end with a 44-byte seal whose last 4 bytes are a CRC-32C of
everything before them (format.h); `put32` into an entry breaks it unless
the file is resealed.
"""

import os
import random
import struct
import sys


def batches(path):
    out = []
    with open(path, "rb") as f:
        data = f.read()
    pos = 0
    while pos + 61 <= len(data):
        base, length = struct.unpack_from(">qi", data, pos)
        last_delta = struct.unpack_from(">i", data, pos + 23)[0]
        size = 12 + length
        if length < 49 or pos + size > len(data):
            break
        out.append((pos, base, base + last_delta, size))
        pos += size
    return out


SEAL_SIZE = 44


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def main(argv):
    cmd, args = argv[1], argv[2:]
    if cmd == "batches":
        for b in batches(args[0]):
            print("%d %d %d %d" % b)
    elif cmd == "find":
        with open(args[0], "rb") as f:
            at = f.read().find(args[1].encode())
        if at < 0:
            sys.exit("%s not found in %s" % (args[1], args[0]))
        print(at)
    elif cmd == "flip":
        pos, mask = int(args[1]), int(args[2], 0) if len(args) > 2 else 0x20
        with open(args[0], "r+b") as f:
            f.seek(pos)
            b = f.read(1)[0]
            f.seek(pos)
            f.write(bytes([b ^ mask]))
    elif cmd == "put32":
        with open(args[0], "r+b") as f:
            f.seek(int(args[1]))
            f.write(struct.pack(">I", int(args[2], 0) & 0xFFFFFFFF))
    elif cmd == "garbage":
        rnd = random.Random(int(args[2]))
        with open(args[0], "wb") as f:
            f.write(bytes(rnd.getrandbits(8) for _ in range(int(args[1]))))
    elif cmd == "overwrite":
        rnd = random.Random(int(args[3]))
        with open(args[0], "r+b") as f:
            f.seek(int(args[1]))
            f.write(bytes(rnd.getrandbits(8) for _ in range(int(args[2]))))
    elif cmd == "index":
        with open(args[0], "rb") as f:
            data = f.read()[:-SEAL_SIZE]
        for i in range(0, len(data) - len(data) % 8, 8):
            print("%d %d" % struct.unpack_from(">II", data, i))
    elif cmd == "zero":
        size = os.path.getsize(args[0])
        with open(args[0], "r+b") as f:
            f.write(bytes(size))
    elif cmd == "reseal":
        with open(args[0], "r+b") as f:
            data = f.read()
            f.seek(len(data) - 4)
            f.write(struct.pack(">I", crc32c(data[:-4])))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
