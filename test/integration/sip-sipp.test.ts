// The SIP stack against SIPp over real loopback sockets: SIPp as the phone (UAS) and as the client (UAC).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequest } from '../../src/sip/message.js';
import { SipEndpoint } from '../../src/sip/transaction/endpoint.js';
import { createTcpTransport } from '../../src/sip/transport/tcp-transport.js';
import { createUdpTransport } from '../../src/sip/transport/udp-transport.js';
import { DigestServer } from '../../src/util/digest-server.js';
import { freePort } from '../helpers/ports.js';
import { runSipp, sippMissing, startSipp } from '../helpers/sipp.js';

const skip = sippMissing();
if (skip) console.log(`# skipping SIPp tests: ${skip}`);

const BUTTONS = 'k=2\r\nc=on\r\nl=Line 2\r\nn=1002\r\na=invite\r\n';

async function endpointOn(host: string, protocol: 'udp' | 'tcp', methods: string[] = ['MESSAGE']): Promise<SipEndpoint> {
  const transport = protocol === 'udp' ? await createUdpTransport({ address: host, port: 0 }) : await createTcpTransport({ address: host, port: 0 });
  return new SipEndpoint({ transports: [transport], methods, timers: { t1: 100 } });
}

for (const protocol of ['udp', 'tcp'] as const) {
  test(`SIPp UAS answers our MESSAGEs over ${protocol}`, { skip, timeout: 30_000 }, async () => {
    const port = await freePort('127.0.0.2');
    const uas = await startSipp({ scenario: 'uas-message.xml', localHost: '127.0.0.2', localPort: port, transport: protocol });
    const endpoint = await endpointOn('127.0.0.1', protocol);
    try {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, n) =>
          endpoint.request(
            createRequest({
              method: 'MESSAGE',
              uri: `sip:phone@127.0.0.2:${port}${protocol === 'tcp' ? ';transport=tcp' : ''}`,
              headers: [['Content-Type', 'application/x-buttons'], ['Subject', `key ${n}`]],
              body: BUTTONS,
            }),
            { timeoutMs: 10_000 },
          ),
        ),
      );
      for (const r of results) {
        assert.ok(r.ok, r.ok ? '' : `${r.error}: ${r.message}`);
        assert.equal(r.response.status, 200);
        assert.match(r.response.headers.get('to') ?? '', /;tag=/);
      }
      if (protocol === 'tcp') {
        const stats = endpoint.stats().transports[0]!;
        assert.equal(stats.connectionsOpened, 1, 'one connection reused for every request');
      }
    } finally {
      await endpoint.close();
      const r = await uas.stop();
      assert.equal(r.errors, '', 'SIPp logged no errors');
    }
  });

  test(`SIPp UAC sends MESSAGE and OPTIONS to our endpoint over ${protocol} and gets 200`, { skip, timeout: 30_000 }, async () => {
    const endpoint = await endpointOn('127.0.0.1', protocol);
    const bodies: string[] = [];
    const sources = new Set<string>();
    endpoint.onRequest((incoming) => {
      bodies.push(incoming.request.body.toString());
      sources.add(`${incoming.source.transport}:${incoming.source.address}`);
      incoming.respond(200, 'OK');
    });
    const target = `127.0.0.1:${endpoint.transports[0]!.localPort}`;
    try {
      const message = await runSipp({
        scenario: 'uac-message.xml', localHost: '127.0.0.3', localPort: await freePort('127.0.0.3'), transport: protocol,
        remote: target, service: 'snomctl', calls: 50, rate: 500, limit: 10, timeoutSeconds: 15,
      });
      assert.equal(message.code, 0, message.errors || message.stderr);
      assert.equal(message.stats?.successful, 50);
      assert.equal(message.stats?.failed, 0);
      assert.equal(bodies.length, 50);
      assert.equal(bodies[0], BUTTONS, 'x-buttons body arrives intact');
      assert.deepEqual([...sources], [`${protocol}:127.0.0.3`]);

      const options = await runSipp({
        scenario: 'uac-options.xml', localHost: '127.0.0.3', localPort: await freePort('127.0.0.3'), transport: protocol,
        remote: target, service: 'snomctl', calls: 20, rate: 500, limit: 10, timeoutSeconds: 15,
      });
      assert.equal(options.code, 0, options.errors || options.stderr);
      assert.equal(options.stats?.successful, 20);
      assert.equal(bodies.length, 50, 'OPTIONS answered without the handler');
    } finally {
      await endpoint.close();
    }
  });
}

test('SIPp REGISTERs with digest to a DigestServer-backed handler: challenged, then accepted', { skip, timeout: 30_000 }, async () => {
  const endpoint = await endpointOn('127.0.0.1', 'udp', ['REGISTER']);
  const digest = new DigestServer({ realm: 'snomctl.test', algorithms: ['MD5'] });
  const outcomes: string[] = [];
  endpoint.onRequest(({ request, respond }) => {
    const auth = request.headers.get('authorization');
    if (auth === undefined) {
      outcomes.push('challenged');
      respond(401, 'Unauthorized', { headers: digest.challenge().map((c) => ['WWW-Authenticate', c] as [string, string]) });
      return;
    }
    const verdict = digest.verify(auth, request.method, (user) => (user === 'alice' ? { password: 's3cret' } : undefined), { uri: request.uri });
    outcomes.push(verdict.status);
    if (verdict.status === 'ok') respond(200, 'OK', { headers: [['Contact', request.headers.get('contact') ?? ''], ['Expires', '3600']] });
    else respond(403, 'Forbidden');
  });
  try {
    const r = await runSipp({
      scenario: 'uac-register-digest.xml', localHost: '127.0.0.3', localPort: await freePort('127.0.0.3'),
      remote: `127.0.0.1:${endpoint.transports[0]!.localPort}`, service: 'alice', calls: 5, rate: 100, limit: 5,
      timeoutSeconds: 15, extraArgs: ['-ap', 's3cret'],
    });
    assert.equal(r.code, 0, r.errors || r.stderr);
    assert.equal(r.stats?.successful, 5);
    assert.deepEqual(outcomes.filter((o) => o === 'challenged').length, 5);
    assert.deepEqual(outcomes.filter((o) => o === 'ok').length, 5);
  } finally {
    await endpoint.close();
  }
});
