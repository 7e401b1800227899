// Button presses: a registered phone sends MESSAGE to api+<command>@domain with Digest; the service answers
// 202, runs the command and sends mod_snom's reply back; what is not allowed gets 403/404.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { createService, type Service, type ServiceOptions } from '../../src/service/index.js';
import type { ButtonPressEvent } from '../../src/service/service-events.js';
import type { SipResponse } from '../../src/sip/message.js';
import { RawPhone } from './service-raw-phone.js';

const DOMAIN = 'pbx.test';

async function setup(extra: Partial<ServiceOptions> = {}): Promise<{ service: Service; addr: { host: string; port: number }; a: RawPhone; b: RawPhone }> {
  const service = createService({
    domains: [DOMAIN],
    users: [{ user: '200', password: 'pw200' }, { user: '201', password: 'pw201' }],
    sip: { listen: { host: '127.0.0.1', port: 0 }, timers: { t1: 50 } },
    delivery: { attemptTimeoutMs: 500, retryDelaysMs: [] },
    ...extra,
  });
  await service.start();
  const addr = { host: '127.0.0.1', port: service.sipAddress!.udpPort! };
  const a = await RawPhone.open({ host: '127.0.0.2', user: '200', password: 'pw200', domain: DOMAIN });
  const b = await RawPhone.open({ host: '127.0.0.3', user: '201', password: 'pw201', domain: DOMAIN });
  return { service, addr, a, b };
}

/** Sends a request (built for the socket's port) from a fresh socket; resolves with the first final response line. */
async function finalResponseLine(build: (port: number) => string, to: { host: string; port: number }): Promise<string> {
  const raw = dgram.createSocket('udp4');
  await new Promise<void>((r) => raw.bind(0, '127.0.0.2', r));
  try {
    return await new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no final response')), 2000);
      raw.on('message', (m) => {
        const first = m.toString().split('\r\n')[0]!;
        if (/^SIP\/2\.0 [2-6]/.test(first)) {
          clearTimeout(t);
          resolve(first);
        }
      });
      raw.send(build(raw.address().port), to.port, to.host);
    });
  } finally {
    raw.close();
  }
}

const api = (line: string): string => `sip:api+${encodeURIComponent(line).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}@${DOMAIN}`;

test('a press running snom_bind_key: 202, the key goes to the phone, then "+OK …" comes back as a MESSAGE', async () => {
  const { service, addr, a, b } = await setup();
  const presses: ButtonPressEvent[] = [];
  service.events.on('buttonPress', (e) => presses.push(e));
  try {
    assert.equal((await a.register(addr)).status, 200);
    const uri = api(`snom_bind_key 2 off DND 200 ${DOMAIN} internal`);
    assert.equal(uri, `sip:api+snom_bind_key%202%20off%20DND%20200%20${DOMAIN}%20internal@${DOMAIN}`);
    const res = await a.message(addr, uri);
    assert.equal(res.status, 202);
    assert.equal(res.reason, 'Accepted');
    const got = await a.waitFor(2);
    const buttons = got.find((m) => m.request.headers.get('content-type') === 'application/x-buttons')!;
    assert.equal(buttons.request.body.toString(), 'k=2\r\nc=off\r\nl=DND\r\n');
    const reply = got.find((m) => m.request.headers.get('content-type')?.startsWith('text/plain'))!;
    assert.equal(reply.request.body.toString(), `+OK 2 off DND 200 ${DOMAIN} internal\n`);
    assert.equal(reply.request.uri, a.contact());
    assert.match(reply.request.headers.get('from')!, new RegExp(`^<${uri.replace(/[.+]/g, '\\$&')}>;tag=`));
    assert.equal(reply.request.headers.get('to'), `<sip:200@${DOMAIN}>`);
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(presses.map((p) => [p.user, p.command, p.args, p.status, p.outcome, p.reply]), [
      ['200', 'snom_bind_key', `2 off DND 200 ${DOMAIN} internal`, 202, 'accepted', `+OK 2 off DND 200 ${DOMAIN} internal`],
    ]);
    assert.equal(b.received.length, 0);
  } finally {
    await Promise.all([a.close(), b.close()]);
    await service.close();
  }
});

test('presses that are refused: 401 wrong password, 403 not registered / not allowed / not own keys, 404 unknown', async () => {
  const { service, addr, a, b } = await setup({ buttonPress: { allow: ['snom_bind_key'] } });
  try {
    assert.equal((await a.register(addr)).status, 200);
    const bind = api(`snom_bind_key 2 off DND 200 ${DOMAIN} internal`);
    assert.equal((await a.message(addr, bind, '', { password: 'wrong' })).status, 401, 'wrong password: challenged again');
    assert.equal((await b.message(addr, api(`snom_bind_key 2 off DND 201 ${DOMAIN} internal`))).status, 403, 'right password, not registered');
    assert.equal((await a.message(addr, api('snom_command 192.0.2.1 key enter'))).status, 403, 'not in the allow-list');
    assert.equal((await a.message(addr, api('snom_url x'))).status, 403, 'snom_url is not in the allow-list');
    assert.equal((await a.message(addr, api('uuid_transfer abc 9001'))).status, 404, 'not a mod_snom command');
    assert.equal((await a.message(addr, api(`snom_bind_key 2 off DND 201 ${DOMAIN} internal`))).status, 403, "someone else's keys");
    assert.equal((await a.message(addr, `sip:201@${DOMAIN}`)).status, 404, 'a MESSAGE to a user');
    assert.equal((await a.message(addr, 'sip:api+snom_bind_key@elsewhere.test')).status, 404, 'not our domain');
    // a usage error still runs: mod_snom's own reply goes back
    assert.equal((await a.message(addr, api('snom_bind_key 2 off'))).status, 202);
    const [reply] = await a.waitFor(1, 2000, (m) => m.request.headers.get('content-type')?.startsWith('text/plain') === true);
    assert.equal(reply!.request.body.toString(), '-Error <key> <light> <label> <user> <host> <profile> <action_name> <action>\n');
    assert.equal(a.received.filter((m) => m.request.headers.get('content-type') === 'application/x-buttons').length, 0, 'no key was sent');

    const invite = (port: number): string => `INVITE sip:9000@${DOMAIN} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.2:${port};branch=z9hG4bKinv1;rport\r\n` +
      `From: <sip:200@${DOMAIN}>;tag=i1\r\nTo: <sip:9000@${DOMAIN}>\r\nCall-ID: inv-1\r\nCSeq: 1 INVITE\r\nMax-Forwards: 70\r\n` +
      `Contact: <sip:200@127.0.0.2:${port}>\r\nContent-Length: 0\r\n\r\n`;
    assert.equal(await finalResponseLine(invite, addr), 'SIP/2.0 480 Temporarily Unavailable');
  } finally {
    await Promise.all([a.close(), b.close()]);
    await service.close();
  }
});

test('credentials cached from the registration are good for presses; a stale nonce is never counted as a failure, a wrong password is', async () => {
  // the clock can jump past the nonce lifetime (300 s) while the registration (3600 s) stays
  let skew = 0;
  const { service, addr, a, b } = await setup({ authLimit: { maxFailures: 2 }, now: () => Date.now() + skew });
  const bind = api(`snom_bind_key 2 off DND 200 ${DOMAIN} internal`);
  const stale = (r: SipResponse): boolean => r.status === 401 && r.headers.getAll('WWW-Authenticate').some((c) => /stale=true/i.test(c));
  try {
    assert.equal((await a.register(addr)).status, 200);
    // RFC 3261 §22.3: the phone sends its REGISTER's nonce (next nc) with each press; one Digest server for the realm
    for (let i = 1; i <= 4; i++) assert.equal((await a.message(addr, bind, '', { preemptive: true })).status, 202, `cached credentials, press ${i}`);
    skew += 301_000;
    for (let i = 1; i <= 3; i++) assert.ok(stale(await a.message(addr, bind, '', { preemptive: true })), `stale press ${i}: 401 stale=true`);
    for (let i = 1; i <= 3; i++) assert.ok(stale(await a.register(addr, { preemptive: true })), `stale refresh ${i}: 401 stale=true`);
    assert.equal((await a.message(addr, bind)).status, 202, 'six stale answers counted nothing (the limit is 2)');
    for (let i = 1; i <= 2; i++) assert.equal((await a.message(addr, bind, '', { password: 'wrong' })).status, 401, `wrong password ${i}`);
    assert.equal((await a.message(addr, bind)).status, 202, 'the right password clears the failures');
    for (let i = 1; i <= 3; i++) assert.equal((await a.message(addr, bind, '', { password: 'wrong' })).status, 401, `wrong password ${i} after it`);
    assert.equal((await a.message(addr, bind)).status, 403, 'three wrong passwords block the source and user');
    assert.equal((await a.register(addr)).status, 403, 'for its registrations too');
  } finally {
    await Promise.all([a.close(), b.close()]);
    await service.close();
  }
});

test('snom_command from a phone runs through the commands seam and its reply comes back', async () => {
  const seen: string[] = [];
  const { service, addr, a, b } = await setup({
    commands: { execute: (req) => { seen.push(req.line); return Promise.resolve({ reply: `+OK ${req.echoLine}`, result: { http: 200 } }); } },
  });
  try {
    assert.equal((await a.register(addr)).status, 200);
    assert.equal((await a.message(addr, api('snom_command 192.0.2.7 key enter'))).status, 202);
    const [reply] = await a.waitFor(1, 2000, (m) => m.request.headers.get('content-type')?.startsWith('text/plain') === true);
    assert.equal(reply!.request.body.toString(), '+OK 192.0.2.7 key enter\n');
    assert.deepEqual(seen, ['192.0.2.7 key enter']);
    const presses: string[] = [];
    service.events.on('buttonPress', (e) => presses.push(`${e.command} ${e.args} ${e.status}`));
    assert.equal((await a.message(addr, api('snom_command 192.0.2.7 action reboot admin s3cret'))).status, 202);
    await a.waitFor(2, 2000, (m) => m.request.headers.get('content-type')?.startsWith('text/plain') === true);
    assert.deepEqual(presses, ['snom_command 192.0.2.7 action reboot admin *** 202'], 'the password never reaches an event');
    const direct = await service.api('snom_command 192.0.2.7 action reboot admin secret');
    assert.deepEqual(direct, { reply: '+OK 192.0.2.7 action reboot admin ***', result: { command: 'snom_command', ok: true, result: { http: 200 } } });
  } finally {
    await Promise.all([a.close(), b.close()]);
    await service.close();
  }
});
