#!/usr/bin/env node
// Checks the corpus written by parquet_interop_writer (one directory):
// for every NAME.parquet, DuckDB, hyparquet and parquet-wasm must all return
// exactly NAME.expected.jsonl, and DuckDB's parquet_schema / parquet_metadata /
// parquet_file_metadata must show what NAME.schema.json declares: physical and
// logical types, repetition, codec, created_by, and per column chunk the
// statistics (min/max/null_count) recomputed here from the expected rows.
//
//   node tests/interop/check_interop.mjs DIR
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { READERS, readWith, firstDifference, showDifference, duckdbQuery } from './readers.mjs';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: check_interop.mjs DIR');
  process.exit(2);
}
const failures = [];
const fail = (file, msg) => failures.push(`${file}: ${msg}`);
const sq = (s) => "'" + s.replaceAll("'", "''") + "'";

const DECLARED = {
  STRING: { converted: 'UTF8', logical: /^StringType\(\)$/, duckdb: 'VARCHAR' },
  INT32: { converted: 'INT_32', logical: /^IntType\(bitWidth=.*, isSigned=1\)$/, duckdb: 'INTEGER' },
  INT64: { converted: 'INT_64', logical: /^IntType\(bitWidth=.*, isSigned=1\)$/, duckdb: 'BIGINT' },
  TIMESTAMP_MICROS_UTC: { converted: 'TIMESTAMP_MICROS', logical: /^TimestampType\(isAdjustedToUTC=1, unit=TimeUnit\(MILLIS=<null>, MICROS=MicroSeconds\(\), NANOS=<null>\)\)$/, duckdb: 'TIMESTAMP WITH TIME ZONE' },
};

// Unsigned byte-wise order of UTF-8 strings.
const bytesCmp = (a, b) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

function checkStringStat(file, where, kind, got, exact, actual, maxBytes) {
  const gotBytes = Buffer.from(got, 'utf8');
  const actualBytes = Buffer.from(actual, 'utf8');
  if (actualBytes.length <= maxBytes) {
    if (got !== actual) fail(file, `${where}: ${kind} ${JSON.stringify(got.slice(0, 80))} != ${JSON.stringify(actual.slice(0, 80))}`);
    if (exact !== true) fail(file, `${where}: ${kind} should be exact`);
    return;
  }
  // Truncated: min is a prefix of the real min; max is a short upper bound.
  if (exact !== false) fail(file, `${where}: truncated ${kind} should be flagged inexact`);
  if (gotBytes.length > maxBytes + 3) fail(file, `${where}: truncated ${kind} has ${gotBytes.length} bytes`);
  if (kind === 'min' && !actualBytes.subarray(0, gotBytes.length).equals(gotBytes)) fail(file, `${where}: min is not a prefix of the real min`);
  if (kind === 'max' && Buffer.compare(gotBytes, actualBytes) <= 0) fail(file, `${where}: max is not above the real max`);
}

async function checkMetadata(file, path, declared, rows) {
  const schema = await duckdbQuery(`SELECT * FROM parquet_schema(${sq(path)})`);
  const leaves = schema.slice(1);
  if (leaves.length !== declared.columns.length) fail(file, `${leaves.length} columns, declared ${declared.columns.length}`);
  declared.columns.forEach((col, i) => {
    const got = leaves[i] || {};
    const want = DECLARED[col.logical];
    const where = `column ${col.name}`;
    if (got.name !== col.name) fail(file, `${where}: name ${got.name}`);
    if (got.type !== col.physical) fail(file, `${where}: type ${got.type}, declared ${col.physical}`);
    if (got.repetition_type !== col.repetition) fail(file, `${where}: repetition ${got.repetition_type}`);
    if (want) {
      if (got.converted_type !== want.converted) fail(file, `${where}: converted_type ${got.converted_type}`);
      if (!want.logical.test(got.logical_type || '')) fail(file, `${where}: logical_type ${got.logical_type}`);
      if (got.duckdb_type !== want.duckdb) fail(file, `${where}: duckdb_type ${got.duckdb_type}`);
    }
  });

  const [fm] = await duckdbQuery(`SELECT created_by, num_rows, num_row_groups FROM parquet_file_metadata(${sq(path)})`);
  if (!/^evpipe version \d+\.\d+\.\d+$/.test(fm.created_by)) fail(file, `created_by ${fm.created_by}`);
  if (Number(fm.num_rows) !== rows.length) fail(file, `num_rows ${fm.num_rows}, wrote ${rows.length}`);

  // Timestamps' stats come back as text; let DuckDB turn them into microseconds.
  const meta = await duckdbQuery(`SELECT row_group_id, row_group_num_rows, column_id, path_in_schema, type,
      compression, encodings, num_values, stats_null_count, stats_min_value, stats_max_value, min_is_exact, max_is_exact,
      CASE WHEN stats_min_value IS NOT NULL AND stats_min_value LIKE '____-__-__ %'
           THEN CAST(epoch_us(CAST(stats_min_value AS TIMESTAMPTZ)) AS VARCHAR) END AS ts_min,
      CASE WHEN stats_max_value IS NOT NULL AND stats_max_value LIKE '____-__-__ %'
           THEN CAST(epoch_us(CAST(stats_max_value AS TIMESTAMPTZ)) AS VARCHAR) END AS ts_max
    FROM parquet_metadata(${sq(path)}) ORDER BY row_group_id, column_id`);
  let first = 0;
  const groups = new Map();
  for (const m of meta) {
    if (!groups.has(m.row_group_id)) groups.set(m.row_group_id, []);
    groups.get(m.row_group_id).push(m);
  }
  if (groups.size !== Number(fm.num_row_groups)) fail(file, `parquet_metadata shows ${groups.size} row groups`);
  for (const [rg, chunks] of groups) {
    const n = Number(chunks[0].row_group_num_rows);
    const slice = rows.slice(first, first + n);
    first += n;
    chunks.forEach((m, i) => {
      const col = declared.columns[i];
      const where = `row group ${rg} column ${col.name}`;
      if (m.path_in_schema !== col.name) fail(file, `${where}: path_in_schema ${m.path_in_schema}`);
      if (m.compression !== declared.codec) fail(file, `${where}: compression ${m.compression}, declared ${declared.codec}`);
      if (Number(m.num_values) !== n) fail(file, `${where}: num_values ${m.num_values}, rows ${n}`);
      const values = slice.map((r) => r[col.name]);
      const present = values.filter((v) => v !== null);
      const nulls = values.length - present.length;
      if (m.stats_null_count === null || Number(m.stats_null_count) !== nulls) fail(file, `${where}: null_count ${m.stats_null_count}, want ${nulls}`);
      if (present.length === 0) {
        if (m.stats_min_value !== null || m.stats_max_value !== null) fail(file, `${where}: min/max on an all-null chunk`);
        return;
      }
      if (col.physical === 'BYTE_ARRAY') {
        const sorted = [...present].sort(bytesCmp);
        checkStringStat(file, where, 'min', m.stats_min_value ?? '', m.min_is_exact, sorted[0], declared.statistics_max_bytes);
        checkStringStat(file, where, 'max', m.stats_max_value ?? '', m.max_is_exact, sorted[sorted.length - 1], declared.statistics_max_bytes);
      } else {
        const ints = present.map((v) => BigInt(v));
        const lo = ints.reduce((a, b) => (b < a ? b : a)).toString();
        const hi = ints.reduce((a, b) => (b > a ? b : a)).toString();
        const gotLo = m.ts_min ?? m.stats_min_value;
        const gotHi = m.ts_max ?? m.stats_max_value;
        if (gotLo !== lo || gotHi !== hi) fail(file, `${where}: min/max ${gotLo}/${gotHi}, want ${lo}/${hi}`);
      }
    });
  }
  if (first !== rows.length) fail(file, `row groups hold ${first} rows, wrote ${rows.length}`);
  return meta;
}

// Parses a canonical line (a flat object) keeping integers as decimal strings,
// since JSON.parse would round int64 values past 2^53.
function parseCanonical(line) {
  const out = {};
  let i = 1;
  const str = () => {
    const start = i++;
    while (line[i] !== '"') i += line[i] === '\\' ? 2 : 1;
    ++i;
    return JSON.parse(line.slice(start, i));
  };
  while (line[i] !== '}') {
    const key = str();
    ++i;  // ':'
    if (line[i] === '"') {
      out[key] = str();
    } else {
      const start = i;
      while (line[i] !== ',' && line[i] !== '}') ++i;
      const text = line.slice(start, i);
      out[key] = text === 'null' ? null : text;
    }
    if (line[i] === ',') ++i;
  }
  return out;
}

const names = readdirSync(dir).filter((f) => f.endsWith('.parquet')).sort();
if (names.length === 0) fail(dir, 'no parquet files');
for (const name of names) {
  const path = join(dir, name);
  const base = path.slice(0, -'.parquet'.length);
  const expected = readFileSync(base + '.expected.jsonl', 'utf8').split('\n').filter((l) => l.length > 0);
  const declared = JSON.parse(readFileSync(base + '.schema.json', 'utf8'));
  for (const reader of READERS) {
    try {
      const got = await readWith(reader, path);
      const d = firstDifference(expected, got.lines);
      if (d) fail(name, `${reader} differs from the rows written at row ${d.line} (${expected.length} written, ${got.lines.length} read)\n` + showDifference(d, 'written', reader));
    } catch (e) {
      fail(name, `${reader} failed: ${e.message}`);
    }
  }
  const rows = expected.map(parseCanonical);
  let meta = [];
  try {
    meta = await checkMetadata(name, path, declared, rows);
  } catch (e) {
    fail(name, `metadata check failed: ${e.message}`);
  }
  if (name === 'dict_fallback.parquet') {
    // Dictionary pages first, PLAIN pages after the fallback, in the same chunk.
    for (const col of ['k', 'o']) {
      const m = meta.find((x) => x.path_in_schema === col);
      if (!m || !/PLAIN/.test(m.encodings) || !/RLE_DICTIONARY/.test(m.encodings)) {
        fail(name, `column ${col}: encodings ${m && m.encodings}, want PLAIN and RLE_DICTIONARY (a fallback)`);
      }
    }
  }
  if (name.startsWith('events_')) {
    const m = meta.find((x) => x.path_in_schema === 'event_type');
    if (!m || !/RLE_DICTIONARY/.test(m.encodings)) fail(name, `event_type: encodings ${m && m.encodings}, want a dictionary`);
  }
  console.log(`${name}: ${expected.length} rows checked with ${READERS.join(', ')}`);
}
if (failures.length) {
  console.error(`check_interop: ${failures.length} failure(s):\n` + failures.join('\n'));
  process.exitCode = 1;
}
