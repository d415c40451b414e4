// kafkajs against a Kafka broker: `produce TOPIC N`, `dump OUT TOPIC...`
// (every record as canonical JSON lines) and `group TOPIC GROUP N` (consume N
// records in a group, commit, check the committed offsets with the admin API).
import { createRequire } from 'node:module';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

const require = createRequire(path.join(process.env.EVPIPE_SOURCE_DIR ?? process.cwd(), 'tests/node/package.json'));
const { Kafka, logLevel } = require('kafkajs');

const kafka = new Kafka({ clientId: 'evpipe-kafkajs-test', brokers: [process.env.KAFKA_BOOTSTRAP], logLevel: logLevel.ERROR });
const [cmd, ...args] = process.argv.slice(2);

function canonical(topic, partition, m) {
  const h = Object.entries(m.headers ?? {}).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString('utf8') : String(v)]);
  const obj = { headers: h, key: m.key === null ? null : m.key.toString('utf8'), offset: Number(m.offset),
    partition, topic, value: m.value === null ? null : m.value.toString('utf8') };
  return JSON.stringify(obj, Object.keys(obj).sort());
}

async function produce(topic, n) {
  const p = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await p.connect();
  const messages = [];
  for (let i = 0; i < n; i++) {
    messages.push({ key: `k${i}`, value: `node value ${i} \u2713 "q" tab\there`, headers: { client: 'node', n: String(i) } });
  }
  await p.send({ topic, acks: -1, messages });
  await p.disconnect();
}

async function dump(out, topics) {
  const admin = kafka.admin();
  await admin.connect();
  const ends = {};
  let total = 0;
  for (const t of topics) {
    for (const o of await admin.fetchTopicOffsets(t)) {
      ends[`${t}/${o.partition}`] = Number(o.high);
      total += Number(o.high) - Number(o.low);
    }
  }
  await admin.disconnect();
  const consumer = kafka.consumer({ groupId: `dump-${process.pid}-${Date.now()}` });
  await consumer.connect();
  for (const t of topics) await consumer.subscribe({ topic: t, fromBeginning: true });
  const lines = [];
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`dump: ${lines.length} of ${total} records after 40 s`)), 40000);
    consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        lines.push(canonical(topic, partition, message));
        if (lines.length >= total) { clearTimeout(timer); resolve(); }
      },
    }).catch(reject);
    if (total === 0) { clearTimeout(timer); resolve(); }
  });
  await consumer.disconnect();
  writeFileSync(out, lines.map((l) => l + '\n').sort().join(''));
}

async function group(topic, groupId, n) {
  const consumer = kafka.consumer({ groupId });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  let seen = 0;
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`group: ${seen} of ${n} records after 40 s`)), 40000);
    consumer.run({
      autoCommit: true,
      eachMessage: async () => { seen++; if (seen >= n) { clearTimeout(timer); resolve(); } },
    }).catch(reject);
  });
  await consumer.disconnect();  // commits what was consumed
  const admin = kafka.admin();
  await admin.connect();
  const [res] = await admin.fetchOffsets({ groupId, topics: [topic] });
  await admin.disconnect();
  const sum = res.partitions.reduce((s, p) => s + Math.max(Number(p.offset), 0), 0);
  if (seen !== n || sum !== n) throw new Error(`group: read ${seen}, committed offsets sum ${sum}, want ${n}`);
}

try {
  if (cmd === 'produce') await produce(args[0], Number(args[1]));
  else if (cmd === 'dump') await dump(args[0], args.slice(1));
  else if (cmd === 'group') await group(args[0], args[1], Number(args[2]));
  else throw new Error('usage: kafkajs_client.mjs produce|dump|group ...');
  process.exit(0);
} catch (e) {
  console.error(`kafkajs_client: ${e.stack ?? e}`);
  process.exit(1);
}
