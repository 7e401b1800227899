// End-to-end fuzz over UDP: a registered phone sends thousands of REGISTERs and button-press MESSAGEs with
// valid Digest credentials but hostile values (control characters, %-escapes, huge numbers, URIs in the
// wrong places) in every field. The service must never fail internally (no 500, no handler error, no
// warning), everything it sends must be well-formed SIP, and it must go on serving other phones. The run
// is seeded: SNOMCTL_FUZZ_SEED repeats one (each assertion names its seed); SNOMCTL_FUZZ_REQUESTS (default 3000)
// makes it longer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { createService } from '../../src/service/index.js';
import { parseMessage } from '../../src/sip/parse.js';
import { computeDigestResponse } from '../../src/util/digest.js';
import { rng } from '../unit/sip/corpus-mutations.js';
import { RawPhone } from './service-raw-phone.js';

const DOMAIN = '127.0.0.1';
const USER = '1001';
const PASSWORD = 'fuzz-pw';
const REQUESTS = Number(process.env.SNOMCTL_FUZZ_REQUESTS ?? 3000);

const NASTY = ['', ' ', '\t', '\r', '\n', '\r\n', '\u0000', '%00', '%0d%0a', '%0A', '%', '%zz', '+', '&', '=', ';', ',', '"', '\\', '<', '>', '*',
  '@', ':', '0', '-1', '4294967296', '99999999999999999999', 'NaN', '\u00e9', '\u{1F600}', '\ufffd', 'x'.repeat(300), 'sip:', 'sips:a@b', 'tel:1',
  '[::1]', '127.0.0.1', '127.0.0.2:99999', ';line=x', 'expires=0', 'q=2', 'k=1\nc=on', 'snom_bind_key', 'snom_command', 'api+', '%20', 'DND',
  'message', 'off', '*/1001', '1001@127.0.0.1', 'internal', 'P1', '12', '$(reboot)', '__proto__', 'constructor'];

test('fuzz: hostile values in authenticated REGISTERs and button presses never fail the service or reach the wire raw', { timeout: Math.max(60_000, REQUESTS * 5) }, async () => {
  const seed = Number(process.env.SNOMCTL_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const random = rng(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const nasty = (): string => Array.from({ length: 1 + Math.floor(random() * 3) }, () => pick(NASTY)).join('');
  const maybe = (normal: string): string => (random() < 0.1 ? nasty() : random() < 0.05 ? normal + nasty() : normal);
  const at = `(seed ${seed})`;

  const warnings: string[] = [];
  const service = createService({
    domains: [DOMAIN], users: [{ user: USER, password: PASSWORD }, { user: '1002', password: 'other-pw' }],
    sip: { listen: { host: DOMAIN, port: 0 } },
    registrar: { digest: { algorithms: ['MD5'] } },
    delivery: { attemptTimeoutMs: 500, retryDelaysMs: [] },
    commands: { execute: () => Promise.resolve('+OK fuzz') },
    logger: { warn: (details, message) => warnings.push(`${message} ${JSON.stringify(details).slice(0, 300)}`), debug: () => {} },
  });
  await service.start();
  const port = service.sipAddress!.udpPort!;
  const sock = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => sock.bind(0, '127.0.0.2', resolve));
  const local = sock.address().port;
  const statuses = new Map<number, number>();
  const malformed: string[] = [];
  let nonce = '';
  sock.on('message', (data) => {
    const parsed = parseMessage(data);
    // a 400 leaves out the request's broken To/CSeq (nothing invalid is echoed), so it may lack one: only its status counts
    if (!parsed.ok && data.subarray(0, 12).toString('latin1') === 'SIP/2.0 400 ') {
      statuses.set(400, (statuses.get(400) ?? 0) + 1);
      return;
    }
    if (!parsed.ok) {
      malformed.push(`${parsed.error.reason}: ${JSON.stringify(data.toString('latin1').slice(0, 200))}`);
      return;
    }
    const m = parsed.value;
    if (m.kind === 'response') {
      statuses.set(m.status, (statuses.get(m.status) ?? 0) + 1);
      const fresh = /nonce="([^"]+)"/.exec(m.headers.get('WWW-Authenticate') ?? '');
      if (fresh) nonce = fresh[1]!;
      return;
    }
    // a key or a command's reply for the phone: answered 200
    const h = (name: string): string => `${name}: ${m.headers.get(name) ?? ''}\r\n`;
    sock.send(`SIP/2.0 200 OK\r\n${h('Via')}${h('From')}To: ${m.headers.get('To')};tag=fz\r\n${h('Call-ID')}${h('CSeq')}Content-Length: 0\r\n\r\n`, port, DOMAIN);
  });
  let nc = 0;
  const authorization = (method: string, uri: string): string => {
    const count = (++nc).toString(16).padStart(8, '0');
    const response = computeDigestResponse({
      algorithm: 'MD5', username: USER, realm: DOMAIN, secret: { password: PASSWORD }, nonce, method, uri, qop: 'auth', nc: count, cnonce: 'fz',
    });
    return `Authorization: Digest username="${USER}", realm="${DOMAIN}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5, qop=auth, nc=${count}, cnonce="fz"\r\n`;
  };
  let cseq = 1;
  const head = (method: string, uri: string, callId: string, seq: string, from = USER): string =>
    `${method} ${uri} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.2:${local};branch=z9hG4bK${Math.floor(random() * 1e12)};rport\r\nMax-Forwards: 70\r\n` +
    `From: <sip:${from}@${DOMAIN}>;tag=f${cseq}\r\nTo: <${method === 'REGISTER' ? `sip:${USER}@${DOMAIN}` : uri}>\r\nCall-ID: ${callId}\r\nCSeq: ${seq} ${method}\r\n`;
  const register = (authorized: boolean, contact: string, extra = 'Expires: 3600\r\n', callId = 'base@fuzz'): void => {
    const uri = `sip:${DOMAIN}`;
    const text = `${head('REGISTER', uri, callId, String(cseq++))}Contact: ${contact}\r\n${authorized ? authorization('REGISTER', uri) : ''}${extra}Content-Length: 0\r\n\r\n`;
    sock.send(Buffer.from(text, 'utf8'), port, DOMAIN);
  };
  const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
  /** Waits (up to 5 s) for `condition`. */
  const until = async (condition: () => boolean): Promise<boolean> => {
    for (let waited = 0; !condition() && waited < 5000; waited += 10) await pause(10);
    return condition();
  };
  const base = `<sip:${USER}@127.0.0.2:${local};line=base>`;
  try {
    register(false, base);
    assert.ok(await until(() => nonce !== ''), `challenged ${at}`);
    register(true, base);
    assert.ok(await until(() => statuses.get(200) === 1), `the phone registered ${at}`);

    for (let i = 0; i < REQUESTS; i++) {
      if (random() < 0.35) {
        const contact = random() < 0.6 ? `<sip:${USER}@127.0.0.2:${local};line=${maybe(`l${i}`)}>${maybe(';expires=60')}` : maybe(base);
        const extra = random() < 0.5 ? `Expires: ${maybe('120')}\r\n` : `${maybe('User-Agent')}: ${maybe('snomD785/10.1')}\r\n`;
        register(random() < 0.9, contact, extra, random() < 0.8 ? 'base@fuzz' : maybe(`c${i}`));
      } else {
        const line = random() < 0.5
          ? `snom_bind_key ${maybe('2')} ${maybe('on')} ${maybe('DND')} ${maybe(USER)} ${maybe(DOMAIN)} ${maybe('internal')} ${maybe('message')} ${maybe('api+snom_bind_key 2 off')}`
          : `snom_command ${maybe('127.0.0.2')} ${maybe('key')} ${maybe('P1')}`;
        const user = random() < 0.9 ? `api+${encodeURIComponent(line).replace(/%20/g, random() < 0.5 ? '%20' : '+')}` : maybe('api+x');
        const uri = `sip:${user}@${random() < 0.95 ? DOMAIN : maybe(DOMAIN)}`;
        const method = random() < 0.95 ? 'MESSAGE' : pick(['INVITE', 'OPTIONS', 'SUBSCRIBE', 'FOO', 'NOTIFY']);
        const body = maybe('press');
        const text = `${head(method, uri, `m${i}@fuzz`, maybe('1'), random() < 0.95 ? USER : maybe(USER))}` +
          `${random() < 0.9 ? authorization(method, uri) : ''}Content-Type: ${maybe('text/plain')}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
        sock.send(Buffer.from(text, 'utf8'), port, DOMAIN);
      }
      if (i % 20 === 19) await pause(2);
      if (i % 400 === 399) {
        // a fresh nonce (the server tracks a bounded window of nc values per nonce)
        register(false, base);
        await pause(20);
        nc = 0;
      }
    }
    await pause(1000);

    assert.equal(statuses.get(500) ?? 0, 0, `no request failed inside the service ${at}`);
    assert.equal(service.endpoint!.stats().dropped['receiver-error'], 0, `no receive-path exception ${at}`);
    assert.deepEqual(warnings, [], `nothing was logged as a warning ${at}`);
    assert.deepEqual(malformed.slice(0, 3), [], `everything the service sent parses ${at}`);
    assert.ok((statuses.get(202) ?? 0) > 0 && (statuses.get(400) ?? 0) > 0, `the run reached accepted presses and refusals ${at}: ${JSON.stringify([...statuses])}`);

    // another phone is served as before
    const other = await RawPhone.open({ host: '127.0.0.3', user: '1002', password: 'other-pw', domain: DOMAIN });
    try {
      const addr = { host: DOMAIN, port };
      assert.equal((await other.register(addr)).status, 200, `another phone registers ${at}`);
      assert.equal((await other.message(addr, `sip:api+snom_bind_key%202%20on%20DND%201002%20${DOMAIN}%20internal@${DOMAIN}`)).status, 202, `and presses ${at}`);
    } finally {
      await other.close();
    }
  } finally {
    sock.close();
    await service.close();
  }
});
