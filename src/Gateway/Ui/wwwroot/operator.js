// Berth operator page. Reads Berth's own API from the browser, with the key the browser was given
// for this page (HTTP Basic, same origin); renders with DOM calls and textContent only, so no value
// from the API is ever parsed as markup.
'use strict';

const REFRESH_MS = 5000;
const CHART_SAMPLES = 60; // five minutes at one sample per refresh
const CLAIM_ROUTES = new Set(['/tenants/{tenantId}/claim', '/api/v1/tenants/{tenantId}/claim']);
const LATENCY_METRIC = 'http_server_request_duration_seconds_bucket';
const TENANT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const MAX_HOST_DETAILS = 20;
const EVENT_LIMIT = 50;

// The gateway honours (and asks for) the browser's Basic credentials on a call that carries this
// header; a cross-site form or WebSocket cannot carry it.
const PAGE_HEADERS = { 'X-Berth-Ui': '1' };

class ApiError extends Error {
  constructor(status, detail) {
    super(detail ? `${status}: ${detail}` : `HTTP ${status}`);
    this.status = status;
  }
}

async function api(path, { method = 'GET', accept = 'application/json' } = {}) {
  const response = await fetch(path, {
    method,
    headers: { ...PAGE_HEADERS, Accept: accept },
    credentials: 'same-origin',
    cache: 'no-store',
  });
  const type = response.headers.get('content-type') || '';
  const body = type.includes('json') ? await response.json().catch(() => null) : await response.text();
  if (!response.ok) {
    const detail = body && typeof body === 'object' ? body.detail || body.title : String(body || '').slice(0, 200);
    throw new ApiError(response.status, detail);
  }
  return body;
}

// ---- DOM helpers ---------------------------------------------------------------------------

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

const $ = (selector) => document.querySelector(selector);

function setStatus(panel, text, unavailable = false) {
  const status = $(`#${panel} .status`);
  status.textContent = text || '';
  status.classList.toggle('unavailable', unavailable);
}

function fill(tbody, rows, columns, emptyText) {
  tbody.replaceChildren(...(rows.length ? rows : [el('tr', null, el('td', { class: 'empty', colspan: columns }, emptyText))]));
}

function stateCell(state, extraClass = '') {
  return el('td', { class: `state state-${state} ${extraClass}`.trim() }, state);
}

function num(value, className) {
  return el('td', { class: `num ${className}` }, value === null || value === undefined ? '–' : value);
}

function time(value) {
  if (!value) return '–';
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? String(value) : at.toLocaleTimeString();
}

function ago(value) {
  if (!value) return '–';
  const seconds = Math.round((Date.now() - new Date(value).getTime()) / 1000);
  if (!Number.isFinite(seconds)) return String(value);
  if (seconds < 90) return `${Math.max(seconds, 0)} s ago`;
  if (seconds < 5400) return `${Math.round(seconds / 60)} min ago`;
  return `${Math.round(seconds / 3600)} h ago`;
}

function ms(seconds) {
  if (seconds === null || seconds === undefined) return '–';
  const value = seconds * 1000;
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;
}

// ---- who am I --------------------------------------------------------------------------------

async function refreshWhoAmI() {
  try {
    const me = await api('/auth/whoami');
    $('#whoami').textContent = `${me.name} (${me.role})`;
  } catch (error) {
    $('#whoami').textContent = `whoami: ${error.message}`;
  }
}

// ---- pools -----------------------------------------------------------------------------------

async function refreshPools() {
  const pools = await api('/pools');
  pools.sort((a, b) => a.workload.localeCompare(b.workload));
  fill($('#pools tbody'), pools.map((p) => el('tr', { dataset: { workload: p.workload } },
    el('td', { class: 'workload mono' }, p.workload),
    num(p.idle, 'idle'),
    num(p.claimed, 'claimed'),
    num(p.creating, 'creating'),
    num(p.destroying, 'destroying'),
    num(p.lost, 'lost'),
    num(`${p.minSize} / ${p.maxSize}`, 'size'),
    num(p.warmTarget, 'warm-target'),
    num((p.claimsPerSecond || 0).toFixed(2), 'claim-rate'),
    el('td', { class: 'last-error' }, p.lastError || ''),
  )), 10, 'no workloads registered');
}

// ---- hosts -----------------------------------------------------------------------------------

const hostDetails = new Map(); // host id -> the engine's own view, for hosts whose egress is not managed

async function hostAction(host, action, question) {
  if (!window.confirm(question)) return;
  try {
    await api(`/hosts/${encodeURIComponent(host)}/${action}`, { method: 'POST' });
    setStatus('hosts', '');
  } catch (error) {
    setStatus('hosts', `${action} ${host}: ${error.message}`);
  }
  await guarded('hosts', refreshHosts);
}

function hostActions(host) {
  const buttons = [];
  if (host.state === 'active') {
    buttons.push(el('button', { type: 'button', onclick: () => hostAction(host.id, 'cordon', `Cordon ${host.id}? It takes no new members.`) }, 'Cordon'));
  }
  if (host.state === 'cordoned' || host.state === 'draining') {
    buttons.push(el('button', { type: 'button', onclick: () => hostAction(host.id, 'uncordon', `Uncordon ${host.id}? It takes new members again.`) }, 'Uncordon'));
  }
  if (host.state === 'active' || host.state === 'cordoned') {
    buttons.push(el('button', { type: 'button', onclick: () => hostAction(host.id, 'drain', `Drain ${host.id}? Its idle members are removed; claimed tenants stay until released.`) }, 'Drain'));
    buttons.push(el('button', { type: 'button', onclick: () => hostAction(host.id, 'drain?evict=true', `Drain ${host.id} and move its claimed tenants (state saved) to other hosts?`) }, 'Drain + evict'));
  }
  return buttons;
}

function egressCell(host) {
  const cell = el('td', { class: 'egress' }, el('span', { class: `state-${host.egress}` }, host.egress));
  const engine = hostDetails.get(host.id);
  if (engine && engine.egressProblem) cell.append(el('div', { class: 'muted' }, engine.egressProblem));
  for (const note of (engine && engine.egressNotes) || []) cell.append(el('div', { class: 'muted' }, note));
  return cell;
}

async function refreshHosts() {
  const hosts = await api('/hosts');
  hosts.sort((a, b) => a.id.localeCompare(b.id));
  // Why a host's egress is not managed is in its engine's own view; only those hosts are asked, and a bounded few.
  const unmanaged = hosts.filter((h) => h.egress !== 'managed' && h.state !== 'down' && h.state !== 'removed').slice(0, MAX_HOST_DETAILS);
  await Promise.all(unmanaged.map(async (h) => {
    try {
      const detail = await api(`/hosts/${encodeURIComponent(h.id)}`);
      hostDetails.set(h.id, detail.engine || { egressProblem: detail.engineError });
    } catch (error) {
      hostDetails.set(h.id, { egressProblem: error.message });
    }
  }));
  fill($('#hosts tbody'), hosts.map((h) => el('tr', { dataset: { host: h.id } },
    el('td', { class: 'host mono' }, h.id),
    el('td', { class: 'kind' }, h.kind),
    stateCell(h.state),
    num(h.maxContainers ? `${h.containers} / ${h.maxContainers}` : h.containers, 'containers'),
    num(h.createsInFlight, 'creating'),
    egressCell(h),
    el('td', { class: 'heartbeat' }, ago(h.lastHeartbeat)),
    el('td', { class: 'drain' }, h.drain ? `${h.drain.done} of ${h.drain.total} (${h.drain.state}${h.drain.evict ? ', evict' : ''})` : ''),
    el('td', { class: 'problem' }, h.problem || (h.downSince ? `down since ${time(h.downSince)}` : '')),
    el('td', { class: 'actions' }, hostActions(h)),
  )), 10, 'no hosts registered');
}

// ---- running operations (GET /operations; absent on gateways that predate it) ------------------

async function cancelOperation(id) {
  if (!window.confirm(`Cancel operation ${id}?`)) return;
  try {
    await api(`/operations/${encodeURIComponent(id)}`, { method: 'DELETE' });
  } catch (error) {
    setStatus('operations', `cancel ${id}: ${error.message}`);
  }
  await guarded('operations', refreshOperations);
}

async function refreshOperations() {
  let operations;
  try {
    operations = await api(`/operations?state=running&limit=${EVENT_LIMIT}`);
  } catch (error) {
    if (error.status === 404 || error.status === 405) {
      fill($('#operations tbody'), [], 8, '–');
      setStatus('operations', 'operations unavailable: this gateway has no /operations endpoint', true);
      return;
    }
    throw error;
  }
  setStatus('operations', '');
  fill($('#operations tbody'), operations.map((op) => el('tr', { dataset: { operation: op.id } },
    el('td', { class: 'mono' }, op.id),
    el('td', null, op.kind),
    el('td', { class: 'mono' }, op.target),
    stateCell(op.state),
    el('td', { class: 'progress' },
      el('progress', { max: Math.max(op.total || 0, 1), value: op.done || 0 }), ` ${op.done} / ${op.total}`),
    el('td', null, op.message || '', (op.errors || []).length ? el('div', { class: 'muted' }, `${op.errors.length} error(s); last: ${op.errors[op.errors.length - 1].message}`) : null),
    el('td', null, `${op.startedBy || '?'}, ${ago(op.startedAt)}`),
    el('td', null, op.state === 'running' ? el('button', { type: 'button', onclick: () => cancelOperation(op.id) }, 'Cancel') : null),
  )), 8, 'no running operations');
}

// ---- recent events and the tenants seen in them -------------------------------------------------

async function refreshEvents() {
  const events = (await api(`/events?limit=${EVENT_LIMIT}`)).reverse(); // the API answers oldest first
  fill($('#events tbody'), events.map((e) => el('tr', { dataset: { sequence: e.sequence } },
    num(e.sequence, 'sequence'),
    el('td', null, time(e.at)),
    el('td', { class: `type state-${e.type}` }, e.type),
    el('td', { class: 'mono' }, e.tenantId ? el('button', { type: 'button', class: 'link', onclick: () => showTenant(e.tenantId) }, e.tenantId) : ''),
    el('td', { class: 'mono' }, e.workload || ''),
    el('td', { class: 'mono' }, e.hostId || ''),
    el('td', null, e.reason || e.source || ''),
  )), 7, 'no events stored yet');
  const seen = [...new Set(events.map((e) => e.tenantId).filter(Boolean))].slice(0, 20);
  $('#recent-tenants').replaceChildren(...(seen.length
    ? seen.map((t) => el('button', { type: 'button', onclick: () => showTenant(t) }, t))
    : [el('span', { class: 'muted' }, 'none')]));
}

// ---- tenant search (GET /tenants/{id}/status) -----------------------------------------------

let shownTenant = null;

async function showTenant(id) {
  $('#tenant-id').value = id;
  if (!TENANT_ID.test(id)) {
    setStatus('tenants', 'a tenant id is 1–128 of A–Z a–z 0–9 . _ - (starting with a letter or digit)');
    return;
  }
  shownTenant = id;
  await guarded('tenants', refreshTenant);
}

async function refreshTenant() {
  if (!shownTenant) return;
  const status = await api(`/tenants/${encodeURIComponent(shownTenant)}/status`);
  const rows = status.claims.map((c) => el('tr', { dataset: { workload: c.workload } },
    el('td', { class: 'mono' }, c.workload),
    stateCell(c.state),
    el('td', { class: 'mono' }, c.containerId ? c.containerId.slice(0, 12) : '–'),
    el('td', { class: 'mono' }, c.hostId || '–'),
    el('td', { class: 'mono endpoints' }, (c.endpoints || []).map((p) => el('div', null, `${p.containerPort}/${p.protocol} → ${p.address}`))),
    el('td', null, c.claimedAt ? `${ago(c.claimedAt)}${c.source ? ` (${c.source})` : ''}` : '–'),
    el('td', null, c.expiresAt ? time(c.expiresAt) : '–'),
    el('td', { class: 'error' }, c.error || ''),
  ));
  const table = el('table', { dataset: { tenant: status.tenantId } },
    el('caption', { class: 'muted' }, `${status.tenantId}: ${status.claims.length} claim(s)${status.lastActivityAt ? `, last active ${ago(status.lastActivityAt)}` : ''}`),
    el('thead', null, el('tr', null, ['Workload', 'State', 'Container', 'Host', 'Endpoints', 'Claimed', 'Expires', 'Error'].map((h) => el('th', null, h)))),
    el('tbody'));
  fill(table.tBodies[0], rows, 8, 'no claims');
  $('#tenant-result').replaceChildren(table);
}

// ---- claim latency: the gateway's request histogram of the claim routes, per refresh -------------

const latency = { previous: null, samples: [] };

/** Cumulative bucket counts (le -> count) of the claim routes, summed over every other label. */
function claimBuckets(text) {
  const buckets = new Map();
  for (const line of text.split('\n')) {
    if (!line.startsWith(LATENCY_METRIC + '{')) continue;
    const close = line.lastIndexOf('}');
    const labels = {};
    for (const match of line.slice(LATENCY_METRIC.length + 1, close).matchAll(/([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[match[1]] = match[2];
    }
    if (!CLAIM_ROUTES.has(labels.http_route) || labels.http_request_method !== 'POST') continue;
    const le = labels.le === '+Inf' ? Infinity : Number(labels.le);
    const count = Number(line.slice(close + 1).trim().split(/\s+/)[0]);
    if (Number.isFinite(count)) buckets.set(le, (buckets.get(le) || 0) + count);
  }
  return buckets;
}

/** The same estimate as Prometheus' histogram_quantile: linear within the bucket the rank falls in. */
function quantile(q, buckets) {
  const sorted = [...buckets.entries()].sort((a, b) => a[0] - b[0]);
  const total = sorted.length ? sorted[sorted.length - 1][1] : 0;
  if (total <= 0) return null;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const [le, count] of sorted) {
    if (count >= rank) {
      if (le === Infinity) return lower;
      return lower + (le - lower) * ((rank - below) / Math.max(count - below, 1e-9));
    }
    lower = le;
    below = count;
  }
  return lower;
}

function difference(current, previous) {
  const delta = new Map();
  for (const [le, count] of current) {
    const before = previous ? previous.get(le) || 0 : 0;
    if (count < before) return current; // the gateway restarted: its counters began again
    delta.set(le, count - before);
  }
  return delta;
}

function countOf(buckets) {
  return buckets.get(Infinity) || 0;
}

async function refreshLatency() {
  const buckets = claimBuckets(await api('/metrics', { accept: 'text/plain' }));
  const total = countOf(buckets);
  $('#latency-total').textContent = total
    ? `Since this gateway started: ${total} claim${total === 1 ? '' : 's'}, p50 ${ms(quantile(0.5, buckets))}, p99 ${ms(quantile(0.99, buckets))}.`
    : 'No claims answered since this gateway started.';
  if (latency.previous) {
    const delta = difference(buckets, latency.previous);
    const count = countOf(delta);
    latency.samples.push({ at: Date.now(), count, p50: count ? quantile(0.5, delta) : null, p99: count ? quantile(0.99, delta) : null });
    if (latency.samples.length > CHART_SAMPLES) latency.samples.shift();
    const last = latency.samples[latency.samples.length - 1];
    $('#latency-latest').textContent = last.count
      ? `Last ${REFRESH_MS / 1000} s: ${last.count} claim${last.count === 1 ? '' : 's'}, p50 ${ms(last.p50)}, p99 ${ms(last.p99)}.`
      : `Last ${REFRESH_MS / 1000} s: no claims.`;
  }
  latency.previous = buckets;
  drawLatencyChart();
}

const SVG = 'http://www.w3.org/2000/svg';

function svg(tag, attributes, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

function drawLatencyChart() {
  const chart = $('#latency-chart');
  const width = 640, height = 200, left = 52, right = 10, top = 10, bottom = 24;
  const plotWidth = width - left - right, plotHeight = height - top - bottom;
  // Log scale from 1 ms to 10 s: warm claims (ms) and cold or queued ones (seconds) on one chart.
  const minLog = -3, maxLog = 1;
  const y = (seconds) => top + plotHeight * (1 - (Math.log10(Math.min(Math.max(seconds, 1e-3), 10)) - minLog) / (maxLog - minLog));
  const x = (index) => left + plotWidth * (CHART_SAMPLES <= 1 ? 0 : index / (CHART_SAMPLES - 1));
  const nodes = [];
  for (const [label, seconds] of [['1 ms', 1e-3], ['10 ms', 1e-2], ['100 ms', 0.1], ['1 s', 1], ['10 s', 10]]) {
    nodes.push(svg('line', { class: 'axis', x1: left, x2: width - right, y1: y(seconds), y2: y(seconds) }));
    nodes.push(svg('text', { x: left - 6, y: y(seconds) + 4, 'text-anchor': 'end' }, label));
  }
  nodes.push(svg('text', { x: left, y: height - 6 }, `${CHART_SAMPLES * REFRESH_MS / 60000} min ago`));
  nodes.push(svg('text', { x: width - right, y: height - 6, 'text-anchor': 'end' }, 'now'));
  // The newest sample sits at the right edge.
  const offset = CHART_SAMPLES - latency.samples.length;
  const maxCount = Math.max(1, ...latency.samples.map((s) => s.count));
  latency.samples.forEach((s, i) => {
    if (!s.count) return;
    const barHeight = Math.max(2, (plotHeight / 4) * (s.count / maxCount));
    nodes.push(svg('rect', { x: x(i + offset) - 3, y: top + plotHeight - barHeight, width: 6, height: barHeight, fill: '#d9dde5' }, undefined));
  });
  for (const [key, colour] of [['p99', '#c62828'], ['p50', '#1f6feb']]) {
    let run = [];
    const flush = () => {
      if (run.length > 1) nodes.push(svg('polyline', { points: run.join(' '), fill: 'none', stroke: colour, 'stroke-width': 2 }));
      run = [];
    };
    latency.samples.forEach((s, i) => {
      if (s[key] === null) { flush(); return; }
      const point = [x(i + offset).toFixed(1), y(s[key]).toFixed(1)];
      run.push(point.join(','));
      nodes.push(svg('circle', { cx: point[0], cy: point[1], r: 2.5, fill: colour, class: `point-${key}` }));
    });
    flush();
  }
  nodes.push(svg('text', { x: width - right - 90, y: top + 12, class: 'legend-p50' }, '● p50'));
  nodes.push(svg('text', { x: width - right - 45, y: top + 12, class: 'legend-p99' }, '● p99'));
  if (!latency.samples.some((s) => s.count)) {
    nodes.push(svg('text', { x: left + plotWidth / 2, y: top + plotHeight / 2, 'text-anchor': 'middle' },
      latency.samples.length ? 'no claims since this page opened' : 'measuring…'));
  }
  chart.replaceChildren(...nodes);
}

// ---- refresh loop ------------------------------------------------------------------------------

/** Runs one panel's refresh; a failure shows in that panel and leaves the others alone. */
async function guarded(panel, refresh) {
  try {
    await refresh();
    if (panel !== 'operations') setStatus(panel, '');
    return true;
  } catch (error) {
    setStatus(panel, error.message);
    return error.status !== 401;
  }
}

async function refreshAll() {
  const results = await Promise.all([
    guarded('pools', refreshPools),
    guarded('hosts', refreshHosts),
    guarded('operations', refreshOperations),
    guarded('events', refreshEvents),
    guarded('tenants', refreshTenant),
    guarded('latency', refreshLatency),
  ]);
  const banner = $('#banner');
  banner.hidden = results.every(Boolean);
  banner.textContent = banner.hidden ? '' : 'The gateway no longer accepts this browser\'s key: reload the page to sign in again.';
  $('#refreshed').textContent = `refreshed ${new Date().toLocaleTimeString()}`;
  document.body.dataset.refreshes = String(Number(document.body.dataset.refreshes || 0) + 1);
}

async function loop() {
  await refreshAll();
  window.setTimeout(loop, REFRESH_MS);
}

document.addEventListener('DOMContentLoaded', () => {
  $('#tenant-search').addEventListener('submit', (event) => {
    event.preventDefault();
    showTenant($('#tenant-id').value.trim());
  });
  refreshWhoAmI();
  drawLatencyChart();
  loop();
});
