// Journeys through the console in Chromium, against a real `twoline serve` on a temporary database.
// Run by tests/browser/run.sh (ctest `browser.console`). Every page is checked with axe-core (no
// serious or critical violation) and for console errors; screenshots go to $TWOLINE_SCREENSHOTS.
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(join(root, 'web/package.json'));
const { chromium } = require('playwright-core');
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const binary = process.env.TWOLINE_BINARY ?? join(root, 'build/twoline');
const screenshots = process.env.TWOLINE_SCREENSHOTS ? resolve(process.env.TWOLINE_SCREENSHOTS) : null;

let directory;
let server;
let base; // the console's origin: the server's URL (API and console on one origin)
let apiBase; // the server's URL
let browser;
const tokens = {};
// How long one step may wait for the page: generous, since `make test` runs other tests beside this one
// on a 2-core machine (a wait is for the page to settle, not a timing assertion).
let stepTimeoutMs = 30000;

// ---------------------------------------------------------------------------------------------
// The server and its data

function createToken(db, ...args) {
  const output = execFileSync(binary, ['token', 'create', '--db', db, ...args], { encoding: 'utf8' });
  const lines = output.trim().split('\n');
  return lines[lines.length - 1].trim();
}

async function startServer(db) {
  // `timeout` stops the server even if this process dies without cleaning up.
  const child = spawn('timeout', ['900', binary, 'serve', '--db', db, '--listen', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stderr.on('data', (chunk) => (log += chunk));
  const url = await new Promise((resolvePromise, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`the server did not start: ${out}${log}`)), 30000);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolvePromise(match[1]);
      }
    });
    child.on('exit', (code) => reject(new Error(`the server exited with ${code}: ${out}${log}`)));
  });
  return { child, url };
}

async function api(method, path, body, token = tokens.admin) {
  const response = await fetch(apiBase + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {
    // Not JSON: kept as text.
  }
  return { status: response.status, json, text };
}

// Now as RFC 3339 with the server's offset, as a gate device would send it.
function now() {
  return new Date().toISOString().replace(/\.\d+Z$/, '+00:00');
}

let commandNumber = 0;
const nextId = (prefix) => `${prefix}-${process.pid}-${++commandNumber}`;

async function submit(zone, commands) {
  const answer = await api('POST', `/v1/zones/${zone}/commands`, commands);
  assert.equal(answer.status, 200, `commands refused: ${answer.text}`);
  return answer.json;
}

const person = (id, name, lists = [], validUntil = '2035-01-01') => ({
  id: nextId(`reg-${id}`),
  zone: 'hengqin',
  at: '2026-03-01T07:00:00+08:00',
  type: 'register_person',
  person: {
    id,
    name,
    nationality: 'CN',
    resident_of: 'MO',
    birth_date: '1980-01-01',
    documents: [{ type: 'home_return_permit', number: `H${id.replace(/\D/g, '').padStart(8, '0')}`, valid_from: '2019-01-01', valid_until: validUntil }],
    lists,
  },
});

// The zone's data that the journeys need: the goods of EXAMPLES.md example 2 (a processed product
// leaving through the second line), another party's declaration, persons and crossings in Hengqin,
// and Japanese scallops held for a radiation test in Hetao Hong Kong Park.
async function seed() {
  const scenario = readFileSync(join(root, 'tests/scenarios/goods-example2-hengqin-30-percent.scenario'), 'utf8');
  const example = scenario
    .split('\n')
    .filter((line) => line.startsWith('> '))
    .map((line) => JSON.parse(line.slice(2)));
  const decisions = await submit('hengqin', example);
  assert.ok(decisions.every((d) => d.outcome === 'accepted'), JSON.stringify(decisions));

  const at = '2026-03-01T09:00:00+08:00';
  await submit('hengqin', [
    { id: 'other-party', zone: 'hengqin', at, type: 'register_party', party: { id: 'P-OTHER', name: 'Other Trading', kind: 'enterprise', credit: 'advanced', lists: [] } },
    { id: 'other-item', zone: 'hengqin', at, type: 'register_item', item: { sku: 'WINE-1', hs_code: '2204.21', description: 'wine', unit: 'bottle' } },
    { id: 'other-declare', zone: 'hengqin', at, type: 'declare', declaration: { id: 'D-OTHER', kind: 'first_line_in', declarant: 'P-OTHER', lines: [{ sku: 'WINE-1', qty: '120', value: '9000.00', currency: 'EUR', origin: 'FR', certificates: ['origin'] }] } },
    person('MO-1001', 'Chan Tai Man'),
    person('MO-1002', 'Wong Siu Ling'),
    person('MO-1003', 'Lam Kit', ['watchlist']),
    person('MO-1004', 'Ho Ka Yan', [], '2026-01-01'),
  ]);
  const crossings = [
    ['MO-1001', 'HQ-L1-GEN-01', 'in'],
    ['MO-1002', 'HQ-L1-GEN-02', 'in'],
    ['MO-1003', 'HQ-L1-GEN-01', 'in'],
    ['MO-1004', 'HQ-L1-GEN-02', 'in'],
    ['MO-1002', 'HQ-L1-GEN-02', 'out'],
  ].map(([who, gate, direction], i) => ({
    id: nextId('cross'),
    zone: 'hengqin',
    at: `2026-03-01T10:0${i}:00+08:00`,
    type: 'cross',
    person: who,
    gate,
    direction,
  }));
  const crossed = await submit('hengqin', crossings);
  assert.deepEqual(crossed.map((d) => d.outcome), ['accepted', 'accepted', 'referred', 'rejected', 'accepted']);

  // Goods released over several days, for the flows report: wine admitted through the first line
  // and some of it taken out through the second line (duty and VAT collected).
  const flows = [];
  for (let day = 2; day <= 7; day++) {
    const date = `2026-05-0${day}`;
    flows.push(
      { id: `flow-in-${day}`, zone: 'hengqin', at: `${date}T09:00:00+08:00`, type: 'declare', declaration: { id: `D-WINE-IN-${day}`, kind: 'first_line_in', declarant: 'P-OTHER', lines: [{ sku: 'WINE-1', qty: String(20 * day), value: `${1500 * day}.00`, currency: 'CNY', origin: 'FR', certificates: ['origin'] }] } },
      { id: `flow-in-release-${day}`, zone: 'hengqin', at: `${date}T10:00:00+08:00`, type: 'release', gate: 'HQ-L1-GDS-01', declarations: [`D-WINE-IN-${day}`] },
    );
    if (day % 2 === 1) {
      flows.push(
        { id: `flow-out-${day}`, zone: 'hengqin', at: `${date}T14:00:00+08:00`, type: 'declare', declaration: { id: `D-WINE-OUT-${day}`, kind: 'second_line_out', declarant: 'P-OTHER', lines: [{ sku: 'WINE-1', qty: String(5 * day), value: `${600 * day}.00`, currency: 'CNY', origin: 'FR', certificates: ['origin'] }] } },
        { id: `flow-out-release-${day}`, zone: 'hengqin', at: `${date}T15:00:00+08:00`, type: 'release', gate: 'HQ-L2-GDS-01', declarations: [`D-WINE-OUT-${day}`] },
      );
    }
  }
  await submit('hengqin', flows);

  // Wine passed by P-OTHER to P-LAB (the declarant's party), which drinks a bottle of it: P-LAB may
  // see what it received, never P-OTHER's declarations or lots.
  const june = '2026-06-01T09:00:00+08:00';
  for (const command of [
    { id: 'wine-transfer', zone: 'hengqin', at: june, type: 'declare', declaration: { id: 'T-WINE-LAB', kind: 'transfer', declarant: 'P-OTHER', counterparty: 'P-LAB', lines: [{ sku: 'WINE-1', qty: '6', value: '450.00', currency: 'CNY', origin: 'FR', certificates: [] }] } },
    { id: 'wine-drunk', zone: 'hengqin', at: june, type: 'declare', declaration: { id: 'D-LAB-WINE', kind: 'consume', declarant: 'P-LAB', lines: [{ sku: 'WINE-1', qty: '1', value: '75.00', currency: 'CNY', origin: 'FR', certificates: [] }] } },
  ]) {
    const [decision] = await submit('hengqin', [command]);
    if (decision.outcome === 'held') {
      await submit('hengqin', [{ id: `${command.id}-pass`, zone: 'hengqin', at: june, type: 'inspect', declaration: command.declaration.id, result: 'pass' }]);
    } else {
      assert.equal(decision.outcome, 'accepted', JSON.stringify(decision));
    }
  }

  const held = await submit('hetao-hk', [
    { id: 'hk-party', zone: 'hetao-hk', at: '2026-01-05T09:00:00+08:00', type: 'register_party', party: { id: 'P-F', name: 'Fresh Seafood', kind: 'enterprise', credit: 'advanced', lists: [] } },
    { id: 'hk-item', zone: 'hetao-hk', at: '2026-01-05T09:00:00+08:00', type: 'register_item', item: { sku: 'SCALLOP', hs_code: '0307.22', description: 'scallops', unit: 'kg' } },
    { id: 'hk-declare', zone: 'hetao-hk', at: '2026-02-01T10:01:00+08:00', type: 'declare', declaration: { id: 'D-M2', kind: 'first_line_in', declarant: 'P-F', lines: [{ sku: 'SCALLOP', qty: '20', value: '3000.00', currency: 'CNY', origin: 'JP-04', produced_on: '2023-08-23', certificates: ['health', 'origin'] }] } },
  ]);
  assert.equal(held[2].outcome, 'held', JSON.stringify(held[2]));
}

// Development only (TWOLINE_BROWSER_FRONT=1): the console is served by tests/browser/front.mjs from
// TWOLINE_BROWSER_DIST (default build/web/dist) in front of the server, for a twoline binary built
// without the console. The default, and `make test`, use the console the server itself serves.
let front;
async function startFront() {
  const dist = process.env.TWOLINE_BROWSER_DIST ?? join(root, 'build/web/dist');
  front = spawn('node', [join(root, 'tests/browser/front.mjs'), apiBase, dist], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolvePromise, reject) => {
    let out = '';
    front.stdout.on('data', (chunk) => {
      out += chunk;
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (match) resolvePromise(match[1]);
    });
    front.on('exit', (code) => reject(new Error(`the front server exited with ${code}`)));
  });
}

// Debian's Chromium, started here with exactly these flags and a fresh profile, driven over the
// DevTools protocol (playwright-core never downloads a browser).
let chromiumProcess;
async function startChromium() {
  chromiumProcess = spawn(
    '/usr/bin/chromium',
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--remote-debugging-address=127.0.0.1',
      '--remote-debugging-port=0',
      `--user-data-dir=${join(directory, 'chromium-profile')}`,
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const endpoint = await new Promise((resolvePromise, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`Chromium did not start: ${err}`)), 30000);
    chromiumProcess.stderr.on('data', (chunk) => {
      err += chunk;
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(err);
      if (match) {
        clearTimeout(timer);
        resolvePromise(match[1]);
      }
    });
    chromiumProcess.on('exit', (code) => reject(new Error(`Chromium exited with ${code}: ${err}`)));
  });
  return chromium.connectOverCDP(endpoint);
}

before(async () => {
  directory = mkdtempSync(join(tmpdir(), 'twoline-browser-'));
  const db = join(directory, 'console.db');
  tokens.admin = createToken(db, '--role', 'admin');
  tokens.officer = createToken(db, '--role', 'officer', '--zone', 'hengqin');
  tokens.officerHk = createToken(db, '--role', 'officer', '--zone', 'hetao-hk');
  tokens.declarant = createToken(db, '--role', 'declarant', '--zone', 'hengqin', '--party', 'P-LAB');
  tokens.auditor = createToken(db, '--role', 'auditor');
  const started = await startServer(db);
  server = started.child;
  apiBase = started.url;
  base = started.url;
  await seed();
  if (process.env.TWOLINE_BROWSER_FRONT) base = await startFront();
  if (screenshots) mkdirSync(screenshots, { recursive: true });
  browser = await startChromium();
});

const stopped = (child) =>
  child && child.exitCode === null && child.signalCode === null
    ? new Promise((resolvePromise) => {
        child.once('exit', resolvePromise);
        child.kill('SIGTERM');
      })
    : Promise.resolve();

// Chromium shuts down cleanly (profile written, helpers gone) when asked over the DevTools protocol;
// closing a connected browser in playwright only disconnects.
async function stopChromium() {
  if (!chromiumProcess || chromiumProcess.exitCode !== null) return;
  const exited = new Promise((resolvePromise) => chromiumProcess.once('exit', resolvePromise));
  try {
    const session = await browser.newBrowserCDPSession();
    await session.send('Browser.close');
  } catch {
    chromiumProcess.kill('SIGTERM');
  }
  const timer = setTimeout(() => chromiumProcess.kill('SIGKILL'), 10000);
  await exited;
  clearTimeout(timer);
}

after(async () => {
  await stopChromium();
  await Promise.all([stopped(front), stopped(server)]);
  if (directory) rmSync(directory, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
});

// ---------------------------------------------------------------------------------------------
// Pages

// A fresh browser context (no cookies) and page that records console errors, failed requests to
// other hosts, and page errors. `allowed` lists the API answers a journey expects to fail
// ([method, path pattern, status]); GET /v1/session answers 401 before signing in.
async function open(allowed = []) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'en-GB' });
  const page = await context.newPage();
  page.setDefaultTimeout(stepTimeoutMs);
  const expected = [['GET', /^\/v1\/session$/, 401], ...allowed];
  const problems = [];
  const failedResponses = new Set();
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (response.status() < 400) return;
    const method = response.request().method();
    const ok = expected.some(([m, pattern, status]) => m === method && pattern.test(url.pathname) && status === response.status());
    if (ok) failedResponses.add(response.url());
    else problems.push(`unexpected ${response.status()} for ${method} ${url.pathname}`);
  });
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (!['http:', 'https:'].includes(url.protocol)) return;
    if (url.origin !== base) problems.push(`request to another host: ${request.url()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    // The browser reports every failed response in the console; expected ones are allowed above.
    if (/^Failed to load resource/.test(message.text()) && failedResponses.has(message.location().url)) return;
    problems.push(`console error: ${message.text()} (${message.location().url})`);
  });
  return {
    page,
    context,
    async close() {
      await context.close();
      assert.deepEqual(problems, [], 'the page logged errors or made unexpected requests');
    },
  };
}

async function signIn(page, token) {
  await page.goto(`${base}/`);
  await page.locator('#token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('nav.side').waitFor();
}

async function checkAccessibility(page, name) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() =>
    // eslint-disable-next-line no-undef
    axe.run(document, { resultTypes: ['violations'], runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }),
  );
  const serious = result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('; ')}`);
  assert.deepEqual(serious, [], `axe-core on ${name}`);
}

async function shoot(page, name, options = {}) {
  if (screenshots) await page.screenshot({ path: join(screenshots, `${name}.png`), ...options });
}

// Opens a page of the console by its hash route and waits until it settled.
async function visit(page, route, ready) {
  await page.evaluate((hash) => {
    location.hash = hash;
  }, route);
  const name = route.replace(/^#\//, '').split(/[/?]/)[0];
  await page.locator(`nav.side a[aria-current="page"][href="#/${name}"]`).waitFor();
  await page.locator('#page-heading').waitFor();
  if (ready) await page.locator(ready).first().waitFor();
  await page.waitForLoadState('networkidle').catch(() => {});
}

// ---------------------------------------------------------------------------------------------
// Journeys

describe('console', () => {
  test('the server serves the console at / with its hashed assets', async () => {
    const page = await fetch(`${base}/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    const html = await page.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    assert.ok(script, 'the page names its script');
    const asset = await fetch(base + script);
    assert.equal(asset.status, 200);
    assert.match(asset.headers.get('content-type') ?? '', /javascript/);
  });

  test('sign-in exchanges the token for an HttpOnly cookie, and sign-out ends the session', async () => {
    const { page, context, close } = await open([['POST', /^\/v1\/session$/, 401]]);
    await page.goto(`${base}/`);
    await checkAccessibility(page, 'sign-in');
    await shoot(page, 'sign-in');
    await page.locator('#token').fill('twl_not-a-real-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('.error').waitFor();
    await signIn(page, tokens.officer);
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'twoline_session');
    assert.ok(session, 'a session cookie is set');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
    assert.equal(session.value.includes(tokens.officer), false);
    const stored = await page.evaluate(() => ({
      cookie: document.cookie,
      local: JSON.stringify({ ...localStorage }),
      session: JSON.stringify({ ...sessionStorage }),
      url: location.href,
    }));
    for (const [where, text] of Object.entries(stored)) {
      assert.equal(text.includes(tokens.officer), false, `the token is in ${where}`);
      assert.equal(text.includes('twoline_session'), false, `the session cookie is readable in ${where}`);
    }
    assert.equal(page.url().includes(tokens.officer), false);
    assert.match(await page.locator('header .who').innerText(), /Officer/);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('#token').waitFor();
    assert.match(await page.locator('.notice').innerText(), /signed out/);
    const after = await page.evaluate(async () => (await fetch('/v1/session')).status);
    assert.equal(after, 401);
    await close();
  });

  test('a decision posted through the API appears in the live view within 2 s', async () => {
    const { page, close } = await open();
    await signIn(page, tokens.officer);
    await visit(page, '#/live');
    await page.locator('.stream-status.status-live').waitFor();
    const register = person(`MO-2${String(process.pid).slice(-3)}`, 'Leong Mei');
    await submit('hengqin', [register]);
    const id = nextId('live');
    await submit('hengqin', { id, zone: 'hengqin', at: now(), type: 'cross', person: register.person.id, gate: 'HQ-L1-GEN-01', direction: 'in' });
    await page.locator(`tr[data-command="${id}"]`).waitFor({ timeout: 2000 });
    assert.match(await page.locator(`tr[data-command="${id}"]`).innerText(), /accepted/);
    // Traffic for the picture: a few more crossings, some refused.
    const more = [];
    for (let i = 0; i < 12; i++) {
      const who = person(`MO-3${String(i).padStart(3, '0')}`, `Traveller ${i}`, i % 5 === 4 ? ['watchlist'] : [], i % 6 === 5 ? '2026-01-01' : '2035-01-01');
      more.push(who, { id: nextId('live'), zone: 'hengqin', at: now(), type: 'cross', person: who.person.id, gate: i % 2 ? 'HQ-L1-GEN-02' : 'HQ-L1-GEN-01', direction: 'in' });
    }
    await submit('hengqin', more);
    await page.locator(`tr[data-command="${more.at(-1).id}"]`).waitFor();
    await page.locator('#filter-outcome').selectOption('referred');
    assert.equal(await page.locator('#live-table tbody tr').filter({ hasNotText: 'referred' }).count(), 0);
    await page.locator('#filter-outcome').selectOption('');
    await checkAccessibility(page, 'live');
    await shoot(page, 'live');
    // A burst of 1,200 decisions: every one is counted, and the table keeps at most 200 rows.
    const before = Number((await page.locator('.card-value').first().innerText()).replace(/\D/g, ''));
    for (let batch = 0; batch < 2; batch++) {
      const burst = [];
      for (let i = 0; i < 300; i++) {
        const who = person(`BR-${batch}-${i}`, `Burst ${batch} ${i}`);
        burst.push(who, { id: nextId('burst'), zone: 'hengqin', at: now(), type: 'cross', person: who.person.id, gate: 'HQ-L1-GEN-01', direction: 'in' });
      }
      await submit('hengqin', burst);
    }
    const total = before + 1200;
    await page.waitForFunction((expected) => Number(document.querySelector('.card-value').textContent.replace(/\D/g, '')) >= expected, total, { timeout: 30000 });
    assert.equal(await page.locator('#live-table tbody tr').count(), 200);
    await close();
  });

  test('an inspection is recorded from the work queue', async () => {
    const { page, close } = await open();
    await signIn(page, tokens.officerHk);
    await visit(page, '#/queue', '#held-table');
    await checkAccessibility(page, 'queue');
    const row = page.locator('tr[data-declaration="D-M2"]');
    await row.getByRole('button', { name: 'Record measurements' }).click();
    await page.getByLabel('I-131 (Bq/kg)').fill('12.5');
    await page.getByLabel('Cs-134 (Bq/kg)').fill('x');
    await page.getByLabel('Cs-137 (Bq/kg)').focus();
    assert.match(await page.locator('.field-error').first().innerText(), /Bq\/kg/);
    assert.equal(await page.getByRole('button', { name: 'Record', exact: true }).isDisabled(), true);
    await page.getByLabel('Cs-134 (Bq/kg)').fill('40');
    await page.getByLabel('Cs-137 (Bq/kg)').fill('60');
    await shoot(page, 'queue');
    await page.getByRole('button', { name: 'Record', exact: true }).click();
    const recorded = page.locator('#inspection-recorded');
    await recorded.waitFor();
    assert.match(await recorded.innerText(), /accepted/);
    assert.match(await recorded.innerText(), /pass/);
    await page.locator('tr[data-declaration="D-M2"]').waitFor({ state: 'detached' });
    const declaration = await api('GET', '/v1/zones/hetao-hk/declarations/D-M2');
    assert.equal(declaration.json.declaration.inspection, 'pass');
    await close();
  });

  test('a declaration submitted from the form shows its duty and VAT', async () => {
    const { page, close } = await open();
    await signIn(page, tokens.declarant);
    await visit(page, '#/declare');
    await page.locator('#declaration-kind').selectOption('second_line_out');
    await page.locator('#line-0-sku').fill('CREAM-EX');
    await page.locator('#line-0-qty').fill('1.23456');
    await page.locator('#line-0-value').focus();
    assert.match(await page.locator('#line-0-qty-error').innerText(), /3 decimals/);
    await page.locator('#line-0-qty').fill('100');
    assert.equal(await page.locator('#line-0-qty-error').count(), 0);
    await page.locator('#line-0-value').fill('700.00');
    await page.locator('#line-0-currency').fill('CNY');
    await page.locator('#line-0-origin').fill('cn');
    await checkAccessibility(page, 'declare');
    await page.getByRole('button', { name: 'Submit declaration' }).click();
    await page.locator('#declare-decision').waitFor();
    // Example 2 of EXAMPLES.md: 28.57% value added is below 30%, so duty is due.
    assert.match(await page.locator('#declare-duty').innerText(), /35\.00/);
    assert.match(await page.locator('#declare-vat').innerText(), /95\.55/);
    assert.match(await page.locator('#declare-decision').innerText(), /goods\.value-added-below-threshold/);
    await shoot(page, 'declare');
    await visit(page, '#/declarations', '#declarations-table');
    assert.equal(await page.locator('#declarations-table').getByText('P-OTHER').count(), 0);
    await checkAccessibility(page, 'declarations');
    await visit(page, '#/balances', '#balances-table');
    await checkAccessibility(page, 'balances');
    await shoot(page, 'balances');
    await close();
  });

  test('a declarant cannot open another party’s declaration', async () => {
    const { page, close } = await open([['GET', /^\/v1\/zones\/hengqin\/declarations\/D-OTHER$/, 403], ['GET', /^\/v1\/zones\/hengqin\/declarations\/D-OTHER$/, 404]]);
    await signIn(page, tokens.declarant);
    await visit(page, '#/declaration/D-OTHER', '.error');
    const text = await page.locator('main').innerText();
    assert.match(text, /not allow|Not found/);
    assert.equal(text.includes('WINE-1'), false);
    assert.equal(text.includes('9000'), false);
    await checkAccessibility(page, 'declaration refused');
    await close();
  });

  test('a declarant sees the goods it received by transfer, not where they came from', async () => {
    const { page, close } = await open();
    await signIn(page, tokens.declarant);
    await visit(page, '#/declaration/D-LAB-WINE', '#trace-tree');
    const tree = await page.locator('#trace-tree').innerText();
    assert.match(tree, /WINE-1[\s\S]*received by transfer[\s\S]*lot of 6, 5 on hand/);
    const text = await page.locator('main').innerText();
    for (const theirs of ['T-WINE-LAB', 'D-WINE-IN', 'P-OTHER']) assert.equal(text.includes(theirs), false, theirs);
    await visit(page, '#/balances', '#balances-table');
    const balances = await page.locator('main').innerText();
    assert.match(balances, /received by transfer/);
    assert.equal(balances.includes('T-WINE-LAB'), false);
    await checkAccessibility(page, 'received goods');
    await close();
  });

  test('the trace of a processed product is drawn from exit back to admission', async () => {
    const { page, close } = await open();
    await signIn(page, tokens.officer);
    await visit(page, '#/declaration/D-EX-OUT1', '#trace-tree');
    const tree = page.locator('#trace-tree');
    // Lot 2 (the cream made by PR-EX) comes from lot 1 (the oil admitted by D-EX-IN).
    const top = tree.locator(':scope > li').first();
    assert.match(await top.locator('.trace-node').first().innerText(), /lot 2[\s\S]*CREAM-EX[\s\S]*PR-EX/);
    assert.match(await top.locator('ul > li .trace-node').first().innerText(), /lot 1[\s\S]*OIL-EX[\s\S]*D-EX-IN/);
    assert.match(await page.locator('main').innerText(), /goods\.value-added-exemption/);
    await checkAccessibility(page, 'declaration');
    await shoot(page, 'declaration-trace', { fullPage: true });
    await visit(page, '#/person/MO-1003', 'h2');
    assert.match(await page.locator('main').innerText(), /watchlist[\s\S]*referred/);
    await checkAccessibility(page, 'person');
    await shoot(page, 'person');
    await visit(page, '#/presence', '.big-number');
    await checkAccessibility(page, 'presence');
    await close();
  });

  test('an administrator creates a token, which works, and revokes it', async () => {
    const { page, close } = await open();
    await signIn(page, tokens.admin);
    await visit(page, '#/tokens', '#tokens-table');
    await page.locator('#token-role').selectOption('officer');
    await page.locator('#token-zone').selectOption('hengqin');
    await page.getByRole('button', { name: 'Create token' }).click();
    const secret = await page.locator('#token-secret').inputValue();
    assert.match(secret, /^twl_[0-9a-f]{64}$/);
    assert.equal((await api('GET', '/v1/zones', null, secret)).status, 200);
    const id = (await page.locator('#token-created code').innerText()).trim();
    await checkAccessibility(page, 'tokens');
    await shoot(page, 'tokens');
    await page.getByRole('button', { name: 'Done' }).click();
    assert.equal(await page.locator('#token-secret').count(), 0);
    const row = page.locator(`tr[data-token="${id}"]`);
    await row.getByRole('button', { name: 'Revoke' }).click();
    await row.getByRole('button', { name: `Revoke ${id} now` }).click();
    await row.getByText('revoked').waitFor();
    // A revocation takes effect within the server's token refresh (a second).
    const deadline = Date.now() + 5000;
    let status = 200;
    while (Date.now() < deadline && status !== 401) {
      status = (await api('GET', '/v1/zones', null, secret)).status;
      if (status !== 401) await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(status, 401);
    assert.equal((await page.content()).includes(secret), false, 'the secret is gone from the page');
    await close();
  });

  test('the language switch changes every string, and numbers and dates follow the locale', async () => {
    const { page, close } = await open();
    await signIn(page, tokens.auditor);
    await visit(page, '#/flows?from=2026-05-01&to=2026-05-31', '#flows-table');
    const englishTitle = await page.locator('#page-heading').innerText();
    assert.equal(englishTitle, 'Flows report');
    await page.locator('#language').selectOption('zh-Hans');
    await page.locator('#page-heading', { hasText: '流量报表' }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-Hans-CN');
    assert.match(await page.locator('nav.side').innerText(), /日志/);
    assert.match(await page.locator('#flows-table').innerText(), /2026年5月/);
    await checkAccessibility(page, 'flows (简体中文)');
    await shoot(page, 'flows-zh-Hans');
    await page.locator('#language').selectOption('zh-Hant');
    await page.locator('#page-heading', { hasText: '流量報表' }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'zh-Hant-HK');
    await page.reload();
    await page.locator('#page-heading', { hasText: '流量報表' }).waitFor();
    // No English left in the frame once switched (ids, codes and data aside).
    const frame = await page.locator('nav.side, header .brand, header label, header .who, header button, #main h1').allInnerTexts();
    assert.equal(/[a-z]{3,}/.test(frame.join(' ').replace(/twoline/g, '')), false, frame.join(' | '));
    await page.locator('#language').selectOption('en');
    await page.locator('#page-heading', { hasText: 'Flows report' }).waitFor();
    await checkAccessibility(page, 'flows');
    await shoot(page, 'flows');
    await close();
  });

  test('auditor pages: journal with hashes, chain verification, zones', async () => {
    const { page, close } = await open();
    await signIn(page, tokens.auditor);
    await page.locator('#zone').selectOption('hengqin');
    await visit(page, '#/journal', '#journal-entries');
    const entries = page.locator('#journal-entries > li');
    assert.ok((await entries.count()) > 5);
    const second = await entries.nth(1).innerText();
    const firstHash = (await entries.nth(0).locator('dl.hashes dd code').first().innerText()).trim();
    assert.match(firstHash, /^[0-9a-f]{64}$/);
    assert.ok(second.includes(firstHash), 'the second entry names the first one’s hash as its previous hash');
    assert.match(second, /linked to the entry before/);
    await checkAccessibility(page, 'journal');
    await shoot(page, 'journal');
    await visit(page, '#/verify', '#verify-result');
    assert.match(await page.locator('#verify-result').innerText(), /The chain verifies/);
    await checkAccessibility(page, 'verify');
    await shoot(page, 'verify');
    await visit(page, '#/zones', '#gates-table');
    await page.getByRole('heading', { name: 'Goods rules' }).waitFor();
    assert.match(await page.locator('main').innerText(), /mainland\.jp-aquatic\.suspended-2025/);
    await checkAccessibility(page, 'zones');
    await shoot(page, 'zones');
    await close();
  });

  test('every page of every role passes axe-core and logs no error', async () => {
    const roles = {
      officer: [tokens.officer, ['live', 'queue', 'presence', 'person', 'balances', 'declarations', 'declaration', 'flows']],
      declarant: [tokens.declarant, ['balances', 'declarations', 'declaration', 'declare']],
      auditor: [tokens.auditor, ['presence', 'person', 'balances', 'declarations', 'declaration', 'flows', 'journal', 'verify', 'zones']],
      admin: [tokens.admin, ['live', 'queue', 'presence', 'person', 'balances', 'declarations', 'declaration', 'declare', 'flows', 'journal', 'verify', 'zones', 'tokens', 'health']],
    };
    for (const [role, [token, pages]] of Object.entries(roles)) {
      const { page, close } = await open();
      await signIn(page, token);
      const links = await page.locator('nav.side a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      assert.deepEqual(links, pages.map((p) => `#/${p}`), `the ${role}'s navigation`);
      for (const name of pages) {
        await visit(page, `#/${name}`);
        await page.locator('[role="status"]', { hasText: 'Loading' }).waitFor({ state: 'detached' }).catch(() => {});
        await checkAccessibility(page, `${role} ${name}`);
        if (role === 'admin' && name === 'health') await shoot(page, 'health');
      }
      // Keyboard alone: the skip link is the first stop and moves focus to the content.
      await page.reload();
      await page.locator('#page-heading').waitFor();
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.className), 'skip');
      await page.keyboard.press('Enter');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'main');
      await close();
    }
  });
});
