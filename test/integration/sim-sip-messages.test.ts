// What the virtual phone answers over real UDP (snom-protocol.md §2): x-buttons documents sent by its
// registrar (a SipEndpoint test registrar on 127.0.0.110), other content types, other senders, OPTIONS, NOTIFY.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequest } from '../../src/sip/message.js';
import { SipEndpoint } from '../../src/sip/transaction/endpoint.js';
import { createUdpTransport } from '../../src/sip/transport/udp-transport.js';
import { VirtualPhone } from '../../src/sim/index.js';
import { requestTo, startTestRegistrar, type TestRegistrar } from '../helpers/sim-test-registrar.js';

let registrar: TestRegistrar;
let phone: VirtualPhone;
let contact: string;

before(async () => {
  registrar = await startTestRegistrar({ host: '127.0.0.110', users: { '2000': 'secret' } });
  phone = new VirtualPhone({
    identities: [{ registrar: registrar.address, domain: 'example.com', user: '2000', password: 'secret' }],
    sip: { host: '127.0.0.111', timers: { t1: 100 } },
    http: false,
  });
  await phone.start();
  contact = registrar.bindings.get('2000')!.contact;
});

after(async () => {
  await phone.close();
  await registrar.close();
});

async function send(body: string | undefined, contentType: string | undefined, method = 'MESSAGE') {
  const headers: [string, string][] = contentType === undefined ? [] : [['Content-Type', contentType]];
  const r = await registrar.request(requestTo(contact, { method, headers, ...(body === undefined ? {} : { body }) }), { timeoutMs: 3000 });
  assert.ok(r.ok, r.ok ? '' : r.message);
  return r.response;
}

test('the contact the phone registered carries ;line= and the request reaching it keeps it', () => {
  assert.match(contact, /^sip:2000@127\.0\.0\.111:\d+;line=[a-z0-9]{8}$/);
});

test('a multi-block document from the registrar sets every key it names (200)', async () => {
  const res = await send('k=1\r\nc=on\r\nl=Alice\r\n\r\nk=2\r\nc=hold\r\nl=Bob\r\nn=1002\r\na=invite\r\n', 'application/x-buttons');
  assert.equal(res.status, 200);
  const pick = (k: string) => {
    const s = phone.state.keyState(k)!;
    return { k: s.k, light: s.light, label: s.label, action: s.action, number: s.number, updates: s.updates };
  };
  assert.deepEqual(pick('1'), { k: '1', light: 'on', label: 'Alice', action: 'invite', number: undefined, updates: 1 });
  assert.deepEqual(pick('2'), { k: '2', light: 'hold', label: 'Bob', action: 'invite', number: '1002', updates: 1 });
  const last = phone.snapshot().sipRequests.at(-1)!;
  assert.equal(last.method, 'MESSAGE');
  assert.equal(last.status, 200);
  assert.equal(last.requestUri, contact);
  assert.equal(last.source, `127.0.0.110:${registrar.port}`);
  assert.equal(last.contentType, 'application/x-buttons');
});

test('absent fields take their defaults instead of keeping the previous values', async () => {
  assert.equal((await send('k=3\r\nc=on\r\nl=Park\r\nn=700\r\na=message\r\n', 'application/x-buttons')).status, 200);
  assert.equal(phone.state.keyState('3')!.action, 'message');
  assert.equal((await send('k=3\r\n', 'application/x-buttons; charset=utf-8')).status, 200);
  const key = phone.state.keyState('3')!;
  assert.equal(key.light, 'off');
  assert.equal(key.label, undefined);
  assert.equal(key.number, undefined);
  assert.equal(key.action, 'invite');
});

test('a block for an index no function key has is answered 200, ignored and recorded', async () => {
  const before = phone.snapshot().ignored.length;
  assert.equal((await send('k=99\r\nc=on\r\n', 'application/x-buttons')).status, 200);
  assert.equal(phone.state.keyState('99'), undefined);
  const ignored = phone.snapshot().ignored;
  assert.equal(ignored.length, before + 1);
  assert.equal(ignored.at(-1)!.k, '99');
});

test('an unsupported content type gets 415 with Accept; text/plain (a reply to a key press) gets 200', async () => {
  const json = await send('{"k":1}', 'application/json');
  assert.equal(json.status, 415);
  assert.equal(json.headers.get('accept'), 'application/x-buttons, text/plain');
  assert.equal((await send(undefined, undefined)).status, 415, 'no Content-Type');
  const text = await send('+OK transferred', 'text/plain');
  assert.equal(text.status, 200);
  assert.equal(phone.snapshot().sipRequests.at(-1)!.body, '+OK transferred');
});

test('a body that does not decode gets 400 with a Warning and changes nothing', async () => {
  const before = phone.state.keyState('1');
  const res = await send('c=on\r\n', 'application/x-buttons');
  assert.equal(res.status, 400);
  assert.equal(res.reason, 'Bad x-buttons Body');
  assert.match(res.headers.get('warning') ?? '', /^399 snom "line 1: /);
  assert.deepEqual(phone.state.keyState('1'), before);
});

test('OPTIONS gets 200 with Allow and Accept; NOTIFY 200; a BYE outside any call 481', async () => {
  const options = await send(undefined, undefined, 'OPTIONS');
  assert.equal(options.status, 200);
  assert.equal(options.headers.get('allow'), 'INVITE, ACK, CANCEL, BYE, OPTIONS, NOTIFY, MESSAGE');
  assert.equal(options.headers.get('accept'), 'application/x-buttons, text/plain');
  assert.equal(options.headers.get('server'), 'snomD785/10.1.73.16');
  assert.equal((await send(undefined, undefined, 'NOTIFY')).status, 200);
  assert.equal((await send(undefined, undefined, 'BYE')).status, 481);
  assert.deepEqual(phone.snapshot().sipRequests.slice(-3).map((r) => [r.method, r.status]), [['OPTIONS', 200], ['NOTIFY', 200], ['BYE', 481]]);
});

test('registrar filter: a MESSAGE straight from another address gets 403; with the filter off, 200', async () => {
  const stranger = new SipEndpoint({ transports: [await createUdpTransport({ address: '127.0.0.112', port: 0 })], timers: { t1: 100 } });
  const open = new VirtualPhone({
    identities: [{ registrar: registrar.address, domain: 'example.com', user: '2000', password: 'secret' }],
    sip: { host: '127.0.0.111', timers: { t1: 100 } }, http: false, registrarFilter: false,
  });
  try {
    const buttons = (uri: string) => createRequest({
      method: 'MESSAGE', uri, headers: [['Content-Type', 'application/x-buttons']], body: 'k=4\r\nc=on\r\n',
    });
    const refused = await stranger.request(buttons(contact), { timeoutMs: 3000 });
    assert.ok(refused.ok);
    assert.equal(refused.response.status, 403);
    assert.equal(phone.state.keyState('4'), undefined);
    assert.deepEqual(phone.snapshot().sipRequests.at(-1)!.source?.startsWith('127.0.0.112:'), true);

    const urls = await open.start();
    assert.equal(open.state.setting('filter_registrar'), 'off');
    const accepted = await stranger.request(buttons(`sip:2000@127.0.0.111:${urls.sipPort}`), { timeoutMs: 3000 });
    assert.ok(accepted.ok);
    assert.equal(accepted.response.status, 200);
    assert.equal(open.state.keyState('4')!.light, 'on');
  } finally {
    await open.close();
    await stranger.close();
  }
});
