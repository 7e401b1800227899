// The virtual phone's web authentication and HTTPS, driven by curl as mod_snom drove phones
// (`--anyauth -u user:pass`, libcurl CURLAUTH_ANY), on 127.0.0.82.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { createVirtualPhoneWeb, type VirtualPhoneWeb, type VirtualPhoneWebOptions } from '../../src/sim/web/virtual-phone-web.js';

const HOST = '127.0.0.82';
const USER = 'admin';
const PASSWORD = 'Sn0m pa:ss';

function curlMissing(): string | undefined {
  try {
    execFileSync('curl', ['--version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'curl is not installed (.ci/run installs it)';
  }
}
const skip = curlMissing();

interface CurlResult {
  readonly code: number;
  /** Every response's status line and headers (`-D -`), then the `-w` line. */
  readonly headers: string;
  /** The last response's status. */
  readonly status: number;
}

/** Runs curl with `-sS -o /dev/null -D - -w '\n%{http_code}'`; never throws. */
function curl(args: string[]): Promise<CurlResult> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '-o', '/dev/null', '-D', '-', '-w', '\n%{http_code}', ...args], { encoding: 'utf8', timeout: 10_000 }, (error, stdout) => {
      const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
      const lines = stdout.trimEnd().split('\n');
      resolve({ code, headers: stdout, status: Number(lines.at(-1)) });
    });
  });
}

async function withPhone(options: VirtualPhoneWebOptions, fn: (phone: VirtualPhoneWeb, base: string) => Promise<void>): Promise<void> {
  const phone = createVirtualPhoneWeb(options);
  const { url } = await phone.listen({ host: HOST, port: 0 });
  try {
    await fn(phone, url);
  } finally {
    await phone.close();
  }
}

async function pressedKeys(phone: VirtualPhoneWeb, count: number): Promise<string[]> {
  const end = Date.now() + 3000;
  while (phone.state.snapshot().presses.length < count && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  return phone.state.snapshot().presses.map((p) => p.name);
}

/** The WWW-Authenticate values of the first response in curl's header dump. */
function challenges(headers: string): string[] {
  const first = headers.split(/\r?\n\r?\n/)[0]!;
  return [...first.matchAll(/^www-authenticate: (.*)\r$/gim)].map((m) => m[1]!);
}

test('Basic: curl --anyauth presses a key; a wrong or missing password gets 401 with the Basic challenge', { skip }, async () => {
  await withPhone({ auth: { scheme: 'basic', user: USER, password: PASSWORD } }, async (phone, base) => {
    const ok = await curl(['--anyauth', '-u', `${USER}:${PASSWORD}`, `${base}/command.htm?key=ENTER%3B%23`]);
    assert.equal(ok.status, 200);
    assert.match(ok.headers, /^HTTP\/1\.1 401 Unauthorized\r$/m);
    assert.deepEqual(challenges(ok.headers), ['Basic realm="snom"']);
    assert.deepEqual(await pressedKeys(phone, 2), ['ENTER', '#']);
    const wrong = await curl(['--anyauth', '-u', `${USER}:wrong`, `${base}/command.htm?key=CANCEL`]);
    assert.equal(wrong.status, 401);
    assert.deepEqual(challenges(wrong.headers), ['Basic realm="snom"']);
    const none = await curl([`${base}/command.htm?key=CANCEL`]);
    assert.equal(none.status, 401);
    assert.deepEqual(challenges(none.headers), ['Basic realm="snom"']);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(phone.state.snapshot().presses.map((p) => p.name), ['ENTER', '#']);
    // --anyauth asks without credentials first, then answers the challenge.
    assert.deepEqual(phone.state.snapshot().webRequests.map((w) => [w.status, w.user ?? '-']), [
      [401, '-'], [200, USER], [401, '-'], [401, '-'], [401, '-'],
    ]);
  });
});

test('Digest (MD5): curl --anyauth and --digest press keys; a wrong password gets 401 with a fresh challenge', { skip }, async () => {
  await withPhone({ auth: { scheme: 'digest', user: USER, password: PASSWORD } }, async (phone, base) => {
    const ok = await curl(['--anyauth', '-u', `${USER}:${PASSWORD}`, `${base}/command.htm?key=OFFHOOK%2C50`]);
    assert.equal(ok.status, 200);
    const [challenge, ...more] = challenges(ok.headers);
    assert.deepEqual(more, []);
    assert.match(challenge!, /^Digest realm="snom", nonce="[A-Za-z0-9_-]{40}", algorithm=MD5, qop="auth"$/);
    assert.equal((await curl(['--digest', '-u', `${USER}:${PASSWORD}`, `${base}/command.htm?key=ONHOOK`])).status, 200);
    assert.deepEqual(await pressedKeys(phone, 2), ['OFFHOOK', 'ONHOOK']);
    const wrong = await curl(['--anyauth', '-u', `${USER}:wrong`, `${base}/command.htm?key=DND`]);
    assert.equal(wrong.status, 401);
    const twice = wrong.headers.match(/^HTTP\/1\.1 401/gm) ?? [];
    assert.equal(twice.length, 2, 'curl answered the challenge and was refused again');
    assert.match(challenges(wrong.headers)[0]!, /^Digest realm="snom", nonce="[A-Za-z0-9_-]{40}", algorithm=MD5, qop="auth"$/);
    // Basic credentials are not accepted by a Digest phone.
    assert.equal((await curl(['--basic', '-u', `${USER}:${PASSWORD}`, `${base}/command.htm?key=DND`])).status, 401);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(phone.state.snapshot().presses.map((p) => p.name), ['OFFHOOK', 'ONHOOK']);
  });
});

test('Digest offering SHA-256 and MD5: curl picks one and succeeds', { skip }, async () => {
  await withPhone({ auth: { scheme: 'digest', user: USER, password: PASSWORD, digestAlgorithms: ['SHA-256', 'MD5'] } }, async (phone, base) => {
    const ok = await curl(['--anyauth', '-u', `${USER}:${PASSWORD}`, `${base}/command.htm?key=%2A`]);
    assert.equal(ok.status, 200);
    assert.deepEqual(challenges(ok.headers).map((c) => /algorithm=([A-Z0-9-]+)/.exec(c)?.[1]), ['SHA-256', 'MD5']);
    assert.deepEqual(await pressedKeys(phone, 1), ['*']);
  });
});

test('simulator pages are open unless protectSimulatorPages', { skip }, async () => {
  await withPhone({ auth: { scheme: 'basic', user: USER, password: PASSWORD } }, async (_phone, base) => {
    for (const path of ['/', '/state.json']) assert.equal((await curl([`${base}${path}`])).status, 200, path);
    assert.equal((await curl([`${base}/screen.bmp`])).status, 401);
    assert.equal((await curl([`${base}/nothing`])).status, 401);
  });
  await withPhone({ auth: { scheme: 'digest', user: USER, password: PASSWORD }, protectSimulatorPages: true }, async (_phone, base) => {
    assert.equal((await curl([`${base}/state.json`])).status, 401);
    assert.equal((await curl(['--anyauth', '-u', `${USER}:${PASSWORD}`, `${base}/state.json`])).status, 200);
  });
});

test('HTTPS with a self-signed certificate: curl -k works with Digest, without -k the certificate is refused', { skip }, async () => {
  await withPhone({ https: true, auth: { scheme: 'digest', user: USER, password: PASSWORD } }, async (phone, base) => {
    assert.match(base, /^https:\/\/127\.0\.0\.82:\d+$/);
    const ok = await curl(['-k', '--anyauth', '-u', `${USER}:${PASSWORD}`, `${base}/command.htm?key=%23`]);
    assert.equal(ok.status, 200);
    assert.deepEqual(await pressedKeys(phone, 1), ['#']);
    const strict = await curl(['--anyauth', '-u', `${USER}:${PASSWORD}`, `${base}/command.htm?key=%23`]);
    assert.equal(strict.code, 60, 'curl: peer certificate cannot be authenticated');
    assert.equal(phone.state.snapshot().network.httpsPort, Number(new URL(base).port));
  });
});

test('HTTPS with a given certificate, no authentication', { skip }, async () => {
  const { generateSelfSignedCertificate } = await import('../../src/sim/web/tls-certificate.js');
  const credentials = await generateSelfSignedCertificate('localhost');
  await withPhone({ https: credentials }, async (_phone, base) => {
    const port = new URL(base).port;
    const r = await curl(['-k', '--resolve', `localhost:${port}:${HOST}`, `https://localhost:${port}/command.htm?key=ENTER`]);
    assert.equal(r.status, 200);
  });
});
