// What every CLI command shares: --help with examples, --json printing the service's answer, and bad
// arguments refused with a specific message and exit code 2 before any request.
import { after, before, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Command } from 'commander';
import { registerCliCommands } from '../../../src/cli/index.js';
import { keysTable } from '../../../src/cli/phone-commands.js';
import { recordingIo, startFakeRestServer, type FakeRestServer } from './fake-rest-server.js';
import { runCli } from './run-cli.js';

const OUTCOME = { target: '*/2000', ok: true, results: [{ phone: { url: 'http://10.0.0.9:80' }, ok: true, status: 200, latencyMs: 4.4 }] };
const KEYS = { keys: [{ desired: { key: '2', state: { key: '2', light: 'on', label: 'DND' } }, deliveries: [{ status: 'delivered', contact: 'sip:a' }] }] };

let server: FakeRestServer;
before(async () => {
  server = await startFakeRestServer({
    'POST /v1/api': () => ({ json: { reply: '+OK x', ok: true, result: { command: 'snom_command', ok: true, result: OUTCOME } } }),
    'POST /v1/commands': () => ({ json: OUTCOME }),
    'GET /v1/phones/2000%40pbx/keys': () => ({ json: KEYS }),
    'POST /v1/phones/2000%40pbx/resync': () => ({ json: { results: [] } }),
  });
});
after(async () => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

/** Every command below `cmd` with its full name (`config check`). */
function commandsOf(cmd: Command, prefix: string[] = []): string[][] {
  return cmd.commands.flatMap((c) => [[...prefix, c.name()], ...commandsOf(c, [...prefix, c.name()])]);
}

describe('the CLI surface', () => {
  it('every command has --help with examples of itself; help exits 0', async () => {
    const program = new Command('snomctl');
    registerCliCommands(program, recordingIo());
    const names = commandsOf(program);
    assert.deepEqual(names.map((n) => n.join(' ')).sort(), [
      'api', 'bind-key', 'bulk', 'command', 'config', 'config check', 'dial', 'events', 'keys', 'phones', 'press', 'resync',
    ]);
    for (const name of names) {
      const io = await runCli([...name, '--help']);
      assert.equal(io.exitCode, 0, name.join(' '));
      assert.match(io.stdout, new RegExp(`\\nExamples:\\n {2}\\$ snomctl ${name.join(' ')}[ \\n]`), name.join(' '));
    }
  });

  it('--json prints the service\'s answer as one JSON line', async () => {
    const cases: [string[], unknown][] = [
      [['command', '*/2000', 'key', 'enter'], { reply: '+OK x', ok: true, result: { command: 'snom_command', ok: true, result: OUTCOME } }],
      [['api', 'snom_command */2000 key enter'], { reply: '+OK x', ok: true, result: { command: 'snom_command', ok: true, result: OUTCOME } }],
      [['press', '*/2000', 'enter'], OUTCOME],
      [['dial', '*/2000', '3000'], OUTCOME],
      [['keys', '2000@pbx'], KEYS],
      [['resync', '2000@pbx'], { results: [] }],
    ];
    for (const [args, answer] of cases) {
      const io = await runCli([...args, '--json', '--server', server.url]);
      assert.deepEqual([io.stdout, io.stderr, io.exitCode], [`${JSON.stringify(answer)}\n`, '', 0], args.join(' '));
    }
  });

  it('bad arguments: a message naming the problem, exit 2, no request', async () => {
    const cases: [string[], string][] = [
      [['api'], "error: missing required argument 'line'\n"],
      [['keys'], "error: missing required argument 'user@host'\n"],
      [['keys', '2000'], "snomctl: '2000' is not a phone address: expected user@host\n"],
      [['resync', '@pbx'], "snomctl: '@pbx' is not a phone address: expected user@host\n"],
      [['press', '*/2000'], "error: missing required argument 'keys'\n"],
      [['dial', '*/2000'], "error: missing required argument 'number'\n"],
      [['phones', '--bogus'], "error: unknown option '--bogus'\n"],
      [['bind-key', '--timeout', 'soon', '2', 'on', 'DND', '2000', 'pbx', 'internal'], "error: option '--timeout <ms>' argument 'soon' is invalid. expected a positive number of milliseconds\n"],
      [['command', '--server', 'ftp://x', '*/2000', 'key', 'enter'], "snomctl: invalid service URL 'ftp://x' (expected http:// or https://)\n"],
      [['bulk', 'key', 'enter', '--targets', 'a', '--concurrency', '0'], "error: option '--concurrency <n>' argument '0' is invalid. expected a number from 1 to 64\n"],
      [['bulk', 'key', 'enter', '--targets', ' , '], 'snomctl: no targets given\n'],
      [['events', '--types', 'nope'], 'snomctl: unknown event type nope (known: registered, refreshed, restarted, unregistered, expired, delivery, keys, button-press, action-url)\n'],
      [['config', 'check', '--nope'], "error: unknown option '--nope'\n"],
    ];
    for (const [args, stderr] of cases) {
      const withServer = args.includes('--server') || args[0] === 'config' ? args : [...args, '--server', server.url];
      const io = await runCli(withServer);
      assert.deepEqual([io.stdout, io.stderr, io.exitCode], ['', stderr, 2], args.join(' '));
    }
    assert.equal(server.requests.length, 0);
  });

  it('keys: one LF-ended line per key, whatever the reason text holds', () => {
    const body = {
      keys: [
        { desired: { key: '2', state: { key: '2', light: 'on', label: 'DND' } }, deliveries: [{ status: 'delivered' }, { status: 'failed', reason: '486 Busy\r\nHere' }] },
        { desired: { key: '10', state: { key: '10', light: 'off', action: 'message', number: 'api+x' } }, deliveries: [] },
      ],
    };
    assert.equal(keysTable(body), [
      'KEY  LIGHT  LABEL  ACTION         DELIVERED  STATE',
      '2    on     DND    -              1/2        failed: 486 Busy??Here',
      '10   off    -      message api+x  0/0        pending (no contact)',
      '',
    ].join('\n'));
  });
});
