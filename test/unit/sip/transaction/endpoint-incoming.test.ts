import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getTo, getTopVia, getVias } from '../../../../src/sip/accessors.js';
import type { SipResponse } from '../../../../src/sip/message.js';
import { SipEndpoint } from '../../../../src/sip/transaction/endpoint.js';
import type { IncomingRequest, SipEndpointOptions } from '../../../../src/sip/transaction/endpoint-types.js';
import { FakeClock } from '../../../helpers/fake-clock.js';
import { FakeTransport } from '../../../helpers/fake-transport.js';
import { requestWire } from '../../../helpers/sip-wire.js';

function setup(options: Partial<SipEndpointOptions> = {}) {
  const clock = new FakeClock();
  const udp = new FakeTransport({ now: () => clock.now() });
  const endpoint = new SipEndpoint({ transports: [udp], clock, methods: ['MESSAGE', 'NOTIFY', 'INVITE'], ...options });
  const seen: IncomingRequest[] = [];
  return { clock, udp, endpoint, seen };
}

function lastResponse(t: FakeTransport): SipResponse {
  const m = t.sent.at(-1)!.message;
  assert.ok(m.kind === 'response');
  return m;
}

test('a MESSAGE reaches the handler with its source; the response goes back by Via with received and rport', () => {
  const { udp, endpoint, seen } = setup();
  endpoint.onRequest((incoming) => {
    seen.push(incoming);
    incoming.respond(200, 'OK', { headers: [['X-Info', 'yes']] });
  });
  udp.deliver(requestWire({ sentBy: '10.9.9.9:5071', rport: true, body: 'hello' }), { address: '127.0.0.9', port: 40000 });
  assert.equal(seen.length, 1);
  assert.equal(seen[0]!.request.body.toString(), 'hello');
  assert.deepEqual(seen[0]!.source, { transport: 'udp', address: '127.0.0.9', port: 40000, family: 4, localAddress: '127.0.0.1', localPort: 5060 });
  const res = lastResponse(udp);
  assert.equal(res.status, 200);
  assert.deepEqual(udp.sent[0]!.target, { address: '127.0.0.9', port: 40000 }, 'rport: back to the source port');
  const via = getTopVia(res)!;
  assert.equal(via.received, '127.0.0.9');
  assert.equal(via.rport, 40000);
  assert.equal(via.branch, 'z9hG4bKpeer1');
  assert.equal(res.headers.get('x-info'), 'yes');
  assert.match(getTo(res)!.params.get('tag')!, /^[A-Za-z0-9_-]{16}$/);
});

test('without rport the response goes to the source address at the sent-by port; matching hosts add nothing', () => {
  const { udp, endpoint } = setup();
  endpoint.onRequest((i) => void i.respond(200, 'OK'));
  udp.deliver(requestWire({ sentBy: 'phone.example:5072' }), { address: '127.0.0.9', port: 40000 });
  assert.deepEqual(udp.sent[0]!.target, { address: '127.0.0.9', port: 5072 });
  assert.equal(getTopVia(lastResponse(udp))!.received, '127.0.0.9');
  udp.deliver(requestWire({ branch: 'z9hG4bKsecond', sentBy: '127.0.0.9' }), { address: '127.0.0.9', port: 40000 });
  assert.deepEqual(udp.sent[1]!.target, { address: '127.0.0.9', port: 5060 });
  const via = getTopVia(lastResponse(udp))!;
  assert.equal(via.received, undefined);
  assert.equal(lastResponse(udp).headers.get('via'), 'SIP/2.0/UDP 127.0.0.9;branch=z9hG4bKsecond');
});

test('all Via values are copied in order; only the top one is stamped', () => {
  const { udp, endpoint } = setup();
  endpoint.onRequest((i) => void i.respond(200, 'OK'));
  udp.deliver(requestWire({ sentBy: '10.0.0.1', extraHeaders: [] }).replace(
    'Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKpeer1',
    'Via: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bKpeer1, SIP/2.0/TCP 10.0.0.2;branch=z9hG4bKup\r\nVia: SIP/2.0/UDP 10.0.0.3;branch=z9hG4bKup2',
  ));
  const vias = getVias(lastResponse(udp))!;
  assert.deepEqual(vias.map((v) => [v.host, v.received ?? null]), [['10.0.0.1', '127.0.0.9'], ['10.0.0.2', null], ['10.0.0.3', null]]);
});

test('a retransmitted request is absorbed by the server transaction and answered with the same bytes', () => {
  const { udp, endpoint, seen } = setup();
  endpoint.onRequest((i) => {
    seen.push(i);
    i.respond(200, 'OK');
  });
  const wire = requestWire();
  udp.deliver(wire);
  udp.deliver(wire);
  udp.deliver(wire);
  assert.equal(seen.length, 1);
  assert.equal(udp.sent.length, 3);
  assert.ok(udp.sent[2]!.data.equals(udp.sent[0]!.data));
  assert.deepEqual(endpoint.stats().retransmissions, { sent: 2, received: 2 });
  assert.equal(endpoint.stats().transactions.server, 1);
});

test('server transactions are removed after Timer J; memory does not grow with finished requests', () => {
  const { udp, endpoint, clock } = setup({ timers: { t1: 10 } });
  endpoint.onRequest((i) => void i.respond(200, 'OK'));
  for (let n = 0; n < 500; n++) udp.deliver(requestWire({ branch: `z9hG4bKn${n}`, callId: `c${n}` }));
  assert.equal(endpoint.stats().transactions.server, 500);
  clock.advance(640);
  assert.deepEqual(endpoint.stats().transactions, { client: 0, server: 0 });
  assert.equal(clock.pendingCount, 0);
});

test('OPTIONS is answered 200 with Allow and Accept without the handler', () => {
  const { udp, endpoint, seen } = setup({ accept: ['application/x-buttons'] });
  endpoint.onRequest((i) => void seen.push(i));
  udp.deliver(requestWire({ method: 'OPTIONS' }));
  const res = lastResponse(udp);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('allow'), 'MESSAGE, NOTIFY, INVITE, OPTIONS, ACK');
  assert.equal(res.headers.get('accept'), 'application/x-buttons');
  assert.equal(seen.length, 0);
});

test('unacceptable requests get validateRequest’s answer statelessly', () => {
  const { udp, endpoint, seen } = setup({ userAgent: 'snomctl/test' });
  endpoint.onRequest((i) => void seen.push(i));
  udp.deliver(requestWire({ method: 'SUBSCRIBE' }));
  assert.equal(lastResponse(udp).status, 501);
  assert.equal(lastResponse(udp).headers.get('server'), 'snomctl/test');
  udp.deliver(requestWire({ branch: 'z9hG4bK2', extraHeaders: ['Require: 100rel'] }));
  assert.equal(lastResponse(udp).status, 420);
  assert.equal(lastResponse(udp).headers.get('unsupported'), '100rel');
  udp.deliver(requestWire({ branch: 'z9hG4bK3', cseqMethod: 'NOTIFY' }));
  assert.equal(lastResponse(udp).status, 400);
  assert.equal(lastResponse(udp).reason, 'CSeq method does not match');
  assert.equal(seen.length, 0);
  assert.equal(endpoint.stats().rejected, 3);
});

test('a request that does not parse but has readable headers gets a 400 with the reason; garbage is counted', () => {
  const { udp, endpoint } = setup();
  udp.deliver(requestWire().replace('CSeq: 1 MESSAGE', 'CSeq: one MESSAGE'), { address: '127.0.0.9', port: 41000 });
  const res = lastResponse(udp);
  assert.equal(res.status, 400);
  assert.equal(res.reason, 'Invalid CSeq header');
  assert.deepEqual(udp.sent[0]!.target, { address: '127.0.0.9', port: 5070 });
  udp.deliver('\x00\x01garbage\r\n\r\n');
  udp.deliver(Buffer.from([0xff, 0xfe, 0x00]));
  udp.deliver('SIP/2.0 200 OK\r\nVia: broken\r\n\r\n');
  assert.equal(udp.sent.length, 1);
  const stats = endpoint.stats();
  assert.equal(stats.badRequests, 1);
  assert.equal(stats.dropped['parse-error'], 3);
  // a response with no client transaction, one without Via
  udp.deliver('SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKnone\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:b@c>\r\nCall-ID: x\r\nCSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n');
  udp.deliver('SIP/2.0 200 OK\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:b@c>\r\nCall-ID: x\r\nCSeq: 1 MESSAGE\r\nContent-Length: 0\r\n\r\n');
  assert.equal(endpoint.stats().dropped['stray-response'], 1);
  assert.equal(endpoint.stats().dropped['invalid-response'], 1);
});

test('a throwing or rejecting handler gets a 500 sent for it and is counted; a late respond is refused', async () => {
  const { udp, endpoint } = setup();
  let late: IncomingRequest | undefined;
  endpoint.onRequest((i) => {
    if (i.request.headers.get('call-id') === 'sync') throw new Error('boom');
    late = i;
    return Promise.reject(new Error('async boom'));
  });
  udp.deliver(requestWire({ callId: 'sync' }));
  assert.equal(lastResponse(udp).status, 500);
  udp.deliver(requestWire({ callId: 'async', branch: 'z9hG4bKasync' }));
  await new Promise((r) => setImmediate(r));
  assert.equal(lastResponse(udp).status, 500);
  assert.equal(late!.respond(200, 'OK'), false);
  assert.equal(udp.sent.length, 2);
  assert.equal(endpoint.stats().handlerErrors, 2);
});

test('a handler that never answers gets a 500 after handlerTimeoutMs', () => {
  const { udp, endpoint, clock } = setup({ handlerTimeoutMs: 3000 });
  endpoint.onRequest(() => {});
  udp.deliver(requestWire());
  clock.advance(2999);
  assert.equal(udp.sent.length, 0);
  clock.advance(1);
  assert.equal(lastResponse(udp).status, 500);
  assert.equal(endpoint.stats().handlerTimeouts, 1);
});

test('INVITE: provisional and final share one To tag; ACK for 2xx stops retransmission and reaches the handler', () => {
  const { udp, endpoint, clock } = setup();
  const methods: string[] = [];
  endpoint.onRequest((i) => {
    methods.push(i.request.method);
    if (i.request.method === 'INVITE') {
      i.respond(180, 'Ringing');
      i.respond(200, 'OK', { headers: [['Contact', '<sip:snomctl@127.0.0.1>']] });
    }
  });
  udp.deliver(requestWire({ method: 'INVITE', callId: 'inv1' }));
  const [ringing, ok] = udp.responses().map((m) => m.message as SipResponse);
  assert.equal(getTo(ringing!)!.params.get('tag'), getTo(ok!)!.params.get('tag'));
  clock.advance(600);
  assert.equal(udp.responses(200).length, 2, 'the 2xx is retransmitted at T1');
  udp.deliver(requestWire({ method: 'ACK', branch: 'z9hG4bKack', callId: 'inv1', toTag: getTo(ok!)!.params.get('tag')! }));
  clock.advance(10_000);
  assert.equal(udp.responses(200).length, 2);
  assert.deepEqual(methods, ['INVITE', 'ACK']);
  assert.equal(udp.sent.filter((m) => m.message.kind === 'response' && m.message.headers.get('cseq')?.endsWith('ACK')).length, 0, 'an ACK is never answered');
});

test('without a handler, implemented methods get 501 and OPTIONS still 200', () => {
  const { udp } = setup();
  udp.deliver(requestWire());
  assert.equal(lastResponse(udp).status, 501);
  udp.deliver(requestWire({ method: 'OPTIONS', branch: 'z9hG4bKo' }));
  assert.equal(lastResponse(udp).status, 200);
});
