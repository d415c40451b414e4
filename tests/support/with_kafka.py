#!/usr/bin/python3
"""with_kafka.py CMD...: starts one Apache Kafka node (tests/support/kafka_peer.py)
on free loopback ports with a temporary data dir, exports KAFKA_BOOTSTRAP, runs
CMD, stops the JVM by its pid and exits with CMD's exit code (1 when Kafka
cannot start, with the reason on one line). The Kafka twin of with_broker.sh."""
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import kafka_peer  # noqa: E402


def main():
    if len(sys.argv) < 2:
        print("usage: with_kafka.py CMD [ARGS...]", file=sys.stderr)
        return 2
    ok, why = kafka_peer.available()
    if not ok:
        print(f"with_kafka.py: {why}", file=sys.stderr)
        return 1
    tmp = tempfile.mkdtemp(prefix="evpipe-with-kafka-")
    node = kafka_peer.KafkaNode(tmp)
    try:
        t0 = time.monotonic()
        try:
            node.start()
        except RuntimeError as e:
            print(f"with_kafka.py: {e}", file=sys.stderr)
            return 1
        print(f"with_kafka.py: Apache Kafka ready at {node.bootstrap} in {time.monotonic() - t0:.1f} s",
              file=sys.stderr)
        return subprocess.call(sys.argv[1:], env=dict(os.environ, KAFKA_BOOTSTRAP=node.bootstrap))
    finally:
        node.stop()
        if not os.environ.get("EVPIPE_KEEP_TMP"):
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
