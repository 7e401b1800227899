// The virtual phone with real peers: it registers to Kamailio (digest, in-memory usrloc) and an x-buttons
// MESSAGE that SIPp sends to the user at Kamailio is routed to the registered contact (`;line=` kept) and
// changes the phone's keys with the registrar filter on; the same over TCP. Kamailio 127.0.0.118, phones
// .119 and .121, SIPp and senders .120.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequest } from '../../src/sip/message.js';
import { SipEndpoint } from '../../src/sip/transaction/endpoint.js';
import { createTcpTransport } from '../../src/sip/transport/tcp-transport.js';
import { createUdpTransport } from '../../src/sip/transport/udp-transport.js';
import { VirtualPhone } from '../../src/sim/index.js';
import { kamailioMissing, startKamailio } from '../helpers/kamailio.js';
import { freePort } from '../helpers/ports.js';
import { runSipp, sippMissing } from '../helpers/sipp.js';

const skip = kamailioMissing() ?? sippMissing();
if (skip) console.log(`# skipping Kamailio/SIPp tests of the virtual phone: ${skip}`);

test('registers to Kamailio with digest; SIPp MESSAGE to the user at Kamailio reaches the phone and sets its key', { skip, timeout: 60_000 }, async () => {
  const kamailio = await startKamailio({ host: '127.0.0.118', port: 5060, users: { '2001': 'pw-2001' } });
  const phone = new VirtualPhone({
    identities: [{ registrar: '127.0.0.118:5060', domain: 'example.com', user: '2001', password: 'pw-2001' }],
    sip: { host: '127.0.0.119', timers: { t1: 100 } },
    http: { host: '127.0.0.119' },
  });
  try {
    const urls = await phone.start();
    assert.deepEqual(await phone.whenRegistered(), [{ ok: true, expires: 600 }]);
    assert.equal(phone.state.registration(1)!.status, 'registered');
    assert.equal(phone.state.setting('filter_registrar'), 'on');
    const lineId = phone.sip.identities[0]!.lineId;

    const sipp = await runSipp({
      scenario: 'uac-message-via-proxy.xml', localHost: '127.0.0.120', localPort: await freePort('127.0.0.120'),
      remote: '127.0.0.118:5060', service: '2001', keys: { domain: 'example.com' }, calls: 1, timeoutSeconds: 10,
    });
    assert.equal(sipp.code, 0, sipp.errors || sipp.stderr);
    assert.equal(sipp.stats?.successful, 1);

    const state = (await (await fetch(urls.stateJson!)).json()) as ReturnType<VirtualPhone['snapshot']>;
    const key = state.keys['5']!;
    assert.deepEqual([key.light, key.label, key.action, key.number], ['on', 'Via Kamailio', 'message', 'api+uuid_transfer 1234 9001']);
    const message = state.sipRequests.filter((r) => r.method === 'MESSAGE').at(-1)!;
    assert.equal(message.requestUri, `sip:2001@127.0.0.119:${urls.sipPort};line=${lineId}`);
    assert.equal(message.source, '127.0.0.118:5060', 'relayed by Kamailio, so the registrar filter let it in');
    assert.equal(message.status, 200);
    assert.equal(message.to, '<sip:2001@example.com>');

    // closing un-registers: Kamailio no longer knows where 2001 is
    await phone.close();
    const probe = new SipEndpoint({ transports: [await createUdpTransport({ address: '127.0.0.120', port: 0 })], timers: { t1: 100 } });
    try {
      const r = await probe.request(createRequest({ method: 'MESSAGE', uri: 'sip:2001@example.com', headers: [['Content-Type', 'text/plain']], body: 'x' }), {
        destination: { host: '127.0.0.118', port: 5060 }, timeoutMs: 3000,
      });
      assert.ok(r.ok);
      assert.deepEqual([r.response.status, r.response.reason], [404, 'Not Registered']);
    } finally {
      await probe.close();
    }
  } finally {
    await phone.close();
    await kamailio.close();
  }
});

test('over TCP: registers with ;transport=tcp and Kamailio relays a MESSAGE on that connection (filter compares the IP only)', { skip, timeout: 60_000 }, async () => {
  const kamailio = await startKamailio({ host: '127.0.0.118', port: 5060, users: { '2003': 'pw-2003' } });
  const phone = new VirtualPhone({
    identities: [{ registrar: { host: '127.0.0.118', port: 5060, transport: 'tcp' }, domain: 'example.com', user: '2003', password: 'pw-2003' }],
    sip: { host: '127.0.0.121', tcp: true, timers: { t1: 100 } },
    http: false,
  });
  const sender = new SipEndpoint({ transports: [await createTcpTransport({ address: '127.0.0.120', port: 0 })], timers: { t1: 100 } });
  try {
    const urls = await phone.start();
    assert.equal(phone.state.registration(1)!.status, 'registered');
    assert.equal(phone.state.registration(1)!.contact, `sip:2003@127.0.0.121:${urls.sipPort};line=${phone.sip.identities[0]!.lineId};transport=tcp`);
    const r = await sender.request(createRequest({
      method: 'MESSAGE', uri: 'sip:2003@example.com', headers: [['Content-Type', 'application/x-buttons']], body: 'k=2\r\nc=pickup\r\n',
    }), { destination: { host: '127.0.0.118', port: 5060, transport: 'tcp' }, timeoutMs: 3000 });
    assert.ok(r.ok);
    assert.equal(r.response.status, 200);
    assert.equal(phone.state.keyState('2')!.light, 'pickup');
    assert.match(phone.snapshot().sipRequests.at(-1)!.source!, /^127\.0\.0\.118:\d+$/);
  } finally {
    await sender.close();
    await phone.close();
    await kamailio.close();
  }
});
