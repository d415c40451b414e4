// `evpipe console` in a real headless Chromium. Starts `evpipe broker` on free
// ports, produces a known number of records into two partitions, consumes part
// of them in a group (committing), lands a small lake (gen + raw-to-parquet),
// starts the console and checks that the page and the JSON API show the topic,
// the group and its lag, the records and the lake; then the faults: an unknown
// group, a group with no offsets, a topic deleted under the running console, an
// unreachable broker and data dirs that do not exist.
// Run by CTest (EVPIPE_BIN, EVPIPE_SOURCE_DIR, EVPIPE_BUILD_DIR). Every wait is bounded;
// every process it starts is stopped by pid, also when a step fails.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

const BIN = process.env.EVPIPE_BIN;
const SRC = process.env.EVPIPE_SOURCE_DIR || process.cwd();
const BUILD = process.env.EVPIPE_BUILD_DIR || path.join(SRC, 'build/release');
if (!BIN) throw new Error('EVPIPE_BIN is not set');
const CHROMIUM = '/usr/bin/chromium';
if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run scripts/deps.sh (Debian package chromium)`);
const require = createRequire(path.join(SRC, 'tests/node/package.json'));
const { chromium } = require('playwright-core');
const { Kafka, logLevel } = require('kafkajs');
const { DuckDBInstance } = await import(require.resolve('@duckdb/node-api'));

const TOPIC = 'console-t';
const PER_PARTITION = [20, 10];   // records produced into partitions 0 and 1
const CONSUMED = [12, 3];         // read and committed by group console-lag
const GROUP = 'console-lag';
const IDLE_GROUP = 'console-idle';  // a member that has committed nothing
const DOOMED = 'console-doomed';    // deleted while the console runs
const LAKE_ORDERS = 40;

let failures = 0;
let checks = 0;
function check(cond, what) {
  checks++;
  if (!cond) {
    failures++;
    console.error(`FAIL: ${what}`);
  }
}
function checkEq(got, want, what) {
  const g = JSON.stringify(got), w = JSON.stringify(want);
  check(g === w, `${what}\n  got:  ${g}\n  want: ${w}`);
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'evpipe-console-test-'));
const children = [];
function stopAll() {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) {
      try { process.kill(c.pid, 'SIGTERM'); } catch (e) { /* gone */ }
    }
  }
}
process.on('exit', stopAll);

function run(args, what) {
  const r = spawnSync(BIN, args, { encoding: 'utf8', timeout: 60000 });
  if (r.status !== 0) throw new Error(`${what}: evpipe ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return r.stdout;
}

function start(args, name) {
  const log = fs.openSync(path.join(tmp, `${name}.log`), 'w');
  const child = spawn(BIN, args, { stdio: ['ignore', log, log] });
  children.push(child);
  return child;
}

async function waitFor(what, fn, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function readyFile(file, child, what) {
  return waitFor(`${what} to be ready (${file})`, () => {
    if (child.exitCode !== null) throw new Error(`${what} exited ${child.exitCode}; see ${tmp}`);
    try { return JSON.parse(fs.readFileSync(file, 'utf8')); } catch (e) { return null; }
  });
}

async function getJson(base, p) {
  const res = await fetch(base + p, { signal: AbortSignal.timeout(15000) });
  return { status: res.status, body: await res.json() };
}

let browser = null;
try {
  // ---- a broker, a topic with a known number of records, a group part-way through it ----
  const broker = start(['broker', '--data-dir', path.join(tmp, 'broker'), '--listen', '127.0.0.1:0',
    '--admin-listen', '127.0.0.1:0', '--no-auto-create-topics', '--ready-file', path.join(tmp, 'broker.ready')], 'broker');
  const bootstrap = (await readyFile(path.join(tmp, 'broker.ready'), broker, 'evpipe broker')).kafka;
  run(['topic', 'create', '--bootstrap', bootstrap, '--topic', TOPIC, '--partitions', '2'], 'create topic');
  const records = [];
  PER_PARTITION.forEach((n, p) => {
    for (let i = 0; i < n; ++i) {
      const value = JSON.stringify({ event_id: `e-${p}-${i}`, event_type: 'order_created', payload: { order_id: `o-${i}`, n: i } });
      records.push(JSON.stringify({ key: `k-${p}-${i}`, value, partition: p }));
    }
  });
  fs.writeFileSync(path.join(tmp, 'records.json'), records.join('\n') + '\n');
  run(['produce', '--bootstrap', bootstrap, '--topic', TOPIC, '--from', path.join(tmp, 'records.json'), '--format', 'json'], 'produce');
  CONSUMED.forEach((n, p) => run(['consume', '--bootstrap', bootstrap, '--topic', TOPIC, '--group', GROUP,
    '--partition', String(p), '--from-beginning', '--count', String(n)], `consume ${n} of partition ${p}`));
  // A running member of another group that has read (and so committed) nothing.
  const idle = start(['consume', '--bootstrap', bootstrap, '--topic', TOPIC, '--group', IDLE_GROUP], 'idle-consumer');
  run(['topic', 'create', '--bootstrap', bootstrap, '--topic', DOOMED, '--partitions', '1'], 'create doomed topic');
  fs.writeFileSync(path.join(tmp, 'doomed.json'), '{"key":"a","value":"one"}\n{"key":"b","value":"two"}\n');
  run(['produce', '--bootstrap', bootstrap, '--topic', DOOMED, '--from', path.join(tmp, 'doomed.json'), '--format', 'json'], 'produce doomed');

  // ---- a small lake: gen writes the raw layout, raw-to-parquet compacts it ----
  const gen = path.join(tmp, 'gen'), pq = path.join(tmp, 'parquet'), qd = path.join(tmp, 'quarantine');
  run(['gen', '--orders', String(LAKE_ORDERS), '--seed', '7', '--topic', TOPIC, '--gen-dir', gen, '--poison-rate', '0.05'], 'gen');
  run(['raw-to-parquet', '--all', '--topic', TOPIC, '--raw-dir', gen, '--parquet-dir', pq, '--quarantine-dir', qd], 'raw-to-parquet');

  // ---- the console ----
  const consoleProc = start(['console', '--port', '0', '--bootstrap', bootstrap, '--topic', TOPIC, '--raw-dir', gen,
    '--parquet-dir', pq, '--quarantine-dir', qd, '--broker-data-dir', path.join(tmp, 'broker'),
    '--broker-timeout', '2', '--ready-file', path.join(tmp, 'console.ready')], 'console');
  const base = (await readyFile(path.join(tmp, 'console.ready'), consoleProc, 'evpipe console')).url.replace(/\/$/, '');
  console.log(`console_browser_test: broker ${bootstrap}, console ${base}, data in ${tmp}`);

  // The JSON API first: it is what the page renders.
  const topics = await getJson(base, '/api/topics');
  checkEq(topics.status, 200, '/api/topics status');
  const t = topics.body.topics.find((x) => x.topic === TOPIC);
  check(t, `/api/topics lists ${TOPIC}`);
  if (t) {
    checkEq(t.partitions.map((p) => [p.partition, p.log_start, p.log_end, p.records]),
      PER_PARTITION.map((n, p) => [p, 0, n, n]), 'partitions with log start/end and record counts');
    checkEq(t.records, PER_PARTITION[0] + PER_PARTITION[1], 'topic record count');
    check(t.bytes > 0, `size on disk from the broker's data dir: ${t.bytes}`);
  }
  const wantLag = PER_PARTITION.map((n, p) => n - CONSUMED[p]);
  const totalLag = wantLag[0] + wantLag[1];
  const group = await getJson(base, `/api/groups/${GROUP}`);
  checkEq(group.status, 200, `/api/groups/${GROUP} status`);
  checkEq(group.body.partitions.map((p) => [p.topic, p.partition, p.committed, p.log_end, p.lag]),
    PER_PARTITION.map((n, p) => [TOPIC, p, CONSUMED[p], n, wantLag[p]]), 'committed offsets and lag per partition');
  checkEq(group.body.total_lag, totalLag, 'total lag');
  const groups = await getJson(base, '/api/groups');
  check(groups.body.groups.some((g) => g.group === GROUP), `/api/groups lists ${GROUP}: ${JSON.stringify(groups.body)}`);
  const idleGroup = await waitFor(`${IDLE_GROUP} to have a member with partitions`, async () => {
    const g = await getJson(base, `/api/groups/${IDLE_GROUP}`);
    return g.status === 200 && g.body.members.length === 1 && g.body.partitions.length === 2 ? g : null;
  });
  checkEq(idleGroup.body.partitions.map((p) => [p.committed, p.lag, p.lag_from_log_start]),
    PER_PARTITION.map((n) => [null, n, true]), 'a group with no offsets: lag from the log start, said so');
  const unknown = await getJson(base, '/api/groups/no-such-group');
  checkEq(unknown.status, 404, 'an unknown group is 404');
  check(/no-such-group/.test(unknown.body.error || ''), `the error names the group: ${unknown.body.error}`);

  const some = await getJson(base, `/api/records?topic=${TOPIC}&partition=1&offset=5&limit=3`);
  checkEq(some.status, 200, '/api/records status');
  checkEq(some.body.records.map((r) => [r.offset, r.key]), [[5, 'k-1-5'], [6, 'k-1-6'], [7, 'k-1-7']], 'records from an offset');
  checkEq(JSON.parse(some.body.records[0].value).payload.n, 5, 'the record value is the produced JSON');
  checkEq(some.body.next_offset, 8, 'next_offset');
  const tail = await getJson(base, `/api/records?topic=${TOPIC}&partition=0&limit=4`);
  checkEq(tail.body.records.map((r) => r.offset), [16, 17, 18, 19], 'the last N records');
  const past = await getJson(base, `/api/records?topic=${TOPIC}&partition=0&offset=500`);
  checkEq([past.status, past.body.records.length], [200, 0], 'an offset past the end: no records');
  check(/outside the partition/.test(past.body.notes.join(' ')), `and a note says so: ${past.body.notes}`);
  const noPartition = await getJson(base, `/api/records?topic=${TOPIC}&partition=9`);
  checkEq(noPartition.status, 404, 'a partition that does not exist is 404');
  const noTopic = await getJson(base, '/api/records?topic=never-made');
  checkEq(noTopic.status, 404, 'a topic that does not exist is 404');

  const lake = await getJson(base, '/api/lake');
  checkEq(lake.status, 200, '/api/lake status');
  // Independent counts: raw lines by reading the files, Parquet rows by DuckDB.
  let rawLines = 0;
  for (const d of fs.readdirSync(path.join(gen, TOPIC))) {
    for (const f of fs.readdirSync(path.join(gen, TOPIC, d))) {
      if (f.endsWith('.ndjson')) rawLines += fs.readFileSync(path.join(gen, TOPIC, d, f), 'utf8').split('\n').filter(Boolean).length;
    }
  }
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  const rows = await duck.runAndReadAll(`SELECT ingest_date::VARCHAR AS d, count(*)::INTEGER AS n FROM read_parquet('${pq}/${TOPIC}/*/*.parquet', hive_partitioning = true) GROUP BY 1 ORDER BY 1`);
  const duckRows = rows.getRowObjects().map((r) => [r.d, r.n]);
  checkEq(lake.body.total.raw_lines, rawLines, 'lake raw lines = lines in the files');
  checkEq(lake.body.dates.filter((d) => d.parquet.files > 0).map((d) => [d.date, d.parquet.rows]), duckRows, 'Parquet rows per date = DuckDB');
  check(lake.body.dates.length > 0 && lake.body.dates.every((d) => d.balance === 'ok'),
    `every date balances: ${lake.body.dates.map((d) => `${d.date}=${d.balance}`)}`);
  check(lake.body.total.quarantined > 0, `the poison lines are in the quarantine: ${lake.body.total.quarantined}`);

  // ---- the page, in Chromium ----
  const profile = fs.mkdtempSync(path.join(tmp, 'chromium-profile-'));
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1400, height: 1000 },
    timeout: 30000,
  });
  const page = browser.pages()[0] || await browser.newPage();
  page.setDefaultTimeout(15000);
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(String(e)));
  // (Chromium also logs every 4xx/5xx answer as "Failed to load resource"; the error cases cause those on purpose.)
  page.on('console', (m) => { if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) pageErrors.push(m.text()); });
  const offsite = [];
  page.on('request', (r) => { if (!r.url().startsWith(base)) offsite.push(r.url()); });

  await page.goto(base + '/');
  await page.waitForSelector('body[data-ready="1"]');
  const topicRow = page.locator(`#topics-table tr[data-topic="${TOPIC}"]`);
  await topicRow.waitFor();
  checkEq(await topicRow.locator('td[data-records]').textContent(), String(PER_PARTITION[0] + PER_PARTITION[1]), 'page: the topic\'s record count');
  const groupRow = page.locator(`#groups-table tr[data-group="${GROUP}"]`);
  await groupRow.waitFor();
  await page.waitForFunction(([g, lag]) => {
    const cell = document.querySelector(`#groups-table tr[data-group="${g}"] td[data-lag]`);
    return cell && cell.dataset.lag === String(lag);
  }, [GROUP, totalLag]);
  checkEq(await groupRow.locator('td[data-lag]').textContent(), String(totalLag), 'page: the group\'s total lag');
  await groupRow.click();
  await page.waitForFunction((g) => document.getElementById('group-name').textContent === g, GROUP);
  for (const [p, lag] of wantLag.entries()) {
    checkEq(await page.locator(`#group-partitions tr[data-partition="${TOPIC}/${p}"] td[data-lag]`).textContent(), String(lag), `page: lag of partition ${p}`);
  }
  await page.waitForSelector('#lag-chart svg polyline', { state: 'attached' });
  checkEq(await page.locator('#flow .stage').count(), 6, 'page: the pipeline strip has its six stages');
  // The lake per date, with a chart each.
  await page.waitForSelector('#lake-table tbody tr[data-date]');
  const pageDates = await page.locator('#lake-table tbody tr[data-date]').evaluateAll((rs) => rs.map((r) => r.dataset.date));
  checkEq(pageDates, lake.body.dates.map((d) => d.date), 'page: one lake row per date');
  checkEq(await page.locator('#lake-table tbody tr[data-date] svg').count(), pageDates.length, 'page: a chart per date');
  checkEq(await page.locator('#lake-table [data-balance="ok"]').count(), pageDates.length + 1, 'page: every date and the total balance');
  const reasons = await page.locator('#quarantine-reasons .chip').evaluateAll((cs) => cs.map((c) => c.dataset.reason).sort());
  checkEq(reasons, Object.keys(lake.body.total.quarantined_by_reason).sort(), 'page: the quarantine reasons');
  // The Iceberg table raw-to-parquet committed.
  check(lake.body.iceberg.snapshots.length >= 1 && lake.body.dates.every((d) => d.iceberg.rows === d.parquet.rows),
    `API: the Iceberg snapshot holds each date's Parquet rows: ${JSON.stringify(lake.body.iceberg)}`);
  checkEq(await page.locator('#iceberg-table tbody tr').count(), lake.body.iceberg.snapshots.length, 'page: the Iceberg snapshots');
  check(/every date agrees/.test(await page.locator('#iceberg-summary').textContent()), 'page: the table agrees with the files');
  // The record browser with pretty JSON.
  await page.locator(`#topics-table tr[data-topic="${TOPIC}"] .part`).nth(1).click();
  await page.waitForSelector(`#records-list[data-topic="${TOPIC}"][data-partition="1"] details.record`);
  checkEq(await page.locator('#records-list details.record').count(), PER_PARTITION[1], 'page: the records of partition 1');
  const pretty = await page.locator('#records-list details.record').first().locator('pre').textContent();
  check(pretty.includes('"event_id": "e-1-0"') && pretty.includes('\n  "payload": {\n    "order_id"'), `page: pretty JSON:\n${pretty}`);
  await page.screenshot({ path: path.join(BUILD, 'console-test.png'), fullPage: true });

  // A topic deleted under the running console.
  await page.selectOption('#rec-topic', DOOMED);
  await page.waitForSelector(`#records-list[data-topic="${DOOMED}"] details.record`);
  checkEq(await page.locator('#records-list details.record').count(), 2, 'page: the records of the doomed topic');
  const kafka = new Kafka({ brokers: [bootstrap], clientId: 'console-test', logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.deleteTopics({ topics: [DOOMED], timeout: 10000 });
  await admin.disconnect();
  await page.click('#records-form button[type=submit]');
  await page.waitForSelector('#records-error:not([hidden])');
  const gone = await page.locator('#records-error').textContent();
  check(/console-doomed does not exist/.test(gone), `page: a deleted topic is a clear message: ${gone}`);
  checkEq((await getJson(base, `/api/records?topic=${DOOMED}`)).status, 404, 'API: a deleted topic is 404');
  await page.waitForFunction((d) => !document.querySelector(`#topics-table tr[data-topic="${d}"]`), DOOMED, { timeout: 15000 });
  checkEq(pageErrors, [], 'no script errors on the page');
  checkEq(offsite, [], 'the page fetched nothing from elsewhere');

  // ---- an unreachable broker and data dirs that do not exist ----
  const deadPort = (() => { // a port nobody listens on: bind one, note it, close it
    const r = spawnSync(process.execPath, ['-e', "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"], { encoding: 'utf8', timeout: 10000 });
    return r.stdout.trim();
  })();
  const lost = start(['console', '--port', '0', '--bootstrap', `127.0.0.1:${deadPort}`, '--topic', TOPIC,
    '--raw-dir', path.join(tmp, 'none/raw'), '--parquet-dir', path.join(tmp, 'none/parquet'),
    '--quarantine-dir', path.join(tmp, 'none/quarantine'), '--broker-timeout', '1', '--ready-file', path.join(tmp, 'lost.ready')], 'lost-console');
  const lostBase = (await readyFile(path.join(tmp, 'lost.ready'), lost, 'second console')).url.replace(/\/$/, '');
  const began = Date.now();
  const down = await getJson(lostBase, '/api/topics');
  checkEq(down.status, 503, 'API: an unreachable broker is 503');
  check(/cannot reach a Kafka broker/.test(down.body.error), `API: and says so: ${down.body.error}`);
  check(Date.now() - began < 10000, `API: within the broker timeout, not a hang (${Date.now() - began} ms)`);
  checkEq((await getJson(lostBase, '/api/groups')).status, 503, 'API: groups with the broker unreachable');
  const noLake = await getJson(lostBase, '/api/lake');
  checkEq(noLake.status, 404, 'API: missing data dirs are 404');
  check(/no lake data/.test(noLake.body.error), `API: and say so: ${noLake.body.error}`);
  const page2 = await browser.newPage();
  await page2.goto(lostBase + '/');
  await page2.waitForSelector('#topics-error:not([hidden])');
  check(/cannot reach a Kafka broker/.test(await page2.locator('#topics-error').textContent()), 'page: the unreachable broker is a message');
  await page2.waitForSelector('#lake-error:not([hidden])');
  check(/no lake data/.test(await page2.locator('#lake-error').textContent()), 'page: missing data dirs are a message');
  await page2.waitForFunction(() => /unreachable/.test(document.getElementById('conn').textContent));
  check(await page2.locator('#flow .stage').count() > 0, 'page: not blank');
  await page2.screenshot({ path: path.join(BUILD, 'console-test-unreachable.png'), fullPage: true });

  process.kill(idle.pid, 'SIGTERM');
} catch (e) {
  failures++;
  console.error(`FAIL: ${e.stack || e}`);
} finally {
  if (browser) await browser.close().catch(() => {});
  stopAll();
  await new Promise((r) => setTimeout(r, 200));
  if (!process.env.EVPIPE_KEEP_TMP && failures === 0) fs.rmSync(tmp, { recursive: true, force: true });
}
console.log(`screenshot: ${path.join(BUILD, "console-test.png")}`);
console.log(`console_browser_test: ${Math.max(0, checks - failures)} passed, ${failures} failed`);
process.exit(failures === 0 ? 0 : 1);
