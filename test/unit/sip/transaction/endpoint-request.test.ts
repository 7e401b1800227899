import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getCSeq, getFrom, getTopVia } from '../../../../src/sip/accessors.js';
import { createRequest, type SipRequest } from '../../../../src/sip/message.js';
import { SipEndpoint } from '../../../../src/sip/transaction/endpoint.js';
import { DigestServer } from '../../../../src/util/digest-server.js';
import { InvalidOptionError } from '../../../../src/util/errors.js';
import { FakeClock } from '../../../helpers/fake-clock.js';
import { FakeTransport } from '../../../helpers/fake-transport.js';
import { responseWire } from '../../../helpers/sip-wire.js';

function setup() {
  const clock = new FakeClock();
  const udp = new FakeTransport({ now: () => clock.now() });
  const tcp = new FakeTransport({ protocol: 'tcp', localPort: 5060, now: () => clock.now() });
  const endpoint = new SipEndpoint({ transports: [udp, tcp], clock, userAgent: 'snomctl-test' });
  return { clock, udp, tcp, endpoint };
}

function message(uri = 'sip:phone@127.0.0.2:5062', headers: Array<[string, string]> = []): SipRequest {
  return createRequest({ method: 'MESSAGE', uri, headers: [['Content-Type', 'application/x-buttons'], ...headers], body: 'k=1\r\nc=on\r\n' });
}

function lastRequest(t: FakeTransport): SipRequest {
  const m = t.sent.at(-1)!.message;
  assert.ok(m.kind === 'request');
  return m;
}

test('request() fills Via (branch, rport), Max-Forwards, To, From tag, Call-ID, CSeq, User-Agent and routes by the Request-URI', async () => {
  const { udp, endpoint } = setup();
  const req = message();
  const p = endpoint.request(req);
  const sent = lastRequest(udp);
  assert.deepEqual(udp.sent[0]!.target, { address: '127.0.0.2', port: 5062 });
  const via = getTopVia(sent)!;
  assert.match(via.branch!, /^z9hG4bK[A-Za-z0-9_-]{22}\.[0-9a-z]+$/);
  assert.equal(via.rport, true);
  assert.equal(via.host, '127.0.0.1');
  assert.equal(via.port, 5060);
  assert.equal(via.transport, 'UDP');
  assert.equal(sent.headers.get('max-forwards'), '70');
  assert.equal(sent.headers.get('to'), '<sip:phone@127.0.0.2:5062>');
  assert.match(getFrom(sent)!.params.get('tag')!, /^[A-Za-z0-9_-]{16}$/);
  assert.equal(getFrom(sent)!.rawUri, 'sip:snomctl@127.0.0.1');
  assert.match(sent.headers.get('call-id')!, /^[A-Za-z0-9_-]{22}$/);
  assert.deepEqual(getCSeq(sent), { seq: 1, method: 'MESSAGE' });
  assert.equal(sent.headers.get('user-agent'), 'snomctl-test');
  assert.equal(sent.body.toString(), 'k=1\r\nc=on\r\n');
  assert.equal(req.headers.get('via'), undefined, "the caller's request is not changed");
  udp.deliver(responseWire(sent, 200, 'OK'), { address: '127.0.0.2', port: 5062 });
  const r = await p;
  assert.ok(r.ok);
  assert.equal(r.response.status, 200);
  assert.equal(r.latencyMs, 0);
});

test('request() keeps given headers and honours ;transport=tcp and an explicit destination', async () => {
  const { udp, tcp, endpoint } = setup();
  const p1 = endpoint.request(message('sip:phone@127.0.0.2;transport=tcp', [['From', '<sip:me@x>;tag=abc'], ['Call-ID', 'fixed@x'], ['CSeq', '41 MESSAGE']]));
  const sent = lastRequest(tcp);
  assert.equal(udp.sent.length, 0);
  assert.deepEqual(tcp.sent[0]!.target, { address: '127.0.0.2', port: 5060 });
  assert.equal(getTopVia(sent)!.transport, 'TCP');
  assert.equal(sent.headers.get('from'), '<sip:me@x>;tag=abc');
  assert.equal(sent.headers.get('call-id'), 'fixed@x');
  assert.equal(sent.headers.get('cseq'), '41 MESSAGE');
  tcp.deliver(responseWire(sent, 202, 'Accepted'));
  assert.equal((await p1).ok, true);

  const p2 = endpoint.request(message('sip:phone@example.invalid'), { destination: { host: '127.0.0.7', port: 5999 } });
  assert.deepEqual(udp.sent[0]!.target, { address: '127.0.0.7', port: 5999 });
  assert.equal(lastRequest(udp).uri, 'sip:phone@example.invalid');
  udp.deliver(responseWire(lastRequest(udp), 404, 'Not Found'));
  const r2 = await p2;
  assert.ok(r2.ok && r2.response.status === 404);
});

test('request() resolves failures as values: timeout (Timer F), no transport, invalid request', async () => {
  const { udp, clock, endpoint } = setup();
  const p = endpoint.request(message());
  clock.advance(32_000);
  const r = await p;
  assert.equal(r.ok, false);
  assert.ok(!r.ok && r.error === 'timeout' && r.latencyMs === 32_000);
  assert.equal(udp.sent.length, 11);
  assert.equal(endpoint.stats().retransmissions.sent, 10);
  assert.equal(endpoint.stats().timeouts, 1);

  const v6 = await endpoint.request(message('sip:phone@[::1]'));
  assert.ok(!v6.ok && v6.error === 'no-transport');
  const tel = await endpoint.request(createRequest({ method: 'MESSAGE', uri: 'tel:+4930123' }));
  assert.ok(!tel.ok && tel.error === 'invalid-request');
  const ack = await endpoint.request(createRequest({ method: 'ACK', uri: 'sip:a@127.0.0.2' }));
  assert.ok(!ack.ok && ack.error === 'invalid-request');
  const tls = await endpoint.request(message('sip:phone@127.0.0.2;transport=tls'));
  assert.ok(!tls.ok && tls.error === 'invalid-request');
  const badTimeout = await endpoint.request(message(), { timeoutMs: -1 });
  assert.ok(!badTimeout.ok && badTimeout.error === 'invalid-request');
  const badMethod = await endpoint.request(createRequest({ method: 'MES SAGE', uri: 'sip:a@127.0.0.2' }), { timeoutMs: 1000 });
  assert.ok(!badMethod.ok && badMethod.error === 'invalid-request');
  assert.equal(endpoint.layer.queue.size, 0, 'nothing left armed by the refused requests');
  clock.advance(1000);
  assert.equal(clock.pendingCount, 0);
});

test('request() timeoutMs and AbortSignal end a request early; late responses are stray', async () => {
  const { udp, clock, endpoint } = setup();
  const p = endpoint.request(message(), { timeoutMs: 1200 });
  clock.advance(1200);
  const r = await p;
  assert.ok(!r.ok && r.error === 'timeout' && r.latencyMs === 1200);
  udp.deliver(responseWire(lastRequest(udp), 200, 'OK'));
  assert.equal(endpoint.stats().dropped['stray-response'], 1);
  clock.advance(60_000);
  assert.deepEqual(udp.sent.map((m) => m.at), [0, 500], 'no retransmission after giving up');

  const ac = new AbortController();
  const p2 = endpoint.request(message(), { signal: ac.signal });
  ac.abort();
  const r2 = await p2;
  assert.ok(!r2.ok && r2.error === 'aborted');
  const r3 = await endpoint.request(message(), { signal: AbortSignal.abort() });
  assert.ok(!r3.ok && r3.error === 'aborted');
});

test('close() settles pending requests with closed and later requests fail the same way', async () => {
  const { endpoint, udp, clock } = setup();
  const p = endpoint.request(message());
  await endpoint.close();
  const r = await p;
  assert.ok(!r.ok && r.error === 'closed');
  assert.equal(udp.closed, true);
  clock.advance(60_000);
  assert.equal(udp.sent.length, 1);
  const r2 = await endpoint.request(message());
  assert.ok(!r2.ok && r2.error === 'closed');
  assert.deepEqual(endpoint.stats().transactions, { client: 0, server: 0 });
});

test('digest: a 401 is answered once with Authorization, CSeq + 1, a new branch and the same Call-ID', async () => {
  const { udp, endpoint } = setup();
  const server = new DigestServer({ realm: 'snom.test' });
  const p = endpoint.request(message(), { credentials: { username: 'alice', password: 'secret' } });
  const first = lastRequest(udp);
  udp.deliver(responseWire(first, 401, 'Unauthorized', server.challenge().map((c) => ['WWW-Authenticate', c] as [string, string])));
  const second = lastRequest(udp);
  assert.notEqual(second, first);
  assert.deepEqual(getCSeq(second), { seq: 2, method: 'MESSAGE' });
  assert.equal(second.headers.get('call-id'), first.headers.get('call-id'));
  assert.equal(second.headers.get('from'), first.headers.get('from'));
  assert.notEqual(getTopVia(second)!.branch, getTopVia(first)!.branch);
  const auth = second.headers.get('authorization')!;
  const verdict = server.verify(auth, 'MESSAGE', (u) => (u === 'alice' ? { password: 'secret' } : undefined), { uri: second.uri });
  assert.equal(verdict.status, 'ok');
  // a second 401 is final: no loop
  udp.deliver(responseWire(second, 401, 'Unauthorized', server.challenge().map((c) => ['WWW-Authenticate', c] as [string, string])));
  const r = await p;
  assert.ok(r.ok && r.response.status === 401);
  assert.equal(udp.requests('MESSAGE').length, 2);
});

test('digest: a 407 gets Proxy-Authorization; without credentials or challenges the 401/407 is the result', async () => {
  const { udp, endpoint } = setup();
  const server = new DigestServer({ realm: 'proxy.test' });
  const p = endpoint.request(message(), { credentials: { username: 'bob', password: 'pw' } });
  udp.deliver(responseWire(lastRequest(udp), 407, 'Proxy Authentication Required', [['Proxy-Authenticate', server.challenge()[0]!]]));
  const second = lastRequest(udp);
  assert.ok(second.headers.get('proxy-authorization')?.startsWith('Digest '));
  assert.equal(second.headers.get('authorization'), undefined);
  udp.deliver(responseWire(second, 200, 'OK'));
  const r = await p;
  assert.ok(r.ok && r.response.status === 200);

  const p2 = endpoint.request(message());
  udp.deliver(responseWire(lastRequest(udp), 401, 'Unauthorized', [['WWW-Authenticate', server.challenge()[0]!]]));
  const r2 = await p2;
  assert.ok(r2.ok && r2.response.status === 401);

  const p3 = endpoint.request(message(), { credentials: { username: 'bob', password: 'pw' } });
  udp.deliver(responseWire(lastRequest(udp), 401, 'Unauthorized'));
  const r3 = await p3;
  assert.ok(r3.ok && r3.response.status === 401, 'no challenge to answer');
});

test('INVITE: the endpoint ACKs a 2xx (new branch, to the Contact) and ACKs its retransmissions again', async () => {
  const { udp, endpoint } = setup();
  const provisional: number[] = [];
  const p = endpoint.request(createRequest({ method: 'INVITE', uri: 'sip:phone@127.0.0.2' }), { onProvisional: (r) => provisional.push(r.status) });
  const inv = lastRequest(udp);
  udp.deliver(responseWire(inv, 180, 'Ringing'));
  const ok = responseWire(inv, 200, 'OK', [['Contact', '<sip:phone@127.0.0.2:5099>']]);
  udp.deliver(ok);
  const r = await p;
  assert.ok(r.ok && r.response.status === 200);
  assert.deepEqual(provisional, [180]);
  const ack = lastRequest(udp);
  assert.equal(ack.method, 'ACK');
  assert.equal(ack.uri, 'sip:phone@127.0.0.2:5099');
  assert.notEqual(getTopVia(ack)!.branch, getTopVia(inv)!.branch);
  assert.deepEqual(getCSeq(ack), { seq: 1, method: 'ACK' });
  assert.equal(ack.headers.get('to'), '<sip:phone@127.0.0.2>;tag=uas-tag');
  udp.deliver(ok);
  assert.equal(udp.requests('ACK').length, 2);
  assert.ok(udp.requests('ACK')[1]!.data.equals(udp.requests('ACK')[0]!.data));
});

test('finished client transactions leave every table and timer after Timer K (memory stays flat)', async () => {
  const { udp, clock, endpoint } = setup();
  const results = [];
  for (let n = 0; n < 300; n++) {
    const p = endpoint.request(message());
    udp.deliver(responseWire(lastRequest(udp), 200, 'OK'));
    results.push(p);
  }
  assert.ok((await Promise.all(results)).every((r) => r.ok));
  assert.equal(endpoint.stats().transactions.client, 300, 'kept in Completed for Timer K');
  const again = udp.sent.at(-1)!;
  udp.deliver(responseWire(again.message, 200, 'OK'));
  assert.equal(endpoint.stats().retransmissions.received, 1, 'a retransmitted response is absorbed');
  clock.advance(4999);
  assert.equal(endpoint.stats().transactions.client, 300);
  clock.advance(1);
  assert.deepEqual(endpoint.stats().transactions, { client: 0, server: 0 });
  assert.equal(clock.pendingCount, 0, 'no timer left behind');
});

test('a retransmitted final response within T4 is absorbed (never a second result); after T4 it is a stray', async () => {
  const { udp, clock, endpoint } = setup();
  const p = endpoint.request(message());
  const sent = lastRequest(udp);
  const ok = responseWire(sent, 200, 'OK');
  udp.deliver(ok);
  const r = await p;
  assert.ok(r.ok && r.response.status === 200);
  clock.advance(4999);
  udp.deliver(ok);
  udp.deliver(responseWire(sent, 202, 'Accepted'));
  assert.equal(endpoint.stats().retransmissions.received, 2);
  assert.equal(endpoint.stats().dropped['stray-response'], 0);
  const otherMethod = Buffer.from(ok.toString('latin1').replace('CSeq: 1 MESSAGE', 'CSeq: 1 OPTIONS'), 'latin1');
  udp.deliver(otherMethod);
  assert.equal(endpoint.stats().dropped['stray-response'], 1, 'the CSeq method must match too');
  assert.equal(endpoint.stats().transactions.client, 1);
  clock.advance(1);
  assert.equal(endpoint.stats().transactions.client, 0);
  udp.deliver(ok);
  assert.equal(endpoint.stats().retransmissions.received, 2);
  assert.equal(endpoint.stats().dropped['stray-response'], 2);
  assert.equal(clock.pendingCount, 0, 'no timer left behind');
});

test('close() drops the Completed records of finished requests', async () => {
  const { udp, endpoint } = setup();
  const p = endpoint.request(message());
  udp.deliver(responseWire(lastRequest(udp), 200, 'OK'));
  assert.ok((await p).ok);
  assert.equal(endpoint.stats().transactions.client, 1);
  await endpoint.close();
  assert.deepEqual(endpoint.stats().transactions, { client: 0, server: 0 });
  assert.equal(endpoint.layer.queue.size, 0);
});

test('sendStateless writes one message on a transport of the endpoint', () => {
  const { udp, endpoint } = setup();
  assert.equal(endpoint.sendStateless(createRequest({ method: 'ACK', uri: 'sip:a@127.0.0.2' }), udp, { address: '127.0.0.2', port: 5060 }), true);
  assert.equal(udp.requests('ACK').length, 1);
  assert.equal(endpoint.sendStateless(createRequest({ method: 'BAD METHOD', uri: 'sip:a@127.0.0.2' }), udp, { address: '127.0.0.2', port: 5060 }), false);
  assert.equal(endpoint.sendStateless(createRequest({ method: 'ACK', uri: 'sip:a@127.0.0.2' }), new FakeTransport(), { address: '127.0.0.2', port: 5060 }), false);
});

test('constructor rejects bad options', () => {
  const t = new FakeTransport();
  assert.throws(() => new SipEndpoint({ transports: [] }), InvalidOptionError);
  assert.throws(() => new SipEndpoint({ transports: [t], methods: ['message'] }), /methods/);
  assert.throws(() => new SipEndpoint({ transports: [t], userAgent: 'a\r\nb' }), /userAgent/);
  assert.throws(() => new SipEndpoint({ transports: [t], timers: { t1: -5 } }), /timers\.t1/);
  assert.throws(() => new SipEndpoint({ transports: [t], from: '<sip:x>' }), /from/);
  assert.throws(() => new SipEndpoint({ transports: [t], handlerTimeoutMs: -1 }), /handlerTimeoutMs/);
});
