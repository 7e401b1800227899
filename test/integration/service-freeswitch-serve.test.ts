// `snomctl serve` with an embedded and a freeswitch profile, against the fake FreeSWITCH: the
// configuration builds the Event Socket connection and route, REST bind-keys reach FreeSWITCH, /healthz
// and /metrics follow the connection, the dialplan bridge answers snom::api, and the password never
// reaches the logs.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createServeLogger, startServe } from '../../src/serve.js';
import { loadConfig } from '../../src/service/config/index.js';
import { FakeFreeswitch } from '../helpers/fake-freeswitch.js';

const PASSWORD = 'Esl-Pw-Not-ClueCon-7';
const dirs: string[] = [];
const closers: Array<() => Promise<void>> = [];
after(async () => {
  for (const c of closers) await c();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

test('serve with embedded + freeswitch profiles: REST bind-key via FreeSWITCH, /healthz and /metrics follow the Event Socket, dialplan answered', { timeout: 30_000 }, async () => {
  const fs = await FakeFreeswitch.start({
    password: PASSWORD, profiles: [{ name: 'internal', aliases: ['example.com'] }],
    registrations: [{ profile: 'internal', user: '2000', host: 'example.com', contact: '<sip:2000@192.0.2.10:5060;line=ab>', networkIp: '192.0.2.10', callId: 'c1' }],
  });
  closers.push(() => fs.close());
  const dataDir = mkdtempSync(join(tmpdir(), 'snomctl-fs-serve-'));
  dirs.push(dataDir);
  const loaded = loadConfig({
    defaultDomains: ['pbx.test'],
    file: '/etc/snomctl.json',
    readFile: () => JSON.stringify({
      dataDir, logLevel: 'debug', sip: { listen: '127.0.0.1:0' }, api: { listen: '127.0.0.1:0' },
      profiles: [{ name: 'internal', route: 'embedded' }, { name: 'fs', route: 'freeswitch', sofiaProfile: 'internal' }],
      freeswitch: { host: '127.0.0.1', port: fs.port, reconnectMinMs: 20, reconnectMaxMs: 50 },
    }),
    env: { SNOMCTL_FREESWITCH_PASSWORD: PASSWORD },
  });
  assert.ok(loaded.ok, JSON.stringify(!loaded.ok && loaded.error.map((e) => e.message)));
  let logs = '';
  const sink = new PassThrough();
  sink.on('data', (c: Buffer) => (logs += c.toString('utf8')));
  const lines: string[] = [];
  const running = await startServe(loaded.value, { out: (l) => lines.push(l), err: (l) => lines.push(l), env: {} }, createServeLogger('debug', sink));
  try {
    const api = /^api (http:\/\/\S+)$/m.exec(lines.join('\n'))?.[1];
    assert.ok(api, lines.join('\n'));
    assert.ok(lines.some((l) => l.startsWith(`freeswitch 127.0.0.1:${fs.port} `)), lines.join('\n'));
    const health = async (): Promise<{ status: number; body: { status: string; routes?: Array<Record<string, unknown>> } }> => {
      const r = await fetch(`${api}/healthz`);
      return { status: r.status, body: (await r.json()) as { status: string; routes?: Array<Record<string, unknown>> } };
    };
    await until('connected', async () => (await health()).status === 200);
    const ok = await health();
    assert.equal(ok.body.status, 'ok');
    assert.deepEqual(ok.body.routes?.map((r) => [r.kind, r.id, r.profiles, r.state, r.up, r.reconnects]), [['freeswitch', `esl:127.0.0.1:${fs.port}`, ['fs'], 'connected', true, 0]]);

    const bound = await fetch(`${api}/v1/keys`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ profile: 'fs', user: '2000', host: 'example.com', keys: [{ key: '2', light: 'on', label: 'DND' }] }),
    });
    assert.equal(bound.status, 200);
    const result = (await bound.json()) as { delivered: boolean; contacts: Array<{ status?: number; reason?: string }> };
    assert.deepEqual([result.delivered, result.contacts[0]?.status, result.contacts[0]?.reason], [true, 202, 'Handed to FreeSWITCH']);
    // a freeswitch profile from the configuration sends mod_snom's LF bytes
    assert.deepEqual(fs.deliveredMessages.map((m) => [m.requestUri, m.body]), [['sip:2000@192.0.2.10:5060;line=ab', 'k=2\nc=on\nl=DND\n\n']]);

    // the dialplan bridge: mod_snom's 9000 demo through the `event` application
    const channel = { uuid: '0b7c8d1e-aaaa-bbbb-cccc-000000000001', variables: { snom_api_command: 'snom_bind_key 3 on Lunch 2000 example.com fs' } };
    fs.runEventApplication(channel, 'Event-Name=CUSTOM,Event-Subclass=snom::api,snom-request-id=req-9000');
    await until('the dialplan reply', () => fs.firedEvents.some((e) => e.subclass === 'snom::api-result'));
    const reply = fs.firedEvents.find((e) => e.subclass === 'snom::api-result')!;
    assert.equal(reply.headers.find(([k]) => k === 'snom-request-id')?.[1], 'req-9000');
    assert.equal(reply.body, '+OK 3 on Lunch 2000 example.com fs\n');
    await until('key 3 handed over', () => fs.deliveredMessages.length === 2);

    const metrics = async (): Promise<string> => (await fetch(`${api}/metrics`)).text();
    const m1 = await metrics();
    assert.match(m1, new RegExp(`^snomctl_route_connected\\{kind="freeswitch",connection="esl:127\\.0\\.0\\.1:${fs.port}"\\} 1$`, 'm'));
    assert.match(m1, /^snomctl_route_commands_total\{kind="freeswitch",connection="esl:[^"]+",outcome="ok"\} [1-9]\d*$/m);
    assert.match(m1, /^snomctl_route_reconnects_total\{kind="freeswitch",connection="esl:[^"]+"\} 0$/m);

    fs.offline = true;
    await until('degraded', async () => (await health()).status === 503);
    const down = await health();
    assert.equal(down.body.status, 'degraded');
    assert.equal(down.body.routes?.[0]?.up, false);
    assert.match(await metrics(), /^snomctl_route_connected\{kind="freeswitch",connection="esl:[^"]+"\} 0$/m);
    fs.offline = false;
    await until('healthy again', async () => (await health()).status === 200);
    assert.match(await metrics(), /^snomctl_route_reconnects_total\{kind="freeswitch",connection="esl:[^"]+"\} 1$/m);
  } finally {
    await running.close();
  }
  await until('the Event Socket connection closed on stop', () => fs.openConnections === 0);
  await fs.close();
  assert.match(logs, /FreeSWITCH Event Socket state/);
  assert.ok(!logs.includes(PASSWORD), 'the Event Socket password is never logged');
});
