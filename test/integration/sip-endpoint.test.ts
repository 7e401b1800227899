// Two SipEndpoints talking over real loopback sockets: loss, IPv6, TCP framing errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { createRequest } from '../../src/sip/message.js';
import type { SipTransport } from '../../src/sip/transport-types.js';
import { SipEndpoint } from '../../src/sip/transaction/endpoint.js';
import { createTcpTransport } from '../../src/sip/transport/tcp-transport.js';
import { createUdpTransport } from '../../src/sip/transport/udp-transport.js';
import { DroppingTransport } from '../helpers/dropping-transport.js';
import { ipv6Available } from '../helpers/ports.js';
import { requestWire } from '../helpers/sip-wire.js';

const T1 = 20;

async function pair(host: string, protocol: 'udp' | 'tcp', wrap: (t: SipTransport) => SipTransport = (t) => t) {
  const make = (): Promise<SipTransport> => (protocol === 'udp' ? createUdpTransport({ address: host, port: 0 }) : createTcpTransport({ address: host, port: 0 }));
  const client = new SipEndpoint({ transports: [wrap(await make())], timers: { t1: T1 } });
  const server = new SipEndpoint({ transports: [await make()], methods: ['MESSAGE'], timers: { t1: T1 } });
  let handled = 0;
  server.onRequest((i) => {
    handled++;
    i.respond(200, 'OK');
  });
  const uriHost = host.includes(':') ? `[${host}]` : host;
  const uri = `sip:phone@${uriHost}:${server.transports[0]!.localPort}${protocol === 'tcp' ? ';transport=tcp' : ''}`;
  const close = async (): Promise<void> => {
    await client.close();
    await server.close();
  };
  return { client, server, uri, handled: () => handled, close };
}

test('a lossy network: the first two transmissions are dropped, Timer E retransmits, the request completes', async () => {
  let dropper: DroppingTransport | undefined;
  const p = await pair('127.0.0.1', 'udp', (t) => (dropper = new DroppingTransport(t, 2)));
  try {
    const r = await p.client.request(createRequest({ method: 'MESSAGE', uri: p.uri, body: 'k=1' }));
    assert.ok(r.ok && r.response.status === 200);
    assert.equal(dropper!.dropped, 2);
    assert.ok(r.latencyMs >= 3 * T1 - 5, `answered after the retransmissions at T1 and 2·T1 (${r.latencyMs} ms)`);
    assert.equal(p.client.stats().retransmissions.sent, 2);
    assert.equal(p.handled(), 1);
  } finally {
    await p.close();
  }
});

test('a network that drops everything: Timer F fires and the result is a timeout value', async () => {
  const p = await pair('127.0.0.1', 'udp', (t) => new DroppingTransport(t, Infinity));
  try {
    const started = Date.now();
    const r = await p.client.request(createRequest({ method: 'MESSAGE', uri: p.uri }));
    assert.ok(!r.ok && r.error === 'timeout');
    assert.ok(Date.now() - started >= 64 * T1 - 5);
    assert.equal(p.handled(), 0);
    assert.equal(p.client.stats().timeouts, 1);
  } finally {
    await p.close();
  }
});

for (const protocol of ['udp', 'tcp'] as const) {
  test(`IPv6 [::1] smoke over ${protocol}`, async (t) => {
    if (!(await ipv6Available())) {
      t.skip('::1 is not available here');
      return;
    }
    const p = await pair('::1', protocol);
    try {
      const results = await Promise.all([1, 2, 3].map(() => p.client.request(createRequest({ method: 'MESSAGE', uri: p.uri }))));
      for (const r of results) assert.ok(r.ok && r.response.status === 200, r.ok ? '' : r.message);
      assert.equal(p.handled(), 3);
      assert.equal(p.client.transports[0]!.sentByHost, '[::1]');
    } finally {
      await p.close();
    }
  });
}

test('over TCP a request without Content-Length gets a 400 from the endpoint and the connection is closed', async () => {
  const p = await pair('127.0.0.1', 'tcp');
  try {
    const socket = connect({ host: '127.0.0.1', port: p.server.transports[0]!.localPort });
    let data = '';
    socket.on('data', (d) => (data += d.toString()));
    const closed = new Promise<void>((r) => socket.on('close', () => r()));
    socket.write(requestWire({ transport: 'TCP', sentBy: '127.0.0.1:9' }).replace(/Content-Length: 0\r\n/, ''));
    await closed;
    assert.match(data, /^SIP\/2\.0 400 Missing Content-Length header\r\n/);
    assert.equal(p.server.stats().badRequests, 1);
    assert.equal(p.handled(), 0);
  } finally {
    await p.close();
  }
});
