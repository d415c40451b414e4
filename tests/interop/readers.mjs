// Reads a Parquet file with three readers we did not write — DuckDB
// (@duckdb/node-api), hyparquet and parquet-wasm (+ apache-arrow) — and turns
// each one's rows into canonical JSON lines, so that they can be compared
// byte for byte with each other and with an expected file.
//
// Canonical line: {"col":value,...} with the file's columns in schema order;
// strings as JSON.stringify writes them; integers (INT32, INT64, and
// TIMESTAMP as microseconds since the epoch) as exact decimal numbers; null.
//
// The npm packages live in tests/node/node_modules (scripts/deps.sh installs
// them); EVPIPE_NODE_MODULES overrides the location.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const nodeModules = process.env.EVPIPE_NODE_MODULES || resolve(here, '../node/node_modules');
const load = (rel) => import(pathToFileURL(join(nodeModules, rel)).href);

export const READERS = ['duckdb', 'hyparquet', 'parquet-wasm'];

function formatValue(kind, v) {
  if (v === null || v === undefined) return 'null';
  if (kind === 'string') {
    if (typeof v !== 'string') throw new Error(`expected a string, got ${typeof v}`);
    return JSON.stringify(v);
  }
  return BigInt(v).toString();
}

// columns: [{name, kind: 'string' | 'int'}]; values: one per column.
export function canonicalLine(columns, values) {
  const parts = columns.map((c, i) => JSON.stringify(c.name) + ':' + formatValue(c.kind, values[i]));
  return '{' + parts.join(',') + '}';
}

let duck = null;
async function duckConnection() {
  if (!duck) {
    const { DuckDBInstance } = await load('@duckdb/node-api/lib/index.js');
    const db = await DuckDBInstance.create(':memory:');
    duck = await db.connect();
  }
  return duck;
}

export async function duckdbQuery(sql) {
  const c = await duckConnection();
  const r = await c.runAndReadAll(sql);
  return r.getRowObjectsJS();
}

const sqlString = (s) => "'" + s.replaceAll("'", "''") + "'";
const sqlIdent = (s) => '"' + s.replaceAll('"', '""') + '"';

export async function readWithDuckDB(path) {
  const file = sqlString(path);
  const desc = await duckdbQuery(`DESCRIBE SELECT * FROM read_parquet(${file}, hive_partitioning = false)`);
  const columns = desc.map((d) => ({ name: d.column_name, kind: d.column_type === 'VARCHAR' ? 'string' : 'int' }));
  const select = desc.map((d) => {
    const id = sqlIdent(d.column_name);
    if (d.column_type === 'VARCHAR') return id;
    if (d.column_type.startsWith('TIMESTAMP')) return `CAST(epoch_us(${id}) AS VARCHAR)`;
    return `CAST(${id} AS VARCHAR)`;
  });
  const c = await duckConnection();
  const r = await c.runAndReadAll(`SELECT ${select.join(', ')} FROM read_parquet(${file}, hive_partitioning = false)`);
  return { columns, lines: r.getRows().map((row) => canonicalLine(columns, row)) };
}

export async function readWithHyparquet(path) {
  const hp = await load('hyparquet/src/node.js');
  const { compressors } = await load('hyparquet-compressors/src/index.js');
  const file = await hp.asyncBufferFromFile(path);
  const metadata = await hp.parquetMetadataAsync(file);
  const leaves = metadata.schema.slice(1);
  const columns = leaves.map((e) => ({ name: e.name, kind: e.type === 'BYTE_ARRAY' ? 'string' : 'int' }));
  const identity = (v) => v;
  const rows = await hp.parquetReadObjects({
    file, metadata, compressors,
    parsers: { timestampFromMicroseconds: identity, timestampFromMilliseconds: identity, timestampFromNanoseconds: identity },
  });
  return { columns, lines: rows.map((row) => canonicalLine(columns, columns.map((c) => row[c.name]))) };
}

export async function readWithParquetWasm(path) {
  const pw = await load('parquet-wasm/node/parquet_wasm.js');
  const arrow = await load('apache-arrow/Arrow.node.mjs');
  const wasmTable = pw.readParquet(new Uint8Array(readFileSync(path)));
  const table = arrow.tableFromIPC(wasmTable.intoIPCStream());
  const fields = table.schema.fields;
  const columns = fields.map((f) => ({ name: f.name, kind: arrow.DataType.isUtf8(f.type) || arrow.DataType.isLargeUtf8(f.type) ? 'string' : 'int' }));
  // Raw integer storage, so timestamps keep their microseconds (get() would
  // convert them to milliseconds).
  const values = fields.map((f, i) => {
    const vec = table.getChildAt(i);
    const out = new Array(table.numRows);
    let row = 0;
    for (const d of vec.data) {
      for (let k = 0; k < d.length; ++k, ++row) {
        if (!vec.isValid(row)) out[row] = null;
        else if (columns[i].kind === 'string') out[row] = vec.get(row);
        else out[row] = d.values[k];
      }
    }
    return out;
  });
  const lines = [];
  for (let r = 0; r < table.numRows; ++r) lines.push(canonicalLine(columns, values.map((v) => v[r])));
  return { columns, lines };
}

export async function readWith(reader, path) {
  switch (reader) {
    case 'duckdb': return readWithDuckDB(path);
    case 'hyparquet': return readWithHyparquet(path);
    case 'parquet-wasm': return readWithParquetWasm(path);
    default: throw new Error(`unknown reader ${reader} (${READERS.join(', ')})`);
  }
}

// Index and text of the first differing line, or null when equal.
export function firstDifference(a, b) {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; ++i) {
    if (a[i] !== b[i]) return { line: i + 1, a: a[i] ?? '<missing>', b: b[i] ?? '<missing>' };
  }
  return null;
}

// The two differing lines, clipped around their first differing character.
export function showDifference(d, labelA, labelB) {
  let i = 0;
  while (i < d.a.length && i < d.b.length && d.a[i] === d.b[i]) ++i;
  const start = Math.max(0, i - 80);
  const cut = (s) => (start > 0 ? '...' : '') + s.slice(start, i + 120) + (s.length > i + 120 ? `...(${s.length} chars)` : '');
  const w = Math.max(labelA.length, labelB.length);
  return `  ${labelA.padEnd(w)}: ${cut(d.a)}\n  ${labelB.padEnd(w)}: ${cut(d.b)}`;
}
