#!/usr/bin/env python3
"""aiokafka (PyPI) with its default settings in the scenarios of
tests/kafka/clients/README.md; group_id and auto_offset_reset='earliest'
where the scenario needs them."""
import asyncio

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener
from aiokafka.admin import AIOKafkaAdminClient, NewPartitions, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from common import Group, args, die, emit, envelope, spec

broker, a = args()


def record(m):
    return envelope(m.partition, m.offset, m.timestamp, m.key, m.value, m.headers)


async def produce(topic, n):
    p = AIOKafkaProducer(bootstrap_servers=broker)
    await p.start()
    futures = []
    for i in range(n):
        key, value, hs = spec(i)
        futures.append(await p.send(topic, value=value.encode(), key=key and key.encode(),
                                    headers=[(k, v.encode()) for k, v in hs]))
    for i, f in enumerate(futures):
        md = await f
        emit({"i": i, "partition": md.partition, "offset": md.offset})
    await p.stop()


async def consume(topic, group, n, commit):
    c = AIOKafkaConsumer(topic, bootstrap_servers=broker, group_id=group, auto_offset_reset="earliest",
                         enable_auto_commit=not commit)
    await c.start()
    read = 0
    while read < n:
        for tp, ms in (await c.getmany(timeout_ms=1000, max_records=n - read)).items():
            for m in ms:
                emit(record(m))
                read += 1
        if commit:
            await c.commit()
    await c.stop()


class Listener(ConsumerRebalanceListener):
    def __init__(self, g, m):
        self.g, self.m = g, m

    async def on_partitions_assigned(self, ps):
        self.g.assigned(self.m, [p.partition for p in ps])

    async def on_partitions_revoked(self, ps):
        self.g.revoked(self.m, [p.partition for p in ps])


async def group(topic, gid, parts):
    g = Group()
    members, tasks = {}, {}

    async def start(m):
        c = members[m] = AIOKafkaConsumer(bootstrap_servers=broker, group_id=gid, auto_offset_reset="earliest")
        c.subscribe([topic], listener=Listener(g, m))
        await c.start()

        async def loop():
            async for r in c:
                g.rec(m, r.partition, r.offset, r.value.decode())
        tasks[m] = asyncio.ensure_future(loop())

    async def stop(m):
        # stop() leaves the group without calling on_partitions_revoked:
        # the member gives its partitions up once it stopped reading.
        tasks[m].cancel()
        g.revoked(m, sorted(g.owned[m]))
        await members[m].stop()
    await g.arun(topic, parts, start, stop)


async def admin(step, t, *rest):
    adm = AIOKafkaAdminClient(bootstrap_servers=broker)
    await adm.start()
    if step == "admin-create":
        r = await adm.create_topics([NewTopic(t, int(rest[0]), 1, topic_configs={"retention.ms": "3600000"})])
        for e in r.topic_errors:
            if e[1]:
                die("create_topics: error %r" % (e,))
        emit({"created": True})
    elif step == "admin-describe":
        [d] = await adm.describe_topics([t])
        if d["error_code"]:
            die("describe_topics: error %d" % d["error_code"])
        emit({"partitions": len(d["partitions"])})
    elif step == "admin-configs":
        [r] = await adm.describe_configs([ConfigResource(ConfigResourceType.TOPIC, t)])
        out = {}
        for res in r.resources:
            if res[0]:
                die("describe_configs: error %d %s" % (res[0], res[1]))
            for e in res[4]:
                if e[0] in ("retention.ms", "cleanup.policy"):
                    out[e[0]] = e[1]
        emit(out)
    elif step == "admin-alter":
        [r] = await adm.alter_configs([ConfigResource(ConfigResourceType.TOPIC, t, configs={"retention.ms": "7200000"})])
        for res in r.resources:
            if res[0]:
                die("alter_configs: error %d %s" % (res[0], res[1]))
        emit({"altered": True})
    elif step == "admin-partitions":
        r = await adm.create_partitions({t: NewPartitions(int(rest[0]))})
        for e in r.topic_errors:
            if e[1]:
                die("create_partitions: error %r" % (e,))
        emit({"partitions": int(rest[0])})
    elif step == "admin-delete":
        r = await adm.delete_topics([t])
        for e in r.topic_error_codes:
            if e[1]:
                die("delete_topics: error %r" % (e,))
        emit({"deleted": True})
    else:
        die("unknown step " + step)
    await adm.close()


async def main():
    try:
        if a[0] == "produce":
            await produce(a[1], int(a[2]))
        elif a[0] == "consume":
            await consume(a[1], a[1] + "-g", int(a[2]), False)
        elif a[0] == "commit":
            await consume(a[1], a[2], int(a[3]), True)
        elif a[0] == "group":
            await group(a[1], a[2], int(a[3]))
        else:
            await admin(*a)
    except Exception as e:  # one line for the test's failure message
        die("%s: %r" % (a[0], e))

asyncio.run(main())
