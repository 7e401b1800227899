import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createServer, type Socket } from 'node:net';
import type { SipMessage } from '../../../../src/sip/message.js';
import type { SipParseError } from '../../../../src/sip/parse-error.js';
import { responseTo } from '../../../../src/sip/response-to.js';
import { serializeMessage } from '../../../../src/sip/serialize.js';
import type { MessageSource, TransportReceiver } from '../../../../src/sip/transport-types.js';
import { createTcpTransport, type TcpTransport, type TcpTransportOptions } from '../../../../src/sip/transport/tcp-transport.js';
import { requestWire } from '../../../helpers/sip-wire.js';

interface Client {
  readonly socket: Socket;
  data(): string;
  closed(): boolean;
}

async function client(t: TcpTransport): Promise<Client> {
  const socket = connect({ host: '127.0.0.1', port: t.localPort, localAddress: '127.0.0.9' });
  await new Promise<void>((r, j) => socket.once('connect', r).once('error', j));
  let data = '';
  let closed = false;
  socket.on('data', (d) => (data += d.toString('latin1')));
  socket.on('error', () => {});
  socket.on('close', () => (closed = true));
  return { socket, data: () => data, closed: () => closed };
}

function collect(): { receiver: TransportReceiver; messages: Array<{ msg: SipMessage; source: MessageSource }>; errors: SipParseError[] } {
  const messages: Array<{ msg: SipMessage; source: MessageSource }> = [];
  const errors: SipParseError[] = [];
  return {
    messages,
    errors,
    receiver: { onMessage: (msg, source) => void messages.push({ msg, source }), onParseError: (e) => void errors.push(e) },
  };
}

async function until(cond: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function withTransport(options: TcpTransportOptions, body: (t: TcpTransport) => Promise<void>): Promise<void> {
  const t = await createTcpTransport({ address: '127.0.0.1', port: 0, ...options });
  try {
    await body(t);
  } finally {
    await t.close();
  }
}

test('stream framing: a message split byte by byte and two messages in one chunk are each delivered once', async () => {
  await withTransport({}, async (t) => {
    const c = collect();
    t.attach(c.receiver);
    const cl = await client(t);
    const one = requestWire({ body: 'k=1' });
    for (const ch of one) {
      cl.socket.write(ch);
      await new Promise((r) => setImmediate(r));
    }
    cl.socket.write(requestWire({ branch: 'z9hG4bKb2' }) + requestWire({ branch: 'z9hG4bKb3' }));
    await until(() => c.messages.length === 3);
    assert.equal(c.messages[0]!.msg.body.toString(), 'k=1');
    const src = c.messages[0]!.source;
    assert.equal(src.transport, 'tcp');
    assert.equal(src.address, '127.0.0.9');
    assert.equal(src.port, cl.socket.localPort);
    assert.equal(src.localPort, t.localPort);
    assert.equal(typeof src.connectionId, 'number');
    assert.equal(c.messages[2]!.source, src, 'one source object per connection');
    assert.equal(t.stats.connectionsAccepted, 1);
    cl.socket.destroy();
  });
});

test('responses go back on the connection the request came on; requests to a peer reuse its connection', async () => {
  await withTransport({}, async (t) => {
    const c = collect();
    t.attach(c.receiver);
    const cl = await client(t);
    cl.socket.write(requestWire());
    await until(() => c.messages.length === 1);
    const { msg, source } = c.messages[0]!;
    assert.ok(msg.kind === 'request');
    t.send(serializeMessage(responseTo(msg, 200, 'OK')), { address: source.address, port: 5070, connectionId: source.connectionId! });
    await until(() => cl.data().startsWith('SIP/2.0 200 OK'));
    // a request to that peer's address and port reuses the inbound connection
    t.send(Buffer.from('OPTIONS sip:x SIP/2.0\r\nContent-Length: 0\r\n\r\n'), { address: '127.0.0.9', port: cl.socket.localPort! });
    await until(() => cl.data().includes('OPTIONS sip:x'));
    assert.equal(t.stats.connectionsOpened, 0);
    cl.socket.destroy();
  });
});

test('outgoing connections are opened once and reused; a refused connect reports onError', async () => {
  const accepted: Socket[] = [];
  let received = '';
  const server = createServer((s) => {
    accepted.push(s);
    s.on('data', (d) => (received += d.toString()));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.2', r));
  const port = (server.address() as { port: number }).port;
  try {
    await withTransport({}, async (t) => {
      t.send(Buffer.from('A'), { address: '127.0.0.2', port });
      t.send(Buffer.from('B'), { address: '127.0.0.2', port });
      await until(() => received === 'AB');
      assert.equal(accepted.length, 1);
      assert.equal(t.stats.connectionsOpened, 1);
      const errors: Error[] = [];
      const closedPort = await new Promise<number>((r) => {
        const s = createServer();
        s.listen(0, '127.0.0.2', () => {
          const p = (s.address() as { port: number }).port;
          s.close(() => r(p));
        });
      });
      t.send(Buffer.from('C'), { address: '127.0.0.2', port: closedPort }, (e) => errors.push(e));
      await until(() => errors.length === 1);
      assert.match(errors[0]!.message, /TCP send failed|closed/);
    });
  } finally {
    for (const s of accepted) s.destroy();
    await new Promise((r) => server.close(r));
  }
});

test('CRLFCRLF keep-alive is answered with CRLF; a lone CRLF is ignored', async () => {
  await withTransport({}, async (t) => {
    const c = collect();
    t.attach(c.receiver);
    const cl = await client(t);
    cl.socket.write('\r\n\r\n');
    await until(() => cl.data() === '\r\n');
    cl.socket.write('\r\n' + requestWire());
    await until(() => c.messages.length === 1);
    assert.equal(t.stats.keepalives, 2);
    assert.equal(cl.data(), '\r\n');
    cl.socket.destroy();
  });
});

test('a connection that buffers more than maxBufferedBytes is closed', async () => {
  await withTransport({ maxBufferedBytes: 1000 }, async (t) => {
    t.attach(collect().receiver);
    const cl = await client(t);
    cl.socket.write(`MESSAGE sip:a@b SIP/2.0\r\nX-Pad: ${'x'.repeat(2000)}`);
    await until(() => cl.closed());
    assert.equal(t.stats.dropped['buffer-limit'], 1);
    assert.equal(t.connectionCount, 0);
  });
});

test('an idle connection is closed after idleTimeoutMs', async () => {
  await withTransport({ idleTimeoutMs: 150 }, async (t) => {
    t.attach(collect().receiver);
    const cl = await client(t);
    const start = Date.now();
    await until(() => cl.closed());
    assert.ok(Date.now() - start >= 100, 'not before the idle timeout');
    await until(() => t.connectionCount === 0);
    assert.equal(t.stats.connectionsClosed, 1);
  });
});

test('a framing error closes the connection after the receiver could answer a readable request with 400', async () => {
  await withTransport({}, async (t) => {
    const c = collect();
    t.attach({
      onMessage: c.receiver.onMessage,
      onParseError: (error, source) => {
        c.errors.push(error);
        if (error.partial?.kind === 'request') {
          t.send(serializeMessage(responseTo(error, error.status, error.reason)), { address: source.address, port: source.port, connectionId: source.connectionId! });
        }
      },
    });
    const cl = await client(t);
    // no Content-Length: framing is impossible on a stream (RFC 3261 §18.3)
    cl.socket.write(requestWire().replace(/Content-Length: 0\r\n/, ''));
    await until(() => cl.closed());
    assert.match(cl.data(), /^SIP\/2\.0 400 Missing Content-Length header\r\n/);
    assert.match(cl.data(), /Via: SIP\/2\.0\/UDP 127\.0\.0\.9:5070;branch=z9hG4bKpeer1\r\n/);
    assert.equal(c.errors.length, 1);
    assert.equal(t.stats.dropped.framing, 1);

    const garbage = await client(t);
    garbage.socket.write(Buffer.from([0, 1, 2, 3, 13, 10, 13, 10, 255, 254]));
    await until(() => garbage.closed());
    assert.equal(garbage.data(), '');
    assert.equal(t.stats.dropped.framing, 2);
  });
});

test('connections beyond maxConnections are refused', async () => {
  await withTransport({ maxConnections: 2 }, async (t) => {
    const c = collect();
    t.attach(c.receiver);
    const a = await client(t);
    const b = await client(t);
    const third = await client(t);
    await until(() => third.closed());
    assert.equal(t.stats.dropped['connection-limit'], 1);
    a.socket.write(requestWire());
    await until(() => c.messages.length === 1);
    assert.equal(a.closed(), false);
    a.socket.destroy();
    b.socket.destroy();
  });
});
