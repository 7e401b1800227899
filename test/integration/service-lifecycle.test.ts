// Service lifecycle and registration wiring: states, events, unregistration/expiry, TCP connection reuse,
// a custom Route (the FreeSWITCH seam).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createService, type Route, type RouteContact } from '../../src/service/index.js';
import type { RegistrationEvent } from '../../src/service/service-events.js';
import { parseMessage } from '../../src/sip/parse.js';
import { InvalidOptionError } from '../../src/util/errors.js';
import { RawPhone } from './service-raw-phone.js';

const DOMAIN = 'pbx.test';

test('states: created → running → closed; start twice and bindKey outside running are refused; close is idempotent', async () => {
  assert.throws(() => createService({ domains: [] }), (e: unknown) => e instanceof InvalidOptionError && e.option === 'domains');
  const service = createService({ domains: [DOMAIN], sip: { listen: { host: '127.0.0.1', port: 0 } }, commands: false });
  assert.equal(service.state, 'created');
  assert.equal(service.sipAddress, undefined);
  await assert.rejects(service.bindKey({ profile: 'internal', user: '1', host: DOMAIN, keys: [{ key: '1' }] }), { code: 'SNOM_ERR_SERVICE_STATE', message: /not started/ });
  await service.start();
  assert.equal(service.state, 'running');
  const addr = service.sipAddress!;
  assert.equal(addr.host, '127.0.0.1');
  assert.equal(addr.udpPort, addr.tcpPort, 'UDP and TCP share the port');
  await assert.rejects(service.start(), { code: 'SNOM_ERR_SERVICE_STATE' });
  assert.deepEqual(service.profiles, ['internal']);
  await Promise.all([service.close(), service.close()]);
  assert.equal(service.state, 'closed');
  assert.equal(service.store.open, false, 'the store it opened is closed');
  const never = createService({ domains: [DOMAIN], commands: false });
  await never.close();
  assert.equal(never.state, 'closed');
});

test('registration events on the bus; unregistering drops the contact\'s delivery records; expiry is seen too', async () => {
  const service = createService({
    domains: [DOMAIN], users: [{ user: '200', password: 'pw200' }], commands: false,
    sip: { listen: { host: '127.0.0.1', port: 0 }, timers: { t1: 50 } },
    registrar: { minExpires: 1, sweepIntervalMs: 50 },
  });
  await service.start();
  const addr = { host: '127.0.0.1', port: service.sipAddress!.udpPort! };
  const phone = await RawPhone.open({ host: '127.0.0.2', user: '200', password: 'pw200', domain: DOMAIN });
  const events: RegistrationEvent[] = [];
  const stream = service.events.stream({ types: ['registration'] });
  try {
    assert.equal((await phone.register(addr)).status, 200);
    assert.equal((await service.bindKey({ profile: 'internal', user: '200', host: DOMAIN, keys: [{ key: '1', light: 'on' }] })).delivered, true);
    assert.equal(service.keyStatus({ profile: 'internal', user: '200', host: DOMAIN })[0]!.deliveries.length, 1);
    assert.equal((await phone.register(addr, { expires: 0 })).status, 200);
    const [status] = service.keyStatus({ profile: 'internal', user: '200', host: DOMAIN });
    assert.deepEqual([status!.desired.key, status!.deliveries], ['1', []], 'the desired state stays; the gone contact\'s record does not');
    assert.equal((await phone.register(addr, { expires: 1, callId: 'short@raw' })).status, 200);
    const expired = service.events.once('registration', (e) => e.type === 'expired');
    await expired;
    for (let i = 0; i < 4; i++) {
      const r = await stream.next();
      if (!r.done) events.push(r.value.data);
    }
    assert.deepEqual(events.map((e) => e.type), ['registered', 'unregistered', 'registered', 'expired']);
    assert.deepEqual([events[0]!.aor, events[0]!.contact, events[0]!.address, events[0]!.transport], ['200@pbx.test', phone.contact(), '127.0.0.2', 'udp']);
    assert.equal(service.registrar.contactsOf('200', DOMAIN).length, 0);
    const r = await service.bindKey({ profile: 'internal', user: '200', host: DOMAIN, keys: [{ key: '1', light: 'off' }] });
    assert.deepEqual([r.pending, r.reason], [true, 'not registered']);
  } finally {
    stream.close();
    await phone.close();
    await service.close();
  }
});

test('a phone registered over TCP gets its MESSAGE on the same connection', async () => {
  const service = createService({
    domains: [DOMAIN], users: [{ user: '300', trustedNetworks: ['127.0.0.0/8'] }], commands: false,
    sip: { listen: { host: '127.0.0.1', port: 0 } },
  });
  await service.start();
  const sock = net.connect({ host: '127.0.0.1', port: service.sipAddress!.tcpPort!, localAddress: '127.0.0.4' });
  await new Promise<void>((r) => sock.once('connect', () => r()));
  let buffer = Buffer.alloc(0);
  const messages: string[] = [];
  sock.on('data', (d) => {
    buffer = Buffer.concat([buffer, d]);
    for (;;) {
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = Number(/Content-Length: (\d+)/i.exec(buffer.subarray(0, end).toString())?.[1] ?? 0);
      if (buffer.length < end + 4 + length) return;
      const raw = buffer.subarray(0, end + 4 + length);
      buffer = buffer.subarray(end + 4 + length);
      messages.push(raw.toString());
      const m = parseMessage(raw);
      if (m.ok && m.value.kind === 'request') {
        let head = 'SIP/2.0 200 OK\r\n';
        for (const f of m.value.headers) if (['via', 'from', 'call-id', 'cseq'].includes(f.key)) head += `${f.name}: ${f.value}\r\n`;
        sock.write(`${head}To: ${m.value.headers.get('to')};tag=tcp\r\nContent-Length: 0\r\n\r\n`);
      }
    }
  });
  try {
    const contact = `sip:300@127.0.0.4:5999;transport=tcp;line=t1`;
    sock.write(`REGISTER sip:${DOMAIN} SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.4:5999;branch=z9hG4bKtcp1;rport\r\nFrom: <sip:300@${DOMAIN}>;tag=t\r\n` +
      `To: <sip:300@${DOMAIN}>\r\nCall-ID: tcp-1\r\nCSeq: 1 REGISTER\r\nContact: <${contact}>\r\nExpires: 600\r\nContent-Length: 0\r\n\r\n`);
    for (let i = 0; i < 100 && !messages.some((m) => m.startsWith('SIP/2.0 200')); i++) await new Promise((r) => setTimeout(r, 10));
    const r = await service.bindKey({ profile: 'internal', user: '300', host: DOMAIN, keys: [{ key: '7', light: 'on', label: 'TCP' }] });
    assert.equal(r.delivered, true, JSON.stringify(r));
    assert.equal(r.contacts[0]!.destination, `tcp:127.0.0.4:${sock.localPort!}`);
    const msg = messages.find((m) => m.startsWith('MESSAGE '))!;
    assert.match(msg, new RegExp(`^MESSAGE ${contact.replace(/[.;]/g, '\\$&')} SIP/2\\.0\r\n`));
    assert.match(msg, /\r\nContact: <sip:snomctl@127\.0\.0\.1:\d+;transport=tcp>\r\n/);
    assert.ok(msg.endsWith('\r\n\r\nk=7\r\nc=on\r\nl=TCP\r\n'));
    const tcp = service.endpoint!.stats().transports[service.endpoint!.transports.findIndex((t) => t.protocol === 'tcp')]!;
    assert.deepEqual([tcp.connectionsAccepted, tcp.connectionsOpened], [1, 0], 'the phone\'s connection, no new one');
  } finally {
    sock.destroy();
    await service.close();
  }
});

test('a custom Route (the FreeSWITCH seam) gets the keys, one document per contact, and its outcomes come back', async () => {
  const sent: string[] = [];
  const contacts: RouteContact[] = [
    { id: 'fs\n1', uri: 'sip:400@192.0.2.10;fs_path=x', destination: 'esl:fs1' },
    { id: 'fs\n2', uri: 'sip:400@192.0.2.11', destination: 'esl:fs1' },
  ];
  const route: Route = {
    kind: 'freeswitch',
    contacts: (t) => (t.user === '400' ? { contacts } : { contacts: [], reason: 'not registered in FreeSWITCH' }),
    deliver: (t, c, body) => {
      sent.push(`${t.profile}/${t.user}@${t.host} → ${c.uri}: ${body.body.toString()}`);
      return Promise.resolve(c.uri.endsWith('.10;fs_path=x')
        ? { ok: true, status: 200, reason: 'OK', destination: c.destination, latencyMs: 1 }
        : { ok: false, error: 'unavailable', message: 'ESL down', destination: c.destination, latencyMs: 0 });
    },
  };
  const service = createService({
    domains: [DOMAIN], commands: false, sip: { listen: { host: '127.0.0.1', port: 0 } },
    profiles: [{ name: 'internal', route: 'embedded' }, { name: 'fs', route: 'freeswitch', implementation: route }],
    delivery: { retryDelaysMs: [] },
  });
  await service.start();
  try {
    const r = await service.bindKey({ profile: 'fs', user: '400', host: 'fs.test', keys: [{ key: '3', light: 'park', label: 'Park' }] });
    assert.deepEqual(r.contacts.map((c) => ('status' in c ? c.status : c.error)), [200, 'unavailable']);
    assert.equal(r.delivered, false);
    assert.deepEqual(sent, [
      'fs/400@fs.test → sip:400@192.0.2.10;fs_path=x: k=3\r\nc=park\r\nl=Park\r\n',
      'fs/400@fs.test → sip:400@192.0.2.11: k=3\r\nc=park\r\nl=Park\r\n',
    ]);
    const none = await service.bindKey({ profile: 'fs', user: '401', host: 'fs.test', keys: [{ key: '3' }] });
    assert.deepEqual([none.pending, none.reason], [true, 'not registered in FreeSWITCH']);
    const api = await service.api('snom_bind_key 4 on X 400 fs.test fs');
    assert.equal(api.reply, '+OK 4 on X 400 fs.test fs');
  } finally {
    await service.close();
  }
});
