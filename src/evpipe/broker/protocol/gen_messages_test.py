#!/usr/bin/env python3
"""Tests of the message-codec generator (gen_messages.py, message_spec.py): the
real specs generate, the same input gives the same output, minimum element
sizes are the byte counts of the protocol, and a bad spec is refused with one
line. The generated codec itself is tested by messages_golden_test.cc."""

import json
import os
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(HERE, "gen_messages.py")
SPECS = [os.path.join(HERE, "spec", f + ".json") for f in ("cluster", "data", "groups", "admin")]
sys.dont_write_bytecode = True
sys.path.insert(0, HERE)
from message_spec import Api, SpecError  # noqa: E402


def run(out, specs):
    return subprocess.run([sys.executable, GEN, "--out", out, *specs], capture_output=True, text=True, timeout=60)


def api(fields, versions="0-3", flexible="3+"):
    return Api({"name": "T", "key": 99, "versions": versions, "flexible": flexible, "request": fields}, "t.json")


class GeneratorTest(unittest.TestCase):
    def test_real_specs_generate_the_same_files_twice(self):
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            for out in (a, b):
                r = run(out, SPECS)
                self.assertEqual(r.returncode, 0, r.stderr)
            names = sorted(os.listdir(a))
            self.assertEqual(names, ["apis.inc"] + sorted(f"messages_{f}.{e}" for f in
                                                          ("admin", "cluster", "data", "groups") for e in ("cc", "h")))
            for n in names:
                with open(os.path.join(a, n)) as x, open(os.path.join(b, n)) as y:
                    self.assertEqual(x.read(), y.read(), n)
            with open(os.path.join(a, "apis.inc")) as f:
                table = f.read()
            self.assertIn('{ApiKey::kProduce, "Produce", 3, 8, 9}', table)
            self.assertLess(table.index("kProduce"), table.index("kDeleteGroups"))  # key order

    def test_min_sizes_are_the_protocol_byte_counts(self):
        # ProduceResponse partition: index int32, error int16, base_offset int64, append time int64,
        # log_start_offset int64 (v5+), record_errors array + error_message string (v8+).
        with open(SPECS[1]) as f:
            produce = json.load(f)["apis"][0]
        a = Api(produce, "data.json")
        partitions = a.messages[1][1][0].fields[1]
        self.assertEqual(a.min_size_expr(partitions.fields, (3, 8)), "(v >= 8 ? 36 : v >= 5 ? 30 : 22)")
        # Flexible versions: compact string 1 byte, compact array 1, tags 1.
        b = api([{"name": "xs", "type": "[]X", "fields": [{"name": "s", "type": "string"},
                                                          {"name": "n", "type": "[]int32"}]}])
        self.assertEqual(b.min_size_expr(b.messages[0][1][0].fields, (0, 3)), "(v >= 3 ? 3 : 6)")
        self.assertEqual(b.min_size_expr("string", (0, 3)), "(v >= 3 ? 1 : 2)")

    def test_a_bad_spec_is_refused_with_one_line(self):
        bad = [
            ([{"name": "x", "type": "int33"}], "unknown type"),
            ([{"name": "x", "type": "int32", "versions": "7+"}], "outside the supported"),
            ([{"name": "x", "type": "int32", "nullable": "0+"}], "cannot be nullable"),
            ([{"name": "x", "type": "string", "colour": "red"}], "unknown keys"),
            ([{"name": "x", "type": "[]X"}], "needs fields"),
        ]
        for fields, message in bad:
            with self.assertRaises(SpecError) as e:
                api(fields)
            self.assertIn(message, str(e.exception))
        with tempfile.TemporaryDirectory() as d:
            spec = os.path.join(d, "broken.json")
            with open(spec, "w") as f:
                json.dump({"apis": [{"name": "T", "key": 1, "versions": "0-1", "flexible": "2+",
                                     "request": [{"name": "x", "type": "float"}]}]}, f)
            r = run(os.path.join(d, "out"), [spec])
            self.assertEqual(r.returncode, 1)
            self.assertEqual(r.stderr.strip().count("\n"), 0, r.stderr)
            self.assertIn("broken.json.TRequest.x: unknown type 'float'", r.stderr)
            self.assertFalse(os.path.exists(os.path.join(d, "out", "messages_broken.h")))


if __name__ == "__main__":
    unittest.main()
