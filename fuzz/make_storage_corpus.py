#!/usr/bin/env python3
"""Writes the seed corpora of record_batch_fuzzer and segment_recovery_fuzzer
(fuzz/corpus/record_batch, fuzz/corpus/segment_recovery): small valid record
batches v2 (plain, gzip, several per input, with headers) and two-segment
logs. Deterministic; run it again after changing the batch layout."""
import gzip, os, struct

def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF

def varint(v):
    z = (v << 1) ^ (v >> 63)
    out = b''
    while z >= 0x80:
        out += bytes([(z & 0x7F) | 0x80]); z >>= 7
    return out + bytes([z])

def lp(b):
    return varint(-1) if b is None else varint(len(b)) + b

def record(i, key, value, headers=()):
    body = b'\0' + varint(i) + varint(i) + lp(key) + lp(value) + varint(len(headers))
    for k, v in headers:
        body += lp(k) + lp(v)
    return varint(len(body)) + body

def batch(base, values, codec=0, headers=()):
    recs = b''.join(record(i, b'k%d' % i, v, headers) for i, v in enumerate(values))
    if codec == 1:
        recs = gzip.compress(recs, mtime=0)
    n = len(values)
    after_crc = struct.pack('>hiqqqhii', codec, n - 1, 1700000000000, 1700000000000 + n - 1, -1, -1, -1, n) + recs
    head = struct.pack('>qiib', base, 4 + 1 + 4 + len(after_crc), -1, 2)
    return head + struct.pack('>I', crc32c(after_crc)) + after_crc

here = os.path.dirname(os.path.abspath(__file__))
rb = os.path.join(here, 'corpus', 'record_batch')
sr = os.path.join(here, 'corpus', 'segment_recovery')
os.makedirs(rb, exist_ok=True)
os.makedirs(sr, exist_ok=True)
seeds = {
    'plain-3': batch(0, [b'a', b'bb', b'ccc']),
    'gzip-5': batch(0, [b'value-%d' % i for i in range(5)], codec=1),
    'headers': batch(0, [b'x'], headers=[(b'h', b'v'), (b'n', None)]),
    'two-batches': batch(0, [b'one']) + batch(0, [b'two', b'three']),
}
for name, data in seeds.items():
    open(os.path.join(rb, name), 'wb').write(data)
seg0 = b''.join(batch(o, [b'v%d' % o]) for o in range(5))
seg1 = b''.join(batch(o, [b'w%d' % o, b'z']) for o in range(5, 11, 2))
open(os.path.join(sr, 'two-segments'), 'wb').write(struct.pack('>HB', len(seg0), 4) + seg0 + seg1)
open(os.path.join(sr, 'torn-tail'), 'wb').write(struct.pack('>HB', len(seg0), 4) + seg0 + seg1[:-7])
open(os.path.join(sr, 'one-segment'), 'wb').write(struct.pack('>HB', len(seg0) + 3, 0) + seg0 + b'\0\0\0')
