// The contract between SIP transports (src/sip/transport: sockets) and their user (the endpoint in
// src/sip/transaction): declared here, in the pure sip layer both may import.
import { SnomError } from '../util/errors.js';
import type { SipMessage } from './message.js';
import type { SipParseError } from './parse-error.js';

/** Transport protocols this stack speaks. */
export type TransportProtocol = 'udp' | 'tcp';

/** Where a received message came from (needed for Via `received`/`rport`, RFC 3261 §18.2.1, RFC 3581). */
export interface MessageSource {
  readonly transport: TransportProtocol;
  /** The peer's address (IPv6 without brackets) and port. */
  readonly address: string;
  readonly port: number;
  readonly family: 4 | 6;
  /** The local address and port the message arrived on. */
  readonly localAddress: string;
  readonly localPort: number;
  /** Stream transports: the connection it came on (responses go back on it, §18.2.2). */
  readonly connectionId?: number;
}

/** Where to send: an IP address or host name and port; on a stream transport, preferably a connection. */
export interface SendTarget {
  readonly address: string;
  readonly port: number;
  /** Use this connection while it is open; else a connection to address:port is reused or opened. */
  readonly connectionId?: number;
}

/** What a transport hands its receiver. Both are called synchronously from the receive path. */
export interface TransportReceiver {
  /** A message that parsed. */
  onMessage(message: SipMessage, source: MessageSource): void;
  /** A message that did not parse; `error.partial` tells whether a request can still be answered. */
  onParseError(error: SipParseError, source: MessageSource): void;
}

/** Why a transport dropped input or output; counted in TransportStats.dropped. */
export type DropReason =
  | 'too-large' // a stream message over the size limit (connection closed)
  | 'framing' // a stream that cannot be framed any more (connection closed)
  | 'buffer-limit' // a connection buffered more than allowed (closed)
  | 'connection-limit' // a connection refused because too many are open
  | 'receiver-error' // the receiver threw
  | 'send-error'; // the operating system refused a send

/** Counters of one transport; read them, never write. */
export interface TransportStats {
  /** Messages delivered to the receiver, parsed or not (parse errors are counted by the receiver). */
  received: number;
  /** Messages handed to the operating system. */
  sent: number;
  /** CRLF keep-alives received (answered on streams). */
  keepalives: number;
  readonly dropped: Record<DropReason, number>;
  /** Stream transports: connections accepted and opened, closed, open now. */
  connectionsAccepted: number;
  connectionsOpened: number;
  connectionsClosed: number;
}

/** A zeroed TransportStats. */
export function createTransportStats(): TransportStats {
  return {
    received: 0,
    sent: 0,
    keepalives: 0,
    dropped: {
      'too-large': 0, framing: 0, 'buffer-limit': 0, 'connection-limit': 0,
      'receiver-error': 0, 'send-error': 0,
    },
    connectionsAccepted: 0,
    connectionsOpened: 0,
    connectionsClosed: 0,
  };
}

/**
 * A bound SIP transport (RFC 3261 §18). Created by a factory in src/sip/transport and injected into
 * whatever uses it; the user calls attach() once, before traffic matters (input before it is dropped).
 */
export interface SipTransport {
  readonly protocol: TransportProtocol;
  /** True for stream transports: no retransmissions, Timers D/I/J/K are zero (§17). */
  readonly reliable: boolean;
  readonly family: 4 | 6;
  /** The bound address (IPv6 without brackets) and port (the real one when 0 was asked for). */
  readonly localAddress: string;
  readonly localPort: number;
  /** The host to write in Via sent-by and Contact (IPv6 in brackets). */
  readonly sentByHost: string;
  readonly stats: TransportStats;
  /** Sets the one receiver of every message and parse error. */
  attach(receiver: TransportReceiver): void;
  /**
   * Sends one serialized message. Never throws; `onError` is called (at most once, maybe later) when the
   * message could not be sent: no route, connection refused or closed, transport closed.
   */
  send(data: Buffer, target: SendTarget, onError?: (error: Error) => void): void;
  /** Closes sockets and connections; idempotent. */
  close(): Promise<void>;
}

/** A message could not be sent: the transport is closed, the peer is unreachable, a connection failed. */
export class TransportError extends SnomError<'SNOM_ERR_SIP_TRANSPORT'> {
  constructor(message: string, options?: { cause?: unknown }) {
    super('SNOM_ERR_SIP_TRANSPORT', message, options);
    this.name = 'TransportError';
  }
}
