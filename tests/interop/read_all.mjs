#!/usr/bin/env node
// Reads Parquet files with DuckDB, hyparquet and parquet-wasm, prints the rows
// as canonical JSON lines (readers.mjs) and fails when the readers disagree.
//
//   node tests/interop/read_all.mjs [--expect ROWS.jsonl] [--readers duckdb,hyparquet,parquet-wasm]
//                                   [--quiet] FILE.parquet...
//
// Exit 0: every reader returned the same lines (and they equal --expect, the
// concatenated rows of all FILEs, if given). Exit 1: a difference, printed to
// stderr with the first differing line. Exit 2: usage.
import { readFileSync } from 'node:fs';
import { READERS, readWith, firstDifference, showDifference } from './readers.mjs';

const args = process.argv.slice(2);
let expect = null;
let readers = READERS;
let quiet = false;
const files = [];
for (let i = 0; i < args.length; ++i) {
  if (args[i] === '--expect') expect = args[++i];
  else if (args[i] === '--readers') readers = args[++i].split(',');
  else if (args[i] === '--quiet') quiet = true;
  else if (args[i].startsWith('--')) { console.error(`read_all: unknown flag ${args[i]}`); process.exit(2); }
  else files.push(args[i]);
}
if (files.length === 0) {
  console.error('usage: read_all.mjs [--expect ROWS.jsonl] [--readers a,b] [--quiet] FILE.parquet...');
  process.exit(2);
}

let failed = false;
const all = [];
for (const file of files) {
  let reference = null;
  for (const reader of readers) {
    let got;
    try {
      got = await readWith(reader, file);
    } catch (e) {
      console.error(`read_all: ${file}: ${reader} failed: ${e.message}`);
      failed = true;
      continue;
    }
    if (reference === null) {
      reference = { reader, lines: got.lines };
      continue;
    }
    const d = firstDifference(reference.lines, got.lines);
    if (d) {
      console.error(`read_all: ${file}: ${reference.reader} and ${reader} differ at row ${d.line} ` +
        `(${reference.lines.length} vs ${got.lines.length} rows)\n` + showDifference(d, reference.reader, reader));
      failed = true;
    }
  }
  if (reference) all.push(...reference.lines);
}
if (expect !== null) {
  const want = readFileSync(expect, 'utf8').split('\n').filter((l) => l.length > 0);
  const d = firstDifference(want, all);
  if (d) {
    console.error(`read_all: rows differ from ${expect} at row ${d.line} (${want.length} expected, ${all.length} read)\n` +
      showDifference(d, 'expected', 'read'));
    failed = true;
  }
}
if (!quiet) process.stdout.write(all.map((l) => l + '\n').join(''));
// exitCode, not exit(): a piped stdout must drain first.
process.exitCode = failed ? 1 : 0;
