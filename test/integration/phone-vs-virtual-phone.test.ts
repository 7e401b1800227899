// Issue acceptance (phone web commands): every PhoneOperations call against the virtual Snom phone's web
// server, with its auth none / Basic / Digest, over http and https; a wrong password is auth-failed.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { PhoneClient } from '../../src/phone/phone-client.js';
import { PhoneOperations } from '../../src/phone/phone-operations.js';
import type { PhoneAddress } from '../../src/phone/phone-address.js';
import { createVirtualPhoneWeb } from '../../src/sim/web/virtual-phone-web.js';

const client = new PhoneClient({ timeoutMs: 5000 });
const ops = new PhoneOperations({ client });
after(() => client.close());

async function until(check: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

const SCHEMES = ['http', 'https'] as const;
const AUTHS = ['none', 'basic', 'digest'] as const;

for (const [i, scheme] of SCHEMES.entries()) {
  for (const [j, auth] of AUTHS.entries()) {
    test(`every operation against the virtual phone: ${scheme}, auth ${auth}`, async () => {
      const phoneWeb = createVirtualPhoneWeb({
        https: scheme === 'https',
        ...(auth === 'none' ? {} : { auth: { scheme: auth, user: 'admin', password: 'pw-ok' } }),
      });
      const host = `127.0.40.${1 + i * 3 + j}`;
      const { port } = await phoneWeb.listen({ host, port: 0 });
      const phone: PhoneAddress = { host, port, scheme, username: 'admin', password: 'pw-ok', insecureTls: true };
      try {
        const pressed = await ops.pressKeys(phone, 'ENTER;#;*');
        assert.equal(pressed.ok, true, JSON.stringify(pressed));
        if (pressed.ok) {
          assert.equal(pressed.status, 200);
          assert.equal(pressed.tls, scheme === 'https' ? 'insecure' : 'none');
          assert.equal(pressed.auth, auth);
        }
        await until(() => phoneWeb.state.snapshot().presses.length === 3);
        assert.deepEqual(phoneWeb.state.snapshot().presses.map((p) => p.name), ['ENTER', '#', '*']);

        const dialled = await ops.dial(phone, '2001', 'sip:2001@demo.snomctl');
        assert.equal(dialled.ok && dialled.status, 302);
        const call = phoneWeb.state.snapshot().calls.at(-1);
        assert.equal(call?.number, '2001');
        assert.equal(call?.outgoingUri, 'sip:2001@demo.snomctl');

        assert.equal((await ops.dtmf(phone, '12#')).ok, true);
        assert.equal(phoneWeb.state.snapshot().dtmf.at(-1)?.digits, '12#');
        assert.equal((await ops.releaseAllCalls(phone)).ok, true);
        assert.equal((await ops.playRinger(phone, 2)).ok, true);
        assert.equal((await ops.reregister(phone, 1)).ok, true);
        assert.equal((await ops.setSetting(phone, 'user_realname1', 'Front Desk')).ok, true);
        assert.equal(phoneWeb.state.snapshot().settings.user_realname1, 'Front Desk');
        for (const action of ['dialeddel', 'misseddel', 'receiveddel']) assert.equal((await ops.action(phone, action)).ok, true);
        const commands = phoneWeb.state.snapshot().commands.map((c) => c.command);
        for (const c of ['release-all-calls', 'play-ringer', 'reregister', 'save-settings', 'clear-list'] as const) assert.ok(commands.includes(c), c);

        const shot = await ops.screenshot(phone);
        assert.equal(shot.ok, true);
        if (shot.ok) assert.equal(shot.body.subarray(0, 2).toString('latin1'), 'BM');

        const bootsBefore = phoneWeb.state.snapshot().boots;
        assert.equal((await ops.action(phone, 'reboot')).ok, true);
        await until(() => phoneWeb.state.snapshot().boots === bootsBefore + 1);

        if (auth !== 'none') {
          const wrong = await ops.pressKeys({ ...phone, password: 'pw-wrong' }, 'ENTER');
          assert.equal(wrong.ok, false);
          if (!wrong.ok) {
            assert.equal(wrong.code, 'auth-failed');
            assert.equal(wrong.status, 401);
            assert.doesNotMatch(wrong.message, /pw-wrong|pw-ok/);
          }
        }
      } finally {
        await phoneWeb.close();
      }
    });
  }
}
