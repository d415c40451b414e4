"""The conformance scenarios: one list, run by the same driver against
`evpipe broker` and Apache Kafka. Each scenario talks raw frames (kwire) and
returns what a client observes as {key: value}, with everything that differs
by nature between two brokers (ids, hosts, times, free-text messages) left out
or reduced to its shape. The driver compares the two dicts key by key."""
import time

import kwire as kw

NONE, OOR, CORRUPT, UNKNOWN_TP, TOO_LARGE = 0, 1, 2, 3, 10
COORDINATOR_LOADING, COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR = 14, 15, 16
# What a client retries: the coordinator is loading or moving (Kafka, just after start).
RETRIABLE = (COORDINATOR_LOADING, COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR)


def _errors(v):
    if isinstance(v, dict):
        for k, x in v.items():
            if k == "error_code":
                yield x
            else:
                yield from _errors(x)
    elif isinstance(v, list):
        for x in v:
            yield from _errors(x)


def gcall(conn, api, req):
    """A coordinator request (groups, offsets, producer ids), retried while any error in the
    answer says the coordinator is loading or moving, as clients do: Kafka loads each
    __consumer_offsets partition after start, so a fresh group may hit one still loading."""
    def once():
        r = conn.call(api, req)
        return None if any(e in RETRIABLE for e in _errors(r)) else r
    return kw.wait(f"api {api[0]} without coordinator errors", once, timeout=30, every=0.2)


def topic_md(conn, names, auto=False):
    resp = conn.call(kw.METADATA, {"topics": [{"name": n} for n in names], "allow_auto_topic_creation": auto})
    return {t["name"]: t for t in resp["topics"]}


def create(conn, name, partitions=1, rf=1, configs=(), validate_only=False):
    resp = conn.call(kw.CREATE_TOPICS, {
        "topics": [{"name": name, "num_partitions": partitions, "replication_factor": rf, "assignments": [],
                    "configs": [{"name": k, "value": v} for k, v in configs]}],
        "timeout_ms": 10000, "validate_only": validate_only})
    return resp["topics"][0]["error_code"]


def ready(conn, name, partitions):
    """Waits until every partition of the topic has a leader (Kafka creates topics asynchronously)."""
    def ok():
        t = topic_md(conn, [name]).get(name)
        return (t is not None and t["error_code"] == 0 and len(t["partitions"]) == partitions
                and all(p["error_code"] == 0 and p["leader"] >= 0 for p in t["partitions"]))
    kw.wait(f"topic {name} ready", ok)


def produce(conn, topic, partition, records, acks=-1, timeout_ms=10000):
    resp = conn.call(kw.PRODUCE, {"transactional_id": None, "acks": acks, "timeout_ms": timeout_ms,
                                  "topics": [{"name": topic, "partitions": [{"partition": partition,
                                                                             "records": records}]}]})
    p = resp["topics"][0]["partitions"][0]
    return p["error_code"], p["base_offset"]


def fetch(conn, topic, partition, offset, max_bytes=1 << 20, partition_max_bytes=1 << 20, max_wait_ms=100):
    resp = conn.call(kw.FETCH, {
        "replica_id": -1, "max_wait_ms": max_wait_ms, "min_bytes": 1, "max_bytes": max_bytes,
        "isolation_level": 0, "session_id": 0, "session_epoch": -1,
        "topics": [{"topic": topic, "partitions": [{"partition": partition, "current_leader_epoch": -1,
                                                   "fetch_offset": offset, "log_start_offset": -1,
                                                   "partition_max_bytes": partition_max_bytes}]}],
        "forgotten": []})
    return resp, resp["responses"][0]["partitions"][0]


def list_offset(conn, topic, partition, ts):
    resp = conn.call(kw.LIST_OFFSETS, {"replica_id": -1, "isolation_level": 0,
                                       "topics": [{"name": topic, "partitions": [
                                           {"partition": partition, "current_leader_epoch": -1, "timestamp": ts}]}]})
    return resp["topics"][0]["partitions"][0]


# ---- scenarios ------------------------------------------------------------------
def s_api_versions(ctx, conn, obs):
    """Every API and version we claim is one Kafka serves; an unknown ApiVersions version gets our ranges."""
    resp = conn.call(kw.API_VERSIONS, {})
    obs["error"] = resp["error_code"]
    theirs = {a["key"]: (a["min"], a["max"]) for a in resp["apis"]}
    for key, (lo, hi) in sorted(ctx.claimed.items()):
        peer = theirs.get(key)
        obs[f"api{key}.served"] = peer is not None
        # Every version in our range, as far as the peer's range goes up: both must serve the
        # same versions there. (We may serve versions below Kafka's minimum: old clients.)
        obs[f"api{key}.max_claimed_served"] = peer is not None and peer[0] <= hi <= peer[1]
    # KIP-511: a version above the broker's range is answered in v0 with UNSUPPORTED_VERSION
    # and the broker's ranges, so the client can retry.
    # Sent as a client of a newer protocol would: header v2 and a v3-shaped (flexible) body.
    name, ver = b"evpipe-conformance", b"1"
    body = conn.raw(18, 127, bytes([len(name) + 1]) + name + bytes([len(ver) + 1]) + ver + b"\x00",
                    header_tags=True)
    r = kw.Reader(body)
    obs["v127.error"] = r.fixed(">h")
    n = r.fixed(">i")
    obs["v127.lists_apis"] = n > 0


def s_metadata(ctx, conn, obs):
    """Metadata for unknown, invalid and auto-created topics."""
    unknown = f"md-unknown-{ctx.run}"
    md = topic_md(conn, [unknown], auto=False)
    obs["unknown.no_auto.error"] = md[unknown]["error_code"]
    obs["unknown.no_auto.partitions"] = len(md[unknown]["partitions"])
    for label, name in (("dotdot", ".."), ("space", "bad name"), ("long", "x" * 250), ("slash", "a/b")):
        md = topic_md(conn, [name], auto=True)
        obs[f"invalid.{label}.error"] = md[name]["error_code"]
    auto = f"md-auto-{ctx.run}"
    topic_md(conn, [auto], auto=True)
    t = kw.wait("auto-created topic", lambda: (lambda m: m if m["error_code"] == 0 and m["partitions"] else None)(
        topic_md(conn, [auto])[auto]))
    obs["auto.partitions"] = len(t["partitions"])
    resp = conn.call(kw.METADATA, {"topics": [], "allow_auto_topic_creation": False})
    obs["empty_list.topics"] = len(resp["topics"])
    resp = conn.call(kw.METADATA, {"topics": None, "allow_auto_topic_creation": False})
    obs["all.includes_auto"] = auto in {t["name"] for t in resp["topics"]}
    obs["brokers"] = len(resp["brokers"])


def s_create_topics(ctx, conn, obs):
    """CreateTopics twice, bad partition counts and replication factors, configs, validate_only."""
    name = f"ct-{ctx.run}"
    obs["first"] = create(conn, name, 3)
    obs["second"] = create(conn, name, 3)
    ready(conn, name, 3)
    obs["partitions"] = len(topic_md(conn, [name])[name]["partitions"])
    obs["zero_partitions"] = create(conn, f"ct0-{ctx.run}", 0)
    obs["negative_partitions"] = create(conn, f"ctneg-{ctx.run}", -5)
    obs["replication_3"] = create(conn, f"ctrf-{ctx.run}", 1, rf=3)
    obs["replication_0"] = create(conn, f"ctrf0-{ctx.run}", 1, rf=0)
    obs["invalid_name"] = create(conn, "bad name", 1)
    cfg = f"ctcfg-{ctx.run}"
    obs["config.retention_ms"] = create(conn, cfg, 1, configs=[("retention.ms", "3600000")])
    obs["config.unknown_name"] = create(conn, f"ctbad-{ctx.run}", 1, configs=[("no.such.config", "1")])
    obs["config.bad_value"] = create(conn, f"ctbadv-{ctx.run}", 1, configs=[("retention.ms", "soon")])
    obs["config.compact"] = create(conn, f"ctcompact-{ctx.run}", 1, configs=[("cleanup.policy", "compact")])
    vo = f"ctvo-{ctx.run}"
    obs["validate_only"] = create(conn, vo, 2, validate_only=True)
    obs["validate_only.created"] = topic_md(conn, [vo])[vo]["error_code"] == NONE
    ready(conn, cfg, 1)
    resp = conn.call(kw.DESCRIBE_CONFIGS, {"resources": [{"type": 2, "name": cfg, "config_names": ["retention.ms"]}],
                                           "include_synonyms": False})
    res = resp["results"][0]
    obs["describe.error"] = res["error_code"]
    obs["describe.retention_ms"] = {c["name"]: c["value"] for c in res["configs"]}.get("retention.ms")
    resp = conn.call(kw.DELETE_TOPICS, {"names": [cfg, f"ctmissing-{ctx.run}"], "timeout_ms": 10000})
    obs["delete"] = {r["name"].split("-")[0]: r["error_code"] for r in resp["responses"]}


def s_produce(ctx, conn, obs):
    """Produce to a missing partition and topic, bad acks, an oversize or corrupt batch,
    and an idempotent producer's duplicates and sequence gaps."""
    name = f"pr-{ctx.run}"
    create(conn, name, 1)
    ready(conn, name, 1)
    now = int(time.time() * 1000)
    one = kw.batch([(b"k", b"v", 0)], now)
    obs["plain"] = produce(conn, name, 0, one)
    obs["missing_partition"] = produce(conn, name, 7, one)[0]
    obs["bad_acks"] = produce(conn, name, 0, one, acks=2)[0]
    obs["corrupt"] = produce(conn, name, 0, kw.batch([(b"k", b"v", 0)], now, corrupt=True))[0]
    big = kw.batch([(b"k", b"x" * (1100 * 1024), 0)], now)
    obs["oversize_1100KiB"] = produce(conn, name, 0, big)[0]
    obs["acks1"] = produce(conn, name, 0, one, acks=1)
    # Idempotent producer.
    ip = gcall(conn, kw.INIT_PRODUCER_ID, {"transactional_id": None, "transaction_timeout_ms": 60000})
    obs["init_pid.error"] = ip["error_code"]
    obs["init_pid.epoch"] = ip["producer_epoch"]
    pid, ep = ip["producer_id"], ip["producer_epoch"]

    def seq_batch(seq, n):
        return kw.batch([(b"i", b"%d" % (seq + i), i) for i in range(n)], now, pid, ep, seq)

    obs["idem.seq0"] = produce(conn, name, 0, seq_batch(0, 3))          # offsets 3..5
    obs["idem.dup_seq0"] = produce(conn, name, 0, seq_batch(0, 3))      # the original offsets again
    obs["idem.gap_seq5"] = produce(conn, name, 0, seq_batch(5, 1))[0]
    obs["idem.seq3"] = produce(conn, name, 0, seq_batch(3, 2))          # offsets 6..7
    obs["idem.dup_seq3"] = produce(conn, name, 0, seq_batch(3, 2))
    obs["idem.stale_seq1"] = produce(conn, name, 0, seq_batch(1, 1))[0]
    obs["idem.bad_epoch"] = produce(conn, name, 0, kw.batch([(b"e", b"e", 0)], now, pid, ep + 5, 5))[0]
    obs["hwm"] = fetch(conn, name, 0, 0)[1]["high_watermark"]
    recs = [r for _, rs in kw.parse_batches(fetch(conn, name, 0, 0)[1]["records"]) for r in rs]
    obs["stored"] = [(o, k.decode(), v.decode()[:8]) for o, _, k, v in recs]


def s_produce_unknown_topic(ctx, conn, obs):
    """Produce to a topic that does not exist (Kafka never creates topics on Produce)."""
    name = f"prmiss-{ctx.run}"
    err = produce(conn, name, 0, kw.batch([(b"k", b"v", 0)], int(time.time() * 1000)), timeout_ms=1000)[0]
    obs["error"] = err


def s_fetch(ctx, conn, obs):
    """Fetch out of range, at the high watermark, inside a batch, and with max_bytes smaller than a batch."""
    name = f"fe-{ctx.run}"
    create(conn, name, 1)
    ready(conn, name, 1)
    now = int(time.time() * 1000)
    produce(conn, name, 0, kw.batch([(b"a", b"x" * 200, 0), (b"b", b"y" * 200, 1), (b"c", b"z" * 200, 2)], now))
    produce(conn, name, 0, kw.batch([(b"d", b"w" * 200, 0), (b"e", b"v" * 200, 1)], now))
    top, p = fetch(conn, name, 0, 0)
    obs["all.top_error"] = top["error_code"]
    obs["all.session_id"] = top["session_id"]
    obs["all.error"] = p["error_code"]
    obs["all.hwm"] = p["high_watermark"]
    obs["all.lso"] = p["last_stable_offset"]
    obs["all.log_start"] = p["log_start_offset"]
    obs["all.batches"] = [(b, len(rs)) for b, rs in kw.parse_batches(p["records"])]
    _, p = fetch(conn, name, 0, 1)
    obs["mid_batch.first_batch_base"] = [b for b, _ in kw.parse_batches(p["records"])][:1]
    _, p = fetch(conn, name, 0, 5, max_wait_ms=200)
    obs["at_hwm.error"] = p["error_code"]
    obs["at_hwm.records"] = len(p["records"] or b"")
    obs["at_hwm.hwm"] = p["high_watermark"]
    _, p = fetch(conn, name, 0, 100)
    obs["past_hwm.error"] = p["error_code"]
    _, p = fetch(conn, name, 0, -5)
    obs["negative.error"] = p["error_code"]
    _, p = fetch(conn, name, 0, 0, partition_max_bytes=10)
    obs["partition_max_10.error"] = p["error_code"]
    obs["partition_max_10.batches"] = [(b, len(rs)) for b, rs in kw.parse_batches(p["records"])]
    _, p = fetch(conn, name, 0, 0, max_bytes=10)
    obs["max_bytes_10.batches"] = [(b, len(rs)) for b, rs in kw.parse_batches(p["records"])]
    _, p = fetch(conn, name, 0, 0, partition_max_bytes=800)
    obs["partition_max_800.batches"] = [(b, len(rs)) for b, rs in kw.parse_batches(p["records"])]
    _, p = fetch(conn, name, 3, 0)
    obs["missing_partition.error"] = p["error_code"]
    top, p = fetch(conn, f"femiss-{ctx.run}", 0, 0)
    obs["missing_topic.error"] = p["error_code"]


def s_list_offsets(ctx, conn, obs):
    """ListOffsets earliest, latest and by timestamp."""
    name = f"lo-{ctx.run}"
    create(conn, name, 1)
    ready(conn, name, 1)
    empty = list_offset(conn, name, 0, -1)
    obs["empty.latest"] = (empty["error_code"], empty["offset"])
    base = int(time.time() * 1000) - 60000
    produce(conn, name, 0, kw.batch([(b"a", b"1", 0), (b"b", b"2", 1000), (b"c", b"3", 2000)], base))
    produce(conn, name, 0, kw.batch([(b"d", b"4", 3000), (b"e", b"5", 4000)], base))
    for label, ts in (("earliest", -2), ("latest", -1), ("ts_first", base - 10), ("ts_exact_2", base + 2000),
                      ("ts_between_2_3", base + 2500), ("ts_last", base + 4000), ("ts_after", base + 99999)):
        p = list_offset(conn, name, 0, ts)
        obs[label] = (p["error_code"], p["offset"], p["timestamp"] - base if p["timestamp"] >= 0 else p["timestamp"])
    p = list_offset(conn, name, 4, -1)
    obs["missing_partition"] = p["error_code"]


def find_coordinator(conn, group):
    return gcall(conn, kw.FIND_COORDINATOR, {"key": group, "key_type": 0})


def subscription(*topics):
    """ConsumerProtocolSubscription v0, the member metadata of protocol type "consumer"
    (Kafka 4 parses it: a malformed one makes its join never complete)."""
    out = bytearray()
    kw.encode([("version", kw.I16), ("topics", kw.arr(kw.STR)), ("user_data", kw.NBYTES)],
              {"version": 0, "topics": list(topics), "user_data": None}, out)
    return bytes(out)


def assignment(topic, partitions):
    """ConsumerProtocolAssignment v0."""
    out = bytearray()
    kw.encode([("version", kw.I16), ("assigned", kw.arr([("topic", kw.STR), ("partitions", kw.arr(kw.I32))])),
               ("user_data", kw.NBYTES)],
              {"version": 0, "assigned": [{"topic": topic, "partitions": partitions}], "user_data": None}, out)
    return bytes(out)


def join(conn, group, member="", protocol_type="consumer", session_ms=10000, protocol="range", topic="t"):
    return gcall(conn, kw.JOIN_GROUP, {"group_id": group, "session_timeout_ms": session_ms,
                                       "rebalance_timeout_ms": 10000, "member_id": member,
                                       "group_instance_id": None, "protocol_type": protocol_type,
                                       "protocols": [{"name": protocol, "metadata": subscription(topic)}]})


def describe_group(conn, group):
    g = gcall(conn, kw.DESCRIBE_GROUPS, {"groups": [group], "include_authorized_operations": False})["groups"][0]
    return {"error": g["error_code"], "state": g["state"], "protocol_type": g["protocol_type"],
            "protocol": g["protocol"], "members": len(g["members"]),
            "member_bytes": [(m["metadata"], m["assignment"]) for m in g["members"]]}


def offset_fetch(conn, group, topic, partitions):
    r = gcall(conn, kw.OFFSET_FETCH, {"group_id": group, "topics": [{"name": topic, "partitions": partitions}]})
    return {"error": r["error_code"],
            "partitions": [(p["partition"], p["offset"], p["metadata"], p["error_code"])
                           for t in r["topics"] for p in t["partitions"]]}


def commit(conn, group, gen, member, topic, offsets):
    r = gcall(conn, kw.OFFSET_COMMIT, {"group_id": group, "generation_id": gen, "member_id": member,
                                     "topics": [{"name": topic, "partitions": [
                                         {"partition": p, "offset": o, "leader_epoch": -1, "metadata": "m"}
                                         for p, o in offsets]}]})
    return [p["error_code"] for t in r["topics"] for p in t["partitions"]]


def s_groups(ctx, conn, obs):
    """A member's life in a classic group, and the errors around it."""
    topic = f"gr-{ctx.run}"
    create(conn, topic, 2)
    ready(conn, topic, 2)
    group = f"grp-{ctx.run}"
    fc = find_coordinator(conn, group)
    obs["find_coordinator.error"] = fc["error_code"]
    obs["unknown.describe"] = describe_group(conn, f"nogroup-{ctx.run}")
    obs["unknown.offset_fetch"] = offset_fetch(conn, f"nogroup-{ctx.run}", topic, [0, 1])
    r = gcall(conn, kw.OFFSET_FETCH, {"group_id": f"nogroup-{ctx.run}", "topics": None})
    obs["unknown.offset_fetch_all"] = (r["error_code"], len(r["topics"]))
    obs["unknown.heartbeat"] = gcall(conn, kw.HEARTBEAT, {"group_id": f"nogroup-{ctx.run}", "generation_id": 1,
                                                        "member_id": "m", "group_instance_id": None})["error_code"]
    obs["unknown.commit_gen5"] = commit(conn, f"nogroup5-{ctx.run}", 5, "someone", topic, [(0, 1)])
    obs["empty_group_id.join"] = join(conn, "")["error_code"]
    obs["tiny_session.join"] = join(conn, f"tiny-{ctx.run}", session_ms=10)["error_code"]

    first = join(conn, group, topic=topic)
    obs["join1.error"] = first["error_code"]
    obs["join1.member_id_given"] = bool(first["member_id"])
    member = first["member_id"]
    j = join(conn, group, member=member, topic=topic)
    obs["join2.error"] = j["error_code"]
    obs["join2.generation"] = j["generation_id"]
    obs["join2.protocol"] = j["protocol_name"]
    obs["join2.is_leader"] = j["leader"] == member
    obs["join2.members"] = [m["metadata"] for m in j["members"]]
    gen = j["generation_id"]
    obs["join.other_protocol_type"] = join(conn, group, protocol_type="connect")["error_code"]
    # (No DescribeGroups between join and sync: Kafka 4 answers it from the last committed
    # coordinator state, which may still be "Dead" right after the join answer.)
    sync = lambda g, m: gcall(conn, kw.SYNC_GROUP, {"group_id": group, "generation_id": g, "member_id": m,
                                                  "group_instance_id": None,
                                                  "assignments": [{"member_id": member, "assignment": assignment(topic, [0, 1])}]})
    obs["sync.wrong_generation"] = sync(gen + 7, member)["error_code"]
    obs["sync.unknown_member"] = sync(gen, "nobody")["error_code"]
    s = sync(gen, member)
    obs["sync.error"] = s["error_code"]
    obs["sync.assignment"] = s["assignment"]
    hb = lambda g, m: gcall(conn, kw.HEARTBEAT, {"group_id": group, "generation_id": g, "member_id": m,
                                               "group_instance_id": None})["error_code"]
    obs["heartbeat.ok"] = hb(gen, member)
    obs["heartbeat.wrong_generation"] = hb(gen + 1, member)
    obs["heartbeat.unknown_member"] = hb(gen, "nobody")
    obs["commit.ok"] = commit(conn, group, gen, member, topic, [(0, 5), (1, 0)])
    obs["commit.wrong_generation"] = commit(conn, group, gen + 3, member, topic, [(0, 6)])
    obs["commit.unknown_member"] = commit(conn, group, gen, "nobody", topic, [(0, 6)])
    obs["commit.missing_partition"] = commit(conn, group, gen, member, topic, [(9, 1)])
    obs["offset_fetch"] = offset_fetch(conn, group, topic, [0, 1, 9])
    r = gcall(conn, kw.OFFSET_FETCH, {"group_id": group, "topics": None})
    obs["offset_fetch_all"] = sorted((t["name"] == topic, p["partition"], p["offset"])
                                     for t in r["topics"] for p in t["partitions"])
    listed = {g["group_id"]: g["protocol_type"] for g in gcall(conn, kw.LIST_GROUPS, {})["groups"]}
    obs["list_groups.has_group"] = listed.get(group)
    obs["describe.stable"] = describe_group(conn, group)
    lv = gcall(conn, kw.LEAVE_GROUP, {"group_id": group, "members": [{"member_id": "nobody", "group_instance_id": None}]})
    obs["leave.unknown_member"] = (lv["error_code"], [m["error_code"] for m in lv["members"]])
    lv = gcall(conn, kw.LEAVE_GROUP, {"group_id": group, "members": [{"member_id": member, "group_instance_id": None}]})
    obs["leave.error"] = (lv["error_code"], [m["error_code"] for m in lv["members"]])
    obs["describe.after_leave"] = describe_group(conn, group)
    obs["heartbeat.after_leave"] = hb(gen, member)
    obs["offset_fetch.after_leave"] = offset_fetch(conn, group, topic, [0])
    obs["commit.simple_after_leave"] = commit(conn, group, -1, "", topic, [(0, 7)])
    obs["offset_fetch.after_simple_commit"] = offset_fetch(conn, group, topic, [0])


def s_standalone_commit(ctx, conn, obs):
    """OffsetCommit with generation -1 and no member (a consumer without a group) to a new group."""
    topic = f"sc-{ctx.run}"
    create(conn, topic, 1)
    ready(conn, topic, 1)
    group = f"standalone-{ctx.run}"
    find_coordinator(conn, group)
    obs["commit"] = commit(conn, group, -1, "", topic, [(0, 3)])
    obs["fetch"] = offset_fetch(conn, group, topic, [0])
    obs["describe"] = describe_group(conn, group)
    listed = {g["group_id"]: g["protocol_type"] for g in gcall(conn, kw.LIST_GROUPS, {})["groups"]}
    obs["listed"] = listed.get(group, "not listed")


SCENARIOS = [s_api_versions, s_metadata, s_create_topics, s_produce, s_produce_unknown_topic, s_fetch,
             s_list_offsets, s_groups, s_standalone_commit]
