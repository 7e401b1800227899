import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getCSeq, getTopVia } from '../../../../src/sip/accessors.js';
import { createRequest, type SipResponse } from '../../../../src/sip/message.js';
import { parseMessage } from '../../../../src/sip/parse.js';
import { serializeMessage } from '../../../../src/sip/serialize.js';
import { timerTable } from '../../../../src/sip/timers.js';
import { InviteClientTransaction } from '../../../../src/sip/transaction/invite-client.js';
import { NonInviteClientTransaction, type ClientFailure } from '../../../../src/sip/transaction/non-invite-client.js';
import { TimerQueue } from '../../../../src/sip/transaction/timer-queue.js';
import { TransactionLayer } from '../../../../src/sip/transaction/transaction-layer.js';
import { FakeClock } from '../../../helpers/fake-clock.js';
import { FakeTransport } from '../../../helpers/fake-transport.js';
import { responseWire } from '../../../helpers/sip-wire.js';

const BRANCH = 'z9hG4bKclient1';

function setup(protocol: 'udp' | 'tcp' = 'udp') {
  const clock = new FakeClock();
  const layer = new TransactionLayer(timerTable(), new TimerQueue(clock));
  const transport = new FakeTransport({ protocol, now: () => clock.now() });
  const events: Array<{ at: number; status?: number; failure?: ClientFailure }> = [];
  const tu = {
    onResponse: (r: SipResponse) => events.push({ at: clock.now(), status: r.status }),
    onFailure: (f: ClientFailure) => events.push({ at: clock.now(), failure: f }),
  };
  const flow = { transport, target: { address: '127.0.0.2', port: 5060 } };
  return { clock, layer, transport, events, tu, flow };
}

function request(method: string) {
  return createRequest({
    method,
    uri: 'sip:phone@127.0.0.2',
    headers: [
      ['Via', `SIP/2.0/UDP 127.0.0.1:5060;branch=${BRANCH};rport`],
      ['From', '<sip:a@127.0.0.1>;tag=f1'],
      ['To', '<sip:phone@127.0.0.2>'],
      ['Call-ID', 'c1@127.0.0.1'],
      ['CSeq', `7 ${method}`],
      ['Max-Forwards', '70'],
      ['Route', '<sip:proxy@127.0.0.5;lr>'],
    ],
  });
}

function response(data: Buffer): SipResponse {
  const r = parseMessage(data);
  assert.ok(r.ok && r.value.kind === 'response');
  return r.value;
}

function nonInvite(s: ReturnType<typeof setup>) {
  const req = request('MESSAGE');
  const tx = new NonInviteClientTransaction(s.layer, BRANCH, 'MESSAGE', serializeMessage(req), s.flow, s.tu);
  s.layer.addClient(tx);
  tx.start();
  return { req, tx };
}

test('non-INVITE over UDP: Timer E at T1, 2T1, 4T1 … capped at T2; Timer F at 64·T1 gives a timeout', () => {
  const s = setup();
  nonInvite(s);
  s.clock.advance(40_000);
  assert.deepEqual(
    s.transport.sent.map((m) => m.at),
    [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500],
  );
  assert.ok(s.transport.sent.every((m) => m.data.equals(s.transport.sent[0]!.data)), 'retransmissions are byte-identical');
  assert.deepEqual(s.events, [{ at: 32000, failure: 'timeout' }]);
  assert.equal(s.layer.stats.timeouts, 1);
  assert.equal(s.layer.stats.retransmissionsSent, 10);
  assert.deepEqual(s.layer.size, { client: 0, server: 0 });
});

test('non-INVITE: a provisional response moves to Proceeding, where E fires every T2', () => {
  const s = setup();
  const { req, tx } = nonInvite(s);
  s.clock.advance(600);
  tx.receiveResponse(response(responseWire(req, 180, 'Ringing')));
  assert.equal(tx.state, 'proceeding');
  s.clock.advance(12_000);
  // 0, 500 in Trying; the E pending since 500 fires at 1500, then every T2
  assert.deepEqual(s.transport.sent.map((m) => m.at), [0, 500, 1500, 5500, 9500]);
  assert.deepEqual(s.events, [{ at: 600, status: 180 }]);
});

test('non-INVITE: the final response goes up once; retransmissions are absorbed until Timer K (T4)', () => {
  const s = setup();
  const { req, tx } = nonInvite(s);
  s.clock.advance(100);
  const ok = responseWire(req, 200, 'OK');
  tx.receiveResponse(response(ok));
  tx.receiveResponse(response(ok));
  assert.equal(tx.state, 'completed');
  assert.deepEqual(s.events, [{ at: 100, status: 200 }]);
  assert.equal(s.layer.stats.retransmissionsReceived, 1);
  assert.equal(s.layer.findClient(BRANCH, 'MESSAGE'), tx, 'still matchable in Completed');
  s.clock.advance(4999);
  assert.equal(tx.state, 'completed');
  s.clock.advance(1);
  assert.equal(tx.state, 'terminated');
  assert.equal(s.layer.findClient(BRANCH, 'MESSAGE'), undefined);
  assert.deepEqual(s.transport.sent.map((m) => m.at), [0], 'no retransmission after the final response');
  assert.equal(s.clock.pendingCount, 0, 'no timer left behind');
});

test('non-INVITE over TCP: no retransmissions, F still applies, and a final response terminates at once (K = 0)', () => {
  const s = setup('tcp');
  const { req, tx } = nonInvite(s);
  s.clock.advance(31_999);
  assert.equal(s.transport.sent.length, 1);
  tx.receiveResponse(response(responseWire(req, 202, 'Accepted')));
  assert.equal(tx.state, 'terminated');
  assert.deepEqual(s.layer.size, { client: 0, server: 0 });
  assert.deepEqual(s.events, [{ at: 31_999, status: 202 }]);

  const t = setup('tcp');
  nonInvite(t);
  t.clock.advance(40_000);
  assert.equal(t.transport.sent.length, 1);
  assert.deepEqual(t.events, [{ at: 32_000, failure: 'timeout' }]);
});

test('a transport failure on the first send ends the transaction with a transport failure', () => {
  const s = setup();
  s.transport.failSends = true;
  const { tx } = nonInvite(s);
  assert.equal(tx.state, 'terminated');
  assert.deepEqual(s.events, [{ at: 0, failure: 'transport' }]);
  assert.equal(s.layer.stats.transportErrors, 1);
  s.clock.advance(40_000);
  assert.equal(s.events.length, 1);
});

function invite(s: ReturnType<typeof setup>) {
  const req = request('INVITE');
  const tx = new InviteClientTransaction(s.layer, BRANCH, req, serializeMessage(req), s.flow, s.tu);
  s.layer.addClient(tx);
  tx.start();
  return { req, tx };
}

test('INVITE over UDP: Timer A doubles without cap; Timer B at 64·T1 gives a timeout', () => {
  const s = setup();
  invite(s);
  s.clock.advance(40_000);
  assert.deepEqual(s.transport.sent.map((m) => m.at), [0, 500, 1500, 3500, 7500, 15500, 31500]);
  assert.deepEqual(s.events, [{ at: 32000, failure: 'timeout' }]);
});

test('INVITE: a provisional stops retransmissions; a 486 is ACKed by the transaction and passed up once', () => {
  const s = setup();
  const { req, tx } = invite(s);
  s.clock.advance(100);
  tx.receiveResponse(response(responseWire(req, 180, 'Ringing')));
  s.clock.advance(10_000);
  assert.equal(s.transport.sent.length, 1);
  const busy = responseWire(req, 486, 'Busy Here', undefined, 'callee');
  tx.receiveResponse(response(busy));
  assert.equal(tx.state, 'completed');
  const acks = s.transport.requests('ACK');
  assert.equal(acks.length, 1);
  const ack = acks[0]!.message;
  assert.ok(ack.kind === 'request');
  assert.equal(ack.uri, 'sip:phone@127.0.0.2');
  assert.equal(getTopVia(ack)?.branch, BRANCH, 'same branch as the INVITE (§17.1.1.3)');
  assert.equal(ack.headers.count('via'), 1);
  assert.deepEqual(getCSeq(ack), { seq: 7, method: 'ACK' });
  assert.equal(ack.headers.get('to'), '<sip:phone@127.0.0.2>;tag=callee');
  assert.equal(ack.headers.get('from'), '<sip:a@127.0.0.1>;tag=f1');
  assert.equal(ack.headers.get('call-id'), 'c1@127.0.0.1');
  assert.equal(ack.headers.get('route'), '<sip:proxy@127.0.0.5;lr>');
  // the retransmitted 486 is ACKed again but not passed up
  tx.receiveResponse(response(busy));
  assert.equal(s.transport.requests('ACK').length, 2);
  assert.deepEqual(s.events, [{ at: 100, status: 180 }, { at: 10_100, status: 486 }]);
  s.clock.advance(32_000);
  assert.equal(tx.state, 'terminated');
  assert.deepEqual(s.layer.size, { client: 0, server: 0 });
});

test('INVITE: a 2xx is passed up (the TU ACKs it) and so are its retransmissions until Timer M', () => {
  const s = setup();
  const { req, tx } = invite(s);
  const ok = responseWire(req, 200, 'OK');
  tx.receiveResponse(response(ok));
  assert.equal(tx.state, 'accepted');
  s.clock.advance(1000);
  tx.receiveResponse(response(ok));
  assert.equal(s.transport.requests('ACK').length, 0, 'the transaction never ACKs a 2xx');
  assert.deepEqual(s.events, [{ at: 0, status: 200 }, { at: 1000, status: 200 }]);
  s.clock.advance(31_000);
  assert.equal(tx.state, 'terminated');
  assert.equal(s.transport.sent.length, 1);
});

test('INVITE over TCP: a 486 is ACKed and the transaction ends at once (D = 0)', () => {
  const s = setup('tcp');
  const { req, tx } = invite(s);
  tx.receiveResponse(response(responseWire(req, 486, 'Busy Here')));
  assert.equal(tx.state, 'terminated');
  assert.equal(s.transport.requests('ACK').length, 1);
});

test('matching: a response is found by branch and CSeq method only', () => {
  const s = setup();
  const { tx } = nonInvite(s);
  assert.equal(s.layer.findClient(BRANCH, 'MESSAGE'), tx);
  assert.equal(s.layer.findClient(BRANCH, 'INVITE'), undefined);
  assert.equal(s.layer.findClient('z9hG4bKother', 'MESSAGE'), undefined);
  assert.equal(s.layer.findClient(undefined, 'MESSAGE'), undefined);
});

test('retired non-INVITE records are swept in batches: a steady stream of finished requests arms the sweep at most 64 times per Timer K, none outlives its deadline by more than K/64', () => {
  const s = setup();
  let armed = 0;
  const setTimeout = s.clock.setTimeout.bind(s.clock);
  s.clock.setTimeout = (callback: () => void, ms: number): unknown => {
    armed++;
    return setTimeout(callback, ms);
  };
  const branches: string[] = [];
  // one request finishing every 2 ms for 10 s (Timer E's own timers are started and stopped on the way)
  for (let i = 0; i < 5000; i++) {
    const branch = s.layer.newBranch();
    const req = request('MESSAGE');
    const tx = new NonInviteClientTransaction(s.layer, branch, 'MESSAGE', serializeMessage(req), s.flow, s.tu);
    s.layer.addClient(tx);
    tx.start();
    tx.receiveResponse(response(responseWire(req, 200, 'OK')));
    branches.push(branch);
    s.clock.advance(2);
  }
  // now 10000: record i retired at 2i and is due at 2i + 5000
  assert.equal(s.layer.absorbRetransmission(branches[2501]!, 'MESSAGE'), true, 'due at 10002');
  assert.equal(s.layer.absorbRetransmission(branches[2500]!, 'MESSAGE'), false, 'due at 10000: past its deadline, whether swept or not');
  const live = s.layer.size.client;
  assert.ok(live >= 2499 && live <= 2500 + 5000 / 64 / 2 + 1, `records kept: ${live}`);
  s.clock.advance(5000 + 5000 / 64);
  assert.deepEqual(s.layer.size, { client: 0, server: 0 });
  assert.equal(s.clock.pendingCount, 0, 'no timer left behind');
  // the clock timer is armed for the sweeps (≤ 64 per K over 2 K) and a few Timer E deadlines; sweeping
  // at every record's deadline armed it about 5000 times
  assert.ok(armed <= 3 * 64, `clock timers armed: ${armed}`);
});
