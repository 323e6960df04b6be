"""One static group member with confluent-kafka (librdkafka) for
tests/kafka/test_java_groups.sh, speaking the same files as GroupsCheck.java:

    ck_static_member.py BROKER GROUP TOPIC INSTANCE DIR

writes DIR/records ("partition offset value"), DIR/assignment (sorted
partitions, comma-separated, replaced after every poll) and DIR/events
("assigned ..."/"revoked ..."), commits after every record it read, and
stops when DIR/stop exists (close(): a static member does not leave) or at
once, without closing, when DIR/crash exists.
"""
import os
import sys

from confluent_kafka import Consumer


def parts(tps):
    return ",".join(str(p) for p in sorted(tp.partition for tp in tps))


def main():
    broker, group, topic, instance, out = sys.argv[1:6]
    os.makedirs(out, exist_ok=True)
    records = open(os.path.join(out, "records"), "a", buffering=1)
    events = open(os.path.join(out, "events"), "a", buffering=1)
    c = Consumer({
        "bootstrap.servers": broker,
        "group.id": group,
        "group.instance.id": instance,
        "client.id": "ck-static-" + instance,
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "session.timeout.ms": 6000,
        "heartbeat.interval.ms": 500,
    })
    owned = set()

    def on_assign(consumer, tps):
        owned.update(tp.partition for tp in tps)
        if tps:
            events.write("assigned %s\n" % parts(tps))

    def on_revoke(consumer, tps):
        owned.difference_update(tp.partition for tp in tps)
        if tps:
            events.write("revoked %s\n" % parts(tps))

    c.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke)
    while True:
        if os.path.exists(os.path.join(out, "crash")):
            os._exit(0)
        if os.path.exists(os.path.join(out, "stop")):
            break
        m = c.poll(0.2)
        if m is not None and m.error() is None:
            records.write("%d %d %s\n" % (m.partition(), m.offset(), m.value().decode()))
            c.commit(message=m, asynchronous=False)
        tmp = os.path.join(out, "assignment.tmp")
        with open(tmp, "w") as f:
            f.write(",".join(str(p) for p in sorted(owned)) + "\n")
        os.replace(tmp, os.path.join(out, "assignment"))
    c.close()
    events.write("closed\n")


if __name__ == "__main__":
    main()
