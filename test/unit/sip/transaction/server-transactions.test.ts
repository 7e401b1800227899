import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getCSeq, getTopVia } from '../../../../src/sip/accessors.js';
import type { SipRequest } from '../../../../src/sip/message.js';
import { parseMessage } from '../../../../src/sip/parse.js';
import { responseTo } from '../../../../src/sip/response-to.js';
import { timerTable } from '../../../../src/sip/timers.js';
import { InviteServerTransaction } from '../../../../src/sip/transaction/invite-server.js';
import { NonInviteServerTransaction } from '../../../../src/sip/transaction/non-invite-server.js';
import { TimerQueue } from '../../../../src/sip/transaction/timer-queue.js';
import { dialogAckKey, serverKey, TransactionLayer } from '../../../../src/sip/transaction/transaction-layer.js';
import { FakeClock } from '../../../helpers/fake-clock.js';
import { FakeTransport } from '../../../helpers/fake-transport.js';
import { requestWire, type RequestWireOptions } from '../../../helpers/sip-wire.js';

function setup(protocol: 'udp' | 'tcp' = 'udp') {
  const clock = new FakeClock();
  const layer = new TransactionLayer(timerTable(), new TimerQueue(clock));
  const transport = new FakeTransport({ protocol, now: () => clock.now() });
  const flow = { transport, target: { address: '127.0.0.9', port: 5070 } };
  let tuTimeouts = 0;
  const tu = { onTuTimeout: () => void tuTimeouts++ };
  return { clock, layer, transport, flow, tu, tuTimeouts: () => tuTimeouts };
}

function req(o: RequestWireOptions = {}): SipRequest {
  const r = parseMessage(Buffer.from(requestWire(o)));
  assert.ok(r.ok && r.value.kind === 'request');
  return r.value;
}

function keyOf(r: SipRequest): string {
  return serverKey(r, getTopVia(r)!, getCSeq(r)!);
}

test('non-INVITE server: retransmissions are ignored in Trying, answered with the last response after it', () => {
  const s = setup();
  const r = req();
  const tx = new NonInviteServerTransaction(s.layer, keyOf(r), 'MESSAGE', s.flow);
  s.layer.addServer(tx);
  tx.receiveRequest();
  assert.equal(s.transport.sent.length, 0, 'nothing to resend in Trying');
  assert.equal(tx.respond(responseTo(r, 100, 'Trying')), true);
  assert.equal(tx.state, 'proceeding');
  tx.receiveRequest();
  assert.deepEqual(s.transport.sent.map((m) => m.message.kind === 'response' && m.message.status), [100, 100]);
  assert.equal(tx.respond(responseTo(r, 200, 'OK')), true);
  assert.equal(tx.respond(responseTo(r, 500, 'Too Late')), false, 'one final response only');
  tx.receiveRequest();
  tx.receiveRequest();
  assert.deepEqual(s.transport.sent.map((m) => m.message.kind === 'response' && m.message.status), [100, 100, 200, 200, 200]);
  assert.ok(s.transport.sent[3]!.data.equals(s.transport.sent[2]!.data), 'the same bytes again');
  assert.deepEqual(s.transport.sent.map((m) => m.target), Array(5).fill({ address: '127.0.0.9', port: 5070 }));
  assert.equal(s.layer.stats.retransmissionsReceived, 4);
  assert.equal(s.layer.stats.retransmissionsSent, 3);
});

test('non-INVITE server: Timer J (64·T1 over UDP) removes it; over TCP it ends with the final response', () => {
  const s = setup();
  const r = req();
  const tx = new NonInviteServerTransaction(s.layer, keyOf(r), 'MESSAGE', s.flow);
  s.layer.addServer(tx);
  tx.respond(responseTo(r, 200, 'OK'));
  s.clock.advance(31_999);
  assert.equal(s.layer.findServer(keyOf(r)), tx);
  s.clock.advance(1);
  assert.equal(s.layer.findServer(keyOf(r)), undefined);
  assert.equal(tx.state, 'terminated');

  const t = setup('tcp');
  const tcpTx = new NonInviteServerTransaction(t.layer, keyOf(r), 'MESSAGE', t.flow);
  t.layer.addServer(tcpTx);
  tcpTx.respond(responseTo(r, 200, 'OK'));
  assert.equal(tcpTx.state, 'terminated');
  assert.deepEqual(t.layer.size, { client: 0, server: 0 });
});

test('non-INVITE server: the TU deadline fires once when no final response came', () => {
  const s = setup();
  const r = req();
  const tx = new NonInviteServerTransaction(s.layer, keyOf(r), 'MESSAGE', s.flow);
  tx.setUser(s.tu, 1000);
  s.clock.advance(999);
  assert.equal(s.tuTimeouts(), 0);
  s.clock.advance(1);
  assert.equal(s.tuTimeouts(), 1);
  const answered = setup();
  const tx2 = new NonInviteServerTransaction(answered.layer, keyOf(r), 'MESSAGE', answered.flow);
  tx2.setUser(answered.tu, 1000);
  tx2.respond(responseTo(r, 200, 'OK'));
  answered.clock.advance(5000);
  assert.equal(answered.tuTimeouts(), 0);
});

test('INVITE server: sends 100 Trying itself after 200 ms; a retransmitted INVITE gets the last provisional', () => {
  const s = setup();
  const r = req({ method: 'INVITE' });
  const tx = new InviteServerTransaction(s.layer, keyOf(r), r, s.flow);
  s.clock.advance(199);
  assert.equal(s.transport.sent.length, 0);
  s.clock.advance(1);
  assert.deepEqual(s.transport.responses(100).map((m) => m.at), [200]);
  tx.respond(responseTo(r, 180, 'Ringing', { toTag: 'x' }));
  tx.receiveRequest();
  assert.deepEqual(s.transport.sent.map((m) => m.message.kind === 'response' && m.message.status), [100, 180, 180]);
});

test('INVITE server: a 486 is retransmitted by Timer G (T1 doubling to T2) until Timer H', () => {
  const s = setup();
  const r = req({ method: 'INVITE' });
  const tx = new InviteServerTransaction(s.layer, keyOf(r), r, s.flow);
  s.layer.addServer(tx);
  tx.respond(responseTo(r, 486, 'Busy Here', { toTag: 'x' }));
  s.clock.advance(40_000);
  assert.deepEqual(
    s.transport.responses(486).map((m) => m.at),
    [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500],
  );
  assert.equal(tx.state, 'terminated');
  assert.deepEqual(s.layer.size, { client: 0, server: 0 });
});

test('INVITE server: the ACK stops Timer G (Confirmed), Timer I (T4) ends it; ACK retransmissions are absorbed', () => {
  const s = setup();
  const r = req({ method: 'INVITE' });
  const tx = new InviteServerTransaction(s.layer, keyOf(r), r, s.flow);
  s.layer.addServer(tx);
  tx.respond(responseTo(r, 486, 'Busy Here', { toTag: 'x' }));
  s.clock.advance(600);
  const ack = req({ method: 'ACK', cseqMethod: 'ACK', toTag: 'x' });
  assert.equal(s.layer.findServer(keyOf(ack)), tx, 'the ACK matches the INVITE transaction');
  tx.receiveAck();
  assert.equal(tx.state, 'confirmed');
  tx.receiveAck();
  s.clock.advance(4999);
  assert.equal(tx.state, 'confirmed');
  s.clock.advance(1);
  assert.equal(tx.state, 'terminated');
  assert.deepEqual(s.transport.responses(486).map((m) => m.at), [0, 500]);
});

test('INVITE server: a 2xx is retransmitted over UDP until the ACK (matched through the dialog), then Timer L', () => {
  const s = setup();
  const r = req({ method: 'INVITE' });
  const tx = new InviteServerTransaction(s.layer, keyOf(r), r, s.flow);
  s.layer.addServer(tx, dialogAckKey('call-1@127.0.0.9', getCSeq(r)!));
  tx.respond(responseTo(r, 200, 'OK', { toTag: 'x' }));
  assert.equal(tx.state, 'accepted');
  s.clock.advance(2000);
  assert.deepEqual(s.transport.responses(200).map((m) => m.at), [0, 500, 1500]);
  tx.receiveRequest(); // a retransmitted INVITE is absorbed in Accepted
  s.layer.findInvite(dialogAckKey('call-1@127.0.0.9', getCSeq(r)!))!.ack2xx();
  s.clock.advance(10_000);
  assert.equal(s.transport.responses(200).length, 3);
  assert.equal(tx.state, 'accepted');
  s.clock.advance(20_000);
  assert.equal(tx.state, 'terminated');
  assert.equal(s.layer.findInvite(dialogAckKey('call-1@127.0.0.9', getCSeq(r)!)), undefined);
});

test('INVITE server: the TU deadline covers the first response only', () => {
  const s = setup();
  const r = req({ method: 'INVITE' });
  const tx = new InviteServerTransaction(s.layer, keyOf(r), r, s.flow);
  tx.setUser(s.tu, 1000);
  s.clock.advance(1000);
  assert.equal(s.tuTimeouts(), 1);
  assert.deepEqual(s.transport.responses(100).map((m) => m.at), [200]);

  const t = setup();
  const tx2 = new InviteServerTransaction(t.layer, keyOf(r), r, t.flow);
  tx2.setUser(t.tu, 1000);
  t.clock.advance(100);
  tx2.respond(responseTo(r, 180, 'Ringing', { toTag: 'y' }));
  t.clock.advance(60_000);
  assert.equal(t.tuTimeouts(), 0);
  assert.equal(t.transport.responses(100).length, 0, 'no 100 once the TU answered');
});

test('server matching (§17.2.3): branch + sent-by + method, ACK as INVITE, RFC 2543 fallback', () => {
  const base = req({ branch: 'z9hG4bKabc' });
  assert.equal(keyOf(base), keyOf(req({ branch: 'z9hG4bKabc' })));
  assert.notEqual(keyOf(base), keyOf(req({ branch: 'z9hG4bKabd' })));
  assert.notEqual(keyOf(base), keyOf(req({ branch: 'z9hG4bKabc', sentBy: '127.0.0.10:5070' })));
  assert.notEqual(keyOf(base), keyOf(req({ branch: 'z9hG4bKabc', method: 'OPTIONS' })));
  const inv = req({ method: 'INVITE', branch: 'z9hG4bKabc' });
  assert.equal(keyOf(inv), keyOf(req({ method: 'ACK', branch: 'z9hG4bKabc' })));
  const old = req({ branch: '1234' });
  assert.equal(keyOf(old), keyOf(req({ branch: '1234' })));
  assert.notEqual(keyOf(old), keyOf(req({ branch: '1234', cseq: 2 })));
  assert.notEqual(keyOf(old), keyOf(req({ branch: '1234', callId: 'other@x' })));
});
