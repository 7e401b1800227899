// Issue 7's acceptance test: `snomctl serve` as a real process on embedded defaults in a temp dir, a virtual
// Snom phone registered to it, and `snomctl bind-key`, `snomctl api`, `snomctl command` and `snomctl keys` as
// real processes talking to it over REST (--server / SNOMCTL_URL). Checks the exact replies, exit codes,
// the phone's real state, and that no password shows up in any process's output.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { VirtualPhone } from '../../src/sim/index.js';
import { runSnomctl, serveReady, spawnServe, stopServe, tempDirs, waitFor, type Ran } from '../helpers/serve-process.js';

const DOMAIN = 'cli.test';
const USER = '2000';
const USER_PASSWORD = 'Reg1strar-Pw-2000-xyz';
const PHONE_USER = 'admin';
const PHONE_PASSWORD = 'Ph0ne-Web-Pw-5150-qrs';
const PHONE_IP = '127.0.0.2';
const temp = tempDirs('snomctl-cli-');

after(() => temp.cleanup());

/** A TCP port free on `host` now (the phone's web server binds it after serve has read the inventory). */
async function freeTcpPort(host: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test('snomctl bind-key / api / command / keys as processes against snomctl serve and a virtual phone', { timeout: 60_000 }, async () => {
  const dir = temp.make();
  const webPort = await freeTcpPort(PHONE_IP);
  // the phone inventory: where `*/2000`'s web server is and its login (no flag exists for it)
  const config = join(dir, 'snomctl.json');
  writeFileSync(config, JSON.stringify({
    phones: [{ user: USER, domain: DOMAIN, webAddress: `${PHONE_IP}:${webPort}`, username: PHONE_USER, password: PHONE_PASSWORD }],
  }));
  const serve = spawnServe([
    '--config', config, '--data-dir', join(dir, 'data'), '--sip-listen', '127.0.0.1:0', '--api-listen', '127.0.0.1:0',
    '--domain', DOMAIN, '--user', `${USER}:${USER_PASSWORD}`, '--log-level', 'debug',
  ]);
  let phone: VirtualPhone | undefined;
  const ran: Ran[] = [];
  const cli = async (args: string[], env: Record<string, string> = {}): Promise<Ran> => {
    const r = await runSnomctl(args, env);
    ran.push(r);
    return r;
  };
  try {
    const at = await serveReady(serve);
    assert.equal(at.sipHost, '127.0.0.1');
    phone = new VirtualPhone({
      identities: [{ registrar: `127.0.0.1:${at.udpPort}`, user: USER, password: USER_PASSWORD, domain: DOMAIN }],
      sip: { host: PHONE_IP },
      http: { host: PHONE_IP, port: webPort },
      httpAuth: { scheme: 'digest', user: PHONE_USER, password: PHONE_PASSWORD },
    });
    await phone.start();
    assert.equal(phone.registered, true);

    // bind-key through SNOMCTL_URL: mod_snom's reply on stdout, the contact's answer on stderr, exit 0 (delivered)
    const bound = await cli(['bind-key', '2', 'on', 'DND', USER, DOMAIN, 'internal'], { SNOMCTL_URL: at.api });
    assert.equal(bound.stdout, `+OK 2 on DND ${USER} ${DOMAIN} internal\n`);
    assert.match(bound.stderr, new RegExp(`^sip:${USER}@127\\.0\\.0\\.2:\\d+;line=[a-z0-9]+: delivered \\(200 OK\\), \\d+ ms\\n$`));
    assert.equal(bound.code, 0);
    const key2 = phone.snapshot().keys['2']!;
    assert.deepEqual([key2.light, key2.label], ['on', 'DND']);

    // api with a whole mod_snom line, through --server
    const api = await cli(['api', `snom_bind_key 3 off Night ${USER} ${DOMAIN} internal`, '--server', at.api]);
    assert.deepEqual([api.stdout, api.stderr, api.code], [`+OK 3 off Night ${USER} ${DOMAIN} internal\n`, '', 0]);
    const key3 = phone.snapshot().keys['3']!;
    assert.deepEqual([key3.light, key3.label], ['off', 'Night']);

    // command */user: the registration plus the inventory's web address and login (Digest)
    const pressesBefore = phone.snapshot().presses.length;
    const command = await cli(['command', `*/${USER}`, 'key', 'enter'], { SNOMCTL_URL: at.api });
    assert.deepEqual([command.stdout, command.stderr, command.code], [`+OK */${USER} key enter\n`, '', 0]);
    await waitFor(() => phone!.snapshot().presses.length > pressesBefore, 'the key press');
    const presses = phone.snapshot().presses.slice(pressesBefore);
    assert.deepEqual(presses.map((p) => [p.key, p.name, p.source]), [['enter', 'ENTER', 'http']]);
    const web = phone.snapshot().webRequests.at(-1)!;
    assert.equal(web.path, '/command.htm');

    // keys: one table line per key, every line ending in LF (no summary line glued to it)
    const keys = await cli(['keys', `${USER}@${DOMAIN}`, '--server', at.api]);
    assert.equal(keys.stdout, [
      'KEY  LIGHT  LABEL  ACTION  DELIVERED  STATE',
      '2    on     DND    -       1/1        delivered',
      '3    off    Night  -       1/1        delivered',
      '',
    ].join('\n'));
    assert.deepEqual([keys.stderr, keys.code], ['', 0]);

    // bad arguments: a specific message and exit 2, nothing sent
    const bad = await cli(['keys', 'no-at-sign', '--server', at.api]);
    assert.deepEqual([bad.stdout, bad.stderr, bad.code], ['', "snomctl: 'no-at-sign' is not a phone address: expected user@host\n", 2]);

    // an explicit password on the command line is echoed as *** (mod_snom echoed it)
    const direct = await cli(['command', `*/${USER}`, 'key', 'cancel', PHONE_USER, PHONE_PASSWORD], { SNOMCTL_URL: at.api });
    assert.deepEqual([direct.stdout, direct.stderr, direct.code], [`+OK */${USER} key cancel ${PHONE_USER} ***\n`, '', 0]);
    await waitFor(() => phone!.snapshot().presses.some((p) => p.name === 'CANCEL'), 'the second key press');
  } finally {
    await phone?.close();
    const exit = await stopServe(serve);
    assert.deepEqual(exit, { code: 0, signal: null }, serve.stderr());
  }
  const outputs = [serve.stdout(), serve.stderr(), ...ran.flatMap((r) => [r.stdout, r.stderr])].join('\n');
  assert.ok(serve.stderr().includes('"msg":"api line"'), 'serve logged the api lines (debug)');
  assert.ok(!outputs.includes(USER_PASSWORD), 'the registrar password appears in an output');
  assert.ok(!outputs.includes(PHONE_PASSWORD), 'the phone web password appears in an output');
});
