// Action URLs (snom-protocol.md §4) fired by the virtual phone to a real local HTTP(S) server on
// 127.0.0.83/84: configured live through dummy.htm, triggered by key presses, dialling and fireActionUrl.
import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createVirtualPhoneWeb, type VirtualPhoneWeb } from '../../src/sim/web/virtual-phone-web.js';
import { generateSelfSignedCertificate } from '../../src/sim/web/tls-certificate.js';
import type { ActionUrlRecord } from '../../src/sim/phone-state-types.js';

const PHONE_HOST = '127.0.0.83';
const SERVER_HOST = '127.0.0.84';

interface Hit {
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
}

let phone: VirtualPhoneWeb;
let phoneUrl: string;
let server: http.Server;
let target: string;
const hits: Hit[] = [];
/** Paths the test server never answers (to test the timeout). */
const SILENT = '/silent';

before(async () => {
  server = http.createServer((req, res) => {
    hits.push({ url: req.url ?? '', headers: req.headers });
    if (req.url?.startsWith(SILENT)) return;
    res.writeHead(req.url?.startsWith('/missing') ? 404 : 200, { 'Content-Type': 'text/plain' }).end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, SERVER_HOST, resolve));
  target = `http://${SERVER_HOST}:${(server.address() as AddressInfo).port}`;
  phone = createVirtualPhoneWeb({
    actionUrlTimeoutMs: 300,
    settings: { user_name1: '100', user_host1: 'pbx.test', user_realname1: 'Ann Lee' },
  });
  phoneUrl = (await phone.listen({ host: PHONE_HOST, port: 0 })).url;
});

after(async () => {
  await phone.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  hits.length = 0;
});

async function get(path: string): Promise<number> {
  const res = await fetch(`${phoneUrl}${path}`, { redirect: 'manual' });
  await res.arrayBuffer();
  return res.status;
}

/** Configures settings through the phone's own page, as a provisioning client would. */
async function configure(settings: Record<string, string>): Promise<void> {
  const query = Object.entries(settings).map(([n, v]) => `${n}=${encodeURIComponent(v)}`).join('&');
  assert.equal(await get(`/dummy.htm?settings=save&${query}`), 200);
}

/** Waits for `n` new Action URL records after `from`. */
async function records(from: number, n: number): Promise<ActionUrlRecord[]> {
  const end = Date.now() + 3000;
  for (;;) {
    const got = phone.state.snapshot().actionUrls.slice(from);
    if (got.length >= n || Date.now() > end) return got;
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('DND on/off fire their URLs with variables expanded and escaped', async () => {
  await configure({
    action_dnd_on_url: `${target}/dnd?state=on&local=$local&url=$active_url&name=$display_local&mac=$mac&ip=$phone_ip&calls=$nr_ongoing_calls`,
    action_dnd_off_url: `${target}/dnd?state=off&user=$active_user&host=$active_host`,
  });
  const from = phone.state.snapshot().actionUrls.length;
  assert.equal(await get('/command.htm?key=DND%2C0%2C50%3BDND'), 200);
  const got = await records(from, 2);
  assert.deepEqual(hits.map((h) => h.url), [
    `/dnd?state=on&local=100%40pbx.test&url=sip%3A100%40pbx.test&name=Ann%20Lee&mac=000413000001&ip=${PHONE_HOST}&calls=0`,
    '/dnd?state=off&user=100&host=pbx.test',
  ]);
  assert.match(String(hits[0]!.headers['user-agent']), /snomD785-SIP/);
  assert.deepEqual(got.map((r) => [r.event, r.setting, r.url, r.status, r.error]), [
    ['dnd_on', 'action_dnd_on_url', `${target}${hits[0]!.url}`, 200, undefined],
    ['dnd_off', 'action_dnd_off_url', `${target}${hits[1]!.url}`, 200, undefined],
  ]);
  assert.ok(got.every((r) => r.durationMs >= 0 && r.durationMs < 3000));
});

test('hook keys fire offhook/onhook; dialling fires outgoing with $remote and $call-id', async () => {
  await configure({
    action_offhook_url: `${target}/offhook`,
    action_onhook_url: `${target}/onhook`,
    action_outgoing_url: `${target}/out?to=$remote&id=$call-id&n=$nr_ongoing_calls`,
  });
  const from = phone.state.snapshot().actionUrls.length;
  // 50 ms apart, so the two requests arrive in order.
  assert.equal(await get('/command.htm?key=OFFHOOK%2C0%2C50%3BONHOOK'), 200);
  await records(from, 2);
  assert.equal(await get('/command.htm?number=%2B49%2030%26x&outgoing_uri=sip%3A100%40pbx.test'), 400, 'a space in the number is refused');
  assert.equal(await get('/command.htm?number=%2B4930%26x'), 302);
  const got = await records(from, 3);
  const call = phone.state.activeCalls().at(-1)!;
  assert.equal(call.number, '+4930&x');
  assert.deepEqual(hits.map((h) => h.url), [
    '/offhook',
    '/onhook',
    `/out?to=%2B4930%26x&id=${encodeURIComponent(call.callId)}&n=1`,
  ]);
  assert.deepEqual(got.map((r) => r.event), ['offhook', 'onhook', 'outgoing']);
  phone.state.releaseAllCalls();
});

test('fireActionUrl for the SIP side, with $sip_header; unconfigured events fire nothing', async () => {
  await configure({ action_incoming_url: `${target}/in?from=$remote&name=$display_remote&h=$sip_header(X-Info)&id=$call-id` });
  const record = await phone.fireActionUrl('incoming', { remote: '200', display_remote: 'Bob B', 'call-id': 'c1@h' }, { sipHeaders: { 'x-info': 'a&b' } });
  assert.equal(record?.status, 200);
  assert.deepEqual(hits.map((h) => h.url), ['/in?from=200&name=Bob%20B&h=a%26b&id=c1%40h']);
  assert.equal(await phone.fireActionUrl('transfer'), undefined);
  assert.equal(hits.length, 1);
});

test('state transitions from the SIP side fire connected and disconnected', async () => {
  // An empty setting switches the incoming URL of the previous test off.
  await configure({ action_incoming_url: '', action_connected_url: `${target}/conn?r=$remote`, action_disconnected_url: `${target}/disc?why=$cancel_reason` });
  const from = phone.state.snapshot().actionUrls.length;
  const call = phone.state.incomingCall({ number: '300' });
  phone.state.updateCall(call.id, 'connected');
  phone.state.releaseCall(call.id, 'BYE from remote');
  assert.deepEqual((await records(from, 2)).map((r) => r.event).sort(), ['connected', 'disconnected']);
  assert.deepEqual(hits.map((h) => h.url).sort(), ['/conn?r=300', '/disc?why=BYE%20from%20remote']);
});

test('failures are recorded, never thrown: 404, refused connection, timeout, invalid URL', async () => {
  const closed = http.createServer();
  await new Promise<void>((resolve) => closed.listen(0, SERVER_HOST, resolve));
  const deadPort = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  await configure({
    action_hold: `${target}/missing`,
    action_unhold: `http://${SERVER_HOST}:${deadPort}/x`,
    action_missed_url: `${target}${SILENT}`,
    action_transfer: 'ftp://example.invalid/$remote',
  });
  const missing = await phone.fireActionUrl('hold');
  assert.deepEqual([missing?.status, missing?.error], [404, undefined]);
  const refused = await phone.fireActionUrl('unhold');
  assert.equal(refused?.status, null);
  assert.match(refused?.error ?? '', /ECONNREFUSED/);
  const started = Date.now();
  const silent = await phone.fireActionUrl('missed');
  assert.deepEqual([silent?.status, silent?.error], [null, 'timeout after 300 ms']);
  assert.ok(Date.now() - started < 2000);
  const invalid = await phone.fireActionUrl('transfer', { remote: 'x' });
  assert.deepEqual([invalid?.status, invalid?.url, invalid?.error], [null, 'ftp://example.invalid/$remote', 'scheme "ftp:" is not http or https']);
  assert.deepEqual(phone.state.snapshot().actionUrls.slice(-4).map((r) => [r.event, r.status]), [
    ['hold', 404], ['unhold', null], ['missed', null], ['transfer', null],
  ]);
  assert.equal(phone.actionUrls.pending, 0);
});

test('https Action URLs to a self-signed server are fired', async () => {
  const credentials = await generateSelfSignedCertificate(SERVER_HOST);
  const secure = https.createServer(credentials, (req, res) => {
    hits.push({ url: req.url ?? '', headers: req.headers });
    res.writeHead(204).end();
  });
  await new Promise<void>((resolve) => secure.listen(0, SERVER_HOST, resolve));
  try {
    await configure({ action_log_on_url: `https://${SERVER_HOST}:${(secure.address() as AddressInfo).port}/reg?u=$active_user` });
    const from = phone.state.snapshot().actionUrls.length;
    phone.state.setRegistration(1, { status: 'registered' });
    const [record] = await records(from, 1);
    assert.deepEqual([record?.event, record?.status], ['registration', 204]);
    assert.deepEqual(hits.map((h) => h.url), ['/reg?u=100']);
  } finally {
    secure.closeAllConnections();
    await new Promise<void>((resolve) => secure.close(() => resolve()));
  }
});
