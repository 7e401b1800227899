// bindKey end to end with SIPp as the phone: one SIPp registers (Digest) a Contact that points at a second
// SIPp (UAS answering 200, recording with -trace_msg); the recorded MESSAGEs are checked byte for byte.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createService } from '../../src/service/index.js';
import { freePort } from '../helpers/ports.js';
import { runSipp, sippMissing, startSipp } from '../helpers/sipp.js';

const skip = sippMissing();
if (skip) console.log(`# skipping SIPp service tests: ${skip}`);

const DOMAIN = 'pbx.test';

/**
 * REGISTER with Digest for -s <user>, with a Contact at [contact_host]:[contact_port] (another process). The
 * Request-URI is the registrar's address because SIPp's [authentication] always uses that as Digest uri.
 */
const REGISTER_SCENARIO = `<?xml version="1.0" encoding="UTF-8" ?>
<scenario name="register-third-party-contact">
  <send retrans="500"><![CDATA[
REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
Max-Forwards: 70
From: <sip:[service]@[domain]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[domain]>
Call-ID: [call_id]
CSeq: 1 REGISTER
Contact: <sip:[service]@[contact_host]:[contact_port];line=[line]>
Expires: 3600
Content-Length: 0

]]></send>
  <recv response="401" auth="true" />
  <send retrans="500"><![CDATA[
REGISTER sip:[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch];rport
Max-Forwards: 70
From: <sip:[service]@[domain]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[domain]>
Call-ID: [call_id]
CSeq: 2 REGISTER
Contact: <sip:[service]@[contact_host]:[contact_port];line=[line]>
[authentication]
Expires: 3600
Content-Length: 0

]]></send>
  <recv response="200" />
</scenario>
`;

/** The requests a SIPp -trace_msg log shows as received: their exact bytes (latin1 keeps them 1:1). */
function receivedMessages(log: Buffer): Buffer[] {
  const text = log.toString('latin1');
  const out: Buffer[] = [];
  const re = /UDP message received \[(\d+)\] bytes :\n\n/g;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const start = m.index + m[0].length;
    out.push(log.subarray(start, start + Number(m[1])));
  }
  return out;
}

interface Wire {
  readonly startLine: string;
  readonly headers: Map<string, string[]>;
  readonly body: Buffer;
}

function splitWire(raw: Buffer): Wire {
  const end = raw.indexOf('\r\n\r\n');
  const lines = raw.subarray(0, end).toString('utf8').split('\r\n');
  const headers = new Map<string, string[]>();
  for (const l of lines.slice(1)) {
    const colon = l.indexOf(':');
    const name = l.slice(0, colon).toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), l.slice(colon + 1).trim()]);
  }
  return { startLine: lines[0]!, headers, body: raw.subarray(end + 4) };
}

test('SIPp registers a contact at a SIPp UAS; bindKey delivers there with mod_snom headers and exact bodies', { skip, timeout: 60_000 }, async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'snomctl-service-sipp-'));
  const scenario = path.join(dir, 'register.xml');
  writeFileSync(scenario, REGISTER_SCENARIO);
  const log = path.join(dir, 'uas-messages.log');
  const service = createService({
    // the second domain is the listener's address: the Request-URI of SIPp's REGISTER
    domains: [DOMAIN, '127.0.0.1'],
    users: [{ user: '200', password: 's3cret' }],
    // SIPp answers only the first challenge and only MD5
    registrar: { digest: { algorithms: ['MD5'] } },
    sip: { listen: { host: '127.0.0.1', port: 0 }, timers: { t1: 100 } },
    profiles: [{ name: 'internal', route: 'embedded' }, { name: 'legacy', route: 'embedded', bodyFormat: 'mod_snom' }],
    // the registering SIPp is not the phone: send to the Contact, not to the REGISTER's source
    delivery: { destination: 'contact' },
  });
  await service.start();
  const uasPort = await freePort('127.0.0.3');
  const uas = await startSipp({
    scenario: 'uas-message.xml', localHost: '127.0.0.3', localPort: uasPort,
    extraArgs: ['-trace_msg', '-message_file', log],
  });
  try {
    const svcPort = service.sipAddress!.udpPort!;
    const reg = await runSipp({
      scenario, localHost: '127.0.0.4', localPort: await freePort('127.0.0.4'), remote: `127.0.0.1:${svcPort}`,
      service: '200', calls: 1, timeoutSeconds: 10,
      keys: { domain: DOMAIN, contact_host: '127.0.0.3', contact_port: String(uasPort), line: 'q7w2e' },
      extraArgs: ['-au', '200', '-ap', 's3cret'],
    });
    assert.equal(reg.code, 0, reg.errors || reg.stderr);
    assert.equal(reg.stats?.successful, 1);
    const bindings = service.registrar.contactsOf('200', DOMAIN);
    assert.deepEqual(bindings.map((b) => b.contact), [`sip:200@127.0.0.3:${uasPort};line=q7w2e`]);

    const one = await service.bindKey({
      profile: 'internal', user: '200', host: DOMAIN,
      keys: [{ key: '2', light: 'on', label: 'DND', action: 'message', number: `api+snom_bind_key 2 off DND 200 ${DOMAIN} internal` }],
    });
    assert.equal(one.delivered, true);
    assert.equal(one.pending, false);
    assert.equal(one.contacts.length, 1);
    const c = one.contacts[0]!;
    assert.equal(c.contact, `sip:200@127.0.0.3:${uasPort};line=q7w2e`);
    assert.equal(c.destination, `udp:127.0.0.3:${uasPort}`);
    assert.ok('status' in c && c.status === 200 && c.reason === 'OK', JSON.stringify(c));
    assert.equal(c.attempts, 1);

    const two = await service.bindKey({
      profile: 'internal', user: '200', host: DOMAIN,
      keys: [{ key: '3', light: 'off', label: 'Line 3' }, { key: '4', light: 'pickup', label: 'Pick me' }],
    });
    assert.equal(two.delivered, true);
    const legacy = await service.bindKey({
      profile: 'legacy', user: '200', host: DOMAIN, keys: [{ key: '5', light: 'on', label: 'Legacy', action: 'invite', number: '1234' }],
    });
    assert.equal(legacy.delivered, true);
    const api = await service.api(`snom_bind_key 6 hold 'On hold' 200 ${DOMAIN} internal`);
    assert.equal(api.reply, `+OK 6 hold 'On hold' 200 ${DOMAIN} internal`);
    assert.ok(api.result.command === 'snom_bind_key' && api.result.ok && api.result.bind.delivered);

    const r = await uas.stop();
    assert.equal(r.errors, '', 'the UAS logged no errors');
    const messages = receivedMessages(readFileSync(log)).map(splitWire);
    assert.equal(messages.length, 4);
    const bodies = messages.map((m) => m.body.toString('latin1'));
    assert.deepEqual(bodies, [
      `k=2\r\nc=on\r\nl=DND\r\na=message\r\nn=api+snom_bind_key 2 off DND 200 ${DOMAIN} internal\r\n`,
      'k=3\r\nc=off\r\nl=Line 3\r\n\r\nk=4\r\nc=pickup\r\nl=Pick me\r\n',
      // mod_snom's own bytes: LF lines, n= before a=
      'k=5\nc=on\nl=Legacy\nn=1234\na=invite\n',
      'k=6\r\nc=hold\r\nl=On hold\r\n',
    ]);
    const callIds = new Set<string>();
    for (const m of messages) {
      assert.equal(m.startLine, `MESSAGE sip:200@127.0.0.3:${uasPort};line=q7w2e SIP/2.0`);
      assert.match(m.headers.get('from')![0]!, /^<sip:200@pbx\.test>;tag=[A-Za-z0-9_-]+$/);
      assert.deepEqual(m.headers.get('to'), ['<sip:200@pbx.test>']);
      assert.deepEqual(m.headers.get('content-type'), ['application/x-buttons']);
      assert.deepEqual(m.headers.get('contact'), [`<sip:snomctl@127.0.0.1:${svcPort}>`]);
      assert.deepEqual(m.headers.get('cseq'), ['1 MESSAGE']);
      assert.deepEqual(m.headers.get('content-length'), [String(m.body.length)]);
      assert.equal(m.headers.has('subject'), false);
      assert.equal(m.headers.has('event'), false);
      callIds.add(m.headers.get('call-id')![0]!);
    }
    assert.equal(callIds.size, 4, 'a new Call-ID per MESSAGE');

    const status = service.keyStatus({ profile: 'internal', user: '200', host: DOMAIN });
    assert.deepEqual(status.map((s) => [s.desired.key, s.deliveries.map((d) => d.status)]), [
      ['2', ['delivered']], ['3', ['delivered']], ['4', ['delivered']], ['6', ['delivered']],
    ]);
  } finally {
    await uas.stop();
    await service.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
