// respondWith / IncomingRequestContext.sendResponse: a response built elsewhere (e.g. by the registrar)
// goes out as it is, through the server transaction, with the Server header added when configured.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getTo } from '../../../../src/sip/accessors.js';
import type { SipResponse } from '../../../../src/sip/message.js';
import { responseTo } from '../../../../src/sip/response-to.js';
import { SipEndpoint } from '../../../../src/sip/transaction/endpoint.js';
import type { IncomingRequest, RespondOptions, SipEndpointOptions } from '../../../../src/sip/transaction/endpoint-types.js';
import { respondWith } from '../../../../src/sip/transaction/incoming-request.js';
import { FakeClock } from '../../../helpers/fake-clock.js';
import { FakeTransport } from '../../../helpers/fake-transport.js';
import { requestWire } from '../../../helpers/sip-wire.js';

function setup(options: Partial<SipEndpointOptions> = {}) {
  const clock = new FakeClock();
  const udp = new FakeTransport({ now: () => clock.now() });
  const endpoint = new SipEndpoint({ transports: [udp], clock, methods: ['REGISTER', 'INVITE'], ...options });
  return { clock, udp, endpoint };
}

function sentText(udp: FakeTransport, i: number): string {
  return udp.sent[i]!.data.toString('latin1');
}

test('a ready-made response is sent byte for byte, its To tag kept, Server appended; retransmissions get the same bytes', () => {
  const { udp, endpoint } = setup({ userAgent: 'snomctl-test' });
  let made: SipResponse | undefined;
  const results: boolean[] = [];
  endpoint.onRequest((incoming) => {
    made = responseTo(incoming.request, 401, 'Unauthorized', { toTag: 'reg-tag', headers: [['WWW-Authenticate', 'Digest realm="x", nonce="n"']] });
    results.push(respondWith(incoming, made));
    results.push(respondWith(incoming, made));
  });
  udp.deliver(requestWire({ method: 'REGISTER', rport: true }), { address: '127.0.0.9', port: 40000 });
  assert.deepEqual(results, [true, false], 'a second final response is refused');
  assert.equal(udp.sent.length, 1);
  assert.equal(sentText(udp, 0),
    'SIP/2.0 401 Unauthorized\r\n' +
    'Via: SIP/2.0/UDP 127.0.0.9:5070;branch=z9hG4bKpeer1;rport=40000;received=127.0.0.9\r\n' +
    'From: <sip:phone@127.0.0.9>;tag=peer-tag\r\n' +
    'To: <sip:snomctl@127.0.0.1>;tag=reg-tag\r\n' +
    'Call-ID: call-1@127.0.0.9\r\n' +
    'CSeq: 1 REGISTER\r\n' +
    'WWW-Authenticate: Digest realm="x", nonce="n"\r\n' +
    'Server: snomctl-test\r\n' +
    'Content-Length: 0\r\n\r\n');
  assert.equal(made!.headers.has('server'), false, 'the given response is not changed');
  udp.deliver(requestWire({ method: 'REGISTER', rport: true }), { address: '127.0.0.9', port: 40000 });
  assert.equal(udp.sent.length, 2);
  assert.equal(sentText(udp, 1), sentText(udp, 0));
});

test('without a Server header configured the response object itself goes out, body and all', () => {
  const { udp, endpoint } = setup();
  endpoint.onRequest((incoming) => {
    respondWith(incoming, responseTo(incoming.request, 200, 'OK', { toTag: 't1', headers: [['Content-Type', 'text/plain']], body: 'done' }));
  });
  udp.deliver(requestWire({ method: 'REGISTER' }));
  const m = udp.sent[0]!.message as SipResponse;
  assert.equal(m.status, 200);
  assert.equal(m.headers.get('server'), undefined);
  assert.equal(m.headers.get('content-type'), 'text/plain');
  assert.equal(m.body.toString(), 'done');
  assert.equal(getTo(m)!.params.get('tag'), 't1');
});

test('after a provisional, a ready-made final response is rebuilt with the To tag already sent (RFC 3261 §8.2.6.2)', () => {
  const { udp, endpoint } = setup({ userAgent: 'ua' });
  endpoint.onRequest((incoming) => {
    // a ready-made provisional goes through respond too, so the final one can share its tag
    respondWith(incoming, responseTo(incoming.request, 180, 'Ringing', { toTag: 'first' }));
    respondWith(incoming, responseTo(incoming.request, 486, 'Busy Here', { toTag: 'other', headers: [['Retry-After', '30']] }));
  });
  udp.deliver(requestWire({ method: 'INVITE' }));
  const [ringing, busy] = udp.responses().map((s) => s.message as SipResponse);
  assert.equal(busy!.status, 486);
  assert.equal(getTo(busy!)!.params.get('tag'), getTo(ringing!)!.params.get('tag'));
  assert.notEqual(getTo(busy!)!.params.get('tag'), 'other');
  assert.equal(busy!.headers.get('retry-after'), '30');
  assert.deepEqual(busy!.headers.getAll('server'), ['ua']);
});

test('any other IncomingRequest gets respond() with the response’s own headers and body', () => {
  const { udp, endpoint } = setup();
  let made: SipResponse | undefined;
  let received: IncomingRequest | undefined;
  endpoint.onRequest((incoming) => {
    received = incoming;
    made = responseTo(incoming.request, 200, 'OK', { toTag: 'x', headers: [['Contact', '<sip:a@b>;expires=60'], ['Date', 'Sat, 13 Nov 2010 23:29:00 GMT']], body: 'b' });
  });
  udp.deliver(requestWire({ method: 'REGISTER' }));
  const calls: Array<[number, string, RespondOptions | undefined]> = [];
  const fake: IncomingRequest = {
    request: received!.request,
    source: received!.source,
    respond: (status, reason, options) => {
      calls.push([status, reason, options]);
      return true;
    },
  };
  assert.equal(respondWith(fake, made!), true);
  assert.equal(calls.length, 1);
  const [status, reason, options] = calls[0]!;
  assert.equal(status, 200);
  assert.equal(reason, 'OK');
  assert.deepEqual(options?.headers, [['Contact', '<sip:a@b>;expires=60'], ['Date', 'Sat, 13 Nov 2010 23:29:00 GMT']]);
  assert.equal(options?.body?.toString(), 'b');
});

test('respond stays usable detached from its context (handlers destructure it)', () => {
  const { udp, endpoint } = setup();
  endpoint.onRequest(({ respond }) => void respond(202, 'Accepted'));
  udp.deliver(requestWire({ method: 'REGISTER' }));
  assert.equal((udp.sent[0]!.message as SipResponse).status, 202);
});

test('a stateless final response (RFC 3261 §8.2.7) opens no server transaction: a retransmission reaches the handler again', () => {
  const { udp, endpoint } = setup({ userAgent: 'ua' });
  const results: boolean[] = [];
  endpoint.onRequest((incoming) => {
    const challenge = responseTo(incoming.request, 401, 'Unauthorized', { toTag: `t${results.length}`, headers: [['WWW-Authenticate', 'Digest realm="x", nonce="n"']] });
    results.push(respondWith(incoming, challenge, { stateless: true }));
    results.push(incoming.respond(500, 'Server Internal Error'));
  });
  udp.deliver(requestWire({ method: 'REGISTER' }));
  assert.deepEqual(results, [true, false], 'nothing more after the stateless final response');
  assert.equal(endpoint.stats().transactions.server, 0);
  assert.match(sentText(udp, 0), /^SIP\/2\.0 401 Unauthorized\r\n[^]*To: <sip:snomctl@127\.0\.0\.1>;tag=t0\r\n[^]*Server: ua\r\n/);
  udp.deliver(requestWire({ method: 'REGISTER' }));
  assert.deepEqual(results, [true, false, true, false], 'the retransmission is a new request to the handler');
  assert.equal(udp.sent.length, 2);
  assert.match(sentText(udp, 1), /tag=t2\r\n/);
  assert.equal(endpoint.stats().transactions.server, 0);
});

test('without stateless the transaction opens once the handler returns: retransmissions are absorbed before and after the answer', () => {
  const { udp, endpoint } = setup();
  const held: IncomingRequest[] = [];
  endpoint.onRequest((incoming) => void held.push(incoming));
  udp.deliver(requestWire({ method: 'REGISTER' }));
  assert.equal(endpoint.stats().transactions.server, 1);
  udp.deliver(requestWire({ method: 'REGISTER' }));
  assert.equal(held.length, 1, 'absorbed while the handler works');
  assert.equal(udp.sent.length, 0);
  // too late for stateless: the transaction is open, so the answer goes through it
  assert.equal(respondWith(held[0]!, responseTo(held[0]!.request, 401, 'Unauthorized', { toTag: 'a' }), { stateless: true }), true);
  udp.deliver(requestWire({ method: 'REGISTER' }));
  assert.equal(held.length, 1);
  assert.equal(udp.sent.length, 2);
  assert.equal(sentText(udp, 1), sentText(udp, 0), 'the retransmission gets the same bytes');
});

test('stateless is ignored for a provisional response and for INVITE: their transactions are kept', () => {
  const { udp, endpoint } = setup();
  endpoint.onRequest((incoming) => {
    incoming.respond(100, 'Trying', { stateless: true });
    incoming.respond(403, 'Forbidden', { stateless: true });
  });
  udp.deliver(requestWire({ method: 'REGISTER' }));
  udp.deliver(requestWire({ method: 'INVITE', branch: 'z9hG4bKpeer2' }));
  assert.equal(endpoint.stats().transactions.server, 2);
  const sent = udp.sent.length;
  udp.deliver(requestWire({ method: 'REGISTER' }));
  assert.equal(udp.sent.length, sent + 1);
  assert.equal((udp.sent.at(-1)!.message as SipResponse).status, 403, 'the retransmission gets the final response again');
});

test('an unwritable stateless response throws and sends nothing; the request can still be answered', () => {
  const { udp, endpoint } = setup();
  let thrown: unknown;
  endpoint.onRequest((incoming) => {
    try {
      incoming.respond(401, 'Unauthorized', { stateless: true, headers: [['WWW-Authenticate', 'Digest\r\nX: y']] });
    } catch (error) {
      thrown = error;
    }
    incoming.respond(500, 'Server Internal Error', { stateless: true });
  });
  udp.deliver(requestWire({ method: 'REGISTER' }));
  assert.ok(thrown instanceof Error);
  assert.equal(udp.sent.length, 1);
  assert.equal((udp.sent[0]!.message as SipResponse).status, 500);
  assert.equal(endpoint.stats().transactions.server, 0);
});
