"""evpipe topic/produce/consume against a real `evpipe broker`: the round trips,
kcat both ways, the topic copy, groups and offsets (issue 4)."""
import base64
import collections
import json
import random
import subprocess
import unittest

from kafka_support import BrokerTest, EVPIPE, SEED, evpipe, make_events, order_id, run


class ProduceConsumeTest(BrokerTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lines = make_events(5000)
        cls.events_file = cls.path(cls, "events.ndjson")
        with open(cls.events_file, "wb") as f:
            f.write(b"\n".join(cls.lines) + b"\n")
        evpipe("topic", "create", "-b", cls.broker.bootstrap, "-t", "orders", "-p", "3")
        p = evpipe("produce", "-b", cls.broker.bootstrap, "-t", "orders", "--from", cls.events_file)
        cls.produce_stderr = p.stderr.decode()

    def test_every_event_once_bytes_unchanged_orders_in_one_partition_in_order(self):
        self.check_spread("orders", 3, self.produce_stderr)

    def test_many_partitions_same_guarantees(self):
        # More partitions than the producer is first sized for (kafka::SizeBatches):
        # it is made again for 8 before sending; nothing lost, doubled or reordered.
        topic = "orders8"
        evpipe("topic", "create", "-b", self.broker.bootstrap, "-t", topic, "-p", "8")
        p = evpipe("produce", "-b", self.broker.bootstrap, "-t", topic, "--from", self.events_file)
        self.assertIn(f"{len(self.lines)} delivered to {topic}", p.stderr.decode())
        self.check_spread(topic, 8, p.stderr.decode())

    def check_spread(self, topic, partitions, produce_stderr):
        self.assertIn(f"produce: {len(self.lines)} records", produce_stderr)
        records = self.consume_json(topic)
        self.assertEqual(len(records), len(self.lines))
        values = [r["value"].encode() for r in records]
        self.assertEqual(collections.Counter(values), collections.Counter(self.lines), "bytes unchanged")
        ids = [json.loads(v)["event_id"] for v in values]
        self.assertEqual(len(set(ids)), len(ids), "every event_id once")
        partition_of = {}
        by_partition = collections.defaultdict(list)
        for r in records:
            oid = order_id(r["value"])
            self.assertEqual(r["key"], oid, "key = payload.order_id")
            self.assertEqual(partition_of.setdefault(oid, r["partition"]), r["partition"],
                             f"order {oid} in two partitions")
            by_partition[r["partition"]].append((r["offset"], r["value"].encode()))
        self.assertEqual(len(by_partition), partitions, f"keys spread over the {partitions} partitions")
        position = {line: i for i, line in enumerate(self.lines)}
        for p, recs in by_partition.items():
            recs.sort()
            self.assertEqual([o for o, _ in recs], list(range(len(recs))), f"partition {p}: dense offsets")
            order = [position[v] for _, v in recs]
            self.assertEqual(order, sorted(order), f"partition {p}: produce order")

    def test_value_format_is_the_lines(self):
        out = self.consume("orders")
        self.assertEqual(collections.Counter(out.splitlines()), collections.Counter(self.lines))

    def test_kcat_reads_what_evpipe_produced(self):
        p = run(["kcat", "-C", "-b", self.broker.bootstrap, "-t", "orders", "-o", "beginning", "-e", "-q",
                 "-f", "%p\t%k\t%s\n"], timeout=60)
        rows = [l.split(b"\t", 2) for l in p.stdout.splitlines()]
        self.assertEqual(collections.Counter(r[2] for r in rows), collections.Counter(self.lines))
        for part, key, value in rows:
            self.assertEqual(key.decode(), order_id(value))

    def test_partition_offset_count(self):
        records = self.consume_json("orders", "--partition", "1", "--offset", "2", "--count", "3")
        self.assertEqual([(r["partition"], r["offset"]) for r in records], [(1, 2), (1, 3), (1, 4)])
        tail = self.consume_json("orders", "--partition", "2", "--offset", "-2")
        self.assertEqual(len(tail), 2)

    def test_group_exit_at_end_then_nothing_new(self):
        first = self.consume("orders", "--group", "g1")
        self.assertEqual(len(first.splitlines()), len(self.lines))
        again = self.consume("orders", "--group", "g1")
        self.assertEqual(again, b"", "the group committed what it read")

    def test_group_with_one_partition_resumes_from_its_commit(self):
        first = self.consume_json("orders", "--group", "g2", "--partition", "1")
        self.assertGreater(len(first), 0)
        self.assertEqual({r["partition"] for r in first}, {1})
        self.assertEqual(self.consume("orders", "--group", "g2", "--partition", "1"), b"",
                         "regression: the committed offset wins over --from-beginning")
        p = evpipe("consume", "-b", self.broker.bootstrap, "-t", "orders", "--group", "g2", "--offset", "0", "-e",
                   check=False)
        self.assertEqual(p.returncode, 2, "--offset with --group needs --partition")

    def test_create_existing_topic_says_so(self):
        p = evpipe("topic", "create", "-b", self.broker.bootstrap, "-t", "orders", "-p", "3")
        self.assertIn(b"already exists", p.stdout)
        listed = evpipe("topic", "list", "-b", self.broker.bootstrap).stdout.decode()
        self.assertRegex(listed, r"orders\s+3\s+1")
        described = evpipe("topic", "describe", "-b", self.broker.bootstrap, "-t", "orders").stdout.decode()
        self.assertIn("3 partitions", described)


class InteropTest(BrokerTest):
    def test_evpipe_consumes_what_kcat_produced(self):
        self.create_topic("from-kcat")
        lines = make_events(300, seed=SEED + 1)
        keyed = b"".join(order_id(l).encode() + b"\t" + l + b"\n" for l in lines)
        run(["kcat", "-P", "-b", self.broker.bootstrap, "-t", "from-kcat", "-K", "\t"], input=keyed, timeout=60)
        records = self.consume_json("from-kcat")
        self.assertEqual(collections.Counter(r["value"].encode() for r in records), collections.Counter(lines))
        for r in records:
            self.assertEqual(r["key"], order_id(r["value"]))

    def test_topic_copy_round_trip_byte_for_byte(self):
        rng = random.Random(SEED)
        print(f"copy seed={SEED}")
        self.create_topic("copy-src")
        self.create_topic("copy-dst")
        source = []
        for i in range(2000):
            value = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 300)))
            rec = {"partition": rng.randrange(3), "timestamp": 1770000000000 + i,
                   "value_b64": base64.b64encode(value).decode()}
            k = rng.random()
            if k < 0.2:
                rec["key"] = None
            elif k < 0.4:
                rec["key_b64"] = base64.b64encode(bytes(rng.randrange(256) for _ in range(8))).decode()
            else:
                rec["key"] = f"k-{rng.randrange(100)}-é"
            rec["headers"] = [{"key": f"h{j}", "value_b64": base64.b64encode(bytes([rng.randrange(256)])).decode()}
                              for j in range(rng.randrange(3))]
            if rng.random() < 0.1:
                rec["headers"].append({"key": "null-header", "value": None})
            if rng.random() < 0.05:
                rec["value_b64"] = None
                del rec["value_b64"]
                rec["value"] = None
            source.append(json.dumps(rec))
        evpipe("produce", "-b", self.broker.bootstrap, "-t", "copy-src", "--format", "json", "--from", "-",
               input=("\n".join(source) + "\n").encode())
        src = self.consume("copy-src", "--format", "json")
        evpipe("produce", "-b", self.broker.bootstrap, "-t", "copy-dst", "--format", "json", "--from", "-", input=src)
        dst = self.consume("copy-dst", "--format", "json")

        def decode(raw):
            out = collections.defaultdict(list)
            for line in raw.splitlines():
                r = json.loads(line)
                out[r["partition"]].append((r["offset"], r["timestamp"], r.get("key"), r.get("key_b64"),
                                            r.get("value"), r.get("value_b64"), r["headers"]))
            return {p: sorted(v) for p, v in out.items()}

        a, b = decode(src), decode(dst)
        self.assertEqual(sum(len(v) for v in a.values()), 2000)
        self.assertEqual(a, b, "key, value, headers, partition, offset and timestamp all copied")
        # And the source is what we asked for, in order per partition.
        def value_bytes(v, vb):
            return base64.b64decode(vb) if vb is not None else (None if v is None else v.encode())

        want = collections.defaultdict(list)
        for s in source:
            r = json.loads(s)
            want[r["partition"]].append((r["timestamp"], value_bytes(r.get("value"), r.get("value_b64"))))
        for p, recs in a.items():
            self.assertEqual([(t, value_bytes(v, vb)) for _, t, _, _, v, vb, _ in recs], want[p])


if __name__ == "__main__":
    unittest.main(verbosity=2)
