import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './run-cli.js';
import { CONFIG_DEFAULTS } from '../../../src/service/config/index.js';
import { DEFAULT_SERVER_URL } from '../../../src/cli/index.js';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'snomctl-cli-'));
  writeFileSync(join(dir, 'ok.json'), '{"users":["2000:supersecretpw@pbx.example"],"domains":["pbx.example"]}');
  writeFileSync(join(dir, 'bad.json'), '{"sip":{"listen":"nope"},"bogus":1,"users":["2000:supersecretpw@pbx.example"]}');
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe('config check', () => {
  it('a valid file: ok on stdout, exit 0, nothing of the config printed', async () => {
    const io = await runCli(['config', 'check', '--config', join(dir, 'ok.json')]);
    assert.equal(io.stdout, `configuration ok: ${join(dir, 'ok.json')}\n`);
    assert.equal(io.stderr, '');
    assert.equal(io.exitCode, 0);
  });
  it('an invalid file: one error per line on stderr naming the key, exit 1; the password never shows', async () => {
    const io = await runCli(['config', 'check', '--config', join(dir, 'bad.json')]);
    assert.equal(io.stdout, '');
    const lines = io.stderr.split('\n');
    // the list of allowed keys grows with the configuration: only its start is fixed here
    assert.match(lines[0]!, /^snomctl: config: bogus: unknown key; allowed keys here: \$schema, dataDir, logLevel, domains, realm, sip, users, profiles, phones, api, delivery, registrar, commands(, [a-z]+)*$/);
    assert.deepEqual(lines.slice(1), [
      'snomctl: config: sip.listen: must be HOST:PORT with an IP address (IPv6 in brackets) and a port 0..65535',
      '',
    ]);
    assert.equal(io.exitCode, 1);
    assert.ok(!io.stderr.includes('supersecretpw'));
  });
  it('SNOMCTL_CONFIG names the file; --json lists errors', async () => {
    const io = await runCli(['config', 'check', '--json'], { SNOMCTL_CONFIG: join(dir, 'missing.json') });
    assert.deepEqual(JSON.parse(io.stdout), { ok: false, errors: [{ key: '(file)', source: 'file', message: `(file): cannot read ${join(dir, 'missing.json')}: ENOENT` }] });
    assert.equal(io.exitCode, 1);
  });
  it('the CLI\'s default service URL is the service\'s default API listen address', () => {
    assert.equal(DEFAULT_SERVER_URL, `http://${CONFIG_DEFAULTS.apiListen.host}:${CONFIG_DEFAULTS.apiListen.port}`);
  });
});
