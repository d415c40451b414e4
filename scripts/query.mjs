// make query: runs SQL over the Parquet of a topic with DuckDB (the
// @duckdb/node-api the tests install under tests/node) and prints a table.
// The topic is a view of the same name over
//   read_parquet('<parquet-dir>/<topic>/*/*.parquet', hive_partitioning = true)
// Usage: node scripts/query.mjs PARQUET_DIR TOPIC [SQL]
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const [parquetDir, topic, sqlArg] = process.argv.slice(2);
if (!parquetDir || !topic) {
  console.error('usage: query.mjs PARQUET_DIR TOPIC [SQL]');
  process.exit(2);
}
const sqlString = (s) => "'" + s.replaceAll("'", "''") + "'";
const sqlIdent = (s) => '"' + s.replaceAll('"', '""') + '"';
const glob = path.join(parquetDir, topic, '*', '*.parquet');
const sql = sqlArg && sqlArg.trim() !== ''
  ? sqlArg
  : `SELECT ingest_date, count(*) AS rows, count(DISTINCT event_id) AS events FROM ${sqlIdent(topic)} GROUP BY 1 ORDER BY 1`;

if (!existsSync(path.join(parquetDir, topic))) {
  console.error(`make query: no Parquet at ${path.join(parquetDir, topic)} (run make raw-to-parquet-all first)`);
  process.exit(1);
}
let DuckDBInstance;
try {
  const require = createRequire(path.join(root, 'tests', 'node', 'package.json'));
  ({ DuckDBInstance } = require('@duckdb/node-api'));
} catch (e) {
  console.error(`make query: DuckDB for node is not installed (run make deps): ${e.message}`);
  process.exit(1);
}

// DuckDB values (dates, timestamps, decimals, lists) print as DuckDB prints them.
const show = (v) => (v === null || v === undefined ? 'NULL' : String(v));

try {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  await c.run(`CREATE VIEW ${sqlIdent(topic)} AS SELECT * FROM read_parquet(${sqlString(glob)}, hive_partitioning = true)`);
  const r = await c.runAndReadAll(sql);
  const names = r.columnNames();
  const rows = r.getRows().map((row) => row.map(show));
  const width = names.map((n, i) => Math.max(n.length, ...rows.map((row) => row[i].length)));
  const line = (cells) => cells.map((s, i) => s.padEnd(width[i])).join('  ').trimEnd();
  const out = [line(names), ...rows.map(line)];
  process.stdout.write(out.join('\n') + '\n');
  process.stderr.write(`(${rows.length} row${rows.length === 1 ? '' : 's'})\n`);
} catch (e) {
  console.error(`make query: ${e.message.split('\n')[0]}`);
  process.exit(1);
}
