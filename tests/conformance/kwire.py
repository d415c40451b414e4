"""A small raw-frame Kafka client for the conformance suite.

It speaks the classic (non-flexible) encodings of the request versions the
suite uses, each described as a schema below, so a scenario sees exactly what
a broker answered: every error code, offset and byte, with no client library
retrying or hiding anything. Field layouts come from the Kafka protocol guide
and the message definitions (clients/src/main/resources/common/message)."""
import socket
import struct
import time

# ---- schemas ------------------------------------------------------------------
# A schema is a list of (name, type); a type is a primitive name, a schema
# (a nested struct) or ("array", type) / ("narray", type) (nullable array).
I8, I16, I32, I64, BOOL = "int8", "int16", "int32", "int64", "bool"
STR, NSTR, BYTES, NBYTES = "string", "nstring", "bytes", "nbytes"


def arr(t):
    return ("array", t)


def narr(t):
    return ("narray", t)


_FIXED = {I8: ">b", I16: ">h", I32: ">i", I64: ">q", BOOL: ">?"}


def encode(schema, value, out):
    for name, t in schema:
        encode_value(t, value.get(name) if isinstance(value, dict) else None, out, name)


def encode_value(t, v, out, name="?"):
    if isinstance(t, list):
        encode(t, v or {}, out)
    elif isinstance(t, tuple):
        if v is None:
            if t[0] != "narray":
                raise ValueError(f"{name}: null for a non-nullable array")
            out += struct.pack(">i", -1)
            return
        out += struct.pack(">i", len(v))
        for item in v:
            encode_value(t[1], item, out, name)
    elif t in _FIXED:
        out += struct.pack(_FIXED[t], v if v is not None else 0)
    elif t in (STR, NSTR):
        if v is None:
            if t == STR:
                raise ValueError(f"{name}: null string")
            out += struct.pack(">h", -1)
        else:
            b = v.encode() if isinstance(v, str) else v
            out += struct.pack(">h", len(b)) + b
    elif t in (BYTES, NBYTES):
        if v is None:
            out += struct.pack(">i", -1)
        else:
            out += struct.pack(">i", len(v)) + v
    else:
        raise ValueError(f"unknown type {t}")


class Reader:
    def __init__(self, data):
        self.b, self.pos = data, 0

    def take(self, n):
        if n < 0 or self.pos + n > len(self.b):
            raise ValueError(f"short read: want {n} at {self.pos} of {len(self.b)}")
        v = self.b[self.pos:self.pos + n]
        self.pos += n
        return v

    def fixed(self, fmt):
        return struct.unpack(fmt, self.take(struct.calcsize(fmt)))[0]


def decode(schema, r):
    return {name: decode_value(t, r) for name, t in schema}


def decode_value(t, r):
    if isinstance(t, list):
        return decode(t, r)
    if isinstance(t, tuple):
        n = r.fixed(">i")
        return None if n < 0 else [decode_value(t[1], r) for _ in range(n)]
    if t in _FIXED:
        return r.fixed(_FIXED[t])
    if t in (STR, NSTR):
        n = r.fixed(">h")
        return None if n < 0 else r.take(n).decode("utf-8", "replace")
    if t in (BYTES, NBYTES):
        n = r.fixed(">i")
        return None if n < 0 else bytes(r.take(n))
    raise ValueError(f"unknown type {t}")


# ---- the requests the suite sends: api key -> (version, request, response) ---
API_VERSIONS = (18, 0, [], [("error_code", I16), ("apis", arr([("key", I16), ("min", I16), ("max", I16)]))])
METADATA = (3, 7,
            [("topics", narr([("name", STR)])), ("allow_auto_topic_creation", BOOL)],
            [("throttle_ms", I32),
             ("brokers", arr([("node_id", I32), ("host", STR), ("port", I32), ("rack", NSTR)])),
             ("cluster_id", NSTR), ("controller_id", I32),
             ("topics", arr([("error_code", I16), ("name", STR), ("is_internal", BOOL),
                             ("partitions", arr([("error_code", I16), ("partition", I32), ("leader", I32),
                                                 ("leader_epoch", I32), ("replicas", arr(I32)),
                                                 ("isr", arr(I32)), ("offline", arr(I32))]))]))])
CREATE_TOPICS = (19, 3,
                 [("topics", arr([("name", STR), ("num_partitions", I32), ("replication_factor", I16),
                                  ("assignments", arr([("partition", I32), ("broker_ids", arr(I32))])),
                                  ("configs", arr([("name", STR), ("value", NSTR)]))])),
                  ("timeout_ms", I32), ("validate_only", BOOL)],
                 [("throttle_ms", I32),
                  ("topics", arr([("name", STR), ("error_code", I16), ("error_message", NSTR)]))])
DELETE_TOPICS = (20, 3, [("names", arr(STR)), ("timeout_ms", I32)],
                 [("throttle_ms", I32), ("responses", arr([("name", STR), ("error_code", I16)]))])
DESCRIBE_CONFIGS = (32, 1,
                    [("resources", arr([("type", I8), ("name", STR), ("config_names", narr(STR))])),
                     ("include_synonyms", BOOL)],
                    [("throttle_ms", I32),
                     ("results", arr([("error_code", I16), ("error_message", NSTR), ("type", I8), ("name", STR),
                                      ("configs", arr([("name", STR), ("value", NSTR), ("read_only", BOOL),
                                                       ("source", I8), ("is_sensitive", BOOL),
                                                       ("synonyms", arr([("name", STR), ("value", NSTR),
                                                                         ("source", I8)]))]))]))])
INIT_PRODUCER_ID = (22, 1, [("transactional_id", NSTR), ("transaction_timeout_ms", I32)],
                    [("throttle_ms", I32), ("error_code", I16), ("producer_id", I64), ("producer_epoch", I16)])
PRODUCE = (0, 7,
           [("transactional_id", NSTR), ("acks", I16), ("timeout_ms", I32),
            ("topics", arr([("name", STR), ("partitions", arr([("partition", I32), ("records", NBYTES)]))]))],
           [("topics", arr([("name", STR),
                            ("partitions", arr([("partition", I32), ("error_code", I16), ("base_offset", I64),
                                                ("log_append_time_ms", I64), ("log_start_offset", I64)]))])),
            ("throttle_ms", I32)])
FETCH = (1, 10,
         [("replica_id", I32), ("max_wait_ms", I32), ("min_bytes", I32), ("max_bytes", I32),
          ("isolation_level", I8), ("session_id", I32), ("session_epoch", I32),
          ("topics", arr([("topic", STR), ("partitions", arr([("partition", I32), ("current_leader_epoch", I32),
                                                               ("fetch_offset", I64), ("log_start_offset", I64),
                                                               ("partition_max_bytes", I32)]))])),
          ("forgotten", arr([("topic", STR), ("partitions", arr(I32))]))],
         [("throttle_ms", I32), ("error_code", I16), ("session_id", I32),
          ("responses", arr([("topic", STR),
                             ("partitions", arr([("partition", I32), ("error_code", I16), ("high_watermark", I64),
                                                 ("last_stable_offset", I64), ("log_start_offset", I64),
                                                 ("aborted", narr([("producer_id", I64), ("first_offset", I64)])),
                                                 ("records", NBYTES)]))]))])
LIST_OFFSETS = (2, 4,
                [("replica_id", I32), ("isolation_level", I8),
                 ("topics", arr([("name", STR), ("partitions", arr([("partition", I32), ("current_leader_epoch", I32),
                                                                    ("timestamp", I64)]))]))],
                [("throttle_ms", I32),
                 ("topics", arr([("name", STR),
                                 ("partitions", arr([("partition", I32), ("error_code", I16), ("timestamp", I64),
                                                     ("offset", I64), ("leader_epoch", I32)]))]))])
FIND_COORDINATOR = (10, 2, [("key", STR), ("key_type", I8)],
                    [("throttle_ms", I32), ("error_code", I16), ("error_message", NSTR), ("node_id", I32),
                     ("host", STR), ("port", I32)])
JOIN_GROUP = (11, 5,
              [("group_id", STR), ("session_timeout_ms", I32), ("rebalance_timeout_ms", I32), ("member_id", STR),
               ("group_instance_id", NSTR), ("protocol_type", STR),
               ("protocols", arr([("name", STR), ("metadata", BYTES)]))],
              [("throttle_ms", I32), ("error_code", I16), ("generation_id", I32), ("protocol_name", STR),
               ("leader", STR), ("member_id", STR),
               ("members", arr([("member_id", STR), ("group_instance_id", NSTR), ("metadata", BYTES)]))])
SYNC_GROUP = (14, 3,
              [("group_id", STR), ("generation_id", I32), ("member_id", STR), ("group_instance_id", NSTR),
               ("assignments", arr([("member_id", STR), ("assignment", BYTES)]))],
              [("throttle_ms", I32), ("error_code", I16), ("assignment", BYTES)])
HEARTBEAT = (12, 3, [("group_id", STR), ("generation_id", I32), ("member_id", STR), ("group_instance_id", NSTR)],
             [("throttle_ms", I32), ("error_code", I16)])
LEAVE_GROUP = (13, 3, [("group_id", STR), ("members", arr([("member_id", STR), ("group_instance_id", NSTR)]))],
               [("throttle_ms", I32), ("error_code", I16),
                ("members", arr([("member_id", STR), ("group_instance_id", NSTR), ("error_code", I16)]))])
OFFSET_COMMIT = (8, 6,
                 [("group_id", STR), ("generation_id", I32), ("member_id", STR),
                  ("topics", arr([("name", STR), ("partitions", arr([("partition", I32), ("offset", I64),
                                                                     ("leader_epoch", I32), ("metadata", NSTR)]))]))],
                 [("throttle_ms", I32),
                  ("topics", arr([("name", STR), ("partitions", arr([("partition", I32), ("error_code", I16)]))]))])
OFFSET_FETCH = (9, 5,
                [("group_id", STR), ("topics", narr([("name", STR), ("partitions", arr(I32))]))],
                [("throttle_ms", I32),
                 ("topics", arr([("name", STR),
                                 ("partitions", arr([("partition", I32), ("offset", I64), ("leader_epoch", I32),
                                                     ("metadata", NSTR), ("error_code", I16)]))])),
                 ("error_code", I16)])
DESCRIBE_GROUPS = (15, 4, [("groups", arr(STR)), ("include_authorized_operations", BOOL)],
                   [("throttle_ms", I32),
                    ("groups", arr([("error_code", I16), ("group_id", STR), ("state", STR), ("protocol_type", STR),
                                    ("protocol", STR),
                                    ("members", arr([("member_id", STR), ("group_instance_id", NSTR),
                                                     ("client_id", STR), ("client_host", STR),
                                                     ("metadata", BYTES), ("assignment", BYTES)])),
                                    ("authorized_operations", I32)]))])
LIST_GROUPS = (16, 2, [], [("throttle_ms", I32), ("error_code", I16),
                           ("groups", arr([("group_id", STR), ("protocol_type", STR)]))])


class Closed(Exception):
    """The broker closed the connection instead of answering."""


class Conn:
    """One TCP connection; call() sends a request and reads its response."""

    def __init__(self, bootstrap, timeout=15.0, client_id="evpipe-conformance"):
        host, port = bootstrap.rsplit(":", 1)
        self.sock = socket.create_connection((host, int(port)), timeout=timeout)
        self.client_id = client_id
        self.corr = 0

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()

    def raw(self, key, version, body, header_tags=False):
        """Sends one request frame; returns the response body (after the correlation id).
        header_tags: request header v2 (an empty tagged-field section after client_id), as
        flexible versions use."""
        self.corr += 1
        cid = self.client_id.encode()
        head = struct.pack(">hhih", key, version, self.corr, len(cid)) + cid + (b"\x00" if header_tags else b"")
        frame = head + body
        self.sock.sendall(struct.pack(">i", len(frame)) + frame)
        size = struct.unpack(">i", self._read(4))[0]
        data = self._read(size)
        corr = struct.unpack(">i", data[:4])[0]
        if corr != self.corr:
            raise ValueError(f"correlation id {corr}, want {self.corr}")
        return data[4:]

    def send_only(self, key, version, body):
        """Sends a request that gets no response (Produce with acks=0)."""
        self.corr += 1
        cid = self.client_id.encode()
        frame = struct.pack(">hhih", key, version, self.corr, len(cid)) + cid + body
        self.sock.sendall(struct.pack(">i", len(frame)) + frame)

    def call(self, api, req, version=None):
        key, v, req_schema, resp_schema = api
        out = bytearray()
        encode(req_schema, req, out)
        body = self.raw(key, v if version is None else version, bytes(out))
        r = Reader(body)
        resp = decode(resp_schema, r)
        if r.pos != len(body):
            raise ValueError(f"api {key} v{v}: {len(body) - r.pos} bytes left after decoding")
        return resp

    def _read(self, n):
        buf = bytearray()
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise Closed()
            buf += chunk
        return bytes(buf)


# ---- record batch v2 ---------------------------------------------------------
def _crc32c_table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        t.append(c)
    return t


_CRC_TABLE = _crc32c_table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = _CRC_TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def _varint(n, out):
    z = (n << 1) ^ (n >> 63)
    while True:
        b = z & 0x7F
        z >>= 7
        if z:
            out.append(b | 0x80)
        else:
            out.append(b)
            return


def _read_varint(r):
    shift = z = 0
    while True:
        b = r.take(1)[0]
        z |= (b & 0x7F) << shift
        shift += 7
        if not b & 0x80:
            return (z >> 1) ^ -(z & 1)


def batch(records, base_ts, producer_id=-1, producer_epoch=-1, base_sequence=-1, corrupt=False):
    """One uncompressed record batch v2. records: [(key, value, ts_delta_ms)]."""
    body = bytearray()
    for i, (k, v, dts) in enumerate(records):
        rec = bytearray([0])
        _varint(dts, rec)
        _varint(i, rec)
        for part in (k, v):
            if part is None:
                _varint(-1, rec)
            else:
                _varint(len(part), rec)
                rec += part
        _varint(0, rec)  # headers
        out = bytearray()
        _varint(len(rec), out)
        body += out + rec
    max_ts = base_ts + max(r[2] for r in records)
    after_crc = struct.pack(">hiqqqhii", 0, len(records) - 1, base_ts, max_ts, producer_id, producer_epoch,
                            base_sequence, len(records)) + body
    crc = crc32c(after_crc)
    if corrupt:
        crc ^= 1
    head = struct.pack(">iBI", 0, 2, crc)  # partitionLeaderEpoch, magic, crc
    length = len(head) + len(after_crc)
    return struct.pack(">qi", 0, length) + head + after_crc


def parse_batches(data):
    """Complete batches in a fetched records blob: [(base_offset, [(offset, ts, key, value)])].
    A partial trailing batch (a fetch cut at max_bytes) is ignored, as clients do."""
    out = []
    pos = 0
    data = data or b""
    while pos + 12 <= len(data):
        base, length = struct.unpack(">qi", data[pos:pos + 12])
        if pos + 12 + length > len(data):
            break
        r = Reader(data[pos + 12:pos + 12 + length])
        r.fixed(">i")
        magic = r.fixed(">b")
        if magic != 2:
            raise ValueError(f"magic {magic}")
        r.fixed(">I")
        _attrs, _lod, base_ts, _max_ts, _pid, _epoch, _seq, count = (
            r.fixed(">h"), r.fixed(">i"), r.fixed(">q"), r.fixed(">q"), r.fixed(">q"), r.fixed(">h"),
            r.fixed(">i"), r.fixed(">i"))
        recs = []
        for _ in range(count):
            _read_varint(r)  # length
            r.take(1)
            dts = _read_varint(r)
            doff = _read_varint(r)
            kl = _read_varint(r)
            key = None if kl < 0 else bytes(r.take(kl))
            vl = _read_varint(r)
            val = None if vl < 0 else bytes(r.take(vl))
            for _h in range(_read_varint(r)):
                r.take(_read_varint(r))
                hl = _read_varint(r)
                if hl > 0:
                    r.take(hl)
            recs.append((base + doff, base_ts + dts, key, val))
        out.append((base, recs))
        pos += 12 + length
    return out


def wait(what, fn, timeout=20.0, every=0.1):
    """Calls fn until it returns a true value; raises after timeout seconds."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = fn()
        if last:
            return last
        time.sleep(every)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what} (last: {last!r})")
