// The VirtualPhone's web server driven by curl as mod_snom drove phones (`--anyauth -u user:pass`): a key
// pressed over HTTP (Basic, Digest, Digest over HTTPS) makes the phone send its SIP MESSAGE. Test
// registrar on 127.0.0.126, phone on 127.0.0.127.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { VirtualPhone } from '../../src/sim/index.js';
import type { HttpAuthScheme } from '../../src/sim/web/web-auth.js';
import { startTestRegistrar, type TestRegistrar } from '../helpers/sim-test-registrar.js';

function curlMissing(): string | undefined {
  try {
    execFileSync('curl', ['--version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'curl is not installed (.ci/run installs it)';
  }
}
const skip = curlMissing();
if (skip) console.log(`# skipping: ${skip}`);

/** curl's final HTTP status (`-w %{http_code}`), or -1 when curl failed. */
function curl(args: string[]): Promise<number> {
  return new Promise((resolve) => {
    execFile('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', ...args], { encoding: 'utf8', timeout: 10_000 }, (error, stdout) => {
      resolve(error ? -1 : Number(stdout));
    });
  });
}

let registrar: TestRegistrar;
before(async () => {
  registrar = await startTestRegistrar({ host: '127.0.0.126', users: { '2000': 'secret' } });
});
after(async () => {
  await registrar.close();
});

for (const [scheme, https] of [['basic', false], ['digest', false], ['digest', true]] as [HttpAuthScheme, boolean][]) {
  test(`curl --anyauth presses a message key over ${https ? 'HTTPS' : 'HTTP'} ${scheme}: the phone sends its MESSAGE`, { skip, timeout: 30_000 }, async () => {
    const phone = new VirtualPhone({
      identities: [{ registrar: registrar.address, domain: 'example.com', user: '2000', password: 'secret' }],
      sip: { host: '127.0.0.127', timers: { t1: 100 } },
      httpAuth: { scheme, user: 'admin', password: 'p@ss word' },
      https,
    });
    try {
      const urls = await phone.start();
      assert.match(urls.web!, new RegExp(`^${https ? 'https' : 'http'}://127\\.0\\.0\\.127:\\d+$`));
      assert.ok(phone.state.applyXButtonsBody(`k=1\r\nc=on\r\nn=api+${scheme}${https ? 's' : ''}\r\na=message\r\n`).ok);
      const k = https ? ['-k'] : [];
      assert.equal(await curl([...k, '--anyauth', '-u', 'admin:wrong', `${urls.web}/command.htm?key=P1`]), 401);
      assert.equal(await curl([...k, '--anyauth', '-u', 'admin:p@ss word', `${urls.web}/command.htm?key=P1`]), 200);
      const wanted = `sip:api+${scheme}${https ? 's' : ''}@example.com`;
      await registrar.waitFor(() => registrar.accepted('MESSAGE').some((m) => m.uri === wanted));
      const web = phone.snapshot().webRequests.filter((w) => w.path === '/command.htm');
      assert.deepEqual(web.map((w) => [w.status, w.user ?? '-']), [[401, '-'], [401, '-'], [401, '-'], [200, 'admin']]);
      assert.deepEqual(phone.snapshot().presses.map((p) => [p.name, p.source, p.binding?.kind]), [['P1', 'http', 'button']]);
    } finally {
      await phone.close();
    }
  });
}
