#!/usr/bin/env python3
"""Writes the seed corpus of broker_request_fuzzer (fuzz/corpus/broker_request):
one valid request (header v1 + body, non-flexible versions) per common API, as
a Kafka client sends them after the 4-byte size. Deterministic."""
import os, struct

def s(x):  # STRING
    return struct.pack('>h', len(x)) + x
def b(x):  # BYTES
    return struct.pack('>i', len(x)) + x
def arr(items):
    return struct.pack('>i', len(items)) + b''.join(items)
def header(key, ver, corr=1, client=b'seed'):
    return struct.pack('>hhi', key, ver, corr) + s(client)

# One uncompressed v2 batch of one record (CRC not needed by the decoders).
record = b'\x10\x00\x00\x00\x02\x6b\x02\x76\x00'
batch = (struct.pack('>qi', 0, 49 + len(record)) + struct.pack('>iBI', 0, 2, 0) +
         struct.pack('>hiqqqhii', 0, 0, 0, 0, -1, -1, -1, 1) + record)

seeds = {
    'api_versions_v0': header(18, 0),
    'metadata_v1': header(3, 1) + arr([s(b'events'), s(b'other')]),
    'metadata_v4_all': header(3, 4) + struct.pack('>i', -1) + b'\x01',
    'produce_v3': header(0, 3) + struct.pack('>h', -1) + struct.pack('>hi', 1, 5000) +
                  arr([s(b'events') + arr([struct.pack('>i', 0) + b(batch)])]),
    'fetch_v4': header(1, 4) + struct.pack('>iiiib', -1, 500, 1, 1 << 20, 0) +
                arr([s(b'events') + arr([struct.pack('>iqi', 0, 0, 1 << 20)])]),
    'list_offsets_v1': header(2, 1) + struct.pack('>i', -1) + arr([s(b'events') + arr([struct.pack('>iq', 0, -1)])]),
    'find_coordinator_v0': header(10, 0) + s(b'group-1'),
    'join_group_v0': header(11, 0) + s(b'group-1') + struct.pack('>i', 30000) + s(b'') + s(b'consumer') +
                     arr([s(b'range') + b(b'\x00\x00\x00\x00\x00\x01\x00\x06events\xff\xff\xff\xff')]),
    'offset_commit_v2': header(8, 2) + s(b'group-1') + struct.pack('>i', 1) + s(b'member-1') +
                        struct.pack('>q', -1) + arr([s(b'events') + arr([struct.pack('>iq', 0, 42) + s(b'')])]),
    'create_topics_v0': header(19, 0) + arr([s(b'new-topic') + struct.pack('>ih', 3, 1) + arr([]) +
                                             arr([s(b'retention.ms') + s(b'60000')])]) + struct.pack('>i', 5000),
}

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corpus', 'broker_request')
os.makedirs(out, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(out, name), 'wb') as f:
        f.write(data)
print(f'{len(seeds)} seeds in {out}')
