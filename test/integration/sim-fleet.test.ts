// PhoneFleet against Kamailio: 1,000 phones, each on its own loopback address (127.0.60.1 …), register with
// digest within a bounded time; Kamailio routes MESSAGEs to them; closing un-registers them all. Also the
// shared web listener: one socket, each phone answering on its own address. Kamailio on 127.0.0.124.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequest } from '../../src/sip/message.js';
import { SipEndpoint } from '../../src/sip/transaction/endpoint.js';
import { createUdpTransport } from '../../src/sip/transport/udp-transport.js';
import { PhoneFleet } from '../../src/sim/index.js';
import { kamailioMissing, startKamailio } from '../helpers/kamailio.js';

const skip = kamailioMissing();
if (skip) console.log(`# skipping the fleet tests: ${skip}`);

const COUNT = 1000;

async function messageTo(probe: SipEndpoint, user: string, body: string): Promise<number> {
  const r = await probe.request(createRequest({
    method: 'MESSAGE', uri: `sip:${user}@example.com`, headers: [['Content-Type', 'application/x-buttons']], body,
  }), { destination: { host: '127.0.0.124', port: 5060 }, timeoutMs: 5000 });
  return r.ok ? r.response.status : -1;
}

test(`${COUNT} phones register to Kamailio in bounded time, receive MESSAGEs through it, and un-register on close`, { skip, timeout: 120_000 }, async () => {
  const kamailio = await startKamailio({ host: '127.0.0.124', port: 5060, defaultPassword: 'fleet-pw', children: 4 });
  const fleet = new PhoneFleet({
    count: COUNT, addressBase: '127.0.60.1', registrar: '127.0.0.124:5060', domain: 'example.com', userBase: '30000',
    password: 'fleet-pw', phone: { sip: { timers: { t1: 200 } } },
  });
  const probe = new SipEndpoint({ transports: [await createUdpTransport({ address: '127.0.0.124', port: 0 })], timers: { t1: 100 } });
  try {
    const t0 = Date.now();
    const report = await fleet.start();
    const elapsed = Date.now() - t0;
    console.log(`${COUNT} phones: bind ${report.bindMs} ms, registered ${report.registered} in ${report.elapsedMs} ms`);
    assert.ok(elapsed < 60_000, `took ${elapsed} ms`);
    assert.deepEqual([report.phones, report.registered, report.failed], [COUNT, COUNT, 0]);
    assert.equal(fleet.registeredCount(), COUNT);
    assert.equal(fleet.phones[0]!.urls!.sipHost, '127.0.60.1');
    assert.equal(fleet.phones[253]!.urls!.sipHost, '127.0.60.254');
    assert.equal(fleet.phones[254]!.urls!.sipHost, '127.0.61.1', 'skips .255 and .0');
    assert.equal(fleet.phones[COUNT - 1]!.sip.identities[0]!.user, String(30000 + COUNT - 1));

    const sample = [0, 1, 254, 500, COUNT - 1];
    for (const i of sample) assert.equal(await messageTo(probe, String(30000 + i), `k=1\r\nc=on\r\nl=Phone ${i}\r\n`), 200);
    for (const i of sample) assert.equal(fleet.phones[i]!.state.keyState('1')?.label, `Phone ${i}`);
    const state = (await (await fetch(fleet.phones[500]!.urls!.stateJson!)).json()) as { keys: Record<string, { label: string }> };
    assert.equal(state.keys['1']!.label, 'Phone 500');

    await fleet.close();
    assert.equal(fleet.registeredCount(), 0);
    for (const i of sample) assert.equal(await messageTo(probe, String(30000 + i), 'k=1\r\n'), 404);
  } finally {
    await fleet.close();
    await probe.close();
    await kamailio.close();
  }
});

test('shared web listener: one socket serves every phone on its own address; other addresses are cut off', { timeout: 30_000 }, async () => {
  const fleet = new PhoneFleet({
    count: 3, addressBase: '127.0.59.1', registrar: '127.0.0.124:5060', http: 'shared', phone: { registerTimeoutMs: 500 },
  });
  try {
    await fleet.start();
    const port = fleet.webListener!.port;
    for (const [i, phone] of fleet.phones.entries()) {
      assert.equal(phone.urls!.stateJson, `http://127.0.59.${i + 1}:${port}/state.json`);
      const state = (await (await fetch(phone.urls!.stateJson!)).json()) as { settings: Record<string, string>; network: Record<string, unknown> };
      assert.equal(state.settings.user_name1, String(10000 + i));
      assert.equal(state.network.httpPort, port);
    }
    await assert.rejects(fetch(`http://127.0.59.9:${port}/state.json`));
  } finally {
    await fleet.close();
  }
});
