import { createSocket, type RemoteInfo, type Socket, type SocketOptions } from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';
import { DEFAULT_PARSE_LIMITS, parseMessage } from '../parse.js';
import type { ParseLimits } from '../parse-limits.js';
import {
  TransportError, createTransportStats, type MessageSource, type SendTarget, type SipTransport,
  type TransportReceiver, type TransportStats,
} from '../transport-types.js';
import { bare, positiveInt, resolveBind, sentByHostFor, type BindOptions } from './bind-options.js';

/** Options of createUdpTransport. */
export interface UdpTransportOptions extends BindOptions {
  /** SO_RCVBUF in bytes; default 4 MiB, so bursts of responses are not dropped by the kernel. */
  readonly recvBufferSize?: number;
  /** SO_SNDBUF in bytes; default the system's. */
  readonly sendBufferSize?: number;
}

/** Defaults of UdpTransportOptions. */
export const UDP_DEFAULTS = Object.freeze({ recvBufferSize: 4 * 1024 * 1024 });

const NO_RECEIVER: TransportReceiver = { onMessage: () => {}, onParseError: () => {} };

/**
 * SIP over UDP (RFC 3261 §18): one datagram is one message. Received datagrams are parsed here; a
 * datagram of only CR/LF (a NAT keep-alive) is counted and ignored. Never throws from the receive path.
 */
export class UdpTransport implements SipTransport {
  readonly protocol = 'udp' as const;
  readonly reliable = false;
  readonly family: 4 | 6;
  readonly sentByHost: string;
  readonly stats: TransportStats = createTransportStats();
  #localAddress: string;
  #localPort: number;
  readonly #socket: Socket;
  readonly #parseOptions: { readonly limits: ParseLimits } | undefined;
  #receiver: TransportReceiver = NO_RECEIVER;
  #lastSource: MessageSource | undefined;
  #closed: Promise<void> | undefined;

  /** @internal Use createUdpTransport. */
  constructor(socket: Socket, family: 4 | 6, limits: ParseLimits, sentByHost: string | undefined) {
    this.#socket = socket;
    this.family = family;
    this.#parseOptions = limits === DEFAULT_PARSE_LIMITS ? undefined : { limits };
    const a = socket.address();
    this.#localAddress = a.address;
    this.#localPort = a.port;
    this.sentByHost = sentByHostFor(a.address, family, sentByHost);
    socket.on('message', (data, rinfo) => this.#receive(data, rinfo));
    // Without a callback, asynchronous send failures (e.g. a host name that does not resolve) surface here.
    socket.on('error', () => {
      this.stats.dropped['send-error']++;
    });
  }

  get localAddress(): string {
    return this.#localAddress;
  }

  get localPort(): number {
    return this.#localPort;
  }

  attach(receiver: TransportReceiver): void {
    this.#receiver = receiver;
  }

  send(data: Buffer, target: SendTarget, onError?: (error: Error) => void): void {
    if (this.#closed !== undefined) {
      onError?.(new TransportError('UDP transport is closed'));
      return;
    }
    try {
      if (onError === undefined) this.#socket.send(data, target.port, bare(target.address));
      else {
        this.#socket.send(data, target.port, bare(target.address), (error) => {
          if (error) {
            this.stats.dropped['send-error']++;
            onError(new TransportError(`UDP send to ${target.address}:${target.port} failed`, { cause: error }));
          }
        });
      }
      this.stats.sent++;
    } catch (error) {
      this.stats.dropped['send-error']++;
      onError?.(new TransportError(`UDP send to ${target.address}:${target.port} failed`, { cause: error }));
    }
  }

  close(): Promise<void> {
    this.#closed ??= new Promise((resolve) => {
      try {
        this.#socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
    return this.#closed;
  }

  #receive(data: Buffer, rinfo: RemoteInfo): void {
    if (this.#closed !== undefined) return;
    if (isKeepalive(data)) {
      this.stats.keepalives++;
      return;
    }
    // a peer usually sends many datagrams in a row: its (immutable) source is reused while it stays the same
    let source = this.#lastSource;
    if (source === undefined || source.port !== rinfo.port || source.address !== rinfo.address) {
      source = Object.freeze({
        transport: 'udp',
        address: rinfo.address,
        port: rinfo.port,
        family: this.family,
        localAddress: this.#localAddress,
        localPort: this.#localPort,
      });
      this.#lastSource = source;
    }
    this.stats.received++;
    try {
      const r = parseMessage(data, this.#parseOptions);
      if (r.ok) this.#receiver.onMessage(r.value, source);
      else this.#receiver.onParseError(r.error, source);
    } catch {
      this.stats.dropped['receiver-error']++;
    }
  }
}

/** Only CR and LF (RFC 5626 §3.5.1 style keep-alive), or nothing. */
function isKeepalive(data: Buffer): boolean {
  for (let i = 0; i < data.length; i++) if (data[i] !== 13 && data[i] !== 10) return false;
  return true;
}

type Lookup = NonNullable<SocketOptions['lookup']>;

/**
 * node:dgram resolves every destination, even an IP literal, through dns.lookup, which answers a literal
 * on the next tick: a deferral and a few allocations per datagram. Once `bound()` is called, this answers
 * literals synchronously (same address and family as dns.lookup gives) and passes names to dns.lookup.
 */
function literalLookup(): { lookup: Lookup; bound(): void } {
  let sync = false;
  let last = '';
  let lastFamily = 0;
  const lookup = ((hostname: string, options: unknown, callback: (error: Error | null, address: string, family: number) => void) => {
    if (sync) {
      if (hostname === last) {
        callback(null, hostname, lastFamily);
        return;
      }
      const family = isIP(hostname);
      if (family !== 0) {
        last = hostname;
        lastFamily = family;
        callback(null, hostname, family);
        return;
      }
    }
    (dnsLookup as (h: string, o: unknown, cb: typeof callback) => void)(hostname, options, callback);
  }) as Lookup;
  return { lookup, bound: () => { sync = true; } };
}

/** Binds a UDP transport (IPv4 or IPv6 by the address given). Rejects with the bind error. */
export async function createUdpTransport(options: UdpTransportOptions = {}): Promise<UdpTransport> {
  const bind = resolveBind(options);
  const recvBufferSize = positiveInt('recvBufferSize', options.recvBufferSize, UDP_DEFAULTS.recvBufferSize);
  const sendBufferSize = options.sendBufferSize === undefined ? undefined : positiveInt('sendBufferSize', options.sendBufferSize, 1);
  const resolver = literalLookup();
  const socket = createSocket({
    type: bind.family === 6 ? 'udp6' : 'udp4',
    lookup: resolver.lookup,
    recvBufferSize,
    ...(sendBufferSize === undefined ? {} : { sendBufferSize }),
    ...(bind.family === 6 && bind.address === '::' ? {} : { ipv6Only: bind.family === 6 }),
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error): void => {
      socket.close();
      reject(error);
    };
    socket.once('error', onError);
    socket.bind(bind.port, bind.address, () => {
      socket.off('error', onError);
      resolve();
    });
  });
  resolver.bound();
  return new UdpTransport(socket, bind.family, bind.limits, options.sentByHost);
}
