import { connect, createServer, type Server, type Socket } from 'node:net';
import { DEFAULT_PARSE_LIMITS, type ParseLimits } from '../parse-limits.js';
import {
  TransportError, createTransportStats, type SendTarget, type SipTransport, type TransportReceiver, type TransportStats,
} from '../transport-types.js';
import { bare, positiveInt, resolveBind, sentByHostFor, type BindOptions } from './bind-options.js';
import { TcpConnection, type ConnectionOwner } from './tcp-connection.js';

/** Options of createTcpTransport. */
export interface TcpTransportOptions extends BindOptions {
  /** A connection without traffic in either direction for this long is closed; default 120 000 ms. */
  readonly idleTimeoutMs?: number;
  /** Open connections (accepted plus opened) at most; more are refused; default 1024. */
  readonly maxConnections?: number;
  /** Bytes one connection may buffer in each direction (an incomplete message, unsent data); default 256 KiB. */
  readonly maxBufferedBytes?: number;
  /** Time allowed to open a connection; default 10 000 ms. */
  readonly connectTimeoutMs?: number;
}

/** Defaults of TcpTransportOptions. */
export const TCP_DEFAULTS = Object.freeze({
  idleTimeoutMs: 120_000,
  maxConnections: 1024,
  maxBufferedBytes: 256 * 1024,
  connectTimeoutMs: 10_000,
});

const NO_RECEIVER: TransportReceiver = { onMessage: () => {}, onParseError: () => {} };

/**
 * SIP over TCP (RFC 3261 §18.3): a listening server plus outgoing connections. A response goes back on
 * the connection its request came on; requests to a peer reuse an open connection to that address and
 * port (either direction), else a new one is opened.
 */
export class TcpTransport implements SipTransport, ConnectionOwner {
  readonly protocol = 'tcp' as const;
  readonly reliable = true;
  readonly family: 4 | 6;
  readonly sentByHost: string;
  readonly localAddress: string;
  readonly localPort: number;
  readonly stats: TransportStats = createTransportStats();
  readonly limits: ParseLimits;
  readonly parseOptions: { readonly limits?: ParseLimits; readonly stream: true };
  readonly maxBufferedBytes: number;
  readonly idleTimeoutMs: number;
  readonly #maxConnections: number;
  readonly #connectTimeoutMs: number;
  readonly #server: Server;
  readonly #connections = new Map<number, TcpConnection>();
  readonly #byPeer = new Map<string, TcpConnection>();
  #nextId = 1;
  #receiver: TransportReceiver = NO_RECEIVER;
  #closed: Promise<void> | undefined;

  /** @internal Use createTcpTransport. */
  constructor(server: Server, family: 4 | 6, limits: ParseLimits, options: TcpTransportOptions) {
    this.#server = server;
    this.family = family;
    this.limits = limits;
    this.parseOptions = limits === DEFAULT_PARSE_LIMITS ? { stream: true } : { limits, stream: true };
    const a = server.address();
    if (a === null || typeof a === 'string') throw new TransportError('TCP server is not listening on an IP address');
    this.localAddress = a.address;
    this.localPort = a.port;
    this.sentByHost = sentByHostFor(a.address, family, options.sentByHost);
    this.idleTimeoutMs = positiveInt('idleTimeoutMs', options.idleTimeoutMs, TCP_DEFAULTS.idleTimeoutMs);
    this.#maxConnections = positiveInt('maxConnections', options.maxConnections, TCP_DEFAULTS.maxConnections);
    this.maxBufferedBytes = positiveInt('maxBufferedBytes', options.maxBufferedBytes, TCP_DEFAULTS.maxBufferedBytes);
    this.#connectTimeoutMs = positiveInt('connectTimeoutMs', options.connectTimeoutMs, TCP_DEFAULTS.connectTimeoutMs);
    server.on('connection', (socket) => this.#accept(socket));
    server.on('error', () => {});
  }

  /** Connections open now. */
  get connectionCount(): number {
    return this.#connections.size;
  }

  attach(receiver: TransportReceiver): void {
    this.#receiver = receiver;
  }

  /** @internal */
  receiver(): TransportReceiver {
    return this.#receiver;
  }

  send(data: Buffer, target: SendTarget, onError?: (error: Error) => void): void {
    if (this.#closed !== undefined) {
      onError?.(new TransportError('TCP transport is closed'));
      return;
    }
    let conn = target.connectionId === undefined ? undefined : this.#connections.get(target.connectionId);
    if (conn === undefined || !conn.usable) {
      const key = peerKey(target.address, target.port);
      conn = this.#byPeer.get(key);
      if (conn === undefined || !conn.usable) {
        conn = this.#open(target, key);
        if (conn === undefined) {
          onError?.(new TransportError('too many open TCP connections'));
          return;
        }
      }
    }
    conn.write(data, onError);
  }

  close(): Promise<void> {
    this.#closed ??= new Promise((resolve) => {
      this.#server.close(() => resolve());
      for (const c of this.#connections.values()) c.socket.destroy();
    });
    return this.#closed;
  }

  /** @internal */
  closed(conn: TcpConnection): void {
    if (this.#connections.delete(conn.id)) this.stats.connectionsClosed++;
    if (this.#byPeer.get(conn.peerKey) === conn) this.#byPeer.delete(conn.peerKey);
  }

  #accept(socket: Socket): void {
    if (this.#closed !== undefined || this.#connections.size >= this.#maxConnections) {
      this.stats.dropped['connection-limit']++;
      socket.destroy();
      return;
    }
    this.stats.connectionsAccepted++;
    socket.setTimeout(this.idleTimeoutMs);
    this.#add(socket, peerKey(socket.remoteAddress ?? '', socket.remotePort ?? 0));
  }

  #open(target: SendTarget, key: string): TcpConnection | undefined {
    if (this.#connections.size >= this.#maxConnections) {
      this.stats.dropped['connection-limit']++;
      return undefined;
    }
    this.stats.connectionsOpened++;
    const wildcard = this.localAddress === '0.0.0.0' || this.localAddress === '::';
    const socket = connect({
      host: bare(target.address),
      port: target.port,
      family: this.family,
      ...(wildcard ? {} : { localAddress: this.localAddress }),
    });
    socket.setTimeout(this.#connectTimeoutMs);
    socket.once('connect', () => socket.setTimeout(this.idleTimeoutMs));
    return this.#add(socket, key);
  }

  #add(socket: Socket, key: string): TcpConnection {
    const conn = new TcpConnection(this.#nextId++, socket, key, this);
    this.#connections.set(conn.id, conn);
    const existing = this.#byPeer.get(key);
    if (existing === undefined || !existing.usable) this.#byPeer.set(key, conn);
    return conn;
  }
}

function peerKey(address: string, port: number): string {
  return `${bare(address).toLowerCase()}|${port}`;
}

/** Starts a TCP transport listening on the given address (IPv4 or IPv6). Rejects with the listen error. */
export async function createTcpTransport(options: TcpTransportOptions = {}): Promise<TcpTransport> {
  const bind = resolveBind(options);
  // validate the numeric options before listening
  for (const [name, v] of Object.entries({
    idleTimeoutMs: options.idleTimeoutMs, maxConnections: options.maxConnections,
    maxBufferedBytes: options.maxBufferedBytes, connectTimeoutMs: options.connectTimeoutMs,
  })) if (v !== undefined) positiveInt(name, v, 1);
  const server = createServer({ noDelay: true });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: bind.port, host: bind.address, ipv6Only: bind.family === 6 && bind.address !== '::' }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return new TcpTransport(server, bind.family, bind.limits, options);
}
