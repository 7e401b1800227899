// The `snomctl` binary (src/main.ts) as a real process: top-level help with examples, and bad usage exits 2
// at the top level and in `snomctl phone` alike.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { EXIT } from '../../../src/cli/cli-io.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');

function snomctl(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
      cwd: ROOT, env: { ...process.env, SNOMCTL_URL: '', SNOMCTL_TOKEN: '' }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test('snomctl --help lists the commands and ends with examples and the exit codes', { timeout: 30_000 }, async () => {
  const r = await snomctl(['--help']);
  assert.equal(r.code, EXIT.ok, r.stderr);
  assert.match(r.stdout, /^Usage: snomctl \[options\] \[command\]\n/);
  for (const name of ['serve', 'phone', 'bind-key', 'api', 'command', 'phones', 'events']) assert.match(r.stdout, new RegExp(`\\n  ${name} `), name);
  const examples = r.stdout.slice(r.stdout.indexOf('\nExamples:\n'));
  assert.ok(r.stdout.includes('\nExamples:\n'), r.stdout);
  assert.match(examples, /\n {2}\$ snomctl serve --domain pbx\.example\.com --user 2000:secret\n/);
  assert.match(examples, /\n {2}\$ snomctl bind-key 2 on DND 2000 pbx\.example\.com internal\n/);
  assert.match(examples, /\n {2}\$ snomctl phone --registrar /);
  assert.match(examples, /\nExit codes: 0 ok, 1 failure, 2 bad usage, 3 bind-key stored but not delivered yet/);
  assert.equal(r.stderr, '');
});

test('bad usage exits 2: an unknown command, no command at all, and a bad option of snomctl phone (each kind: test/unit/sim)', { timeout: 60_000 }, async () => {
  const [unknownCommand, none, phone] = await Promise.all([snomctl(['bind-keys', '--bogus']), snomctl([]), snomctl(['phone', '--count', '0'])]);
  assert.equal(unknownCommand.code, EXIT.usage);
  assert.match(unknownCommand.stderr, /^error: unknown command 'bind-keys'\n\(Did you mean bind-key\?\)\n/);
  assert.equal(none.code, EXIT.usage);
  assert.match(none.stderr, /^Usage: snomctl \[options\] \[command\]\n[\s\S]*\nExamples:\n/);
  assert.equal(none.stdout, '');
  assert.equal(phone.code, EXIT.usage);
  assert.equal(phone.stderr, "error: option '--count <n>' argument '0' is invalid. It must be a whole number from 1 to 100000.\n(see --help for examples)\n");
  assert.equal(phone.stdout, '');
});
