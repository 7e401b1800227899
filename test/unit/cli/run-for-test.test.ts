// The CLI as a process: node --import tsx src/cli/run-for-test.ts against the fake service.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { startFakeRestServer, type FakeRestServer } from './fake-rest-server.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface Ran { stdout: string; stderr: string; code: number | null; signal: NodeJS.Signals | null }

function run(args: string[], env: Record<string, string> = {}, onStdout?: (text: string, kill: () => void) => void): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/run-for-test.ts', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => {
      stdout += t;
      onStdout?.(stdout, () => child.kill('SIGINT'));
    });
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ stdout, stderr, code, signal }));
  });
}

let server: FakeRestServer;
before(async () => {
  server = await startFakeRestServer({
    'POST /v1/api': (req) => {
      const args = (req.body as { args: string[] }).args;
      return { json: { reply: `+OK ${args.join(' ')}`, ok: true, result: { command: 'snom_bind_key', ok: true, bind: { delivered: false, pending: true, reason: 'not registered', contacts: [] } } } };
    },
    'GET /v1/events': () => ({ sse: ['event: keys\ndata: {"user":"2000","host":"pbx"}\n\n'] }),
  });
});
after(async () => server.close());

describe('snomctl process', () => {
  it('bind-key: shell words pass through, stdout is the reply, summary on stderr, exit 3 when pending', async () => {
    const r = await run(['bind-key', '2', 'on', 'My Label', '2000', 'pbx', 'internal', 'message', 'api+uuid_transfer', 'u', '9001'], { SNOMCTL_URL: server.url });
    assert.deepEqual(server.requests.at(-1)!.body, { command: 'snom_bind_key', args: ['2', 'on', 'My Label', '2000', 'pbx', 'internal', 'message', 'api+uuid_transfer', 'u', '9001'] });
    assert.equal(r.stdout, '+OK 2 on My Label 2000 pbx internal message api+uuid_transfer u 9001\n');
    assert.equal(r.stderr, 'pending: not registered; the key is sent when the phone registers\n');
    assert.equal(r.code, 3);
  });
  it('cannot reach the service: message and exit 1', async () => {
    const probe = net.createServer().listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const { port } = probe.address() as net.AddressInfo;
    probe.close();
    await once(probe, 'close');
    const r = await run(['phones', '--server', `http://127.0.0.1:${port}`]);
    assert.equal(r.stdout, '');
    assert.equal(r.stderr, `snomctl: cannot reach the snomctl service at http://127.0.0.1:${port} (is "snomctl serve" running?)\n`);
    assert.equal(r.code, 1);
  });
  it('usage errors come from commander with exit 2; --help exits 0', async () => {
    const r = await run(['keys']);
    assert.equal(r.stderr, "error: missing required argument 'user@host'\n");
    assert.equal(r.code, 2);
    const option = await run(['phones', '--bogus']);
    assert.equal(option.stderr, "error: unknown option '--bogus'\n");
    assert.equal(option.code, 2);
    const sub = await run(['config', 'check', '--nope']);
    assert.equal(sub.stderr, "error: unknown option '--nope'\n");
    assert.equal(sub.code, 2);
    const help = await run(['keys', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /\nExamples:\n {2}\$ snomctl keys 2000@pbx\.example\.com\n/);
  });
  it('events follows the stream and ends with exit 0 on SIGINT', async () => {
    const r = await run(['events', '--json', '--server', server.url], {}, (out, kill) => {
      if (out.endsWith('\n')) kill();
    });
    assert.equal(r.stdout, '{"type":"keys","data":{"user":"2000","host":"pbx"}}\n');
    assert.equal(r.stderr, '');
    assert.equal(r.code, 0);
  });
});
