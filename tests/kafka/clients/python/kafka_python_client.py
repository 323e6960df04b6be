#!/usr/bin/env python3
"""kafka-python (PyPI) with its default settings in the scenarios of
tests/kafka/clients/README.md; group_id and auto_offset_reset='earliest'
where the scenario needs them."""
import threading

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import ConfigResource, ConfigResourceType, NewPartitions, NewTopic
from kafka.consumer.subscription_state import ConsumerRebalanceListener

from common import Group, args, die, emit, envelope, spec

broker, a = args()


def record(m):
    return envelope(m.partition, m.offset, m.timestamp, m.key, m.value, m.headers)


def produce(topic, n):
    p = KafkaProducer(bootstrap_servers=broker)
    futures = []
    for i in range(n):
        key, value, hs = spec(i)
        futures.append(p.send(topic, value=value.encode(), key=key and key.encode(),
                              headers=[(k, v.encode()) for k, v in hs]))
    for i, f in enumerate(futures):
        md = f.get(timeout=30)
        emit({"i": i, "partition": md.partition, "offset": md.offset})
    p.close()


def consume(topic, group, n, commit):
    c = KafkaConsumer(topic, bootstrap_servers=broker, group_id=group, auto_offset_reset="earliest",
                      enable_auto_commit=not commit)
    read = 0
    while read < n:
        for tp, ms in c.poll(timeout_ms=1000, max_records=n - read).items():
            for m in ms:
                emit(record(m))
                read += 1
        if commit:
            c.commit()
    c.close()


class Listener(ConsumerRebalanceListener):
    def __init__(self, g, m):
        self.g, self.m = g, m

    def on_partitions_assigned(self, ps):
        self.g.assigned(self.m, [p.partition for p in ps])

    def on_partitions_revoked(self, ps):
        self.g.revoked(self.m, [p.partition for p in ps])


def group(topic, gid, parts):
    g = Group()
    stops, threads = {}, {}

    def start(m):
        c = KafkaConsumer(bootstrap_servers=broker, group_id=gid, auto_offset_reset="earliest")
        c.subscribe([topic], listener=Listener(g, m))
        stop = stops[m] = threading.Event()

        def loop():
            while not stop.is_set():
                for tp, ms in c.poll(timeout_ms=100).items():
                    for r in ms:
                        g.rec(m, r.partition, r.offset, r.value.decode())
            c.close()
        threads[m] = threading.Thread(target=loop, daemon=True)
        threads[m].start()

    def stop(m):
        stops[m].set()
        threads[m].join()
    g.run(topic, parts, start, stop)


def admin(step, t, *rest):
    adm = KafkaAdminClient(bootstrap_servers=broker)
    if step == "admin-create":
        adm.create_topics([NewTopic(t, int(rest[0]), -1, topic_configs={"retention.ms": "3600000"})])
        emit({"created": True})
    elif step == "admin-describe":
        [d] = adm.describe_topics([t])
        if d["error_code"]:
            die("describe_topics: error %d" % d["error_code"])
        emit({"partitions": len(d["partitions"])})
    elif step == "admin-configs":
        # kafka-python 3: {type: {name: {key: {"value": ...}}}}, every config
        # with config_filter='all' (the default lists only modified ones).
        r = adm.describe_configs([ConfigResource(ConfigResourceType.TOPIC, t)], config_filter="all")
        cfg = r["topic"][t]
        emit({k: (cfg[k]["value"] if isinstance(cfg[k], dict) else cfg[k])
              for k in ("retention.ms", "cleanup.policy") if k in cfg})
    elif step == "admin-alter":
        r = adm.alter_configs([ConfigResource(ConfigResourceType.TOPIC, t, configs={"retention.ms": "7200000"})])
        res = r["topic"][t]
        if isinstance(res, Exception) or (isinstance(res, type) and issubclass(res, Exception) and res.errno):
            die("alter_configs: %r" % (res,))
        emit({"altered": True})
    elif step == "admin-partitions":
        adm.create_partitions({t: NewPartitions(int(rest[0]))})
        emit({"partitions": int(rest[0])})
    elif step == "admin-delete":
        adm.delete_topics([t])
        emit({"deleted": True})
    else:
        die("unknown step " + step)
    adm.close()


try:
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
except Exception as e:  # one line for the test's failure message
    die("%s: %r" % (a[0], e))
