// Checks a finished pipeline run from outside, with DuckDB and plain file reads:
//   node e2e_check.mjs MADE.ndjson RAW_TOPIC_DIR PARQUET_TOPIC_DIR
// MADE.ndjson is what the simulator made (evpipe gen --out -).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { duckdbQuery } from '../interop/readers.mjs';

const [madePath, rawDir, parquetDir] = process.argv.slice(2);
const fail = (msg) => { console.error(`e2e_check: FAIL: ${msg}`); process.exit(1); };

// What the simulator made: every line is a valid event (poison rate 0).
const made = new Set();
for (const line of readFileSync(madePath, 'utf8').split('\n')) {
  if (line) made.add(JSON.parse(line).event_id);
}

// No raw file is partial or hidden: every visible file ends with a newline and
// every line parses; no dot-files anywhere under the topic.
function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out); else out.push([name, p]);
  }
  return out;
}
let rawLines = 0;
for (const [name, p] of walk(rawDir)) {
  if (name.startsWith('.')) {
    if (p.includes('/.sink-raw/')) continue;  // the sink's own state, not data
    fail(`hidden file left in raw: ${p}`);
  }
  if (!name.endsWith('.ndjson')) continue;
  const text = readFileSync(p, 'utf8');
  if (text.length === 0 || !text.endsWith('\n')) fail(`partial raw file: ${p}`);
  for (const line of text.slice(0, -1).split('\n')) { JSON.parse(line); rawLines++; }
}

const glob = `'${parquetDir.replaceAll("'", "''")}/ingest_date=*/*.parquet'`;
const rows = await duckdbQuery(`SELECT event_id FROM read_parquet(${glob}, hive_partitioning = false)`);
const inParquet = new Set(rows.map((r) => r.event_id));
for (const id of made) if (!inParquet.has(id)) fail(`event ${id} made by the simulator is missing from Parquet`);
for (const id of inParquet) if (!made.has(id)) fail(`event ${id} in Parquet was never made`);
const [bad] = await duckdbQuery(
  `SELECT count(*)::INTEGER AS n FROM read_parquet(${glob}, hive_partitioning = false) WHERE sha256(payload) <> checksum`);
if (bad.n !== 0) fail(`${bad.n} rows whose sha256(payload) differs from checksum`);
console.log(`e2e_check: ${made.size} events made, ${rawLines} raw lines, ${rows.length} Parquet rows; ` +
            `sets equal, every checksum matches`);
