// PhoneClient against a real Digest-protected web server (Debian's lighttpd, mod_auth + htdigest), and
// curl --anyauth (what mod_snom's libcurl did) against the same server: both behave alike.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { PhoneClient } from '../../src/phone/phone-client.js';
import { PhoneOperations } from '../../src/phone/phone-operations.js';
import { lighttpdMissing, startLighttpd, type Lighttpd } from '../helpers/lighttpd.js';

const CURL = '/usr/bin/curl';
const missing = lighttpdMissing();

/** curl's final status code for a GET with `--anyauth -u user:pass` (killed after 10 s). */
function curlStatus(url: string, userPass: string): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile(CURL, ['-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '5', '--anyauth', '-u', userPass, url], { timeout: 10_000 }, (e, stdout) => {
      if (e) reject(e);
      else resolve(Number(stdout));
    });
  });
}

for (const algorithm of ['MD5', 'SHA-256'] as const) {
  describe(`lighttpd mod_auth Digest ${algorithm}`, { skip: missing }, () => {
    let server: Lighttpd;
    let client: PhoneClient;
    let ops: PhoneOperations;
    before(async () => {
      server = await startLighttpd({ host: '127.0.0.71', users: { admin: 'Sn0m pass' }, algorithm });
      client = new PhoneClient({ timeoutMs: 5000 });
      ops = new PhoneOperations({ client });
    });
    after(async () => {
      await client?.close();
      await server?.close();
    });

    test('the right password succeeds; the nonce is reused on the next request', async () => {
      const phone = { host: server.host, port: server.port, username: 'admin', password: 'Sn0m pass' };
      const first = await ops.pressKeys(phone, 'ENTER;#');
      assert.ok(first.ok, JSON.stringify(first));
      assert.deepEqual([first.status, first.auth, first.tls], [200, 'digest', 'none']);
      const second = await ops.pressKeys(phone, '*');
      assert.ok(second.ok, JSON.stringify(second));
      assert.equal(second.auth, 'digest');
      // One challenge, then the second request reuses the nonce (nc=00000002) without a 401.
      assert.deepEqual(server.statuses(), [401, 200, 200]);
    });

    test('a wrong password fails cleanly: auth-failed, status 401', async () => {
      const r = await ops.pressKeys({ host: server.host, port: server.port, username: 'admin', password: 'nope' }, 'ENTER');
      assert.ok(!r.ok);
      assert.deepEqual([r.code, r.status], ['auth-failed', 401]);
      assert.doesNotMatch(r.message, /nope/);
      assert.match(server.log(), /auth failed for admin: wrong password/);
      assert.deepEqual(server.statuses().slice(-2), [401, 401]);
    });

    test('curl --anyauth parity: 200 with the right password, 401 with a wrong one, as the client', { skip: existsSync(CURL) ? undefined : `${CURL} not found` }, async () => {
      const url = `http://${server.host}:${server.port}/command.htm?key=ENTER`;
      const phone = { host: server.host, port: server.port, username: 'admin' };
      const right = await client.request({ ...phone, password: 'Sn0m pass' }, '/command.htm?key=ENTER');
      const wrong = await client.request({ ...phone, password: 'nope' }, '/command.htm?key=ENTER');
      assert.deepEqual([await curlStatus(url, 'admin:Sn0m pass'), right.status], [200, 200]);
      assert.deepEqual([await curlStatus(url, 'admin:nope'), wrong.status], [401, 401]);
    });
  });
}
