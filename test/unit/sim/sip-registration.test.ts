import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getCSeq } from '../../../src/sip/accessors.js';
import { createResponse, type SipRequest } from '../../../src/sip/message.js';
import type { RequestOptions, RequestResult } from '../../../src/sip/transaction/endpoint-types.js';
import { resolveIdentity, type LocalAddress } from '../../../src/sim/sip-identity.js';
import { RegistrationClient, grantedExpires, type RegistrationEvent } from '../../../src/sim/sip-registration.js';
import { SimScheduler } from '../../../src/sim/sip-scheduler.js';
import { FakeClock } from '../../helpers/fake-clock.js';

interface Sent {
  readonly request: SipRequest;
  readonly options: RequestOptions;
  readonly answer: (result: RequestResult) => void;
}

/** A RegistrationClient whose requests wait for the test to answer them. */
function harness(expires = 600) {
  const clock = new FakeClock();
  const scheduler = new SimScheduler({ clock });
  const sent: Sent[] = [];
  const events: RegistrationEvent[] = [];
  let local: LocalAddress | undefined = { host: '127.0.0.9', port: 5062, transport: 'udp' };
  const identity = resolveIdentity({ registrar: '127.0.0.8:5070', domain: 'example.com', user: '2000', password: 'pw', lineId: 'line0001', expires }, 1);
  const client = new RegistrationClient({
    identity,
    send: (request, options) => new Promise((answer) => sent.push({ request, options, answer })),
    local: () => local,
    instance: 'urn:uuid:00000000-0000-1000-8000-000413000001',
    scheduler,
    onEvent: (e) => events.push(e),
    retryMinMs: 1000,
    retryMaxMs: 4000,
  });
  const ok = (status: number, reason: string, headers: [string, string][] = [], cseqBump = 0): RequestResult => {
    const req = sent.at(-1)!.request;
    const cseq = getCSeq(req)!.seq + cseqBump;
    return { ok: true, latencyMs: 1, response: createResponse({ status, reason, headers: [['CSeq', `${cseq} REGISTER`], ...headers] }) };
  };
  return { clock, scheduler, sent, events, client, ok, setLocal: (l: LocalAddress | undefined) => (local = l) };
}

const tick = () => new Promise((r) => setImmediate(r));
const CONTACT = 'sip:2000@127.0.0.9:5062;line=line0001';

test('REGISTER: Request-URI, headers, digest credentials and the registrar as destination', async () => {
  const h = harness();
  const done = h.client.register();
  await tick();
  assert.equal(h.sent.length, 1);
  const { request, options } = h.sent[0]!;
  assert.equal(request.uri, 'sip:example.com');
  assert.equal(request.headers.get('to'), '<sip:2000@example.com>');
  assert.match(request.headers.get('from')!, /^<sip:2000@example\.com>;tag=/);
  assert.equal(request.headers.get('cseq'), '1 REGISTER');
  assert.equal(request.headers.get('contact'), `<${CONTACT}>;q=1.0;+sip.instance="<urn:uuid:00000000-0000-1000-8000-000413000001>"`);
  assert.equal(request.headers.get('expires'), '600');
  assert.deepEqual(options.destination, { host: '127.0.0.8', port: 5070, transport: 'udp' });
  assert.equal((options.credentials as { username: string }).username, '2000');
  h.sent[0]!.answer(h.ok(200, 'OK', [['Contact', `<${CONTACT}>;expires=120`]], 1));
  assert.deepEqual(await done, { ok: true, expires: 120 });
  assert.deepEqual(h.events, [
    { status: 'registering', contact: CONTACT },
    { status: 'registered', contact: CONTACT, expires: 120, detail: '200 OK' },
  ]);
  assert.equal(h.client.registered, true);
});

test('refreshes at half the granted expiry with the same Call-ID and the CSeq after the one the transaction used', async () => {
  const h = harness();
  const done = h.client.register();
  await tick();
  h.sent[0]!.answer(h.ok(200, 'OK', [['Expires', '100']], 1)); // answered after a 401: CSeq 2
  await done;
  h.clock.advance(49_999);
  await tick();
  assert.equal(h.sent.length, 1);
  h.clock.advance(1);
  await tick();
  assert.equal(h.sent.length, 2);
  assert.equal(h.sent[1]!.request.headers.get('cseq'), '3 REGISTER');
  assert.equal(h.sent[1]!.request.headers.get('call-id'), h.sent[0]!.request.headers.get('call-id'));
  assert.notEqual(h.sent[1]!.request.headers.get('from'), h.sent[0]!.request.headers.get('from'), 'a new From tag per request');
  h.sent[1]!.answer(h.ok(200, 'OK', [['Expires', '100']]));
  await tick();
  assert.equal(h.events.filter((e) => e.status === 'registering').length, 1, 'a refresh is not "registering"');
  assert.equal(h.scheduler.size, 1);
});

test('423 is retried at once with Min-Expires; failures back off 1 s, 2 s, 4 s, 4 s; success resets', async () => {
  const h = harness();
  const first = h.client.register();
  await tick();
  h.sent[0]!.answer(h.ok(423, 'Interval Too Brief', [['Min-Expires', '1800']]));
  await tick();
  assert.equal(h.sent[1]!.request.headers.get('expires'), '1800');
  assert.equal(h.sent[1]!.request.headers.get('cseq'), '2 REGISTER');
  h.sent[1]!.answer(h.ok(503, 'Service Unavailable'));
  assert.deepEqual(await first, { ok: false, detail: '503 Service Unavailable' });
  const delays: number[] = [];
  for (let i = 0; i < 3; i++) {
    const before = h.sent.length;
    let waited = 0;
    while (h.sent.length === before) {
      h.clock.advance(250);
      waited += 250;
      await tick();
    }
    delays.push(waited);
    h.sent.at(-1)!.answer(i < 2 ? { ok: false, error: 'timeout', message: 'no final response', latencyMs: 32000 } : h.ok(500, 'Oops'));
    await tick();
  }
  assert.deepEqual(delays, [1000, 2000, 4000]);
  assert.deepEqual(h.events.filter((e) => e.status === 'failed').map((e) => (e as { retryInMs: number }).retryInMs), [1000, 2000, 4000, 4000]);
  assert.equal((h.events.at(-1) as { detail: string }).detail, '500 Oops');
  // after a timeout the transaction may have used CSeq n+1: the next one skips past it
  assert.deepEqual(h.sent.map((s) => getCSeq(s.request)!.seq), [1, 2, 3, 5, 7]);
});

test('restart(): a new Call-ID, CSeq 1, registering again; stop() aborts the one in flight and schedules nothing', async () => {
  const h = harness();
  const done = h.client.register();
  await tick();
  h.sent[0]!.answer(h.ok(200, 'OK', [], 1));
  await done;
  const callId = h.client.callId;
  const again = h.client.restart();
  await tick();
  assert.equal(h.sent.length, 2);
  assert.notEqual(h.client.callId, callId);
  assert.equal(h.sent[1]!.request.headers.get('call-id'), h.client.callId);
  assert.equal(h.sent[1]!.request.headers.get('cseq'), '1 REGISTER');
  assert.equal(h.events.at(-1)!.status, 'registering');
  h.client.stop();
  assert.equal(h.sent[1]!.options.signal?.aborted, true);
  h.sent[1]!.answer({ ok: false, error: 'aborted', message: 'aborted', latencyMs: 0 });
  assert.deepEqual(await again, { ok: false, detail: 'stopped' });
  assert.equal(h.scheduler.size, 0);
});

test('unregister(): Expires 0 and ;expires=0 on the same Call-ID when registered; nothing when not', async () => {
  const h = harness();
  assert.equal(await h.client.unregister(1000), true);
  assert.equal(h.sent.length, 0);
  const done = h.client.register();
  await tick();
  h.sent[0]!.answer(h.ok(200, 'OK'));
  await done;
  const off = h.client.unregister(1000);
  await tick();
  const req = h.sent[1]!.request;
  assert.equal(req.headers.get('expires'), '0');
  assert.match(req.headers.get('contact')!, /;expires=0$/);
  assert.equal(req.headers.get('call-id'), h.sent[0]!.request.headers.get('call-id'));
  assert.equal(req.headers.get('cseq'), '2 REGISTER');
  assert.equal(h.sent[1]!.options.timeoutMs, 1000);
  h.sent[1]!.answer(h.ok(200, 'OK'));
  assert.equal(await off, true);
  assert.deepEqual(h.events.at(-1), { status: 'unregistered', detail: '200 OK' });
  assert.equal(h.client.registered, false);
  assert.equal(h.scheduler.size, 0, 'no refresh after un-registering');
});

test('no SIP address (rebooting): the attempt fails without sending', async () => {
  const h = harness();
  h.setLocal(undefined);
  assert.deepEqual(await h.client.register(), { ok: false, detail: 'SIP is not running' });
  assert.equal(h.sent.length, 0);
});

test('grantedExpires: our Contact entry, else the Expires header, else what was asked', () => {
  const res = (headers: [string, string][]) => createResponse({ status: 200, reason: 'OK', headers });
  assert.equal(grantedExpires(res([['Contact', `<sip:other@h>;expires=5, <${CONTACT}>;expires=60`], ['Expires', '90']]), CONTACT, 600), 60);
  assert.equal(grantedExpires(res([['Contact', `<${CONTACT}>`], ['Expires', '90']]), CONTACT, 600), 90);
  assert.equal(grantedExpires(res([['Contact', '<sip:other@h>;expires=5']]), CONTACT, 600), 600);
  assert.equal(grantedExpires(res([['Expires', 'soon']]), CONTACT, 600), 600);
});
