// Key presses and calls of the virtual phone over real UDP (snom-protocol.md §2.4), against a test
// registrar on 127.0.0.113 that challenges MESSAGE and INVITE with digest; the phone is on 127.0.0.114.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { getCSeq, getTopVia } from '../../src/sip/accessors.js';
import type { SipRequest } from '../../src/sip/message.js';
import { parseMessage } from '../../src/sip/parse.js';
import dgram from 'node:dgram';
import { VirtualPhone, type VirtualPhoneOptions } from '../../src/sim/index.js';
import { requestTo, startTestRegistrar, type TestRegistrar } from '../helpers/sim-test-registrar.js';

let registrar: TestRegistrar;

before(async () => {
  registrar = await startTestRegistrar({ host: '127.0.0.113', users: { '2000': 'secret' } });
});

after(async () => {
  await registrar.close();
});

async function withPhone(extra: Partial<VirtualPhoneOptions>, fn: (phone: VirtualPhone, contact: string) => Promise<void>): Promise<void> {
  const phone = new VirtualPhone({
    identities: [{ registrar: registrar.address, domain: 'example.com', user: '2000', password: 'secret', displayName: 'Desk 2000' }],
    sip: { host: '127.0.0.114', timers: { t1: 100 } },
    http: false,
    ...extra,
  });
  try {
    await phone.start();
    await fn(phone, registrar.bindings.get('2000')!.contact);
  } finally {
    await phone.close();
  }
}

function requests(method: string): SipRequest[] {
  return registrar.seen.flatMap((s) => (s.message.kind === 'request' && s.message.method === method ? [s.message] : []));
}

async function until(check: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('a=message key: MESSAGE to the escaped number at the registrar with digest; the text/plain reply is accepted', async () => {
  await withPhone({}, async (phone, contact) => {
    const applied = phone.state.applyXButtonsBody('k=1\r\nc=on\r\nl=Transfer\r\nn=api+uuid_transfer abc;x 9001\r\na=message\r\n');
    assert.ok(applied.ok);
    const before = requests('MESSAGE').length;
    assert.ok(phone.press('P1').ok);
    await until(() => registrar.accepted('MESSAGE').length === 1, 'the authenticated MESSAGE');
    const sent = requests('MESSAGE').slice(before);
    assert.equal(sent.length, 2, 'first unauthenticated, then with credentials');
    assert.equal(sent[0]!.headers.get('authorization'), undefined);
    const message = sent[1]!;
    assert.equal(message.uri, 'sip:api+uuid_transfer%20abc%3Bx%209001@example.com');
    assert.match(message.headers.get('authorization')!, /^Digest username="2000", realm="example\.com", .*uri="sip:api\+uuid_transfer%20abc%3Bx%209001@example\.com"/);
    assert.equal(message.headers.get('to'), '<sip:api+uuid_transfer%20abc%3Bx%209001@example.com>');
    assert.match(message.headers.get('from')!, /^"Desk 2000" <sip:2000@example\.com>;tag=/);
    assert.equal(message.headers.get('call-id'), sent[0]!.headers.get('call-id'));
    assert.deepEqual([getCSeq(sent[0]!)?.seq, getCSeq(message)?.seq], [1, 2]);
    assert.equal(message.body.length, 0);
    assert.equal(message.headers.get('user-agent'), 'snomD785/10.1.73.16');
    await until(() => phone.sip.sentRequests().length === 1, 'the outcome');
    assert.deepEqual(phone.sip.sentRequests().map((r) => [r.method, r.outcome]), [['MESSAGE', 200]]);

    const reply = await registrar.request(requestTo(contact, { headers: [['Content-Type', 'text/plain']], body: '+OK' }), { timeoutMs: 3000 });
    assert.ok(reply.ok);
    assert.equal(reply.response.status, 200);
    const recorded = phone.snapshot().sipRequests.at(-1)!;
    assert.deepEqual([recorded.method, recorded.contentType, recorded.body, recorded.status], ['MESSAGE', 'text/plain', '+OK', 200]);
  });
});

test('a=invite key: INVITE with digest and SDP; 486 is ACKed by the transaction and ends the call', async () => {
  await withPhone({}, async (phone) => {
    assert.ok(phone.state.applyXButtonsBody('k=2\r\nc=on\r\nn=3000\r\na=invite\r\n').ok);
    const before = registrar.seen.length;
    assert.ok(phone.press('P2').ok);
    await until(() => phone.state.activeCalls().length === 0 && phone.snapshot().calls.length === 1, 'the call to end');
    const call = phone.snapshot().calls[0]!;
    assert.deepEqual([call.direction, call.number, call.origin, call.state, call.releaseReason], ['out', '3000', 'key', 'released', '486 Busy Here']);
    await until(() => registrar.seen.slice(before).filter((s) => s.message.kind === 'request' && s.message.method === 'ACK').length === 2, 'two ACKs');
    const invites = registrar.seen.slice(before).flatMap((s) => (s.message.kind === 'request' && s.message.method === 'INVITE' ? [s.message] : []));
    assert.equal(invites.length, 2);
    const invite = invites[1]!;
    assert.equal(invite.uri, 'sip:3000@example.com');
    assert.equal(invite.headers.get('call-id'), call.callId);
    assert.equal(invite.headers.get('content-type'), 'application/sdp');
    assert.match(invite.body.toString(), /^v=0\r\no=root \d+ \d+ IN IP4 127\.0\.0\.114\r\n[\s\S]*m=audio 16384 RTP\/AVP 0 8 101\r\n/);
    assert.match(invite.headers.get('contact')!, /^<sip:2000@127\.0\.0\.114:\d+;line=[a-z0-9]{8}>$/);
    const acks = registrar.seen.slice(before).flatMap((s) => (s.message.kind === 'request' && s.message.method === 'ACK' ? [s.message] : []));
    // one ACK for the 401 and one for the 486, each on its INVITE's branch (RFC 3261 §17.1.1.3)
    assert.deepEqual(acks.map((a) => getTopVia(a)?.branch), invites.map((i) => getTopVia(i)?.branch));
    assert.deepEqual(acks.map((a) => getCSeq(a)?.seq), [1, 2]);
  });
});

test('a=invite answered 200: ACK, connected; RELEASE_ALL_CALLS sends BYE in the dialog', async () => {
  registrar.on('INVITE', ({ request, respond }) => {
    respond(200, 'OK', { headers: [['Contact', `<sip:3001@${registrar.address}>`], ['Content-Type', 'application/sdp']], body: 'v=0\r\n', toTag: 'callee' });
    return request.method === 'INVITE';
  });
  try {
    await withPhone({}, async (phone) => {
      assert.ok(phone.state.applyXButtonsBody('k=3\r\nn=3001\r\n').ok);
      const before = registrar.seen.length;
      assert.ok(phone.press('P3').ok);
      await until(() => phone.state.activeCalls()[0]?.state === 'connected', 'connected');
      const call = phone.state.activeCalls()[0]!;
      await until(() => requests('ACK').some((a) => a.headers.get('call-id') === call.callId && getCSeq(a)?.seq === 2), 'the 2xx ACK');
      const ack = requests('ACK').find((a) => a.headers.get('call-id') === call.callId && getCSeq(a)?.seq === 2)!;
      assert.equal(ack.uri, `sip:3001@${registrar.address}`, 'ACK to the Contact of the 200');
      assert.match(ack.headers.get('to')!, /;tag=callee$/);

      phone.state.releaseAllCalls();
      await until(() => requests('BYE').some((b) => b.headers.get('call-id') === call.callId), 'BYE');
      const bye = requests('BYE').find((b) => b.headers.get('call-id') === call.callId)!;
      assert.equal(bye.uri, `sip:3001@${registrar.address}`);
      assert.match(bye.headers.get('to')!, /;tag=callee$/);
      assert.equal(getCSeq(bye)?.seq, 3);
      assert.equal(phone.state.call(call.callId)?.releaseReason, 'release-all-calls');
      assert.deepEqual(requests('INVITE').slice(-2).map((i) => i.headers.get('call-id')), [call.callId, call.callId]);
      await until(() => phone.sip.sentRequests().some((r) => r.method === 'BYE'), 'the BYE outcome');
      assert.deepEqual(phone.sip.sentRequests().map((r) => [r.method, r.outcome]), [['INVITE', 200], ['BYE', 200]]);
      assert.ok(registrar.seen.length > before);
    });
  } finally {
    registrar.on('INVITE', () => false);
  }
});

test('incoming call: 180, then 486 after ringMs (busy policy); answered with SDP under the answer policy, BYE ends it', async () => {
  await withPhone({ incomingCalls: { policy: 'busy', ringMs: 50 } }, async (phone, contact) => {
    const provisional: number[] = [];
    const r = await registrar.request(requestTo(contact, {
      method: 'INVITE', headers: [['From', '"Alice" <sip:1001@example.com>'], ['Contact', `<sip:1001@${registrar.address}>`]],
    }), { timeoutMs: 3000, onProvisional: (p) => provisional.push(p.status) });
    assert.ok(r.ok);
    assert.equal(r.response.status, 486);
    assert.ok(provisional.includes(180));
    const call = phone.snapshot().calls.at(-1)!;
    assert.deepEqual([call.direction, call.number, call.state, call.releaseReason], ['in', '1001', 'released', '486 Busy Here']);
    assert.deepEqual(phone.snapshot().lists.missed.map((e) => e.number), ['1001']);
    assert.equal(phone.snapshot().sipRequests.at(-1)!.status, 486);
  });
  await withPhone({ incomingCalls: { policy: 'answer', ringMs: 20 } }, async (phone, contact) => {
    const r = await registrar.request(requestTo(contact, {
      method: 'INVITE', headers: [['From', '<sip:1002@example.com>;tag=caller'], ['Contact', `<sip:1002@${registrar.address}>`]],
    }), { timeoutMs: 3000 });
    assert.ok(r.ok);
    assert.equal(r.response.status, 200);
    assert.equal(r.response.headers.get('content-type'), 'application/sdp');
    assert.match(r.response.headers.get('contact')!, /^<sip:2000@127\.0\.0\.114:\d+;line=[a-z0-9]{8}>$/);
    const callId = r.response.headers.get('call-id')!;
    await until(() => phone.snapshot().sipRequests.some((s) => s.method === 'ACK' && s.callId === callId), 'the ACK at the phone');
    assert.equal(phone.state.call(callId)?.state, 'connected');
    const bye = await registrar.request(requestTo(contact, {
      method: 'BYE',
      headers: [['From', '<sip:1002@example.com>;tag=caller'], ['To', r.response.headers.get('to')!], ['Call-ID', callId], ['CSeq', '2 BYE']],
    }), { timeoutMs: 3000 });
    assert.ok(bye.ok);
    assert.equal(bye.response.status, 200);
    assert.deepEqual([phone.state.call(callId)?.state, phone.state.call(callId)?.releaseReason], ['released', 'remote hangup']);
  });
});

test('incoming call under the ring policy: OFFHOOK answers it; CANCEL of another gets 200 and 487', async () => {
  await withPhone({ incomingCalls: { policy: 'ring' } }, async (phone, contact) => {
    const pending = registrar.request(requestTo(contact, { method: 'INVITE', headers: [['From', '<sip:1003@example.com>']] }), { timeoutMs: 3000 });
    await until(() => phone.state.activeCalls().length === 1, 'ringing');
    assert.equal(phone.state.activeCalls()[0]!.state, 'ringing');
    assert.ok(phone.press('OFFHOOK').ok);
    const answered = await pending;
    assert.ok(answered.ok);
    assert.equal(answered.response.status, 200);
    assert.equal(phone.state.activeCalls()[0]!.state, 'connected');

    // CANCEL needs the INVITE's branch, so this caller writes its messages itself (from the registrar's IP)
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.113', r));
    const got: string[] = [];
    sock.on('message', (data) => {
      const m = parseMessage(data);
      if (m.ok && m.value.kind === 'response') got.push(`${m.value.status} ${getCSeq(m.value)?.method}`);
    });
    const lport = sock.address().port;
    const port = Number(/:(\d+);/.exec(contact)![1]);
    const common = (method: string) =>
      `Via: SIP/2.0/UDP 127.0.0.113:${lport};branch=z9hG4bKcancel1\r\nMax-Forwards: 70\r\nFrom: <sip:1004@example.com>;tag=c1\r\n` +
      `To: <${contact}>\r\nCall-ID: cancel-test@127.0.0.113\r\nCSeq: 7 ${method}\r\nContent-Length: 0\r\n\r\n`;
    try {
      sock.send(`INVITE ${contact} SIP/2.0\r\nContact: <sip:1004@127.0.0.113:${lport}>\r\n${common('INVITE')}`, port, '127.0.0.114');
      await until(() => got.includes('180 INVITE'), '180');
      assert.equal(phone.state.call('cancel-test@127.0.0.113')?.state, 'ringing');
      sock.send(`CANCEL ${contact} SIP/2.0\r\n${common('CANCEL')}`, port, '127.0.0.114');
      await until(() => got.includes('487 INVITE'), '487');
      assert.deepEqual(got.filter((g) => g !== '100 INVITE'), ['180 INVITE', '200 CANCEL', '487 INVITE']);
      const cancelled = phone.state.call('cancel-test@127.0.0.113')!;
      assert.deepEqual([cancelled.state, cancelled.releaseReason], ['released', 'cancelled']);
      sock.send(`ACK ${contact} SIP/2.0\r\n${common('ACK')}`, port, '127.0.0.114');
    } finally {
      sock.close();
    }
  });
});
