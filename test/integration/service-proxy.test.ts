// The proxy route: keys delivered through another SIP server. Kamailio as the foreign registrar (a raw
// phone registers there), and a raw proxy that demands Digest (407) first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { createService } from '../../src/service/index.js';
import { parseMessage } from '../../src/sip/parse.js';
import { DigestServer } from '../../src/util/digest-server.js';
import { kamailioMissing, startKamailio } from '../helpers/kamailio.js';
import { freePort } from '../helpers/ports.js';
import { RawPhone } from './service-raw-phone.js';

const skipKamailio = kamailioMissing();
if (skipKamailio) console.log(`# skipping Kamailio proxy-route test: ${skipKamailio}`);

test('proxy route through Kamailio: the phone registered there gets the MESSAGE and its 200 comes back', { skip: skipKamailio, timeout: 30_000 }, async () => {
  const port = await freePort('127.0.0.5');
  const kamailio = await startKamailio({ host: '127.0.0.5', port, users: { 300: 'pw300' }, realm: 'kam.test' });
  const phone = await RawPhone.open({ host: '127.0.0.6', user: '300', password: 'pw300', domain: 'kam.test' });
  const service = createService({
    domains: ['snomctl.test'],
    sip: { listen: { host: '127.0.0.1', port: 0 }, timers: { t1: 100 } },
    profiles: [{ name: 'kam', route: 'proxy', proxy: { host: '127.0.0.5', port } }],
    delivery: { attemptTimeoutMs: 2000, retryDelaysMs: [] },
  });
  await service.start();
  try {
    const reg = await phone.register({ host: '127.0.0.5', port });
    assert.equal(reg.status, 200, `${reg.status} ${reg.reason}`);
    const r = await service.bindKey({ profile: 'kam', user: '300', host: 'kam.test', keys: [{ key: '2', light: 'on', label: 'Via Kamailio' }] });
    assert.equal(r.delivered, true, JSON.stringify(r));
    const c = r.contacts[0]!;
    assert.deepEqual(['status' in c ? c.status : c.error, c.contact, c.destination], [200, 'sip:300@kam.test', `udp:127.0.0.5:${port}`]);
    const [msg] = await phone.waitFor(1);
    assert.equal(msg!.request.uri, phone.contact(), 'Kamailio rewrote the Request-URI to the registered contact');
    assert.match(msg!.request.headers.get('from')!, /^<sip:300@kam\.test>;tag=/);
    assert.equal(msg!.request.headers.get('to'), '<sip:300@kam.test>');
    assert.equal(msg!.request.body.toString(), 'k=2\r\nc=on\r\nl=Via Kamailio\r\n');

    const unknown = await service.bindKey({ profile: 'kam', user: '399', host: 'kam.test', keys: [{ key: '2', light: 'on', label: 'x' }] });
    const u = unknown.contacts[0]!;
    assert.ok('status' in u && u.status === 404 && u.attempts === 1, JSON.stringify(u));
    await new Promise((res) => setTimeout(res, 20));
    assert.equal(service.keyStatus({ profile: 'kam', user: '399', host: 'kam.test' })[0]!.deliveries[0]!.reason, '404 Not Registered');
  } finally {
    await service.close();
    await phone.close();
    await kamailio.close();
  }
});

test('proxy route with Digest: a 407 is answered with the configured credentials', async () => {
  const digest = new DigestServer({ realm: 'proxy.test', algorithms: ['MD5'] });
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.7', r));
  const seen: string[] = [];
  sock.on('message', (data, rinfo) => {
    const m = parseMessage(data);
    if (!m.ok || m.value.kind !== 'request') return;
    const req = m.value;
    const auth = req.headers.get('proxy-authorization');
    let status = '407 Proxy Authentication Required';
    let extra = digest.challenge().map((c) => `Proxy-Authenticate: ${c}\r\n`).join('');
    if (auth !== undefined) {
      const v = digest.verify(auth, req.method, (u) => (u === 'snomctl' ? { password: 'proxy-pw' } : undefined), { uri: req.uri });
      status = v.status === 'ok' ? '200 OK' : '403 Forbidden';
      extra = '';
    }
    seen.push(`${req.uri} ${status.slice(0, 3)}`);
    let head = `SIP/2.0 ${status}\r\n`;
    for (const f of req.headers) if (['via', 'from', 'call-id', 'cseq'].includes(f.key)) head += `${f.name}: ${f.value}\r\n`;
    head += `To: ${req.headers.get('to')};tag=px\r\n${extra}Content-Length: 0\r\n\r\n`;
    sock.send(head, rinfo.port, rinfo.address);
  });
  const service = createService({
    domains: ['snomctl.test'],
    sip: { listen: { host: '127.0.0.1', port: 0 }, transports: ['udp'] },
    profiles: [
      { name: 'auth', route: 'proxy', proxy: { host: '127.0.0.7', port: sock.address().port, username: 'snomctl', password: 'proxy-pw' } },
      { name: 'noauth', route: 'proxy', proxy: { host: '127.0.0.7', port: sock.address().port } },
    ],
    delivery: { retryDelaysMs: [] },
  });
  await service.start();
  try {
    const ok = await service.bindKey({ profile: 'auth', user: '400', host: 'pbx.test', keys: [{ key: '1', light: 'on' }] });
    assert.equal(ok.delivered, true);
    const no = await service.bindKey({ profile: 'noauth', user: '400', host: 'pbx.test', keys: [{ key: '1', light: 'off' }] });
    const c = no.contacts[0]!;
    assert.ok('status' in c && c.status === 407, JSON.stringify(c));
    assert.deepEqual(seen, ['sip:400@pbx.test 407', 'sip:400@pbx.test 200', 'sip:400@pbx.test 407']);
  } finally {
    await service.close();
    sock.close();
  }
});
