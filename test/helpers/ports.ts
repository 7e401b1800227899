// Free-port helpers for tests whose peers (SIPp, Kamailio) need explicit ports.
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { readFileSync } from 'node:fs';

/**
 * A port that is free for both UDP and TCP on `host` right now (binds port 0 over UDP, then checks TCP).
 * Another process may still take it before it is used: keep the gap short.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const udp = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const port = await new Promise<number>((resolve, reject) => {
      udp.once('error', reject);
      udp.bind(0, host, () => resolve(udp.address().port));
    });
    const tcpFree = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, host, () => srv.close(() => resolve(true)));
    });
    await new Promise<void>((resolve) => udp.close(() => resolve()));
    if (tcpFree) return port;
  }
  throw new Error(`no free UDP+TCP port on ${host}`);
}

/** Whether an IPv6 loopback ([::1]) can be bound here. */
export async function ipv6Available(): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp6');
    s.once('error', () => resolve(false));
    s.bind(0, '::1', () => s.close(() => resolve(true)));
  });
}

function hexPort(port: number): string {
  return port.toString(16).toUpperCase().padStart(4, '0');
}

/**
 * Whether something is bound to `port` (UDP) or listening on it (TCP), from /proc/net (Linux): lets a
 * test wait until a spawned peer is ready without sending it traffic.
 */
export function portBound(port: number, protocol: 'udp' | 'tcp'): boolean {
  const files = protocol === 'udp' ? ['/proc/net/udp', '/proc/net/udp6'] : ['/proc/net/tcp', '/proc/net/tcp6'];
  const needle = `:${hexPort(port)} `;
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, 'latin1');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      const cols = line.trim().split(/\s+/);
      // local_address is column 1; TCP state 0A is LISTEN
      if (cols[1] !== undefined && `${cols[1]} `.endsWith(needle) && (protocol === 'udp' || cols[3] === '0A')) return true;
    }
  }
  return false;
}

/** Resolves once portBound(port, protocol) holds; rejects after timeoutMs or when `dead()` says the owner exited. */
export async function waitForPort(port: number, protocol: 'udp' | 'tcp', timeoutMs = 5000, dead: () => boolean = () => false): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!portBound(port, protocol)) {
    if (dead()) throw new Error(`process exited before binding ${protocol} port ${port}`);
    if (Date.now() > deadline) throw new Error(`nothing bound ${protocol} port ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
