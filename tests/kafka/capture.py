#!/usr/bin/python3
"""A tiny Kafka TCP proxy that keeps the request frames clients send, as
fixtures for protocol unit tests.

  capture.py --listen 127.0.0.1:19092 --upstream 127.0.0.1:9092 --out DIR [--max-per-version 2]

Point a client at the --listen address. Every request frame (int32 size,
then the request) is forwarded unchanged; the first --max-per-version
frames of each API key and version are also written to

  DIR/<api_key>-<ApiName>-v<version>-<n>.bin

holding the request without its 4-byte size prefix: the request header
(api_key int16, api_version int16, correlation_id int32, client_id, and
for flexible versions the header's tagged fields) followed by the body.
n counts from 1 per API key and version, and goes on from files already in
DIR, so several runs can add to one directory.

Responses are forwarded unchanged, except the broker addresses in Metadata
(v0-8) and FindCoordinator (v0-2) responses, which are rewritten to the
--listen address so that the client keeps talking through the proxy. That
makes it a proxy for a single broker (every broker is mapped to the one
upstream), which is what ks is. Flexible versions of those two responses
are passed through unchanged, with a warning.

Stops on SIGINT or SIGTERM; prints one line per file written to stderr.
"""
import argparse
import asyncio
import os
import re
import signal
import struct
import sys

API_NAMES = {
    0: "Produce", 1: "Fetch", 2: "ListOffsets", 3: "Metadata", 4: "LeaderAndIsr", 5: "StopReplica",
    6: "UpdateMetadata", 7: "ControlledShutdown", 8: "OffsetCommit", 9: "OffsetFetch", 10: "FindCoordinator",
    11: "JoinGroup", 12: "Heartbeat", 13: "LeaveGroup", 14: "SyncGroup", 15: "DescribeGroups", 16: "ListGroups",
    17: "SaslHandshake", 18: "ApiVersions", 19: "CreateTopics", 20: "DeleteTopics", 21: "DeleteRecords",
    22: "InitProducerId", 23: "OffsetForLeaderEpoch", 24: "AddPartitionsToTxn", 25: "AddOffsetsToTxn",
    26: "EndTxn", 27: "WriteTxnMarkers", 28: "TxnOffsetCommit", 29: "DescribeAcls", 30: "CreateAcls",
    31: "DeleteAcls", 32: "DescribeConfigs", 33: "AlterConfigs", 34: "AlterReplicaLogDirs",
    35: "DescribeLogDirs", 36: "SaslAuthenticate", 37: "CreatePartitions", 38: "CreateDelegationToken",
    39: "RenewDelegationToken", 40: "ExpireDelegationToken", 41: "DescribeDelegationToken", 42: "DeleteGroups",
    43: "ElectLeaders", 44: "IncrementalAlterConfigs", 45: "AlterPartitionReassignments",
    46: "ListPartitionReassignments", 47: "OffsetDelete", 48: "DescribeClientQuotas",
    49: "AlterClientQuotas", 50: "DescribeUserScramCredentials", 51: "AlterUserScramCredentials",
    60: "DescribeCluster", 61: "DescribeProducers", 65: "DescribeTransactions", 66: "ListTransactions",
    67: "AllocateProducerIds", 68: "ConsumerGroupHeartbeat",
}


class Store:
    """Names and writes capture files; counts per (api key, version)."""

    def __init__(self, out, max_per_version):
        self.out = out
        self.max = max_per_version
        self.count = {}
        os.makedirs(out, exist_ok=True)
        for name in os.listdir(out):
            m = re.fullmatch(r"(\d+)-\w+-v(\d+)-(\d+)\.bin", name)
            if m:
                k = (int(m.group(1)), int(m.group(2)))
                self.count[k] = max(self.count.get(k, 0), int(m.group(3)))

    def save(self, api_key, version, frame):
        k = (api_key, version)
        n = self.count.get(k, 0) + 1
        if n > self.max:
            return
        self.count[k] = n
        name = "%d-%s-v%d-%d.bin" % (api_key, API_NAMES.get(api_key, "Api%d" % api_key), version, n)
        with open(os.path.join(self.out, name), "wb") as f:
            f.write(frame)
        print("capture.py: wrote %s (%d bytes)" % (name, len(frame)), file=sys.stderr)


def _string_end(buf, pos):
    """End of a (nullable) int16-length string starting at pos."""
    (n,) = struct.unpack_from(">h", buf, pos)
    return pos + 2 + max(n, 0)


def rewrite_brokers(api_key, version, frame, host, port):
    """The response frame (without size) with broker addresses replaced.
    frame starts with the response header (correlation id)."""
    out = bytearray()
    pos = 4  # correlation id
    if api_key == 3:  # Metadata
        if version >= 3:
            pos += 4  # throttle_time_ms
        (count,) = struct.unpack_from(">i", frame, pos)
        pos += 4
        out += frame[:pos]
        for _ in range(count):
            out += frame[pos:pos + 4]  # node_id
            pos = _string_end(frame, pos + 4) + 4  # host, port
            out += struct.pack(">h", len(host)) + host + struct.pack(">i", port)
            if version >= 1:
                end = _string_end(frame, pos)  # rack
                out += frame[pos:end]
                pos = end
        out += frame[pos:]
        return bytes(out)
    if api_key == 10:  # FindCoordinator
        if version >= 1:
            pos += 4 + 2  # throttle_time_ms, error_code
            pos = _string_end(frame, pos)  # error_message
        else:
            pos += 2  # error_code
        pos += 4  # node_id
        out += frame[:pos]
        pos = _string_end(frame, pos) + 4
        out += struct.pack(">h", len(host)) + host + struct.pack(">i", port)
        out += frame[pos:]
        return bytes(out)
    return frame


async def read_frame(reader):
    head = await reader.readexactly(4)
    (size,) = struct.unpack(">i", head)
    if size < 0 or size > 256 << 20:
        raise ValueError("frame size %d" % size)
    return await reader.readexactly(size)


def send_frame(writer, frame):
    writer.write(struct.pack(">i", len(frame)) + frame)


class Proxy:
    def __init__(self, args):
        self.listen_host, self.listen_port = args.listen.rsplit(":", 1)
        self.up_host, self.up_port = args.upstream.rsplit(":", 1)
        self.store = Store(args.out, args.max_per_version)
        self.advertised = self.listen_host.encode()
        self.warned = set()

    async def client(self, c_reader, c_writer):
        try:
            u_reader, u_writer = await asyncio.open_connection(self.up_host, int(self.up_port))
        except OSError as e:
            print("capture.py: upstream %s:%s: %s" % (self.up_host, self.up_port, e), file=sys.stderr)
            c_writer.close()
            return
        pending = {}  # correlation id -> (api key, version)

        async def requests():
            while True:
                try:
                    frame = await read_frame(c_reader)
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                api_key, version, corr = struct.unpack_from(">hhi", frame, 0)
                pending[corr] = (api_key, version)
                self.store.save(api_key, version, frame)
                send_frame(u_writer, frame)
                await u_writer.drain()

        async def responses():
            while True:
                try:
                    frame = await read_frame(u_reader)
                except (asyncio.IncompleteReadError, ConnectionError):
                    return
                (corr,) = struct.unpack_from(">i", frame, 0)
                api_key, version = pending.pop(corr, (None, None))
                if (api_key == 3 and version <= 8) or (api_key == 10 and version <= 2):
                    frame = rewrite_brokers(api_key, version, frame, self.advertised, int(self.listen_port))
                elif api_key in (3, 10) and (api_key, version) not in self.warned:
                    self.warned.add((api_key, version))
                    print("capture.py: warning: %s v%d response passed through unchanged (flexible version)"
                          % (API_NAMES[api_key], version), file=sys.stderr)
                send_frame(c_writer, frame)
                await c_writer.drain()

        tasks = [asyncio.ensure_future(requests()), asyncio.ensure_future(responses())]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for t in tasks:
                t.cancel()
            for w in (c_writer, u_writer):
                w.close()

    async def run(self):
        server = await asyncio.start_server(self.client, self.listen_host, int(self.listen_port))
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        print("capture.py: %s:%s -> %s:%s, captures in %s"
              % (self.listen_host, self.listen_port, self.up_host, self.up_port, self.store.out), file=sys.stderr)
        async with server:
            await stop.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--listen", required=True, help="HOST:PORT clients connect to")
    ap.add_argument("--upstream", required=True, help="HOST:PORT of the broker")
    ap.add_argument("--out", required=True, help="directory for the captures")
    ap.add_argument("--max-per-version", type=int, default=2, help="captures per API key and version (default 2)")
    asyncio.run(Proxy(ap.parse_args()).run())


if __name__ == "__main__":
    main()
