// The dashboard in Debian's Chromium (playwright-core, no browser download) against `snomctl serve` as a
// real process and two virtual phones: list, edit a key, a CLI bind-key arriving live, a key press, a token.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { buildDashboard } from '../../scripts/build-dashboard.js';
import type { VirtualPhone } from '../../src/sim/index.js';
import { commonFreePort, DOMAIN, findChromium, ROOT, runCli, startPhone, startServe, waitFor, type Served } from './harness.js';

const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'dashboard');
const HOSTS = ['127.0.0.61', '127.0.0.62'];
const STEP_MS = 10_000;
const executablePath = findChromium();
const skip = executablePath === undefined ? 'no chromium binary (apt-get install chromium; or set CHROMIUM_PATH)' : false;
if (skip !== false) console.log(`# dashboard browser test skipped: ${skip}`);

let browser: Browser | undefined;

before(async () => {
  if (skip !== false) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  await buildDashboard();
  browser = await chromium.launch({ executablePath: executablePath!, args: ['--no-sandbox'], timeout: 30_000 });
});

after(async () => {
  await browser?.close();
});

/** The service, two registered phones (2001 and 2002) and a fresh page; everything stopped by stop(). */
async function setUp(token?: string): Promise<{ served: Served; phones: VirtualPhone[]; page: Page; stop: () => Promise<void> }> {
  const webPort = await commonFreePort(HOSTS);
  const served = await startServe({ webPort, ...(token === undefined ? {} : { token }) });
  const phones: VirtualPhone[] = [];
  const stop = async (): Promise<void> => {
    await context?.close();
    await Promise.allSettled(phones.map((p) => p.close()));
    await served.stop();
  };
  let context: Awaited<ReturnType<Browser['newContext']>> | undefined;
  try {
    phones.push(await startPhone('2001', HOSTS[0]!, served.sipPort, webPort));
    phones.push(await startPhone('2002', HOSTS[1]!, served.sipPort, webPort));
    context = await browser!.newContext({ viewport: { width: 1280, height: 1000 } });
    const page = await context.newPage();
    page.setDefaultTimeout(STEP_MS);
    return { served, phones, page, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(ARTIFACTS, name), fullPage: true });
}

test('dashboard: the list shows both phones; editing key 2 reaches the phone; a CLI bind-key appears live; a press reaches the phone; history from before the page', { skip, timeout: 90_000 }, async () => {
  const { served, phones, page, stop } = await setUp();
  const [p1, p2] = phones as [VirtualPhone, VirtualPhone];
  try {
    // before the page is opened: a key for 2002, which its view shows later from the service's replay
    const early = await runCli(['bind-key', '--server', served.api, '6', 'on', 'Early', '2002', DOMAIN, 'internal']);
    assert.equal(early.code, 0, early.stderr);
    await waitFor('key 6 on phone 2002', () => p2.snapshot().keys['6']?.label === 'Early', STEP_MS);
    const page404: string[] = [];
    page.on('response', (r) => {
      if (r.status() >= 400) page404.push(`${r.status()} ${r.url()}`);
    });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const eventRequests: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/v1/events')) eventRequests.push(r.url().slice(served.api.length));
    });
    const res = await page.goto(`${served.api}/`);
    assert.equal(res?.status(), 200);
    assert.match(res!.headers()['content-security-policy'] ?? '', /script-src 'self'/);

    const rows = page.locator('#phones-body tr');
    await rows.filter({ hasText: `2001@${DOMAIN}` }).waitFor();
    await rows.filter({ hasText: `2002@${DOMAIN}` }).waitFor();
    assert.equal(await rows.count(), 2);
    const row1 = rows.filter({ hasText: `2001@${DOMAIN}` });
    assert.match(await row1.innerText(), /registered/);
    assert.match(await row1.innerText(), new RegExp(`${HOSTS[0]!.replaceAll('.', '\\.')} · snomD785/`));
    assert.match(await row1.innerText(), /expires in \d+m/);
    assert.equal(await row1.locator('td').first().innerText(), 'internal (embedded)', 'the profile and its route kind');
    assert.equal(await page.getByRole('columnheader', { name: 'Profiles (route)' }).count(), 1);
    await page.locator('#connection[data-state="live"]').waitFor();
    await page.getByLabel('Filter phones').fill('2002');
    await waitFor('the filter to leave one phone', async () => (await rows.count()) === 1, STEP_MS);
    await page.getByLabel('Filter phones').fill('');
    await waitFor('the filter to be cleared', async () => (await rows.count()) === 2, STEP_MS);
    await shot(page, '01-phones-list.png');

    // open 2001 and edit key 2 to on/DND
    await page.getByRole('link', { name: `2001@${DOMAIN}` }).click();
    await page.getByRole('heading', { name: `2001@${DOMAIN}` }).waitFor();
    await page.evaluate("globalThis.dashboardTestMarker = 'no reload'");
    await page.getByRole('button', { name: 'Edit key 2' }).click();
    await page.getByLabel('Light').selectOption('on');
    await page.getByLabel('Label').fill('DND');
    await page.getByRole('button', { name: 'Send key 2' }).click();
    await waitFor('key 2 on/DND on the virtual phone', () => {
      const k = p1.snapshot().keys['2'];
      return k?.light === 'on' && k.label === 'DND';
    }, STEP_MS);
    assert.deepEqual(p1.snapshot().keys['2']!.block, { key: '2', light: 'on', label: 'DND', action: 'invite' });
    const key2 = page.locator('li.key[data-key="2"]');
    await key2.locator('.delivery-delivered').waitFor();
    assert.match(await key2.innerText(), /on: green, steady/);
    await shot(page, '02-key-2-edited.png');

    // bind-key 3 by the CLI as a real process: the open page shows it without a reload
    const cli = await runCli(['bind-key', '--server', served.api, '3', 'pickup', 'Queue', '2001', DOMAIN, 'internal']);
    assert.equal(cli.stdout.trim(), `+OK 3 pickup Queue 2001 ${DOMAIN} internal`, cli.stderr);
    assert.equal(cli.code, 0, cli.stderr);
    const key3 = page.locator('li.key[data-key="3"][data-light="pickup"]');
    await key3.waitFor();
    assert.match(await key3.innerText(), /Queue/);
    assert.match(await key3.innerText(), /pickup: red, blinking fast/);
    await key3.locator('.led.blink-fast').waitFor();
    await page.locator('ol.events li', { hasText: 'keys set (internal): key 3' }).waitFor();
    assert.equal(await page.evaluate('globalThis.dashboardTestMarker'), 'no reload');
    assert.equal(p1.snapshot().keys['3']?.light, 'pickup');
    await shot(page, '03-cli-bind-key-live.png');

    // press P2 from the dashboard: the command goes through the phone's web server
    const before = p1.snapshot().presses.length;
    await page.getByRole('button', { name: 'Press P2 on the phone' }).click();
    await waitFor('P2 in the phone\'s press log', () => p1.snapshot().presses.slice(before).some((p) => p.name === 'P2' && p.source === 'http'), STEP_MS);
    await page.locator('.action-status', { hasText: 'press P2: done' }).waitFor();
    await shot(page, '04-key-pressed.png');

    // phone 2002's view lists what happened before the page was opened (replayed by the service), newest first
    await page.getByRole('link', { name: `2002@${DOMAIN}` }).click();
    await page.getByRole('heading', { name: `2002@${DOMAIN}` }).waitFor();
    const history = page.getByRole('list', { name: `Recent events of 2002@${DOMAIN}` });
    await history.locator('li', { hasText: 'keys set (internal): key 6 on: green, steady (on) “Early”' }).waitFor();
    await history.locator('li', { hasText: /delivery delivered: key 6 v\d+ to udp:127\.0\.0\.62:\d+ \(SIP 200\)/ }).waitFor();
    await history.locator('li', { hasText: `registered: ${HOSTS[1]}:` }).waitFor();
    const texts = await history.locator('li').allInnerTexts();
    const at = (pattern: RegExp) => texts.findIndex((t) => pattern.test(t));
    assert.ok(at(/keys set \(internal\): key 6/) < at(/registered: /), `newest first: ${texts.join(' | ')}`);
    assert.equal(texts.filter((t) => /keys set \(internal\): key 6/.test(t)).length, 1, 'once, not again from the live stream');
    assert.match(await page.locator('#phone .phone-header').innerText(), /Profiles \(route\): internal \(embedded\)/);
    // the stream asked for the recent history once; each phone opened asks for its own
    assert.deepEqual(eventRequests, ['/v1/events?replay=1000', `/v1/events?phone=2001%40${DOMAIN}&replay=30`, `/v1/events?phone=2002%40${DOMAIN}&replay=30`]);
    await shot(page, '05-history-before-page.png');

    assert.deepEqual(errors, []);
    assert.deepEqual(page404, []);
  } finally {
    await stop();
  }
});

test('dashboard with an API token: the page asks for it, then lists the phones and edits keys', { skip, timeout: 60_000 }, async () => {
  const token = 'dash-token-0123456789abcdef';
  const { served, phones, page, stop } = await setUp(token);
  const [, p2] = phones as [VirtualPhone, VirtualPhone];
  try {
    await page.goto(`${served.api}/`);
    const field = page.getByLabel('API token', { exact: true });
    await field.waitFor();
    await shot(page, '06-token-prompt.png');
    await field.fill(token);
    await page.getByRole('button', { name: 'Use token' }).click();
    const rows = page.locator('#phones-body tr');
    await rows.filter({ hasText: `2002@${DOMAIN}` }).waitFor();
    assert.equal(await rows.count(), 2);
    assert.equal(await page.locator('#auth').isHidden(), true);
    await page.locator('#connection[data-state="live"]').waitFor();

    await page.getByRole('link', { name: `2002@${DOMAIN}` }).click();
    await page.getByRole('button', { name: 'Edit key 4' }).click();
    await page.getByLabel('Light').selectOption('hold');
    await page.getByLabel('Label').fill('Held');
    await page.getByRole('button', { name: 'Send key 4' }).click();
    await waitFor('key 4 hold on phone 2002', () => p2.snapshot().keys['4']?.light === 'hold', STEP_MS);
    // the event stream runs with the token too: a CLI bind-key (token from the env) shows up live
    const cli = await runCli(['bind-key', '--server', served.api, '5', 'message', 'VM', '2002', DOMAIN, 'internal'], { SNOMCTL_TOKEN: token });
    assert.equal(cli.code, 0, cli.stdout + cli.stderr);
    await page.locator('li.key[data-key="5"][data-light="message"]').waitFor();
    await shot(page, '07-token-phone-view.png');
  } finally {
    await stop();
  }
});
