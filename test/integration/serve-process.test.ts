import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { spawnServe as serve, tempDirs, waitFor } from '../helpers/serve-process.js';

const USER_PASSWORD = 'Sup3r-Secret-Reg-Pw';
const PHONE_PASSWORD = 'Ph0ne-Web-Secret';
const temp = tempDirs('snomctl-serve-');
const tempDir = temp.make;

after(() => temp.cleanup());

test('serve starts as a real process, prints its ports, answers /healthz, stops on SIGTERM with exit 0; no secret in its logs', async () => {
  const dataDir = join(tempDir(), 'data');
  const s = serve(['--data-dir', dataDir, '--sip-listen', '127.0.0.1:0', '--api-listen', '127.0.0.1:0', '--domain', 'serve.test', '--user', `2000:${USER_PASSWORD}`, '--log-level', 'debug']);
  try {
    await waitFor(() => /^ready$/m.test(s.stdout()), 'ready');
    const out = s.stdout();
    const udp = /^sip udp 127\.0\.0\.1:(\d+)$/m.exec(out);
    const tcp = /^sip tcp 127\.0\.0\.1:(\d+)$/m.exec(out);
    const api = /^api (http:\/\/127\.0\.0\.1:\d+)$/m.exec(out);
    assert.ok(udp && tcp && api, out);
    assert.match(out, new RegExp(`^dashboard ${api[1]}/$`, 'm'));
    assert.notEqual(Number(udp[1]), 0);
    assert.equal(udp[1], tcp[1]);
    const health = await fetch(`${api[1]}/healthz`);
    assert.equal(health.status, 200);
    const body = await health.json() as { status: string; sip: { udpPort: number; tcpPort: number }; store: string };
    assert.equal(body.status, 'ok');
    assert.equal(body.sip.udpPort, Number(udp[1]));
    assert.equal(body.store, 'ok');
    assert.ok(existsSync(join(dataDir, 'snomctl.db')));
    // a snom_command line carrying a phone password is logged redacted (port 9 on loopback: refused at once)
    const api2 = await fetch(`${api[1]}/v1/api`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ line: `snom_command 127.0.0.1:9 key enter admin ${PHONE_PASSWORD}` }),
    });
    assert.equal(api2.status, 200);
    const reply = await api2.json() as { reply: string; ok: boolean };
    assert.equal(reply.ok, false);
    assert.ok(!reply.reply.includes(PHONE_PASSWORD), reply.reply);
    await waitFor(() => s.stderr().includes('"msg":"api line"'), 'the api line log');

    const started = Date.now();
    s.child.kill('SIGTERM');
    const exit = await s.exited;
    assert.deepEqual(exit, { code: 0, signal: null });
    assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
    const logs = s.stdout() + s.stderr();
    assert.ok(logs.includes('SIGTERM: stopping'));
    assert.ok(!logs.includes(USER_PASSWORD), 'the --user password appears in the output');
    assert.ok(!logs.includes(PHONE_PASSWORD), 'the phone password appears in the output');
  } finally {
    if (s.child.exitCode === null) s.child.kill('SIGKILL');
  }
});

test('serve refuses an API beyond loopback without a token (exit 2, the message names the key)', async () => {
  const s = serve(['--data-dir', join(tempDir(), 'd'), '--sip-listen', '127.0.0.1:0', '--api-listen', '0.0.0.0:0']);
  const exit = await s.exited;
  assert.equal(exit.code, 2);
  assert.match(s.stderr(), /snomctl serve: configuration: api\.tokens: the API listens on 0\.0\.0\.0, beyond loopback: give at least one token/);
  assert.equal(s.stdout(), '');
});

test('serve reports a bad flag value and a port in use', async () => {
  const bad = serve(['--sip-listen', 'nowhere']);
  assert.equal((await bad.exited).code, 2);
  assert.match(bad.stderr(), /--sip-listen: must be HOST:PORT/);

  const first = serve(['--data-dir', join(tempDir(), 'a'), '--sip-listen', '127.0.0.1:0', '--api-listen', '127.0.0.1:0']);
  try {
    await waitFor(() => /^ready$/m.test(first.stdout()), 'ready');
    const port = /^api http:\/\/127\.0\.0\.1:(\d+)$/m.exec(first.stdout())![1]!;
    const second = serve(['--data-dir', join(tempDir(), 'b'), '--sip-listen', '127.0.0.1:0', '--api-listen', `127.0.0.1:${port}`]);
    const exit = await second.exited;
    assert.equal(exit.code, 1);
    assert.match(second.stderr(), /snomctl serve: could not start: .*EADDRINUSE/);
  } finally {
    first.child.kill('SIGTERM');
    await first.exited;
  }
});
