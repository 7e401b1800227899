import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import type { SipMessage } from '../../../../src/sip/message.js';
import type { SipParseError } from '../../../../src/sip/parse-error.js';
import { TransportError, type MessageSource } from '../../../../src/sip/transport-types.js';
import { createUdpTransport } from '../../../../src/sip/transport/udp-transport.js';
import { InvalidOptionError } from '../../../../src/util/errors.js';
import { requestWire } from '../../../helpers/sip-wire.js';

async function peer(host = '127.0.0.9'): Promise<Socket> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, host, r));
  return s;
}

function collect() {
  const messages: Array<{ msg: SipMessage; source: MessageSource }> = [];
  const errors: Array<{ error: SipParseError; source: MessageSource }> = [];
  return {
    messages,
    errors,
    receiver: {
      onMessage: (msg: SipMessage, source: MessageSource) => void messages.push({ msg, source }),
      onParseError: (error: SipParseError, source: MessageSource) => void errors.push({ error, source }),
    },
  };
}

async function until(cond: () => boolean, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

test('a datagram is parsed and delivered with its source; sends reach the peer', async () => {
  const t = await createUdpTransport({ address: '127.0.0.1', port: 0 });
  const p = await peer();
  try {
    assert.ok(t.localPort > 0);
    assert.equal(t.localAddress, '127.0.0.1');
    assert.equal(t.sentByHost, '127.0.0.1');
    assert.equal(t.reliable, false);
    const c = collect();
    t.attach(c.receiver);
    p.send(requestWire(), t.localPort, '127.0.0.1');
    await until(() => c.messages.length === 1);
    const { msg, source } = c.messages[0]!;
    assert.equal(msg.kind === 'request' && msg.method, 'MESSAGE');
    assert.deepEqual(source, { transport: 'udp', address: '127.0.0.9', port: p.address().port, family: 4, localAddress: '127.0.0.1', localPort: t.localPort });
    const got = new Promise<Buffer>((r) => p.once('message', (m) => r(m)));
    t.send(Buffer.from('SIP/2.0 200 OK\r\n\r\n'), { address: '127.0.0.9', port: p.address().port });
    assert.equal((await got).toString(), 'SIP/2.0 200 OK\r\n\r\n');
    assert.equal(t.stats.sent, 1);
    assert.equal(t.stats.received, 1);
  } finally {
    p.close();
    await t.close();
  }
});

test('each datagram carries its own sender: peers taking turns get their own source', async () => {
  const t = await createUdpTransport({ address: '127.0.0.1', port: 0 });
  const a = await peer('127.0.0.9');
  const b = await peer('127.0.0.10');
  const a2 = await peer('127.0.0.9');
  try {
    const c = collect();
    t.attach(c.receiver);
    // a, a, b, a2 (same address as a, other port), a: every change of address or port is seen
    for (const s of [a, a, b, a2, a]) {
      const n = c.messages.length;
      s.send(requestWire(), t.localPort, '127.0.0.1');
      await until(() => c.messages.length === n + 1);
    }
    const seen = c.messages.map(({ source }) => `${source.address}:${source.port}`);
    const name = (s: Socket): string => `${s.address().address}:${s.address().port}`;
    assert.deepEqual(seen, [name(a), name(a), name(b), name(a2), name(a)]);
    for (const { source } of c.messages) {
      assert.equal(source.transport, 'udp');
      assert.equal(source.family, 4);
      assert.equal(source.localAddress, '127.0.0.1');
      assert.equal(source.localPort, t.localPort);
      assert.ok(Object.isFrozen(source));
    }
  } finally {
    a.close();
    b.close();
    a2.close();
    await t.close();
  }
});

test('garbage and keep-alives never crash; a throwing receiver is counted and the transport keeps working', async () => {
  const t = await createUdpTransport({ address: '127.0.0.1', port: 0 });
  const p = await peer();
  try {
    const c = collect();
    let throwNext = true;
    t.attach({
      onMessage: (m, s) => {
        if (throwNext) {
          throwNext = false;
          throw new Error('receiver bug');
        }
        c.receiver.onMessage(m, s);
      },
      onParseError: c.receiver.onParseError,
    });
    const port = t.localPort;
    for (const g of [Buffer.from([0, 1, 2, 3, 255]), Buffer.from('\r\n\r\n'), Buffer.from('\r\n'), Buffer.alloc(0), Buffer.from('INVITE\r\n\r\n'), Buffer.alloc(60_000, 0x41)]) {
      p.send(g, port, '127.0.0.1');
    }
    p.send(requestWire(), port, '127.0.0.1');
    p.send(requestWire({ branch: 'z9hG4bKsecond' }), port, '127.0.0.1');
    await until(() => c.messages.length === 1);
    assert.equal(t.stats.keepalives, 3);
    assert.equal(c.errors.length, 3);
    assert.equal(t.stats.dropped['receiver-error'], 1);
    assert.equal(c.messages[0]!.msg.headers.get('via'), 'SIP/2.0/UDP 127.0.0.9:5070;branch=z9hG4bKsecond');
  } finally {
    p.close();
    await t.close();
  }
});

test('send failures are reported through onError, never thrown', async () => {
  const t = await createUdpTransport({ address: '127.0.0.1', port: 0 });
  const errors: Error[] = [];
  t.send(Buffer.from('x'), { address: '127.0.0.1', port: 70000 }, (e) => errors.push(e));
  await t.close();
  t.send(Buffer.from('x'), { address: '127.0.0.1', port: 5060 }, (e) => errors.push(e));
  t.send(Buffer.from('x'), { address: '127.0.0.1', port: 5060 });
  assert.equal(errors.length, 2);
  assert.ok(errors.every((e) => e instanceof TransportError));
  await t.close(); // idempotent
});

test('createUdpTransport validates options and rejects a busy port', async () => {
  await assert.rejects(createUdpTransport({ address: 'localhost' }), InvalidOptionError);
  await assert.rejects(createUdpTransport({ address: '127.0.0.1', port: 65536 }), InvalidOptionError);
  await assert.rejects(createUdpTransport({ address: '127.0.0.1', port: 0, recvBufferSize: 0 }), InvalidOptionError);
  await assert.rejects(createUdpTransport({ address: '127.0.0.1', port: 0, sentByHost: 'a b' }), InvalidOptionError);
  const t = await createUdpTransport({ address: '127.0.0.1', port: 0, sentByHost: 'pbx.example' });
  try {
    assert.equal(t.sentByHost, 'pbx.example');
    await assert.rejects(createUdpTransport({ address: '127.0.0.1', port: t.localPort }), /EADDRINUSE/);
  } finally {
    await t.close();
  }
});
