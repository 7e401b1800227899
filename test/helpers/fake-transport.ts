// An in-memory SIP transport for unit tests: records what is sent, delivers what a test injects.
import { parseMessage } from '../../src/sip/parse.js';
import { createResponse, type SipMessage } from '../../src/sip/message.js';
import {
  createTransportStats, TransportError, type MessageSource, type SendTarget, type SipTransport, type TransportReceiver,
  type TransportStats, type TransportProtocol,
} from '../../src/sip/transport-types.js';

/** One message a FakeTransport was asked to send. */
export interface SentMessage {
  readonly data: Buffer;
  readonly target: SendTarget;
  /** The parsed message (tests assert on it). */
  readonly message: SipMessage;
  /** The FakeTransport's clock reading when sent (see `now`). */
  readonly at: number;
}

/**
 * Parses a sent message; one that does not parse (a 400 copying a broken header) is rebuilt from the
 * parser's partial result and its start line, so tests can still look at it.
 */
function parseSent(data: Buffer, stream: boolean): SipMessage {
  const r = parseMessage(data, stream ? { stream: true } : undefined);
  if (r.ok) return r.value;
  const partial = r.error.partial;
  const line = /^SIP\/2\.0 (\d{3}) (.*)\r\n/.exec(data.toString('latin1'));
  if (partial === undefined || line === null) throw new Error(`sent an unparseable message: ${r.error.message}\n${data.toString('latin1')}`);
  return createResponse({ status: Number(line[1]), reason: line[2]!, headers: partial.headers });
}

/** Options of FakeTransport. */
export interface FakeTransportOptions {
  readonly protocol?: TransportProtocol;
  readonly localAddress?: string;
  readonly localPort?: number;
  /** Time source for SentMessage.at (e.g. a FakeClock's now). */
  readonly now?: () => number;
}

/** A transport that keeps sent messages in `sent` and lets a test deliver raw or built messages. */
export class FakeTransport implements SipTransport {
  readonly protocol: TransportProtocol;
  readonly reliable: boolean;
  readonly family = 4 as const;
  readonly localAddress: string;
  readonly localPort: number;
  readonly sentByHost: string;
  readonly stats: TransportStats = createTransportStats();
  readonly sent: SentMessage[] = [];
  /** When set, the next sends fail through onError (and are not recorded). */
  failSends = false;
  closed = false;
  #receiver: TransportReceiver | undefined;
  readonly #now: () => number;

  constructor(options: FakeTransportOptions = {}) {
    this.protocol = options.protocol ?? 'udp';
    this.reliable = this.protocol === 'tcp';
    this.localAddress = options.localAddress ?? '127.0.0.1';
    this.localPort = options.localPort ?? 5060;
    this.sentByHost = this.localAddress;
    this.#now = options.now ?? (() => 0);
  }

  attach(receiver: TransportReceiver): void {
    this.#receiver = receiver;
  }

  send(data: Buffer, target: SendTarget, onError?: (error: Error) => void): void {
    if (this.closed || this.failSends) {
      onError?.(new TransportError('fake send failure'));
      return;
    }
    this.stats.sent++;
    this.sent.push({ data, target, message: parseSent(data, this.reliable), at: this.#now() });
  }

  /** Delivers wire text (or bytes) as if received from `source` (default 127.0.0.9:5070). */
  deliver(wire: string | Buffer, source: Partial<MessageSource> = {}): void {
    const data = typeof wire === 'string' ? Buffer.from(wire, 'utf8') : wire;
    const src: MessageSource = {
      transport: this.protocol,
      address: '127.0.0.9',
      port: 5070,
      family: 4,
      localAddress: this.localAddress,
      localPort: this.localPort,
      ...(this.reliable ? { connectionId: 1 } : {}),
      ...source,
    };
    this.stats.received++;
    const r = parseMessage(data, this.reliable ? { stream: true } : undefined);
    if (r.ok) this.#receiver?.onMessage(r.value, src);
    else this.#receiver?.onParseError(r.error, src);
  }

  /** Sent messages that are requests with this method / responses with this status. */
  requests(method?: string): SentMessage[] {
    return this.sent.filter((s) => s.message.kind === 'request' && (method === undefined || s.message.method === method));
  }

  responses(status?: number): SentMessage[] {
    return this.sent.filter((s) => s.message.kind === 'response' && (status === undefined || s.message.status === status));
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
