// Key delivery against raw-socket phones: pending until registration, retries, final failures,
// coalescing of rapid binds, hostile input, NAT-aware destination.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createService, type Service, type ServiceOptions } from '../../src/service/index.js';
import { KeyStateError } from '../../src/snom/key-state.js';
import { InvalidBindRequestError } from '../../src/service/service-errors.js';
import { RawPhone } from './service-raw-phone.js';

const DOMAIN = 'pbx.test';

async function startService(extra: Partial<ServiceOptions> = {}): Promise<{ service: Service; addr: { host: string; port: number } }> {
  const service = createService({
    domains: [DOMAIN],
    users: [{ user: '200', password: 'pw200' }, { user: '201', password: 'pw201' }],
    sip: { listen: { host: '127.0.0.1', port: 0 }, timers: { t1: 50 } },
    delivery: { attemptTimeoutMs: 300, retryDelaysMs: [50, 100] },
    ...extra,
  });
  await service.start();
  return { service, addr: { host: '127.0.0.1', port: service.sipAddress!.udpPort! } };
}

function phone(user = '200', host = '127.0.0.2'): Promise<RawPhone> {
  return RawPhone.open({ host, user, password: `pw${user}`, domain: DOMAIN });
}

test('an unregistered user: pending, desired state kept; the phone registers and gets every key in one document', async () => {
  const { service, addr } = await startService();
  const p = await phone();
  try {
    const r1 = await service.bindKey({ profile: 'internal', user: '200', host: DOMAIN, keys: [{ key: '2', light: 'on', label: 'DND' }] });
    assert.deepEqual(r1, {
      profile: 'internal', user: '200', host: DOMAIN, keys: [{ key: '2', version: 1 }],
      delivered: false, pending: true, reason: 'not registered', contacts: [],
    });
    const r2 = await service.bindKey({ profile: 'internal', user: '200', host: 'PBX.test', keys: [{ key: '10', light: 'message', label: 'VM' }, { key: '3', light: 'off', label: 'x' }] });
    assert.equal(r2.pending, true);
    assert.equal(r2.host, DOMAIN, 'host lowercased');
    const other = await service.bindKey({ profile: 'internal', user: '200', host: 'elsewhere.test', keys: [{ key: '2', light: 'on', label: 'x' }] });
    assert.equal(other.reason, 'not a domain of this registrar');
    assert.equal(p.received.length, 0);

    const delivered = service.events.once('delivery', (e) => e.status === 'delivered');
    const reg = await p.register(addr);
    assert.equal(reg.status, 200);
    const event = await delivered;
    assert.equal(event.cause, 'resync');
    assert.deepEqual(event.keys.map((k) => `${k.key}@${k.version}`), ['2@1', '3@3', '10@2']);
    const [msg] = await p.waitFor(1);
    assert.equal(msg!.request.uri, p.contact());
    assert.equal(msg!.request.body.toString(), 'k=2\r\nc=on\r\nl=DND\r\n\r\nk=3\r\nc=off\r\nl=x\r\n\r\nk=10\r\nc=message\r\nl=VM\r\n');
    await new Promise((r) => setTimeout(r, 20));
    const status = service.keyStatus({ profile: 'internal', user: '200', host: DOMAIN });
    assert.deepEqual(status.map((s) => [s.desired.key, s.deliveries.map((d) => `${d.status}@${d.version}:${d.contact}`)]), [
      ['2', [`delivered@1:${p.contact()}`]], ['3', [`delivered@3:${p.contact()}`]], ['10', [`delivered@2:${p.contact()}`]],
    ]);
    // a refresh (same Call-ID) does not re-send
    assert.equal((await p.register(addr)).status, 200);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(p.received.length, 1);
  } finally {
    await p.close();
    await service.close();
  }
});

test('a phone that does not answer: retried after each delay, then failed with the reason', async () => {
  const { service, addr } = await startService();
  const p = await phone();
  try {
    assert.equal((await p.register(addr)).status, 200);
    await new Promise((r) => setTimeout(r, 50));
    p.received.length = 0;
    p.answer = null;
    const events: string[] = [];
    service.events.on('delivery', (e) => events.push(`${e.status}:${e.attempt}`));
    const t0 = performance.now();
    const r = await service.bindKey({ profile: 'internal', user: '200', host: DOMAIN, keys: [{ key: '2', light: 'on', label: 'DND' }] });
    const elapsed = performance.now() - t0;
    assert.equal(r.delivered, false);
    const c = r.contacts[0]!;
    assert.ok('error' in c, JSON.stringify(c));
    assert.equal(c.error, 'timeout');
    assert.equal(c.attempts, 3);
    assert.deepEqual(events, ['retrying:1', 'retrying:2', 'failed:3']);
    // three transactions (UDP retransmissions share a Call-ID), each started after its delay
    const starts = new Map<string, number>();
    for (const m of p.received) if (!starts.has(m.request.headers.get('call-id')!)) starts.set(m.request.headers.get('call-id')!, m.at);
    const t = [...starts.values()];
    assert.equal(t.length, 3);
    assert.ok(t[1]! - t[0]! >= 300 + 50 - 5, `second attempt after timeout + 50 ms (${t[1]! - t[0]!})`);
    assert.ok(t[2]! - t[1]! >= 300 + 100 - 5, `third attempt after timeout + 100 ms (${t[2]! - t[1]!})`);
    assert.ok(elapsed >= 3 * 300 + 150 - 10 && elapsed < 3000, `elapsed ${elapsed}`);
    const [status] = service.keyStatus({ profile: 'internal', user: '200', host: DOMAIN });
    assert.equal(status!.deliveries[0]!.status, 'failed');
    assert.equal(status!.deliveries[0]!.reason, 'timeout: no final response within timeoutMs (after 3 attempts)');
  } finally {
    await p.close();
    await service.close();
  }
});

test('503 is retried, 404 is final after one attempt', async () => {
  const { service, addr } = await startService();
  const p = await phone();
  try {
    assert.equal((await p.register(addr)).status, 200);
    p.answer = 503;
    const r503 = await service.bindKey({ profile: 'internal', user: '200', host: DOMAIN, keys: [{ key: '2', light: 'on', label: 'a' }] });
    assert.ok('status' in r503.contacts[0]! && r503.contacts[0].status === 503);
    assert.equal(r503.contacts[0]!.attempts, 3);
    p.answer = 404;
    const r404 = await service.bindKey({ profile: 'internal', user: '200', host: DOMAIN, keys: [{ key: '2', light: 'off', label: 'b' }] });
    assert.ok('status' in r404.contacts[0]! && r404.contacts[0].status === 404);
    assert.equal(r404.contacts[0]!.attempts, 1);
    assert.equal(r404.delivered, false);
    const [status] = service.keyStatus({ profile: 'internal', user: '200', host: DOMAIN });
    assert.equal(status!.deliveries[0]!.reason, '404 Whatever');
  } finally {
    await p.close();
    await service.close();
  }
});

test('20 rapid binds of one key: the phone ends with the last state and never sees an older one after a newer one', async () => {
  const { service, addr } = await startService();
  const p = await phone();
  try {
    assert.equal((await p.register(addr)).status, 200);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      service.bindKey({ profile: 'internal', user: '200', host: DOMAIN, keys: [{ key: '2', light: i % 2 ? 'on' : 'off', label: `L${i}` }] })));
    assert.ok(results.every((r) => r.delivered));
    assert.deepEqual(results.map((r) => r.keys[0]!.version), Array.from({ length: 20 }, (_, i) => i + 1));
    const labels = p.received.map((m) => Number(/l=L(\d+)/.exec(m.request.body.toString())![1]));
    assert.equal(labels[labels.length - 1], 19);
    for (let i = 1; i < labels.length; i++) assert.ok(labels[i]! > labels[i - 1]!, `order ${labels.join(',')}`);
    assert.ok(labels.length < 20, `coalesced: ${labels.length} MESSAGEs`);
    assert.equal(results.filter((r) => r.contacts[0]!.superseded).length, 20 - labels.length);
    await new Promise((r) => setTimeout(r, 20));
    const [status] = service.keyStatus({ profile: 'internal', user: '200', host: DOMAIN });
    assert.deepEqual([status!.desired.version, status!.deliveries[0]!.version, status!.deliveries[0]!.status], [20, 20, 'delivered']);
  } finally {
    await p.close();
    await service.close();
  }
});

test('a newer version queued behind a slow older one: the older never marks the key delivered', async () => {
  const { service, addr } = await startService({ delivery: { attemptTimeoutMs: 2000, retryDelaysMs: [] } });
  const p = await phone();
  try {
    assert.equal((await p.register(addr)).status, 200);
    p.answer = null; // hold the first MESSAGE unanswered
    const first = service.bindKey({ profile: 'internal', user: '200', host: DOMAIN, keys: [{ key: '2', light: 'on', label: 'old' }] });
    await p.waitFor(1);
    const second = service.bindKey({ profile: 'internal', user: '200', host: DOMAIN, keys: [{ key: '2', light: 'off', label: 'new' }] });
    p.answer = 200;
    const [r1, r2] = await Promise.all([first, second]);
    assert.equal(r2.delivered, true);
    assert.equal(r1.contacts[0]!.superseded, true, 'the first caller learns a newer state replaced its own');
    const bodies = p.received.map((m) => m.request.body.toString());
    assert.equal(bodies[bodies.length - 1], 'k=2\r\nc=off\r\nl=new\r\n');
    await new Promise((r) => setTimeout(r, 20));
    const [status] = service.keyStatus({ profile: 'internal', user: '200', host: DOMAIN });
    assert.deepEqual([status!.deliveries[0]!.version, status!.deliveries[0]!.status], [2, 'delivered']);
  } finally {
    await p.close();
    await service.close();
  }
});

test('hostile input: CR/LF/TAB in values are refused before anything is stored or sent', async () => {
  const { service, addr } = await startService();
  const p = await phone();
  try {
    assert.equal((await p.register(addr)).status, 200);
    await new Promise((r) => setTimeout(r, 50));
    const before = p.received.length;
    for (const label of ['a\r\nEvil: 1', 'a\nb', 'tab\there', 'nul\0']) {
      await assert.rejects(service.bindKey({ profile: 'internal', user: '200', host: DOMAIN, keys: [{ key: '2', light: 'on', label }] }),
        (e: unknown) => e instanceof KeyStateError && e.field === 'label' && e.index === 0);
    }
    await assert.rejects(service.bindKey({ profile: 'internal', user: '200', host: DOMAIN, keys: [{ key: '2', light: 'on', label: 'ok' }, { key: '3', light: 'on', label: 'x', number: '1\r\n2' }] }),
      (e: unknown) => e instanceof KeyStateError && e.field === 'number' && e.index === 1);
    await assert.rejects(service.bindKey({ profile: 'internal', user: '200\r\nX: y', host: DOMAIN, keys: [{ key: '2' }] }),
      (e: unknown) => e instanceof InvalidBindRequestError && e.field === 'user');
    await assert.rejects(service.bindKey({ profile: 'internal', user: '200', host: 'pbx.test>;x', keys: [{ key: '2' }] }),
      (e: unknown) => e instanceof InvalidBindRequestError && e.field === 'host');
    await assert.rejects(service.bindKey({ profile: 'internal', user: '200', host: DOMAIN, keys: [{ key: '2' }, { key: '2' }] }),
      (e: unknown) => e instanceof InvalidBindRequestError && e.field === 'keys[1].key');
    await assert.rejects(service.bindKey({ profile: 'nope', user: '200', host: DOMAIN, keys: [{ key: '2' }] }), { code: 'SNOM_ERR_UNKNOWN_PROFILE' });
    const api = await service.api(`snom_bind_key 2 on a\\tb 200 ${DOMAIN} internal`);
    assert.match(api.reply, /^-ERR label contains a control character \(TAB at position 1\)$/);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(p.received.length, before, 'nothing reached the wire');
    assert.deepEqual(service.keyStatus({ profile: 'internal', user: '200', host: DOMAIN }), [], 'nothing persisted');
  } finally {
    await p.close();
    await service.close();
  }
});

test('NAT: a Contact that differs from the REGISTER source is reached at the source; the Request-URI stays the contact', async () => {
  // a trusted network instead of Digest keeps the hand-written REGISTER simple
  const { service, addr } = await startService({ users: [{ user: '200', trustedNetworks: ['127.0.0.0/8'] }] });
  const p = await phone();
  try {
    // the phone claims a private Contact, but its packets come from 127.0.0.2:<port>
    const natContact = 'sip:200@192.168.1.50:5060;line=nat1';
    p.send(`REGISTER sip:${DOMAIN} SIP/2.0\r\nVia: SIP/2.0/UDP 192.168.1.50:5060;branch=z9hG4bKnat1;rport\r\n` +
      `From: <sip:200@${DOMAIN}>;tag=n1\r\nTo: <sip:200@${DOMAIN}>\r\nCall-ID: nat-1\r\nCSeq: 1 REGISTER\r\n` +
      `Contact: <${natContact}>\r\nExpires: 600\r\nContent-Length: 0\r\n\r\n`, addr);
    for (let i = 0; i < 100 && service.registrar.contactsOf('200', DOMAIN).length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    const r = await service.bindKey({ profile: 'internal', user: '200', host: DOMAIN, keys: [{ key: '2', light: 'on', label: 'NAT' }] });
    assert.equal(r.delivered, true);
    assert.equal(r.contacts[0]!.destination, `udp:127.0.0.2:${p.port}`);
    assert.equal(r.contacts[0]!.contact, natContact);
    const msgs = p.received.filter((m) => m.request.method === 'MESSAGE');
    assert.equal(msgs.length, 1);
    assert.equal(msgs[0]!.request.uri, natContact);
  } finally {
    await p.close();
    await service.close();
  }
});
