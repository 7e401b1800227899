import type { Socket } from 'node:net';
import { frameStreamMessage, parseMessage, SipParseError, type ParsePartial } from '../parse.js';
import type { ParseLimits } from '../parse-limits.js';
import { TransportError, type MessageSource, type TransportReceiver, type TransportStats } from '../transport-types.js';

const CRLF = Buffer.from('\r\n', 'latin1');
const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');

/** What a connection needs from its transport. */
export interface ConnectionOwner {
  readonly stats: TransportStats;
  readonly limits: ParseLimits;
  /** What parseMessage gets for one framed message. */
  readonly parseOptions: { readonly limits?: ParseLimits; readonly stream: true };
  readonly maxBufferedBytes: number;
  readonly idleTimeoutMs: number;
  receiver(): TransportReceiver;
  /** Called once when the socket has closed. */
  closed(connection: TcpConnection): void;
}

/**
 * One SIP-over-TCP connection (RFC 3261 §18.3): frames messages with Content-Length, answers a CRLFCRLF
 * ping with CRLF (RFC 5626 §3.5.1), caps what it buffers in each direction and closes on framing
 * errors (after giving the receiver a chance to answer 400 when a request's headers were readable).
 */
export class TcpConnection {
  readonly id: number;
  readonly socket: Socket;
  /** The key under which the transport reuses this connection (`address|port` of the peer). */
  readonly peerKey: string;
  #source: MessageSource | undefined;
  #pending: Buffer | null = null;
  #closing = false;
  readonly #owner: ConnectionOwner;

  constructor(id: number, socket: Socket, peerKey: string, owner: ConnectionOwner) {
    this.id = id;
    this.socket = socket;
    this.peerKey = peerKey;
    this.#owner = owner;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#data(chunk));
    socket.on('timeout', () => socket.destroy(new TransportError('connection idle or connect timeout')));
    socket.on('error', () => {}); // 'close' follows; the cause reaches writers through their callbacks
    socket.on('close', () => {
      this.#closing = true;
      owner.closed(this);
    });
  }

  /** False once closing: a closing connection is never reused. */
  get usable(): boolean {
    return !this.#closing && !this.socket.destroyed;
  }

  /** Queues bytes (the socket buffers while connecting); closes the connection when too much is unsent. */
  write(data: Buffer, onError?: (error: Error) => void): void {
    if (!this.usable) {
      onError?.(new TransportError('connection is closed'));
      return;
    }
    if (this.socket.writableLength + data.length > this.#owner.maxBufferedBytes) {
      this.#owner.stats.dropped['buffer-limit']++;
      this.socket.destroy();
      onError?.(new TransportError('connection send buffer limit exceeded'));
      return;
    }
    if (onError === undefined) this.socket.write(data);
    else {
      this.socket.write(data, (error) => {
        if (error) onError(new TransportError('TCP send failed', { cause: error }));
      });
    }
    this.#owner.stats.sent++;
  }

  /** Closes after flushing what was written; destroyed if the peer does not finish within a second. */
  end(): void {
    if (this.#closing) return;
    this.#closing = true;
    this.socket.end();
    this.socket.setTimeout(1000);
  }

  #sourceOf(): MessageSource {
    this.#source ??= {
      transport: 'tcp',
      address: this.socket.remoteAddress ?? '',
      port: this.socket.remotePort ?? 0,
      family: this.socket.remoteFamily === 'IPv6' ? 6 : 4,
      localAddress: this.socket.localAddress ?? '',
      localPort: this.socket.localPort ?? 0,
      connectionId: this.id,
    };
    return this.#source;
  }

  #data(chunk: Buffer): void {
    if (this.#closing) return;
    const buf = this.#pending === null ? chunk : Buffer.concat([this.#pending, chunk]);
    this.#pending = null;
    const owner = this.#owner;
    let off = 0;
    while (off < buf.length && !this.#closing) {
      const view = off === 0 ? buf : buf.subarray(off);
      const frame = frameStreamMessage(view, owner.limits);
      if (frame.kind === 'incomplete') break;
      if (frame.kind === 'error') {
        this.#framingError(view, frame.error);
        return;
      }
      off += frame.length;
      if (frame.kind === 'keepalive') {
        owner.stats.keepalives++;
        if (frame.length === 4) this.write(CRLF);
        continue;
      }
      owner.stats.received++;
      try {
        const r = parseMessage(view.subarray(0, frame.length), owner.parseOptions);
        if (r.ok) owner.receiver().onMessage(r.value, this.#sourceOf());
        else owner.receiver().onParseError(r.error, this.#sourceOf());
      } catch {
        owner.stats.dropped['receiver-error']++;
      }
    }
    if (off < buf.length && !this.#closing) {
      if (buf.length - off > owner.maxBufferedBytes) {
        owner.stats.dropped['buffer-limit']++;
        this.socket.destroy();
        return;
      }
      this.#pending = Buffer.from(buf.subarray(off));
    }
  }

  #framingError(view: Buffer, error: SipParseError): void {
    const owner = this.#owner;
    owner.stats.dropped[error.status === 513 ? 'too-large' : 'framing']++;
    const headEnd = view.indexOf(CRLFCRLF);
    if (headEnd > 0) {
      // The header section alone, parsed as a datagram would be: a request there can still get its 400/513.
      const r = parseMessage(view.subarray(0, headEnd + 4), { limits: owner.limits });
      let partial: ParsePartial | undefined;
      if (r.ok) {
        if (r.value.kind === 'request') partial = { kind: 'request', method: r.value.method, headers: r.value.headers };
      } else if (r.error.partial?.kind === 'request') partial = r.error.partial;
      if (partial !== undefined) {
        try {
          owner.receiver().onParseError(new SipParseError(error.status, error.reason, { partial }), this.#sourceOf());
        } catch {
          owner.stats.dropped['receiver-error']++;
        }
      }
    }
    this.end();
  }
}
