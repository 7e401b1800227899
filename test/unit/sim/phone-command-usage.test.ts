// `snomctl phone`: bad options are bad usage (exit 2, snomctl's EXIT.usage) with a message naming the
// option and what is allowed; nothing starts. In-process, commander's exits turned into CommanderErrors.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CommanderError } from 'commander';
import { EXIT } from '../../../src/cli/cli-io.js';
import { PHONE_USAGE_EXIT, phoneCommand } from '../../../src/sim/phone-command.js';

async function run(args: string[]): Promise<{ exitCode: number | undefined; code: string | undefined; stderr: string; out: string[] }> {
  let stderr = '';
  const out: string[] = [];
  const cmd = phoneCommand({ out: (l) => out.push(l), err: (l) => (stderr += `${l}\n`), stopSignal: () => new Promise(() => {}) })
    .exitOverride()
    .configureOutput({ writeErr: (s) => (stderr += s), writeOut: (s) => out.push(s) });
  try {
    await cmd.parseAsync(args, { from: 'user' });
    return { exitCode: undefined, code: undefined, stderr, out };
  } catch (e) {
    assert.ok(e instanceof CommanderError, String(e));
    return { exitCode: e.exitCode, code: e.code, stderr, out };
  }
}

test('the phone command uses snomctl\'s usage exit code', () => {
  assert.equal(PHONE_USAGE_EXIT, EXIT.usage);
});

test('every kind of bad option exits 2 with a specific message; nothing is started or printed on stdout', async () => {
  const cases: [string[], RegExp][] = [
    [['--bogus'], /^error: unknown option '--bogus'\n/],
    [['--user-name', '2000'], /^error: unknown option '--user-name'\n\(Did you mean --user-base\?\)/],
    [['--expires', '5'], /^error: option '--expires <seconds>' argument '5' is invalid\. It must be a whole number from 10 to 86400\.\n/],
    [['--transport', 'sctp'], /^error: option '--transport <protocol>' argument 'sctp' is invalid\. Allowed choices are udp, tcp\.\n/],
    [['--registrar', '127.0.0.1:70000'], /^error: option '--registrar <host:port>' argument '127\.0\.0\.1:70000' is invalid\. Give HOST or HOST:PORT/],
    [['--registrar'], /^error: option '--registrar <host:port>' argument missing\n/],
    [['--user-base', '100'], /^error: options --user-base, --address-base and --http-shared need --count 2 or more\n/],
    [['--count', '3', '--registrar', '127.0.0.1', '--sip-listen', '127.0.0.1:5060', '--password', 'Sekr1t!'], /^error: option --sip-listen: with --count give only :PORT \(addresses come from --address-base\)\n/],
    [['extra-argument'], /^error: too many arguments( for 'phone')?\. Expected 0 arguments but got 1\.\n/],
  ];
  for (const [args, message] of cases) {
    const r = await run(args);
    assert.equal(r.exitCode, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message, args.join(' '));
    assert.match(r.stderr, /\(see --help for examples\)\n$/, args.join(' '));
    assert.deepEqual(r.out, [], args.join(' '));
    assert.equal(r.stderr.includes('Sekr1t!'), false);
  }
});

test('--help still exits 0', async () => {
  const r = await run(['--help']);
  assert.equal(r.exitCode, 0);
  assert.equal(r.code, 'commander.helpDisplayed');
  assert.match(r.out.join(''), /\nExamples:\n/);
});
