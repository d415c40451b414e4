// End-to-end tests of `evpipe raw-to-parquet` on crafted raw dates, checked with
// readers we did not write (DuckDB here, plus the interop harness's readers):
// dedup and ordering, every quarantine reason, codecs and file splitting,
// idempotent re-runs, --all, bad DATE, and SIGKILL at seeded moments.
// Run by CTest (EVPIPE_BIN, EVPIPE_SOURCE_DIR); prints its seed.
import { spawnSync, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const BIN = process.env.EVPIPE_BIN;
const SRC = process.env.EVPIPE_SOURCE_DIR || process.cwd();
if (!BIN) throw new Error('EVPIPE_BIN is not set');
const require = createRequire(path.join(SRC, 'tests/node/package.json'));
const { DuckDBInstance } = await import(require.resolve('@duckdb/node-api'));
const interop = await loadInteropHarness();

const SEED = Number(process.env.EVPIPE_TEST_SEED || Date.now() % 100000);
console.log(`job_test: seed ${SEED} (EVPIPE_TEST_SEED=${SEED} to repeat)`);
let rng = SEED >>> 0;
function rand() {  // mulberry32
  rng = (rng + 0x6d2b79f5) >>> 0;
  let t = rng;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

let failures = 0;
function check(cond, what) {
  if (!cond) {
    failures++;
    console.error(`FAIL: ${what}`);
  }
}
function checkEq(got, want, what) {
  const g = JSON.stringify(got), w = JSON.stringify(want);
  if (g !== w) {
    failures++;
    console.error(`FAIL: ${what}\n  got:  ${g.slice(0, 2000)}\n  want: ${w.slice(0, 2000)}`);
  }
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'evpipe-job-test-'));
const RAW = path.join(tmp, 'raw'), PQ = path.join(tmp, 'parquet'), QD = path.join(tmp, 'quarantine');
const D1 = '2026-02-05', D2 = '2026-02-06';
const COLS = ['event_id', 'event_type', 'schema_version', 'event_time', 'ingest_time', 'tenant_id', 'user_id',
  'session_id', 'source_system', 'environment', 'record_source', 'payload', 'checksum'];

// ---- crafting events --------------------------------------------------------
function micros(ts) {  // "2026-02-05T10:00:00.123456Z" -> BigInt micros (null when not such a time)
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?Z$/.exec(ts);
  if (!m || Number.isNaN(Date.parse(m[1] + 'Z'))) return null;
  return BigInt(Date.parse(m[1] + 'Z')) * 1000n + BigInt((m[2] || '').padEnd(6, '0'));
}
function ts(date, h, us) {  // date at hour h plus us microseconds
  const base = BigInt(Date.parse(`${date}T00:00:00Z`)) * 1000n + BigInt(h) * 3600000000n + BigInt(us);
  const ms = Number(base / 1000n);
  const frac = String(base % 1000000n).padStart(6, '0');
  return new Date(ms).toISOString().slice(0, 19) + '.' + frac + 'Z';
}
const sha256 = (s) => crypto.createHash('sha256').update(Buffer.from(s, 'utf8')).digest('hex');

// An event: its line and, when valid, its row.
function event(o) {
  const payload = o.payload ?? JSON.stringify({ order_id: o.id + '-order', amount: o.amount ?? 12.5 });
  const e = {
    event_id: o.id, event_type: o.type ?? 'order_created', schema_version: 1,
    event_time: o.et, ingest_time: o.it,
    tenant_id: o.tenant === undefined ? 'tenant-1' : o.tenant,
    user_id: o.user === undefined ? 'user-1' : o.user,
    session_id: o.session ?? null, source_system: o.source ?? 'sim', environment: 'test', record_source: null,
  };
  const checksum = o.checksum === undefined ? sha256(payload) : o.checksum;
  let line = JSON.stringify(e).slice(0, -1) + ',"payload":' + payload + ',"checksum":' + JSON.stringify(checksum) + '}';
  if (o.raw) line = o.raw(line);
  const row = {
    event_id: e.event_id, event_type: e.event_type, schema_version: 1,
    event_time: String(micros(o.etUtc ?? o.et)), ingest_time: String(micros(o.it)),
    tenant_id: e.tenant_id, user_id: e.user_id, session_id: e.session_id, source_system: e.source_system,
    environment: e.environment, record_source: e.record_source, payload, checksum,
  };
  return { line, row };
}

function writeDate(date, files) {  // files: {name: [line strings or Buffers]}
  const dir = path.join(RAW, 'events', `ingest_date=${date}`);
  fs.mkdirSync(dir, { recursive: true });
  for (const [name, lines] of Object.entries(files)) {
    const bufs = lines.map((l) => Buffer.concat([Buffer.isBuffer(l) ? l : Buffer.from(l, 'utf8'), Buffer.from('\n')]));
    fs.writeFileSync(path.join(dir, name), Buffer.concat(bufs));
  }
  return dir;
}

// Dedup (earliest ingest_time, then file by name, then line) and order (event_time, event_id).
function expectedRows(valid) {  // valid: [{row, file, line}]
  const best = new Map();
  for (const v of valid) {
    const cur = best.get(v.row.event_id);
    const key = (x) => [BigInt(x.row.ingest_time), x.file, x.line];
    if (!cur) { best.set(v.row.event_id, v); continue; }
    const a = key(v), b = key(cur);
    const less = a[0] !== b[0] ? a[0] < b[0] : a[1] !== b[1] ? a[1] < b[1] : a[2] < b[2];
    if (less) best.set(v.row.event_id, v);
  }
  const cmpBytes = (x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y));
  return [...best.values()].map((v) => v.row).sort((x, y) => {
    const a = BigInt(x.event_time), b = BigInt(y.event_time);
    return a !== b ? (a < b ? -1 : 1) : cmpBytes(x.event_id, y.event_id);
  });
}

// ---- running and reading ----------------------------------------------------
function run(args, env = {}) {
  const r = spawnSync(BIN, ['raw-to-parquet', '--raw-dir', RAW, '--parquet-dir', PQ, '--quarantine-dir', QD, ...args],
    { encoding: 'utf8', env: { ...process.env, EVPIPE_PROGRESS: '0', ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
function runJson(args) {
  const r = run([...args, '--json']);
  check(r.code === 0, `evpipe raw-to-parquet ${args.join(' ')} exit ${r.code}: ${r.err}`);
  return r.out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
}
const dateDir = (root, date) => path.join(root, 'events', `ingest_date=${date}`);
function partFiles(dir) {
  return fs.readdirSync(dir).filter((n) => n.endsWith('.parquet')).sort().map((n) => path.join(dir, n));
}
// Every run names its files anew (part-00000-<run>.parquet): compare without the run id.
const canonical = (n) => n.replace(/^(part-\d{5})-[^.]+\.parquet$/, '$1.parquet');
function snapshot(dir) {  // name -> sha256 of every file
  if (!fs.existsSync(dir)) return null;
  const out = {};
  for (const n of fs.readdirSync(dir).sort()) out[canonical(n)] = crypto.createHash('sha256').update(fs.readFileSync(path.join(dir, n))).digest('hex');
  return out;
}

const duck = await (await DuckDBInstance.create(':memory:')).connect();
async function query(sql) {
  const reader = await duck.runAndReadAll(sql);
  return reader.getRowObjectsJson();
}
const sqlList = (files) => '[' + files.map((f) => `'${f.replace(/'/g, "''")}'`).join(',') + ']';
async function duckRows(files) {
  const sel = COLS.map((c) => (c === 'event_time' || c === 'ingest_time') ? `epoch_us(${c})::VARCHAR AS ${c}` : c).join(', ');
  const rows = await query(`SELECT ${sel} FROM read_parquet(${sqlList(files)}, filename = true, file_row_number = true)
                            ORDER BY filename, file_row_number`);
  return rows.map((r) => ({ ...r, schema_version: Number(r.schema_version) }));
}

// Reads the files with every reader and compares with the expected rows.
async function checkRows(files, want, what) {
  checkEq(await duckRows(files), want, `${what}: DuckDB rows`);
  {
    const problems = await interop.check(files, want, COLS);
    for (const p of problems) check(false, `${what}: ${p}`);
  }
  const bad = await query(`SELECT count(*) AS n FROM read_parquet(${sqlList(files)})
                           WHERE checksum IS NOT NULL AND sha256(payload) <> checksum`);
  checkEq(Number(bad[0].n), 0, `${what}: sha256(payload) = checksum in DuckDB`);
}

async function checkMetadata(file, codec, want) {
  const schema = await query(`SELECT name, type, repetition_type, logical_type::VARCHAR AS logical FROM parquet_schema('${file}')`);
  const byName = Object.fromEntries(schema.map((r) => [r.name, r]));
  for (const c of COLS) {
    const s = byName[c];
    check(s, `${file}: column ${c} in parquet_schema`);
    if (!s) continue;
    const isTs = c === 'event_time' || c === 'ingest_time';
    const wantType = isTs ? 'INT64' : c === 'schema_version' ? 'INT32' : 'BYTE_ARRAY';
    checkEq(s.type, wantType, `${c} physical type`);
    const required = ['event_id', 'event_type', 'schema_version', 'event_time', 'ingest_time', 'payload'].includes(c);
    checkEq(s.repetition_type, required ? 'REQUIRED' : 'OPTIONAL', `${c} repetition`);
    if (isTs) check(/isAdjustedToUTC=1/.test(s.logical) && /MICROS/.test(s.logical), `${c} TIMESTAMP(MICROS,UTC): ${s.logical}`);
    if (wantType === 'BYTE_ARRAY') check(/StringType/i.test(s.logical), `${c} STRING: ${s.logical}`);
  }
  const meta = await query(`SELECT path_in_schema AS col, compression, stats_min_value AS min, stats_max_value AS max,
                                   stats_null_count AS nulls, num_values FROM parquet_metadata('${file}')`);
  const nullsBy = {};
  for (const m of meta) {
    checkEq(m.compression, codec, `${m.col} codec`);
    nullsBy[m.col] = (nullsBy[m.col] || 0) + Number(m.nulls);
  }
  for (const c of COLS) {
    const n = want.filter((r) => r[c] === null).length;
    checkEq(nullsBy[c], n, `${c} null count statistic`);
  }
  const ids = want.map((r) => r.event_id).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const idMeta = meta.filter((m) => m.col === 'event_id');
  checkEq(idMeta.reduce((a, m) => (a === null || m.min < a ? m.min : a), null), ids[0], 'event_id min statistic');
  checkEq(idMeta.reduce((a, m) => (a === null || m.max > a ? m.max : a), null), ids[ids.length - 1], 'event_id max statistic');
}

// ---- 1. a crafted date: dedup, ordering, every quarantine reason --------------
const valid = [];      // {row, file, line}
const badWant = [];    // {file, line, reason}
const files1 = { 'part-00000.ndjson': [], 'part-00001.ndjson': [] };
function add(file, o, reason) {
  const e = o.line !== undefined ? { line: o.line } : event(o);
  files1[file].push(e.line);
  const line = files1[file].length;
  if (reason) badWant.push({ file, line, reason });
  else valid.push({ row: e.row, file, line });
}
const F0 = 'part-00000.ndjson', F1 = 'part-00001.ndjson';
// Plain events, some sharing an event_time (then ordered by event_id).
add(F0, { id: 'b-same-time', et: ts(D1, 3, 0), it: ts(D1, 3, 10) });
add(F0, { id: 'a-same-time', et: ts(D1, 3, 0), it: ts(D1, 3, 11) });
add(F0, { id: 'late-event', et: ts('2026-02-01', 1, 5), it: ts(D1, 0, 1) });  // late: event_time days before
add(F0, { id: 'nulls', et: ts(D1, 4, 0), it: ts(D1, 4, 1), tenant: null, user: null, source: null });
add(F0, { id: 'empties', et: ts(D1, 4, 2), it: ts(D1, 4, 3), tenant: '', user: '' });
add(F0, { id: 'utf8-é', et: ts(D1, 5, 0), it: ts(D1, 5, 1), user: 'Zoë 東京 🚀', payload: '{"order_id":"ö-1","note":"naïve ☃"}' });
add(F0, { id: 'escapes', et: ts(D1, 5, 2), it: ts(D1, 5, 3), user: 'quote " back \\ tab \t nl \n',
          payload: '{"order_id":"x","s":"a\\"b\\\\c\\u00e9\\n"}' });
add(F0, { id: 'no-checksum', et: ts(D1, 6, 0), it: ts(D1, 6, 1), checksum: null });
add(F0, { id: 'big', et: ts(D1, 6, 2), it: ts(D1, 6, 3), payload: JSON.stringify({ order_id: 'big', blob: 'x'.repeat(1100000) }) });
add(F0, { id: 'offset-time', et: '2026-02-05T09:00:00.5+02:00', etUtc: '2026-02-05T07:00:00.500000Z', it: ts(D1, 7, 0) });
// Duplicates: later ingest first in the file; earliest ingest wins.
add(F0, { id: 'dup-ingest', et: ts(D1, 8, 0), it: ts(D1, 8, 30), amount: 2 });
add(F1, { id: 'dup-ingest', et: ts(D1, 8, 0), it: ts(D1, 8, 10), amount: 1 });  // wins (earlier ingest)
// Same ingest_time in both files: the first file by name wins.
add(F1, { id: 'dup-position', et: ts(D1, 9, 0), it: ts(D1, 9, 5), amount: 20 });
add(F0, { id: 'dup-position', et: ts(D1, 9, 0), it: ts(D1, 9, 5), amount: 10 });  // wins (file 0)
// Same ingest_time in one file: the first line wins.
add(F1, { id: 'dup-line', et: ts(D1, 10, 0), it: ts(D1, 10, 5), amount: 100 });  // wins
add(F1, { id: 'dup-line', et: ts(D1, 10, 0), it: ts(D1, 10, 5), amount: 200 });
add(F1, { id: 'dup-line', et: ts(D1, 10, 1), it: ts(D1, 10, 6), amount: 300 });
// Every quarantine reason, among good lines.
add(F1, { line: '' }, 'empty_line');
add(F1, { line: Buffer.from('{"event_id":"\xff\xfe"}', 'latin1') }, 'invalid_utf8');
add(F1, { line: '{"event_id":"x",' }, 'invalid_json');
add(F1, { line: '[1,2,3]' }, 'not_an_object');
add(F1, { id: 'q-missing', et: ts(D1, 11, 0), it: ts(D1, 11, 1), raw: (l) => l.replace(/"event_time":"[^"]*",/, '') }, 'missing_field:event_time');
add(F1, { id: 'q-type', et: ts(D1, 11, 0), it: ts(D1, 11, 1), raw: (l) => l.replace('"schema_version":1', '"schema_version":"1"') }, 'bad_type:schema_version');
add(F1, { id: 'q-time', et: '2026-02-30T00:00:00.000000Z', it: ts(D1, 11, 1), raw: (l) => l }, 'bad_time:event_time');
add(F1, { id: '', et: ts(D1, 11, 0), it: ts(D1, 11, 1) }, 'empty_field:event_id');
add(F1, { id: 'q-dupfield', et: ts(D1, 11, 0), it: ts(D1, 11, 1), raw: (l) => l.replace('{"event_id":"q-dupfield"', '{"event_id":"q-dupfield","event_id":"again"') }, 'duplicate_field:event_id');
add(F1, { id: 'q-checksum', et: ts(D1, 11, 0), it: ts(D1, 11, 1), checksum: sha256('something else') }, 'checksum_mismatch');
add(F1, { id: 'q-otherday', et: ts(D1, 11, 0), it: ts(D2, 0, 1) }, 'ingest_date_mismatch');
add(F1, { id: 'after-bad', et: ts(D1, 12, 0), it: ts(D1, 12, 1) });
const dir1 = writeDate(D1, files1);
// In-progress and hidden files are never read.
fs.writeFileSync(path.join(dir1, '.part-00002.ndjson.tmp'), event({ id: 'hidden', et: ts(D1, 1, 0), it: ts(D1, 1, 0) }).line + '\n{garbage\n');
fs.writeFileSync(path.join(dir1, 'notes.txt'), 'not raw\n');

const want1 = expectedRows(valid);
{
  const reports = runJson(['--date', D1]);
  checkEq(reports.length, 1, 'one JSON object for one date');
  const r = reports[0] || {};
  checkEq([r.date, r.rows_in, r.duplicates_removed, r.quarantined, r.rows_out, r.output_files],
    [D1, valid.length + badWant.length, valid.length - want1.length, badWant.length, want1.length, 1], 'date report counts');
  const files = partFiles(dateDir(PQ, D1));
  checkEq(files.length, 1, 'one part file');
  await checkRows(files, want1, 'crafted date');
  await checkMetadata(files[0], 'ZSTD', want1);
  // Quarantine: file, line and reason of every rejected line.
  const qfile = path.join(QD, 'events', 'raw-to-parquet', `ingest_date=${D1}`, 'part-00000.ndjson');
  const q = fs.readFileSync(qfile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  checkEq(q.map((x) => ({ file: path.basename(x.source.file), line: x.source.line, reason: x.reason })), badWant,
    'quarantine records (file, line, reason)');
  check(q.every((x) => x.stage === 'raw-to-parquet' && x.ingest_date === D1), 'quarantine stage and date');
  check(q.some((x) => x.original_base64), 'invalid UTF-8 kept as base64');
  const manifest = JSON.parse(fs.readFileSync(path.join(PQ, 'events', '_evpipe', `ingest_date=${D1}.json`), 'utf8'));
  checkEq(manifest.inputs, [{ file: F0, size: fs.statSync(path.join(dir1, F0)).size }, { file: F1, size: fs.statSync(path.join(dir1, F1)).size }], 'manifest inputs');
  checkEq([manifest.rows_in, manifest.duplicates_removed, manifest.quarantined, manifest.rows_out],
    [r.rows_in, r.duplicates_removed, r.quarantined, r.rows_out], 'manifest counts');

  // 2. Idempotent: a re-run gives byte-identical files and the same quarantine count.
  const before = snapshot(dateDir(PQ, D1));
  const again = runJson(['--date', D1])[0] || {};
  checkEq(snapshot(dateDir(PQ, D1)), before, 're-run: byte-identical date directory');
  checkEq(again.quarantined, badWant.length, 're-run: quarantine not double counted');
  checkEq(fs.readFileSync(qfile, 'utf8').trim().split('\n').length, badWant.length, 're-run: quarantine file replaced');
}

// ---- 3. codecs and ROWS_PER_FILE ---------------------------------------------
for (const [codec, name] of [['snappy', 'SNAPPY'], ['uncompressed', 'UNCOMPRESSED']]) {
  const out = path.join(tmp, `pq-${codec}`);
  const r = spawnSync(BIN, ['raw-to-parquet', '--date', D1, '--raw-dir', RAW, '--parquet-dir', out, '--quarantine-dir', QD,
    '--codec', codec, '--rows-per-file', '4'], { encoding: 'utf8', env: { ...process.env, EVPIPE_PROGRESS: '0' } });
  check(r.status === 0, `--codec ${codec}: ${r.stderr}`);
  const files = partFiles(dateDir(out, D1));
  checkEq(files.map((f) => canonical(path.basename(f))), Array.from({ length: Math.ceil(want1.length / 4) }, (_, i) => `part-${String(i).padStart(5, '0')}.parquet`), `${codec}: part names`);
  await checkRows(files, want1, `${codec}, 4 rows per file`);
  for (const f of files) {
    const n = await query(`SELECT count(*) AS n FROM read_parquet('${f}')`);
    check(Number(n[0].n) <= 4, `${f}: at most 4 rows`);
  }
  await checkMetadata(files[0], name, want1.slice(0, 4));
}

// ---- 4. --all: converts changed dates only -----------------------------------
{
  const d2 = [];
  for (let i = 0; i < 50; i++) d2.push(event({ id: `d2-${String(i).padStart(3, '0')}`, et: ts(D2, 1, i * 1000), it: ts(D2, 1, i * 1000 + 7) }));
  writeDate(D2, { 'part-00000.ndjson': d2.map((e) => e.line) });
  const first = runJson(['--all']);
  checkEq(first.map((r) => [r.date, r.skipped]), [[D1, true], [D2, false]], '--all: D1 unchanged since --date, D2 converted');
  checkEq(first[1] && first[1].rows_out, 50, '--all: D2 rows');
  const snap1 = snapshot(dateDir(PQ, D1)), snap2 = snapshot(dateDir(PQ, D2));
  const second = runJson(['--all']);
  checkEq(second.map((r) => [r.date, r.skipped]), [[D1, true], [D2, true]], '--all again: both skipped');
  checkEq(second[0] && second[0].rows_out, want1.length, 'skipped date reports its manifest counts');
  // A new raw file for D2 redoes D2 only.
  const more = [event({ id: 'd2-000', et: ts(D2, 1, 0), it: ts(D2, 1, 1) }), event({ id: 'd2-new', et: ts(D2, 2, 0), it: ts(D2, 2, 1) })];
  fs.writeFileSync(path.join(RAW, 'events', `ingest_date=${D2}`, 'part-00001.ndjson'), more.map((e) => e.line + '\n').join(''));
  const third = runJson(['--all']);
  checkEq(third.map((r) => [r.date, r.skipped]), [[D1, true], [D2, false]], '--all after new file: D2 redone');
  checkEq(third[1] && [third[1].rows_in, third[1].duplicates_removed, third[1].rows_out], [52, 1, 51], 'D2 counts after new file');
  checkEq(snapshot(dateDir(PQ, D1)), snap1, 'D1 untouched by --all');
  check(JSON.stringify(snapshot(dateDir(PQ, D2))) !== JSON.stringify(snap2), 'D2 output replaced');
  await checkRows(partFiles(dateDir(PQ, D2)), expectedRows([...d2.map((e, i) => ({ row: e.row, file: 'a', line: i })),
    ...more.map((e, i) => ({ row: e.row, file: 'b', line: i }))]), 'D2 after --all');
  // A changed option (rows per file) redoes every date.
  const fourth = runJson(['--all', '--rows-per-file', '1000']);
  checkEq(fourth.map((r) => r.skipped), [false, false], '--all with other --rows-per-file redoes all');
}

// ---- 5. bad DATE ---------------------------------------------------------------
for (const [date, code] of [['2026-13-01', 2], ['2026-02-30', 2], ['yesterday', 2], ['2026-02-07', 1]]) {
  const r = run(['--date', date]);
  checkEq(r.code, code, `--date ${date}: exit code`);
  checkEq(r.err.trim().split('\n').length, 1, `--date ${date}: one-line error (${r.err.trim()})`);
  check(r.out === '', `--date ${date}: nothing on stdout`);
}
check(!fs.existsSync(dateDir(PQ, '2026-02-07')), 'no output for a missing partition');

// ---- 6. SIGKILL at seeded moments leaves the old output or the new one, whole --
{
  const D3 = '2026-03-01';
  const N = 24000, lines = [], rows3 = [];
  for (let i = 0; i < N; i++) {
    const id = crypto.createHash('md5').update(`${SEED}-${i}`).digest('hex');
    const e = event({ id, et: ts(D3, (i * 7) % 24, i), it: ts(D3, 0, i * 1000), payload: JSON.stringify({ order_id: `o-${i % 5000}`, i, pad: 'p'.repeat(i % 300) }) });
    lines.push(e.line);
    rows3.push({ row: e.row, file: i < N / 2 ? 0 : 1, line: i });
  }
  writeDate(D3, { 'part-00000.ndjson': lines.slice(0, N / 2) });
  run(['--date', D3]);
  const oldSnap = snapshot(dateDir(PQ, D3));
  // The new output, built once without interruption elsewhere.
  writeDate(D3, { 'part-00001.ndjson': lines.slice(N / 2) });
  const ref = path.join(tmp, 'pq-ref');
  const t0 = process.hrtime.bigint();
  spawnSync(BIN, ['raw-to-parquet', '--date', D3, '--raw-dir', RAW, '--parquet-dir', ref, '--quarantine-dir', path.join(tmp, 'q-ref')],
    { env: { ...process.env, EVPIPE_PROGRESS: '0' } });
  const fullMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const newSnap = snapshot(dateDir(ref, D3));
  check(oldSnap && newSnap && JSON.stringify(oldSnap) !== JSON.stringify(newSnap), 'kill test: old and new outputs differ');
  let sawOld = 0, sawNew = 0;
  for (let k = 0; k < 8; k++) {
    const delay = rand() * fullMs * 1.1;
    const child = spawn(BIN, ['raw-to-parquet', '--date', D3, '--raw-dir', RAW, '--parquet-dir', PQ, '--quarantine-dir', QD],
      { env: { ...process.env, EVPIPE_PROGRESS: '0' }, stdio: 'ignore' });
    const exited = new Promise((res) => child.once('exit', res));  // before it can exit
    await new Promise((res) => setTimeout(res, delay));
    child.kill('SIGKILL');
    await exited;
    const now = JSON.stringify(snapshot(dateDir(PQ, D3)));
    const isOld = now === JSON.stringify(oldSnap), isNew = now === JSON.stringify(newSnap);
    check(isOld || isNew, `kill #${k} after ${delay.toFixed(1)} ms: date is neither the old nor the new output: ${now}`);
    sawOld += isOld; sawNew += isNew;
    if (isNew) {  // put the old output back for the next round
      fs.rmSync(dateDir(PQ, D3), { recursive: true });
      fs.rmSync(path.join(RAW, 'events', `ingest_date=${D3}`, 'part-00001.ndjson'));
      run(['--date', D3]);
      writeDate(D3, { 'part-00001.ndjson': lines.slice(N / 2) });
    }
  }
  console.log(`job_test: kills left the old output ${sawOld} times, the new one ${sawNew} times (full run ${fullMs.toFixed(0)} ms)`);
  const r = run(['--date', D3]);
  check(r.code === 0, `run after kills: ${r.err}`);
  checkEq(snapshot(dateDir(PQ, D3)), newSnap, 'run after kills: the new output, byte-identical');
  const hidden = fs.readdirSync(path.join(PQ, 'events')).filter((n) => n.startsWith('.') && n !== '.raw-to-parquet.lock');
  checkEq(hidden, [], 'run after kills: leftovers cleaned');
  await checkRows(partFiles(dateDir(PQ, D3)), expectedRows(rows3), 'kill test output');
}

if (failures === 0) {
  fs.rmSync(tmp, { recursive: true, force: true });
  console.log('job_test: all checks passed');
} else {
  console.error(`job_test: ${failures} failed checks (kept ${tmp})`);
  process.exit(1);
}

// The interop readers (tests/interop/readers.mjs): DuckDB, hyparquet and
// parquet-wasm each read the files; every one must return exactly the rows.
async function loadInteropHarness() {
  const r = await import(path.join(SRC, 'tests/interop/readers.mjs'));
  const INT = new Set(['schema_version', 'event_time', 'ingest_time']);
  return {
    async check(files, want, cols) {
      const columns = cols.map((name) => ({ name, kind: INT.has(name) ? 'int' : 'string' }));
      const wantLines = want.map((row) => r.canonicalLine(columns, cols.map((c) => row[c])));
      const problems = [];
      for (const reader of r.READERS) {
        const got = [];
        try {
          for (const f of files) got.push(...(await r.readWith(reader, f)).lines);
        } catch (e) {
          problems.push(`${reader} failed: ${e.message}`);
          continue;
        }
        const d = r.firstDifference(wantLines, got);
        if (d) problems.push(`${reader} rows differ from the input at row ${d.line} (${got.length} vs ${wantLines.length} rows)\n` + r.showDifference(d, 'want', reader).slice(0, 3000));
      }
      return problems;
    },
  };
}
