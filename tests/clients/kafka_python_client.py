#!/usr/bin/python3
"""kafka-python against a Kafka broker: `produce TOPIC N`, `dump OUT TOPIC...`
(every record of the topics as canonical JSON lines) and `group TOPIC GROUP N`
(consume N records in a group, commit, check the committed offsets)."""
import json
import os
import sys
import time

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition

BOOTSTRAP = os.environ["KAFKA_BOOTSTRAP"]


def produce(topic, n):
    p = KafkaProducer(bootstrap_servers=BOOTSTRAP, acks="all", linger_ms=5)
    futures = []
    for i in range(n):
        futures.append(p.send(topic, key=f"k{i}".encode(),
                              value=f"python value {i} \u2713 \"q\" tab\there".encode(),
                              headers=[("client", b"python"), ("n", str(i).encode())]))
    p.flush()
    for f in futures:
        f.get(timeout=30)
    p.close()


def canonical(topic, r):
    return json.dumps({"topic": topic, "partition": r.partition, "offset": r.offset,
                       "key": None if r.key is None else r.key.decode(),
                       "value": None if r.value is None else r.value.decode(),
                       "headers": [[k, v.decode()] for k, v in (r.headers or [])]},
                      ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def dump(out, topics):
    c = KafkaConsumer(bootstrap_servers=BOOTSTRAP, enable_auto_commit=False, consumer_timeout_ms=3000,
                      auto_offset_reset="earliest")
    tps = [TopicPartition(t, p) for t in topics for p in sorted(c.partitions_for_topic(t) or [])]
    c.assign(tps)
    c.seek_to_beginning(*tps)
    end = c.end_offsets(tps)
    lines = []
    deadline = time.time() + 30
    while time.time() < deadline and any(c.position(tp) < end[tp] for tp in tps):
        for tp, records in c.poll(timeout_ms=500).items():
            lines += [canonical(tp.topic, r) for r in records]
    c.close()
    with open(out, "w", encoding="utf-8") as f:
        f.write("".join(sorted(l + "\n" for l in lines)))


def group(topic, group_id, n):
    c = KafkaConsumer(topic, bootstrap_servers=BOOTSTRAP, group_id=group_id, enable_auto_commit=False,
                      auto_offset_reset="earliest")
    seen = 0
    deadline = time.time() + 40
    while seen < n and time.time() < deadline:
        for records in c.poll(timeout_ms=500).values():
            seen += len(records)
    c.commit()
    parts = c.assignment()
    committed = {tp: c.committed(tp) for tp in parts}
    end = c.end_offsets(list(parts))
    c.close()
    if seen != n:
        sys.exit(f"group: read {seen} records, want {n}")
    for tp in parts:
        if committed[tp] != end[tp]:
            sys.exit(f"group: committed {committed[tp]} for {tp}, want {end[tp]}")
    admin = KafkaAdminClient(bootstrap_servers=BOOTSTRAP)
    offsets = admin.list_consumer_group_offsets(group_id)
    admin.close()
    if sum(o.offset for o in offsets.values()) != n:
        sys.exit(f"group: admin sees committed offsets {offsets}")


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "produce":
        produce(sys.argv[2], int(sys.argv[3]))
    elif cmd == "dump":
        dump(sys.argv[2], sys.argv[3:])
    elif cmd == "group":
        group(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    else:
        sys.exit("usage: kafka_python_client.py produce|dump|group ...")
