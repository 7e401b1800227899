// Fidelity: whatever words the shell hands bind-key/command reach the service unchanged, and the
// service's reply is printed byte for byte.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startFakeRestServer, type FakeRestServer } from './fake-rest-server.js';
import { runCli } from './run-cli.js';

let server: FakeRestServer;
let reply = '';
before(async () => {
  server = await startFakeRestServer({ 'POST /v1/api': () => ({ json: { reply, ok: true, result: { command: 'snom_bind_key', ok: true, bind: { delivered: true, contacts: [] } } } }) });
});
after(async () => server.close());

// Shell words: anything but NUL, quotes/blanks/backslashes/unicode included.
const word = fc.string({ unit: fc.oneof(fc.constantFrom(' ', "'", '"', '\\', '\t', '$', '-', 'ü', '😀', '\n'), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })), maxLength: 12 })
  .filter((w) => !w.includes('\u0000'));

describe('pass-through', () => {
  // Each run is a real HTTP round trip, so fewer runs than the usual 10000 keep this file at a few seconds.
  it('bind-key -- <words>: args array unchanged, reply printed exactly', async () => {
    await fc.assert(fc.asyncProperty(fc.array(word, { maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 40 }), async (words, text) => {
      reply = `+OK ${text}`;
      const io = await runCli(['bind-key', '--server', server.url, '--', ...words]);
      assert.deepEqual(server.requests.at(-1)!.body, { command: 'snom_bind_key', args: words });
      assert.equal(io.stdout, `${reply}\n`);
      assert.equal(io.exitCode, 0);
    }), { numRuns: 200 });
  });
  it('command -- <words>: args array unchanged', async () => {
    await fc.assert(fc.asyncProperty(fc.array(word, { maxLength: 4 }), async (words) => {
      reply = '+OK x';
      await runCli(['command', '--server', server.url, '--', ...words]);
      assert.deepEqual(server.requests.at(-1)!.body, { command: 'snom_command', args: words });
    }), { numRuns: 200 });
  });
  it('words that look like options pass after --', async () => {
    reply = '+OK -1 on -x';
    const io = await runCli(['bind-key', '--server', server.url, '--', '-1', 'on', '--json']);
    assert.deepEqual(server.requests.at(-1)!.body, { command: 'snom_bind_key', args: ['-1', 'on', '--json'] });
    assert.equal(io.stdout, '+OK -1 on -x\n');
  });
});
