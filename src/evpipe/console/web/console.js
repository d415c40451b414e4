// evpipe console: renders the page from the JSON API (/api/...). No framework,
// nothing from the network; data is put into the page as text, never as HTML.
'use strict';

const REFRESH_MS = { topics: 5000, groups: 2000, lake: 10000 };
const LAG_SAMPLES = 180;  // 6 minutes at one sample every 2 s
const MAX_DESCRIBED = 12;  // groups described (lag) per refresh: the selected one and the first others

const state = {
  config: null,
  topics: null,          // /api/topics answer
  groups: [],            // /api/groups listing
  details: new Map(),    // group -> /api/groups/{id} answer (or {error})
  selectedGroup: null,
  lagHistory: new Map(), // group -> [{t, total, parts: {"topic/p": lag}}]
  lake: null,
  lakeTopic: null,
  records: { topic: null, partition: 0, from: null, last: null, seq: 0 },
  inFlight: new Set(),
};

// ---- small helpers -----------------------------------------------------------------

const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

function svg(tag, attrs, ...children) {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined) continue;
    if (k === 'text') node.textContent = v;
    else node.setAttribute(k, String(v));
  }
  for (const c of children.flat()) if (c) node.append(c);
  return node;
}

// One number formatter for the whole page: 12,345 for counts, 13.2 MB for bytes.
function fmtCount(n) {
  if (n === null || n === undefined) return 'n/a';
  return Number(n).toLocaleString('en-US');
}
function fmtBytes(n) {
  if (n === null || n === undefined) return 'n/a';
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = Number(n), i = 0;
  while (v >= 1000 && i < units.length - 1) { v /= 1000; ++i; }
  return (i === 0 ? String(v) : v.toFixed(v < 10 ? 2 : 1)) + ' ' + units[i];
}
function fmtTime(ms) {
  if (ms === null || ms === undefined || ms < 0) return 'n/a';
  return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

function showError(id, message) {
  const box = $(id);
  if (!box) return;
  if (message) { box.textContent = message; box.hidden = false; } else { box.textContent = ''; box.hidden = true; }
}

// GET /api/...: resolves to {ok, status, body}; never rejects, so that a
// section always shows either its data or why not.
async function api(path) {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), 15000);
  try {
    const res = await fetch(path, { signal: ctrl.signal, headers: { Accept: 'application/json' } });
    let body = null;
    try { body = await res.json(); } catch (e) { body = { error: `${path}: the console answered ${res.status} without JSON` }; }
    setServerUp(true);
    return { ok: res.ok, status: res.status, body };
  } catch (e) {
    setServerUp(false);
    const why = e.name === 'AbortError' ? 'no answer within 15 s' : 'the console server does not answer';
    return { ok: false, status: 0, body: { error: `${path}: ${why} (is \`evpipe console\` still running?)` } };
  } finally {
    clearTimeout(timer);
  }
}

function setServerUp(up) {
  const banner = $('banner');
  if (up) { banner.hidden = true; return; }
  banner.textContent = 'The console server does not answer: the page shows the last data it got. Start `make console` again.';
  banner.hidden = false;
}

function setBroker(ok, message) {
  const pill = $('conn');
  const where = state.config ? state.config.bootstrap : '';
  pill.className = 'pill ' + (ok ? 'ok' : 'bad');
  pill.textContent = ok ? `broker ${where}` : `broker ${where} unreachable`;
  pill.title = message || '';
  $('refreshed').textContent = 'updated ' + new Date().toLocaleTimeString('en-GB');
}

// Runs one refresh of a section unless the previous one is still running.
async function once(name, fn) {
  if (state.inFlight.has(name)) return;
  state.inFlight.add(name);
  try { await fn(); } catch (e) { console.error(name, e); } finally { state.inFlight.delete(name); }
}

// ---- topics --------------------------------------------------------------------------

async function refreshTopics() {
  const r = await api('/api/topics');
  if (!r.ok) {
    showError('topics-error', r.body.error);
    if (r.status === 503 || r.status === 0) setBroker(false, r.body.error);
    if (!state.topics) renderTopics();
    renderPipeline();
    return;
  }
  setBroker(true);
  showError('topics-error', null);
  state.topics = r.body;
  renderTopics();
  fillRecordTopics();
  renderPipeline();
}

function renderTopics() {
  const body = $('topics-table').tBodies[0];
  body.replaceChildren();
  const topics = state.topics ? state.topics.topics : [];
  if (state.topics && topics.length === 0) {
    body.append(el('tr', {}, el('td', { colspan: 5, class: 'muted', text: 'No topics yet: create one with `make topic`.' })));
  }
  for (const t of topics) {
    const parts = el('div', { class: 'parts' }, t.partitions.map((p) => el('span', {
      class: 'part', title: p.error || `leader ${p.leader}; click to browse its records`,
      onclick: () => browse(t.topic, p.partition),
    }, `p${p.partition}: ${p.log_start ?? '?'} … ${p.log_end ?? '?'} (${fmtCount(p.records)})`)));
    body.append(el('tr', { 'data-topic': t.topic },
      el('td', {}, el('b', { text: t.topic }), t.error ? el('div', { class: 'error', text: t.error }) : null),
      el('td', { class: 'num', text: fmtCount(t.partition_count) }),
      el('td', { class: 'num', 'data-records': t.records ?? '', text: fmtCount(t.records) }),
      el('td', { class: 'num', text: fmtBytes(t.bytes) }),
      el('td', {}, parts)));
  }
  $('topics-note').textContent = !state.topics ? '' : state.topics.sizes_from
    ? `Sizes on disk read from ${state.topics.sizes_from}.`
    : 'Sizes on disk: unknown (evpipe broker\'s data dir not found; pass --broker-data-dir).';
}

// ---- groups --------------------------------------------------------------------------

async function refreshGroups() {
  const r = await api('/api/groups');
  if (!r.ok) {
    showError('groups-error', r.body.error);
    if (r.status === 503 || r.status === 0) setBroker(false, r.body.error);
    renderGroups();
    renderPipeline();
    return;
  }
  showError('groups-error', null);
  state.groups = r.body.groups;
  const now = Date.now();
  const described = state.groups.filter((g) => g.group === state.selectedGroup)
    .concat(state.groups.filter((g) => g.group !== state.selectedGroup)).slice(0, MAX_DESCRIBED);
  await Promise.all(described.map(async (g) => {
    const d = await api('/api/groups/' + encodeURIComponent(g.group));
    state.details.set(g.group, d.ok ? d.body : { error: d.body.error });
    if (d.ok) recordLag(g.group, now, d.body);
  }));
  for (const name of [...state.details.keys()]) {
    if (!state.groups.some((g) => g.group === name) && name !== state.selectedGroup) state.details.delete(name);
  }
  if (state.selectedGroup && !state.groups.some((g) => g.group === state.selectedGroup)) {
    // Selected from the URL or gone since: ask for it directly to show why.
    const d = await api('/api/groups/' + encodeURIComponent(state.selectedGroup));
    state.details.set(state.selectedGroup, d.ok ? d.body : { error: d.body.error });
    if (d.ok) recordLag(state.selectedGroup, now, d.body);
  }
  if (!state.selectedGroup && state.groups.length) state.selectedGroup = pickSinkGroup() || state.groups[0].group;
  renderGroups();
  renderGroupDetail();
  renderPipeline();
}

function recordLag(group, t, d) {
  const parts = {};
  for (const p of d.partitions) if (p.lag !== null) parts[`${p.topic}/${p.partition}`] = p.lag;
  const h = state.lagHistory.get(group) || [];
  h.push({ t, total: d.total_lag, parts });
  while (h.length > LAG_SAMPLES) h.shift();
  state.lagHistory.set(group, h);
}

function groupTopics(d) {
  return d && d.partitions ? [...new Set(d.partitions.map((p) => p.topic))] : [];
}

// The group that reads the lake's topic: the pipeline's sink.
function pickSinkGroup() {
  const topic = state.lakeTopic || (state.config && state.config.topic);
  const readers = state.groups.filter((g) => groupTopics(state.details.get(g.group)).includes(topic));
  if (!readers.length) return null;
  const committed = (g) => state.details.get(g.group).partitions.some((p) => p.topic === topic && p.committed !== null);
  const score = (g) => (/sink/.test(g.group) ? 2 : 0) + (committed(g) ? 1 : 0);
  return readers.slice().sort((a, b) => score(b) - score(a))[0].group;
}

function stateClass(s) {
  if (s === 'Stable' || s === 'Empty') return 'ok';
  if (s === 'PreparingRebalance' || s === 'CompletingRebalance') return 'warn';
  return s === 'Dead' ? 'bad' : '';
}

function renderGroups() {
  const body = $('groups-table').tBodies[0];
  body.replaceChildren();
  if (!state.groups.length) {
    body.append(el('tr', {}, el('td', { colspan: 5, class: 'muted', text: 'No consumer groups yet: `make sink-raw` starts one.' })));
  }
  for (const g of state.groups) {
    const d = state.details.get(g.group);
    const lag = d && !d.error ? d.total_lag : null;
    body.append(el('tr', {
      class: 'clickable' + (g.group === state.selectedGroup ? ' selected' : ''), 'data-group': g.group,
      onclick: () => { state.selectedGroup = g.group; renderGroups(); renderGroupDetail(); },
    },
      el('td', {}, el('b', { text: g.group })),
      el('td', {}, el('span', { class: 'pill ' + stateClass(g.state), text: g.state })),
      el('td', { class: 'num', text: fmtCount(g.members) }),
      el('td', { text: d && d.error ? d.error : groupTopics(d).join(', ') || '(no offsets yet)' }),
      el('td', { class: 'num', 'data-lag': lag ?? '', text: lag === null ? 'n/a' : fmtCount(lag) })));
  }
}

function renderGroupDetail() {
  const box = $('group-detail');
  const name = state.selectedGroup;
  if (!name) { box.hidden = true; return; }
  box.hidden = false;
  $('group-name').textContent = name;
  const d = state.details.get(name);
  const body = $('group-partitions').tBodies[0];
  body.replaceChildren();
  if (!d || d.error) {
    showError('group-error', d ? d.error : 'loading…');
    $('group-state').textContent = '';
    $('group-members').textContent = '';
    drawLagChart([]);
    return;
  }
  showError('group-error', null);
  $('group-state').className = 'pill ' + stateClass(d.state);
  $('group-state').textContent = d.state;
  if (!d.partitions.length) {
    body.append(el('tr', {}, el('td', { colspan: 6, class: 'muted', text: 'This group has committed no offsets and has no assigned partitions.' })));
  }
  for (const p of d.partitions) {
    const lagText = p.lag === null ? 'n/a' : fmtCount(p.lag) + (p.lag_from_log_start ? ' *' : '');
    body.append(el('tr', { 'data-partition': `${p.topic}/${p.partition}` },
      el('td', { text: p.topic }),
      el('td', { class: 'num', text: p.partition }),
      el('td', { class: 'num', text: p.committed === null ? 'none' : fmtCount(p.committed) }),
      el('td', { class: 'num', text: fmtCount(p.log_end) }),
      el('td', { class: 'num', 'data-lag': p.lag ?? '', title: p.lag_from_log_start ? 'nothing committed: lag counted from the log start' : '', text: lagText }),
      el('td', { class: 'muted small', text: p.client_id ? `${p.client_id} (${p.host})` : '(unassigned)' })));
  }
  body.append(el('tr', {}, el('td', { colspan: 4, text: 'total lag' }),
    el('td', { class: 'num', id: 'group-total-lag', 'data-lag': d.total_lag, text: fmtCount(d.total_lag) }), el('td', {})));
  const members = d.members.map((m) => `${m.client_id || m.member_id} @ ${m.host} (${m.assignment.length} partitions)`);
  $('group-members').textContent = (members.length ? 'Members: ' + members.join('; ') : 'No members: nobody is consuming right now.')
    + (d.partitions.some((p) => p.lag_from_log_start) ? '   * nothing committed: lag from the log start.' : '');
  drawLagChart(state.lagHistory.get(name) || []);
}

// 1, 2, 5, 10, 20, 50, ...: the smallest such number >= v.
function niceCeil(v) {
  if (v <= 1) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

// A line chart of the total lag (thick) and each partition's (thin), with a legend.
function drawLagChart(history) {
  const W = 480, H = 200, L = 52, R = 12, T = 22, B = 24;
  const box = $('lag-chart');
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: '100%', role: 'img', 'aria-label': 'lag over time' });
  if (history.length === 0) {
    root.append(svg('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle', text: 'no samples yet' }));
    box.replaceChildren(root);
    return;
  }
  const t0 = history[0].t, t1 = Math.max(history[history.length - 1].t, t0 + 60000);
  const top = niceCeil(Math.max(...history.map((h) => h.total)) * 1.1);
  const x = (t) => L + (W - L - R) * (t - t0) / (t1 - t0);
  const y = (v) => T + (H - T - B) * (1 - v / top);
  const steps = Math.min(4, top);
  for (let i = 0; i <= steps; ++i) {
    const v = top * i / steps;
    root.append(svg('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: '#eaeef2' }));
    root.append(svg('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end', text: fmtCount(Math.round(v)) }));
  }
  root.append(svg('text', { x: L, y: H - 6, text: 'since ' + new Date(t0).toLocaleTimeString('en-GB') }));
  root.append(svg('text', { x: W - R, y: H - 6, 'text-anchor': 'end', text: new Date(history[history.length - 1].t).toLocaleTimeString('en-GB') }));
  const keys = [...new Set(history.flatMap((h) => Object.keys(h.parts)))].sort();
  const palette = ['#f59e0b', '#10b981', '#a855f7', '#ef4444', '#06b6d4', '#84cc16'];
  const legend = [['total', '#1f6feb']];
  keys.forEach((k, i) => {
    const color = palette[i % palette.length];
    const pts = history.filter((h) => k in h.parts).map((h) => `${x(h.t).toFixed(1)},${y(h.parts[k]).toFixed(1)}`);
    if (pts.length) root.append(svg('polyline', { points: pts.join(' '), fill: 'none', stroke: color, 'stroke-width': 1.3, 'stroke-dasharray': '4 2' }));
    legend.push([k, color]);
  });
  const pts = history.map((h) => `${x(h.t).toFixed(1)},${y(h.total).toFixed(1)}`);
  root.append(svg('polyline', { points: pts.join(' '), fill: 'none', stroke: '#1f6feb', 'stroke-width': 2.4 }));
  const last = history[history.length - 1];
  root.append(svg('circle', { cx: x(last.t), cy: y(last.total), r: 3.5, fill: '#1f6feb' }));
  root.append(svg('text', { x: x(last.t) + 6 > W - 60 ? x(last.t) - 6 : x(last.t) + 6, y: y(last.total) - 6,
    'text-anchor': x(last.t) + 6 > W - 60 ? 'end' : 'start', text: fmtCount(last.total) }));
  let lx = L;
  for (const [name, color] of legend.slice(0, 7)) {
    root.append(svg('line', { x1: lx, x2: lx + 14, y1: 9, y2: 9, stroke: color, 'stroke-width': name === 'total' ? 2.4 : 1.3 }));
    const label = svg('text', { x: lx + 18, y: 13, text: name });
    root.append(label);
    lx += 26 + name.length * 6.2;
  }
  box.replaceChildren(root);
}

// ---- lake ----------------------------------------------------------------------------

async function refreshLake() {
  const topic = state.lakeTopic || state.config.topic;
  const r = await api('/api/lake?topic=' + encodeURIComponent(topic));
  if (!r.ok) {
    state.lake = null;
    showError('lake-error', r.body.error);
    fillLakeTopics(r.body.topics || []);
    renderLake();
    renderPipeline();
    return;
  }
  showError('lake-error', null);
  state.lake = r.body;
  fillLakeTopics(r.body.topics);
  renderLake();
  renderPipeline();
}

function fillLakeTopics(topics) {
  const sel = $('lake-topic');
  const current = state.lakeTopic || state.config.topic;
  const all = [...new Set([current, ...topics])].sort();
  if ([...sel.options].map((o) => o.value).join() === all.join()) return;
  sel.replaceChildren(...all.map((t) => el('option', { value: t, selected: t === current }, t)));
}

const LAKE_PARTS = [
  ['Parquet rows', 'c-parquet', (d) => d.parquet.rows],
  ['duplicates removed', 'c-dups', (d) => d.duplicates_removed],
  ['quarantined', 'c-quar', (d) => d.quarantine.lines],
  ['not converted yet', 'c-pending', (d) => d.balance === 'pending' ? d.raw.lines : 0],
];

function balancePill(b) {
  const text = { ok: 'balances', pending: 'not converted yet', mismatch: 'MISMATCH', 'quarantine-only': 'quarantine only', empty: 'empty' }[b] || b;
  return el('span', { class: 'pill ' + ({ ok: 'ok', pending: 'warn', mismatch: 'bad' }[b] || ''), 'data-balance': b, text });
}

// One stacked bar per date: where its records went, scaled to the largest date.
function dateBar(d, scale) {
  const W = 200, H = 16;
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: '100%', height: H, preserveAspectRatio: 'none', role: 'img', class: 'bar' });
  let x = 0;
  const title = [];
  for (const [name, cls, value] of LAKE_PARTS) {
    const v = value(d);
    if (!v) continue;
    const w = Math.max(1, W * v / scale);
    root.append(svg('rect', { x, y: 2, width: w, height: H - 4, rx: 2, class: cls }));
    x += w;
    title.push(`${name}: ${fmtCount(v)}`);
  }
  root.append(svg('title', { text: title.join(', ') }));
  return root;
}

function renderLake() {
  const L = state.lake;
  const body = $('lake-table').tBodies[0];
  const foot = $('lake-table').tFoot;
  body.replaceChildren();
  foot.replaceChildren();
  $('lake-legend').replaceChildren(...LAKE_PARTS.map(([name, cls]) => el('span', {}, el('span', { class: 'swatch ' + cls }), name)));
  $('quarantine-reasons').replaceChildren();
  $('iceberg').replaceChildren();
  if (!L) { $('lake-dirs').textContent = ''; return; }
  const missing = [L.raw, L.parquet, L.quarantine].filter((d) => !d.exists).map((d) => d.dir);
  $('lake-dirs').textContent = `raw ${L.raw.dir} · Parquet ${L.parquet.dir} · quarantine ${L.quarantine.dir}`
    + (missing.length ? `   (not there yet: ${missing.join(', ')})` : '');
  const scale = Math.max(1, ...L.dates.map((d) => LAKE_PARTS.reduce((s, [, , v]) => s + v(d), 0)));
  if (!L.dates.length) body.append(el('tr', {}, el('td', { colspan: 11, class: 'muted', text: 'No dates yet.' })));
  for (const d of L.dates) {
    body.append(el('tr', { 'data-date': d.date },
      el('td', { class: 'nowrap' }, el('b', { text: d.date })),
      el('td', { class: 'num', text: fmtCount(d.raw.lines) }),
      el('td', { class: 'num', text: fmtCount(d.raw.files) }),
      el('td', { class: 'num', text: fmtBytes(d.raw.bytes) }),
      el('td', { class: 'num', text: fmtCount(d.parquet.rows) }),
      el('td', { class: 'num', text: fmtCount(d.parquet.files) }),
      el('td', { class: 'num', text: fmtBytes(d.parquet.bytes) }),
      el('td', { class: 'num', text: fmtCount(d.duplicates_removed) }),
      el('td', { class: 'num', title: Object.entries(d.quarantine.by_reason).map(([k, v]) => `${k}: ${v}`).join('\n'), text: fmtCount(d.quarantine.lines) }),
      el('td', { class: 'barcell' }, dateBar(d, scale)),
      el('td', {}, balancePill(d.balance))));
  }
  const t = L.total;
  const bad = L.dates.filter((d) => d.balance === 'mismatch').length;
  const pending = L.dates.filter((d) => d.balance === 'pending').length;
  foot.append(el('tr', {},
    el('td', { text: 'total' }), el('td', { class: 'num', text: fmtCount(t.raw_lines) }),
    el('td', { class: 'num', text: fmtCount(t.raw_files) }), el('td', { class: 'num', text: fmtBytes(t.raw_bytes) }),
    el('td', { class: 'num', text: fmtCount(t.parquet_rows) }), el('td', { class: 'num', text: fmtCount(t.parquet_files) }),
    el('td', { class: 'num', text: fmtBytes(t.parquet_bytes) }), el('td', { class: 'num', text: fmtCount(t.duplicates_removed) }),
    el('td', { class: 'num', text: fmtCount(t.quarantined) }), el('td', {}),
    el('td', {}, balancePill(bad ? 'mismatch' : pending ? 'pending' : 'ok'))));
  const reasons = Object.entries(t.quarantined_by_reason).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  $('quarantine-reasons').replaceChildren(...(reasons.length
    ? reasons.map(([reason, n]) => el('span', { class: 'chip', 'data-reason': reason }, el('code', { text: reason }), el('b', { text: fmtCount(n) })))
    : [el('span', { class: 'muted', text: 'Nothing quarantined.' })]));
  renderIceberg(L.iceberg, L.dates);
}

function renderIceberg(ice, dates) {
  const box = $('iceberg');
  if (!ice.exists) {
    box.append(el('p', { class: 'muted', text: 'No Iceberg table yet (metadata/ under the Parquet topic directory appears once raw-to-parquet commits one).' }));
    return;
  }
  if (ice.error) box.append(el('div', { class: 'error', text: ice.error }));
  if (!ice.snapshots.length) { box.append(el('p', { class: 'muted', text: ice.error ? '' : 'The table has no snapshot yet.' })); return; }
  const inTable = dates.filter((d) => d.iceberg.rows !== null);
  const differ = dates.filter((d) => d.parquet.files > 0 && d.iceberg.rows !== d.parquet.rows).map((d) => d.date);
  const rows = inTable.reduce((s, d) => s + d.iceberg.rows, 0), files = inTable.reduce((s, d) => s + d.iceberg.files, 0);
  box.append(el('p', { id: 'iceberg-summary', class: differ.length ? 'error' : 'muted small' },
    `The current snapshot holds ${fmtCount(rows)} rows in ${fmtCount(files)} files over ${inTable.length} dates; `
    + (differ.length ? `it differs from the Parquet directories on ${differ.join(', ')}.` : 'every date agrees with the Parquet directories.')));
  const snaps = ice.snapshots.slice().reverse().map((s) => el('tr', { class: s.current ? 'selected' : '' },
    el('td', { class: 'small', text: s.snapshot_id + (s.current ? ' (current)' : '') }),
    el('td', { class: 'small', text: fmtTime(s.timestamp_ms) }),
    el('td', { text: s.operation || '' }),
    el('td', { class: 'num', text: s.added_records < 0 ? 'n/a' : fmtCount(s.added_records) }),
    el('td', { class: 'num', text: s.total_records < 0 ? 'n/a' : fmtCount(s.total_records) }),
    el('td', { class: 'num', text: s.total_files < 0 ? 'n/a' : fmtCount(s.total_files) })));
  box.append(el('table', { class: 'grid', id: 'iceberg-table' },
    el('thead', {}, el('tr', {}, ['snapshot', 'committed', 'operation', 'added rows', 'total rows', 'files'].map((h, i) => el('th', { class: i >= 3 ? 'num' : '', text: h })))),
    el('tbody', {}, snaps)));
}

// ---- the pipeline strip --------------------------------------------------------------

function stage(label, big, sub, cls, href) {
  return el('a', { class: 'stage ' + (cls || ''), href: href || null }, el('div', { class: 'label', text: label }),
    el('div', { class: 'big', text: big }), el('div', { class: 'sub', text: sub }));
}

function renderPipeline() {
  if (!state.config) return;
  const topicName = state.lakeTopic || state.config.topic;
  $('pipeline-topic').textContent = `topic ${topicName}`;
  const flow = $('flow');
  const items = [];
  const t = state.topics && state.topics.topics.find((x) => x.topic === topicName);
  if (!state.topics) items.push(stage('topic', '?', 'broker unreachable', 'bad', '#topics'));
  else if (!t) items.push(stage('topic', 'none', `no topic ${topicName} on the broker`, 'warn', '#topics'));
  else items.push(stage('topic ' + topicName, fmtCount(t.records), `records in ${t.partition_count} partitions` + (t.bytes !== null ? ` · ${fmtBytes(t.bytes)}` : ''), 'ok', '#topics'));
  const sinkName = pickSinkGroup();
  const sink = sinkName && state.details.get(sinkName);
  if (!sink || sink.error) items.push(stage('sink group', 'none', `no group reads ${topicName} yet`, 'warn', '#groups'));
  else items.push(stage('group ' + sinkName, 'lag ' + fmtCount(sink.total_lag), `${sink.state} · ${sink.members.length} members`, sink.total_lag === 0 ? 'ok' : 'warn', '#groups'));
  const L = state.lake;
  if (!L) {
    items.push(stage('raw NDJSON', 'none', 'no lake data yet', 'warn', '#lake'));
  } else {
    const tot = L.total;
    items.push(stage('raw NDJSON', fmtCount(tot.raw_lines), `lines in ${fmtCount(tot.raw_files)} files · ${fmtBytes(tot.raw_bytes)}`, tot.raw_lines ? 'ok' : 'warn', '#lake'));
    const dates = L.dates.filter((d) => d.parquet.files > 0).length;
    items.push(stage('Parquet', fmtCount(tot.parquet_rows), `rows in ${fmtCount(tot.parquet_files)} files · ${dates} dates · ${fmtBytes(tot.parquet_bytes)}`, tot.parquet_rows ? 'ok' : 'warn', '#lake'));
    const stages = Object.entries(tot.quarantined_by_stage).map(([k, v]) => `${fmtCount(v)} by ${k}`).join(', ');
    items.push(stage('quarantine', fmtCount(tot.quarantined), `records kept with their bytes and reason${stages ? ': ' + stages : ''}`, tot.quarantined ? 'warn' : 'ok', '#lake'));
    const bad = L.dates.filter((d) => d.balance === 'mismatch').length;
    const pending = L.dates.filter((d) => d.balance === 'pending').length;
    const ok = L.dates.filter((d) => d.balance === 'ok').length;
    items.push(stage('balance', bad ? `${bad} MISMATCH` : pending ? `${pending} pending` : 'balanced',
      `${ok} of ${L.dates.filter((d) => d.date !== 'unknown').length} dates balance`, bad ? 'bad' : pending ? 'warn' : 'ok', '#lake'));
  }
  // What each step keeps back, under the arrow that leads out of it.
  const L2 = state.lake;
  const byStage = L2 ? L2.total.quarantined_by_stage : {};
  const captions = ['', L2 && byStage['sink-raw'] ? `−${fmtCount(byStage['sink-raw'])} to quarantine` : '',
    L2 ? [L2.total.duplicates_removed ? `−${fmtCount(L2.total.duplicates_removed)} duplicates` : '',
      byStage['raw-to-parquet'] ? `−${fmtCount(byStage['raw-to-parquet'])} to quarantine` : ''].filter(Boolean) : [],
    '', ''];
  const withArrows = [];
  items.forEach((it, i) => {
    if (i) {
      const cap = [].concat(captions[i - 1] || []).filter(Boolean);
      withArrows.push(el('div', { class: 'arrow' }, i >= 4 ? '·' : '→', cap.map((c) => el('small', { text: c }))));
    }
    withArrows.push(it);
  });
  flow.replaceChildren(...withArrows);
}

// ---- records -------------------------------------------------------------------------

function fillRecordTopics() {
  const sel = $('rec-topic');
  const names = state.topics.topics.map((t) => t.topic);
  const want = state.records.topic && names.includes(state.records.topic) ? state.records.topic : (names.includes(state.config.topic) ? state.config.topic : names[0]);
  if ([...sel.options].map((o) => o.value).join() !== names.join()) {
    sel.replaceChildren(...names.map((n) => el('option', { value: n }, n)));
  }
  if (want !== undefined && sel.value !== want && !state.records.topic) sel.value = want;
  fillRecordPartitions();
}

function fillRecordPartitions() {
  const t = state.topics && state.topics.topics.find((x) => x.topic === $('rec-topic').value);
  const sel = $('rec-partition');
  const ids = t ? t.partitions.map((p) => String(p.partition)) : [];
  if ([...sel.options].map((o) => o.value).join() !== ids.join()) {
    const keep = sel.value;
    sel.replaceChildren(...ids.map((p) => el('option', { value: p }, p)));
    if (ids.includes(keep)) sel.value = keep;
  }
}

function browse(topic, partition) {
  $('rec-topic').value = topic;
  fillRecordPartitions();
  $('rec-partition').value = String(partition);
  $('rec-offset').value = '';
  loadRecords();
  $('records').scrollIntoView({ behavior: 'smooth' });
}

async function loadRecords(offset) {
  const topic = $('rec-topic').value;
  const partition = $('rec-partition').value || '0';
  const limit = $('rec-limit').value || '20';
  if (offset === undefined) offset = $('rec-offset').value;
  if (!topic) { showError('records-error', 'No topic to browse yet.'); return; }
  state.records.topic = topic;
  const seq = ++state.records.seq;  // a slower earlier answer must not replace a newer one
  let path = `/api/records?topic=${encodeURIComponent(topic)}&partition=${encodeURIComponent(partition)}&limit=${encodeURIComponent(limit)}`;
  if (offset !== '' && offset !== null) path += `&offset=${encodeURIComponent(offset)}`;
  $('records-note').textContent = 'loading…';
  const r = await api(path);
  if (seq !== state.records.seq) return;
  const list = $('records-list');
  if (!r.ok) {
    showError('records-error', r.body.error);
    $('records-note').textContent = '';
    list.replaceChildren();
    return;
  }
  showError('records-error', null);
  const b = r.body;
  list.dataset.topic = b.topic;
  list.dataset.partition = b.partition;
  state.records.from = b.from;
  state.records.last = b.next_offset;
  $('records-note').textContent = `${b.topic} partition ${b.partition}: offsets ${b.log_start} … ${b.log_end}; showing ${b.records.length} from offset ${b.from}. `
    + b.notes.join(' ');
  if (!b.records.length) {
    list.replaceChildren(el('p', { class: 'muted', text: b.log_start === b.log_end ? 'This partition is empty.' : 'No records at this offset.' }));
    return;
  }
  list.replaceChildren(...b.records.map(renderRecord));
}

function renderRecord(rec, i) {
  const value = rec.value ?? (rec.value_b64 !== undefined ? `(binary, base64) ${rec.value_b64}` : 'null');
  let parsed = null;
  try { if (rec.value !== undefined && rec.value !== null) parsed = JSON.parse(rec.value); } catch (e) { parsed = null; }
  const key = rec.key ?? (rec.key_b64 !== undefined ? `b64:${rec.key_b64}` : 'null');
  const summary = el('summary', {}, el('b', { text: `#${rec.offset}` }), `  key ${key}  ·  ${fmtTime(rec.timestamp)}  ·  `,
    parsed !== null && typeof parsed === 'object' && parsed.event_type ? el('b', { text: parsed.event_type + '  ' }) : null,
    value.length > 160 ? value.slice(0, 160) + '…' : value);
  const pre = el('pre', {});
  if (parsed !== null && typeof parsed === 'object') prettyJson(parsed, pre, 0);
  else pre.textContent = value;
  if (rec.headers && rec.headers.length) {
    pre.append('\n\nheaders: ' + rec.headers.map((h) => `${h.key}=${h.value ?? h.value_b64 ?? 'null'}`).join(', '));
  }
  return el('details', { class: 'record', open: i === 0 ? true : null, 'data-offset': rec.offset }, summary, pre);
}

// Pretty JSON with colours, built as text nodes (the values are data, not HTML).
function prettyJson(v, out, depth) {
  const pad = (d) => '  '.repeat(d);
  const span = (cls, text) => out.append(el('span', { class: cls, text }));
  if (v === null || typeof v === 'boolean') { span('j-lit', String(v)); return; }
  if (typeof v === 'number') { span('j-num', String(v)); return; }
  if (typeof v === 'string') { span('j-str', JSON.stringify(v)); return; }
  const isArray = Array.isArray(v);
  const entries = isArray ? v.map((x, i) => [i, x]) : Object.entries(v);
  if (!entries.length) { out.append(isArray ? '[]' : '{}'); return; }
  out.append(isArray ? '[\n' : '{\n');
  entries.forEach(([k, x], i) => {
    out.append(pad(depth + 1));
    if (!isArray) { span('j-key', JSON.stringify(k)); out.append(': '); }
    prettyJson(x, out, depth + 1);
    out.append(i < entries.length - 1 ? ',\n' : '\n');
  });
  out.append(pad(depth) + (isArray ? ']' : '}'));
}

// ---- start -----------------------------------------------------------------------------

async function start() {
  const c = await api('/api/config');
  state.config = c.ok ? c.body : { bootstrap: '?', topic: 'events' };
  state.lakeTopic = state.config.topic;
  const hash = new URLSearchParams(location.hash.replace(/^#[^?]*\??/, ''));
  if (hash.get('group')) state.selectedGroup = hash.get('group');
  $('footer').prepend(`evpipe ${state.config.version || ''} · `);
  $('lake-topic').addEventListener('change', (e) => { state.lakeTopic = e.target.value; once('lake', refreshLake); renderPipeline(); });
  $('rec-topic').addEventListener('change', () => { fillRecordPartitions(); $('rec-offset').value = ''; loadRecords(); });
  $('rec-partition').addEventListener('change', () => { $('rec-offset').value = ''; loadRecords(); });
  $('records-form').addEventListener('submit', (e) => { e.preventDefault(); loadRecords(); });
  $('rec-older').addEventListener('click', () => {
    const n = Number($('rec-limit').value || 20);
    if (state.records.from === null) return;
    const from = Math.max(0, state.records.from - n);
    $('rec-offset').value = String(from);
    loadRecords(String(from));
  });
  $('rec-newer').addEventListener('click', () => {
    if (state.records.last === null) return;
    $('rec-offset').value = String(state.records.last);
    loadRecords(String(state.records.last));
  });
  await Promise.all([once('topics', refreshTopics), once('groups', refreshGroups), once('lake', refreshLake)]);
  if ($('rec-topic').value) loadRecords();
  setInterval(() => once('topics', refreshTopics), REFRESH_MS.topics);
  setInterval(() => once('groups', refreshGroups), REFRESH_MS.groups);
  setInterval(() => once('lake', refreshLake), REFRESH_MS.lake);
  document.body.dataset.ready = '1';
}

start();
