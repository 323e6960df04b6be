#!/usr/bin/env python3
"""confluent-kafka (PyPI, bundled librdkafka) with its default settings in
the scenarios of tests/kafka/clients/README.md; group.id and
auto.offset.reset=earliest where the scenario needs them."""
import threading

from confluent_kafka import Consumer, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import (AdminClient, AlterConfigOpType, ConfigEntry, ConfigResource,
                                   NewPartitions, NewTopic)

from common import Group, args, die, emit, envelope, spec

broker, a = args()


def record(m):
    return envelope(m.partition(), m.offset(), m.timestamp()[1], m.key(), m.value(), m.headers())


def produce(topic, n):
    p = Producer({"bootstrap.servers": broker})
    def done(i):
        def cb(err, m):
            if err:
                die("delivery of %d: %s" % (i, err))
            emit({"i": i, "partition": m.partition(), "offset": m.offset()})
        return cb
    for i in range(n):
        key, value, hs = spec(i)
        p.produce(topic, value=value, key=key, headers=hs, on_delivery=done(i))
    if p.flush(60):
        die("records left unsent")


def consumer(group, **extra):
    return Consumer(dict({"bootstrap.servers": broker, "group.id": group, "auto.offset.reset": "earliest"}, **extra))


def consume(topic, group, n, commit):
    c = consumer(group, **({"enable.auto.commit": False} if commit else {}))
    c.subscribe([topic])
    read = 0
    while read < n:
        m = c.poll(1)
        if m is None:
            continue
        if m.error():
            die("poll: %s" % m.error())
        emit(record(m))
        read += 1
        if commit:
            c.commit(message=m, asynchronous=False)
    c.close()


def group(topic, gid, parts):
    g = Group()
    stops, threads = {}, {}

    def start(m):
        c = consumer(gid)
        stop = stops[m] = threading.Event()
        c.subscribe([topic], on_assign=lambda c, ps: g.assigned(m, [p.partition for p in ps]),
                    on_revoke=lambda c, ps: g.revoked(m, [p.partition for p in ps]),
                    on_lost=lambda c, ps: g.revoked(m, [p.partition for p in ps]))
        def loop():
            while not stop.is_set():
                r = c.poll(0.1)
                if r is not None and not r.error():
                    g.rec(m, r.partition(), r.offset(), r.value().decode())
                elif r is not None:
                    die("member %s: %s" % (m, r.error()))
            c.close()
        threads[m] = threading.Thread(target=loop, daemon=True)
        threads[m].start()

    def stop(m):
        stops[m].set()
        threads[m].join()
    g.run(topic, parts, start, stop)


def one(futures, what):
    for f in futures.values():
        try:
            f.result()
        except KafkaException as e:
            die("%s: %s" % (what, e))


def admin(step, t, *rest):
    adm = AdminClient({"bootstrap.servers": broker})
    if step == "admin-create":
        one(adm.create_topics([NewTopic(t, int(rest[0]), config={"retention.ms": "3600000"})]), "create_topics")
        emit({"created": True})
    elif step == "admin-describe":
        md = adm.list_topics(t, timeout=10).topics[t]
        if md.error:
            die("list_topics: %s" % md.error)
        emit({"partitions": len(md.partitions)})
    elif step == "admin-configs":
        [f] = adm.describe_configs([ConfigResource("topic", t)]).values()
        cfg = f.result()
        emit({k: cfg[k].value for k in ("retention.ms", "cleanup.policy") if k in cfg})
    elif step == "admin-alter":
        res = ConfigResource("topic", t, incremental_configs=[
            ConfigEntry("retention.ms", "7200000", incremental_operation=AlterConfigOpType.SET)])
        one(adm.incremental_alter_configs([res]), "incremental_alter_configs")
        emit({"altered": True})
    elif step == "admin-partitions":
        one(adm.create_partitions([NewPartitions(t, int(rest[0]))]), "create_partitions")
        emit({"partitions": int(rest[0])})
    elif step == "admin-delete":
        one(adm.delete_topics([t]), "delete_topics")
        emit({"deleted": True})
    else:
        die("unknown step " + step)


if a[0] == "produce":
    produce(a[1], int(a[2]))
elif a[0] == "consume":
    consume(a[1], a[1] + "-g", int(a[2]), False)
elif a[0] == "commit":
    consume(a[1], a[2], int(a[3]), True)
elif a[0] == "group":
    group(a[1], a[2], int(a[3]))
else:
    admin(*a)
