import { describe, it, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { startFakeRestServer, type FakeRestServer } from './fake-rest-server.js';
import { runCli } from './run-cli.js';
import { aorPath, keysTable, phonesTable } from '../../../src/cli/phone-commands.js';
import { formatExpiry, formatTable } from '../../../src/cli/format.js';

const NOW = 1_800_000_000_000;
const phones = {
  phones: [
    {
      user: '2000', host: 'pbx.example', profile: 'internal',
      contacts: [
        { uri: 'sip:2000@10.0.0.9:5060;line=abc', source: { transport: 'udp', address: '10.0.0.9', port: 5060 }, userAgent: 'snom370/8.7.5', expiresAt: NOW + 200_000 },
        { uri: 'sip:2000@[2001:db8::1]', source: { transport: 'tcp', address: '2001:db8::1', port: 5070 }, expiresAt: NOW - 1 },
      ],
      inventory: { web: '10.0.0.9' },
    },
    { user: '2001', host: 'pbx.example', contacts: [] },
  ],
};
const keys = {
  keys: [
    { desired: { key: '2', version: 3, state: { key: '2', light: 'on', label: 'DND', action: 'message', number: 'api+x 1' } },
      deliveries: [{ key: '2', contact: 'sip:a', status: 'delivered', version: 3, current: true }, { key: '2', contact: 'sip:b', status: 'failed', version: 3, current: true, reason: '486 Busy Here' }] },
    { desired: { key: 'P1', version: 1, state: { key: 'P1', light: 'off' } }, deliveries: [] },
    { desired: { key: '10', version: 2, state: { key: '10', label: 'x', number: '3000' } }, deliveries: [{ key: '10', contact: 'sip:a', status: 'pending', version: 1, current: false }] },
  ],
};

let server: FakeRestServer;
before(async () => {
  server = await startFakeRestServer({
    'GET /v1/phones': () => ({ json: phones }),
    'GET /v1/phones/2000%40pbx.example/keys': () => ({ json: keys }),
    'POST /v1/phones/2000%40pbx.example/resync': () => ({ json: { results: [{}, {}] } }),
    'POST /v1/commands': (req) => {
      const body = req.body as { target: string };
      if (body.target === 'bad') return { status: 400, json: { error: { code: 'SNOM_ERR_INVALID', message: 'target: expected an IP or */user' } } };
      const ok = !body.target.includes('down');
      return { json: { target: body.target, ok, results: [{ phone: { url: `http://${body.target}:80` }, ok, status: ok ? 200 : 0, latencyMs: 4, ...(ok ? {} : { message: 'connect ECONNREFUSED' }) }] } };
    },
  });
});
after(async () => server.close());
beforeEach(() => {
  server.requests.length = 0;
});

describe('tables', () => {
  it('phones: one row per contact, network address, user agent, expiry', () => {
    assert.equal(phonesTable(phones, NOW),
      'PHONE             PROFILE   NETWORK ADDRESS         USER AGENT     EXPIRES\n' +
      '2000@pbx.example  internal  udp:10.0.0.9:5060       snom370/8.7.5  in 3m20s\n' +
      '2000@pbx.example  internal  tcp:[2001:db8::1]:5070  -              expired\n' +
      '2001@pbx.example  -         -                       -              -\n');
    assert.equal(phonesTable({ phones: [] }, NOW), 'no phones\n');
  });
  it('keys: desired state and delivery per key', () => {
    assert.equal(keysTable(keys),
      'KEY  LIGHT  LABEL  ACTION           DELIVERED  STATE\n' +
      '2    on     DND    message api+x 1  1/2        failed: 486 Busy Here\n' +
      'P1   off    -      -                0/0        pending (no contact)\n' +
      '10   -      x      invite 3000      0/1        pending\n');
    assert.equal(keysTable({ keys: [] }), 'no keys\n');
  });
  it('formatTable makes control characters visible and pads by characters', () => {
    assert.equal(formatTable(['A', 'B'], [['ü\u001b[2J', 'x'], ['b', 'y\r\nz']]), 'A      B\nü?[2J  x\nb      y??z\n');
  });
  it('formatExpiry', () => {
    assert.equal(formatExpiry(NOW + 3_725_000, NOW), 'in 1h2m');
    assert.equal(formatExpiry(NOW + 9_000, NOW), 'in 9s');
    assert.equal(formatExpiry(new Date(NOW + 61_000).toISOString(), NOW), 'in 1m1s');
    assert.equal(formatExpiry('soon', NOW), '-');
    assert.equal(formatExpiry(undefined, NOW), '-');
  });
  it('aorPath escapes and refuses non-AORs', () => {
    assert.equal(aorPath('2000@pbx.example'), '2000%40pbx.example');
    assert.equal(aorPath('a?b#c@h'), 'a%3Fb%23c%40h');
    for (const bad of ['2000', '@pbx', '2000@', 'a/b@h', 'a b@h', 'a\r\n@h']) assert.throws(() => aorPath(bad), /expected user@host/);
  });
});

describe('phones, keys, resync', () => {
  it('phones --json prints the body', async () => {
    const io = await runCli(['phones', '--json', '--server', server.url]);
    assert.equal(io.stdout, `${JSON.stringify(phones)}\n`);
    assert.equal(io.exitCode, 0);
  });
  it('keys asks for the profile and prints the table', async () => {
    const io = await runCli(['keys', '2000@pbx.example', '--profile', 'int ernal', '--server', server.url]);
    assert.equal(server.requests[0]!.url, '/v1/phones/2000%40pbx.example/keys?profile=int%20ernal');
    assert.equal(io.stdout, keysTable(keys));
    assert.equal(io.exitCode, 0);
  });
  it('keys with a bad address fails before any request', async () => {
    const io = await runCli(['keys', 'nobody', '--server', server.url]);
    assert.equal(io.stderr, "snomctl: 'nobody' is not a phone address: expected user@host\n");
    assert.equal(io.exitCode, 2);
    assert.equal(server.requests.length, 0);
  });
  it('resync posts and reports', async () => {
    const io = await runCli(['resync', '2000@pbx.example', '--server', server.url]);
    assert.deepEqual([server.requests[0]!.method, server.requests[0]!.url], ['POST', '/v1/phones/2000%40pbx.example/resync']);
    assert.equal(io.stdout, 'resync requested: 2 results\n');
    assert.equal(io.exitCode, 0);
  });
  it('a 404 prints the server message', async () => {
    const io = await runCli(['resync', '9@x', '--server', server.url]);
    assert.equal(io.stderr, 'snomctl: no route POST /v1/phones/9%40x/resync (HTTP 404)\n');
    assert.equal(io.exitCode, 1);
  });
});

describe('press, dial', () => {
  it('press sends a key command with the login from --username and the env', async () => {
    const io = await runCli(['press', '192.0.2.7', 'enter,50,5000;cancel', '--username', 'admin', '--server', server.url], { SNOMCTL_PHONE_PASSWORD: 'pw' });
    assert.deepEqual(server.requests[0]!.body, { target: '192.0.2.7', command: { kind: 'key', keys: 'enter,50,5000;cancel' }, username: 'admin', password: 'pw' });
    assert.equal(io.stdout, 'ok    http://192.0.2.7:80  HTTP 200  4 ms\n');
    assert.equal(io.exitCode, 0);
  });
  it('dial failing exits 1 with the phone result', async () => {
    const io = await runCli(['dial', 'down.example', '3000', '--server', server.url]);
    assert.deepEqual(server.requests[0]!.body, { target: 'down.example', command: { kind: 'dial', number: '3000' } });
    assert.equal(io.stdout, 'FAIL  http://down.example:80  HTTP 0  4 ms  connect ECONNREFUSED\n');
    assert.equal(io.exitCode, 1);
  });
  it('a 400 prints the server\'s message', async () => {
    const io = await runCli(['press', 'bad', 'enter', '--server', server.url]);
    assert.equal(io.stderr, 'snomctl: target: expected an IP or */user (HTTP 400)\n');
    assert.equal(io.exitCode, 1);
  });
});

describe('bulk', () => {
  it('--targets: one request per target, progress lines when stderr is not a TTY, summary on stdout', async () => {
    const io = await runCli(['bulk', 'action', 'reboot', '--targets', '10.0.0.1, down.example,10.0.0.3', '--concurrency', '1', '--server', server.url]);
    assert.deepEqual(server.requests.map((r) => r.body), ['10.0.0.1', 'down.example', '10.0.0.3'].map((target) => ({ target, command: { kind: 'action', action: 'reboot' } })));
    assert.equal(io.stderr, '1/3 10.0.0.1: ok\n2/3 down.example: failed: http://down.example:80 HTTP 0 connect ECONNREFUSED\n3/3 10.0.0.3: ok\n');
    assert.equal(io.stdout, '3 targets: 2 ok, 1 failed\nfailed down.example: http://down.example:80 HTTP 0 connect ECONNREFUSED\n');
    assert.equal(io.exitCode, 1);
  });
  it('--all-registered lists the phones first; a TTY gets a progress bar', async () => {
    const io = await runCli(['bulk', 'key', 'enter', '--all-registered', '--server', server.url], {}, true);
    assert.deepEqual(server.requests.map((r) => `${r.method} ${r.url}`), ['GET /v1/phones', 'POST /v1/commands']);
    assert.deepEqual(server.requests[1]!.body, { target: 'internal/2000@pbx.example', command: { kind: 'key', keys: 'enter' } });
    assert.equal(io.stderr, `[${'-'.repeat(30)}] 0/1\r[${'#'.repeat(30)}] 1/1\n`);
    assert.equal(io.stdout, '1 target: 1 ok, 0 failed\n');
    assert.equal(io.exitCode, 0);
  });
  it('--json summary', async () => {
    const io = await runCli(['bulk', 'dtmf', '123', '--targets', '10.0.0.1', '--json', '--server', server.url]);
    const out = JSON.parse(io.stdout) as { ok: boolean; total: number; succeeded: number; failed: number; targets: { target: string; ok: boolean }[] };
    assert.deepEqual([out.ok, out.total, out.succeeded, out.failed, out.targets.map((t) => [t.target, t.ok])], [true, 1, 1, 0, [['10.0.0.1', true]]]);
  });
  it('refuses a missing or double target choice and unknown commands without requests', async () => {
    for (const args of [['bulk', 'key', 'enter'], ['bulk', 'key', 'enter', '--all-registered', '--targets', 'a'], ['bulk', 'reboot', 'now', '--targets', 'a']]) {
      const io = await runCli([...args, '--server', server.url]);
      assert.equal(io.exitCode, 2, args.join(' '));
      assert.match(io.stderr, /^snomctl: (give either --all-registered or --targets a,b|unknown command 'reboot': expected key, action, dial or dtmf)\n$/);
    }
    assert.equal(server.requests.length, 0);
  });
});
