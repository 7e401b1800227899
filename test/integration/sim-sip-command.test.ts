// `snomctl phone` as a real child process: prints its URLs when registered to Kamailio, serves its state,
// un-registers and exits 0 on SIGTERM; bad options exit 2 (usage) naming the option. Kamailio 127.0.0.122, phone .123.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequest } from '../../src/sip/message.js';
import { SipEndpoint } from '../../src/sip/transaction/endpoint.js';
import { createUdpTransport } from '../../src/sip/transport/udp-transport.js';
import { kamailioMissing, startKamailio } from '../helpers/kamailio.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const LAUNCHER = 'test/helpers/run-phone-command.ts';
const skip = kamailioMissing();
if (skip) console.log(`# skipping the Kamailio part: ${skip}`);

interface Run {
  readonly proc: ChildProcess;
  stdout: string;
  stderr: string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function run(args: string[]): Run {
  const proc = spawn(process.execPath, ['--import', 'tsx', LAUNCHER, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const r: Run = {
    proc, stdout: '', stderr: '',
    exited: new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal }))),
  };
  proc.stdout!.setEncoding('utf8').on('data', (d: string) => (r.stdout += d));
  proc.stderr!.setEncoding('utf8').on('data', (d: string) => (r.stderr += d));
  return r;
}

async function waitFor(r: Run, pattern: RegExp, timeoutMs = 15_000): Promise<RegExpExecArray> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const m = pattern.exec(r.stdout);
    if (m) return m;
    if (Date.now() > end || r.proc.exitCode !== null) throw new Error(`no ${pattern} in output:\n${r.stdout}\n${r.stderr}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

test('snomctl phone: starts, prints its state URL, registers to Kamailio, un-registers and exits 0 on SIGTERM', { skip, timeout: 60_000 }, async () => {
  const kamailio = await startKamailio({ host: '127.0.0.122', port: 5060, users: { '2002': 'pw-2002' } });
  const r = run([
    '--registrar', '127.0.0.122:5060', '--domain', 'example.com', '--user', '2002', '--password', 'pw-2002',
    '--sip-listen', '127.0.0.123:0', '--http-listen', '127.0.0.123:0', '--buttons', '1-6',
  ]);
  try {
    await waitFor(r, /^registered: /m);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 4);
    assert.match(lines[0]!, /^sip: sip:127\.0\.0\.123:\d+$/);
    assert.match(lines[1]!, /^web: http:\/\/127\.0\.0\.123:\d+$/);
    assert.match(lines[2]!, /^state: http:\/\/127\.0\.0\.123:\d+\/state\.json$/);
    assert.match(lines[3]!, /^registered: sip:2002@example\.com at 127\.0\.0\.122:5060 as sip:2002@127\.0\.0\.123:\d+;line=[a-z0-9]{8}$/);
    const state = lines[2]!.slice('state: '.length);
    const snapshot = (await (await fetch(state)).json()) as { registrations: { status: string }[]; functionKeys: { type: string }[] };
    assert.equal(snapshot.registrations[0]!.status, 'registered');
    assert.deepEqual(snapshot.functionKeys.map((k) => k.type), ['button', 'button', 'button', 'button', 'button', 'button', 'none', 'none', 'none', 'none', 'none', 'none']);
    r.proc.kill('SIGTERM');
    const exit = await r.exited;
    assert.deepEqual(exit, { code: 0, signal: null }, r.stderr);
    assert.match(r.stderr, /SIGTERM: un-registering and stopping\nstopped\n$/);
    assert.equal(`${r.stdout}${r.stderr}`.includes('pw-2002'), false, 'the password is never printed');

    const probe = new SipEndpoint({ transports: [await createUdpTransport({ address: '127.0.0.123', port: 0 })], timers: { t1: 100 } });
    try {
      const m = await probe.request(createRequest({ method: 'MESSAGE', uri: 'sip:2002@example.com', headers: [['Content-Type', 'text/plain']], body: 'x' }), {
        destination: { host: '127.0.0.122', port: 5060 }, timeoutMs: 3000,
      });
      assert.ok(m.ok);
      assert.equal(m.response.status, 404, 'un-registered at Kamailio');
    } finally {
      await probe.close();
    }
  } finally {
    if (r.proc.exitCode === null) r.proc.kill('SIGKILL');
    await kamailio.close();
  }
});

test('snomctl phone: option errors name the option and what is allowed; exit code 2 (usage) as in every snomctl command; passwords not echoed', { timeout: 30_000 }, async () => {
  const bad = run(['--count', '3', '--registrar', '127.0.0.122', '--sip-listen', '127.0.0.1:5060', '--password', 'Sekr1t!']);
  assert.deepEqual(await bad.exited, { code: 2, signal: null });
  assert.match(bad.stderr, /^error: option --sip-listen: with --count give only :PORT \(addresses come from --address-base\)$/m);
  assert.equal(bad.stderr.includes('Sekr1t!'), false);
  const port = run(['--registrar', '127.0.0.122:70000', '--user', '1']);
  assert.deepEqual(await port.exited, { code: 2, signal: null });
  assert.match(port.stderr, /option '--registrar <host:port>' argument '127\.0\.0\.122:70000' is invalid\. Give HOST or HOST:PORT \(the port must be a number from 1 to 65535\)\./);
});
