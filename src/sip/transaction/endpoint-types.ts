import type { DigestClient, DigestClientOptions } from '../../util/digest-client.js';
import type { SipRequest, SipResponse } from '../message.js';
import type { Clock, TimerBase } from '../timers.js';
import type { MessageSource, SipTransport, TransportProtocol, TransportStats } from '../transport-types.js';
import type { TransactionStats } from './transaction-env.js';

/** A pino-compatible logger subset; the endpoint logs handler failures (warn) and dropped input (debug). */
export interface EndpointLogger {
  warn(details: object, message: string): void;
  debug(details: object, message: string): void;
}

/** Options of a SipEndpoint. */
export interface SipEndpointOptions {
  /** Bound transports (see createUdpTransport / createTcpTransport); the endpoint owns them and closes them. */
  readonly transports: readonly SipTransport[];
  /** T1/T2/T4 (RFC 3261 Table 4); tests shrink T1. */
  readonly timers?: Partial<TimerBase>;
  /** Time source for every timer; default the system clock. */
  readonly clock?: Clock;
  /** Written as User-Agent in requests and Server in responses when given. */
  readonly userAgent?: string;
  /** Methods this endpoint implements (others get 501); default OPTIONS only. ACK is implied by INVITE. */
  readonly methods?: readonly string[];
  /** Option tags supported (a Require for anything else gets 420). */
  readonly extensions?: readonly string[];
  /** Request-URI schemes accepted; default sip, sips, tel. */
  readonly schemes?: readonly string[];
  /** Accept header of the automatic OPTIONS answer; default application/x-buttons and text/plain. */
  readonly accept?: readonly string[];
  /** Answer OPTIONS with 200 (Allow, Accept) without calling the handler; default true. */
  readonly answerOptions?: boolean;
  /**
   * A request handler that has not sent a final response (INVITE: any response) within this many ms gets
   * a 500 sent for it; default 8000 (below the peer's 64·T1 so it still sees an answer). 0 disables.
   */
  readonly handlerTimeoutMs?: number;
  /** From URI of requests that have no From; default `sip:snomctl@<transport host>`. */
  readonly from?: string;
  readonly logger?: EndpointLogger;
}

/** Defaults of SipEndpointOptions. */
export const ENDPOINT_DEFAULTS = Object.freeze({
  methods: Object.freeze(['OPTIONS']),
  accept: Object.freeze(['application/x-buttons', 'text/plain']),
  handlerTimeoutMs: 8000,
  /** An INVITE that got a provisional response waits this long for the final one unless timeoutMs says otherwise. */
  inviteTimeoutMs: 180_000,
});

/** Where to send a request instead of the Request-URI's host (an outbound proxy, a NAT'ed source address). */
export interface Destination {
  /** Default: the Request-URI's `transport` parameter, else udp. */
  readonly transport?: TransportProtocol;
  /** IP address or host name (IPv6 with or without brackets). */
  readonly host: string;
  /** Default 5060. */
  readonly port?: number;
}

/** Options of SipEndpoint.request. */
export interface RequestOptions {
  readonly destination?: Destination;
  /** Answers one 401/407 challenge (RFC 3261 §22.2): a DigestClient to reuse nonces, or username + password. */
  readonly credentials?: DigestClient | DigestClientOptions;
  readonly signal?: AbortSignal;
  /** Overall limit; default Timer F/B for the transaction (INVITE after a provisional: 180 000 ms). */
  readonly timeoutMs?: number;
  /** Called with each provisional response. */
  readonly onProvisional?: (response: SipResponse) => void;
}

/** Why a request produced no final response. */
export type RequestFailure =
  | 'timeout' // Timer F/B or timeoutMs
  | 'transport' // the transport could not send
  | 'aborted' // the signal fired
  | 'closed' // the endpoint was closed
  | 'no-transport' // no transport for the destination's protocol and address family
  | 'invalid-request'; // the request or its options cannot be sent as given

/** The outcome of SipEndpoint.request: a value, never a rejection. */
export type RequestResult =
  | { readonly ok: true; readonly response: SipResponse; readonly latencyMs: number }
  | { readonly ok: false; readonly error: RequestFailure; readonly message: string; readonly latencyMs: number };

/** Options of IncomingRequest.respond. */
export interface RespondOptions {
  readonly headers?: Iterable<readonly [string, string]>;
  readonly body?: Buffer | string;
  /** To tag to add (default one random tag per request, shared by all its responses). */
  readonly toTag?: string;
  /**
   * A final response to a non-INVITE request that may go without a server transaction (RFC 3261 §8.2.7,
   * e.g. a challenge): when nothing opened one yet, none is opened, and a retransmission of the request
   * reaches the handler again. Ignored otherwise.
   */
  readonly stateless?: boolean;
}

/** A received request as the handler sees it. */
export interface IncomingRequest {
  readonly request: SipRequest;
  readonly source: MessageSource;
  /**
   * Sends a response through the server transaction (responses to ACK are never sent). Returns false
   * when a final response was already sent. Throws for an unwritable status, reason or header.
   */
  readonly respond: (status: number, reason: string, options?: RespondOptions) => boolean;
}

/** Handles every acceptable request (OPTIONS too when answerOptions is false). May return a promise. */
export type RequestHandler = (incoming: IncomingRequest) => void | Promise<void>;

/** Why the endpoint dropped a message. */
export type EndpointDropReason =
  | 'parse-error' // unparseable and not answerable
  | 'invalid-response' // no usable Via or CSeq
  | 'stray-response' // matched no client transaction
  | 'unroutable' // a request without a usable Via
  | 'closed'; // arrived while closing

/** A snapshot of the endpoint's counters. */
export interface EndpointStats {
  /** Messages received and sent, over all transports. */
  readonly received: number;
  readonly sent: number;
  /** Drops by reason: the endpoint's and all transports' (summed). */
  readonly dropped: Readonly<Record<string, number>>;
  readonly retransmissions: { readonly sent: number; readonly received: number };
  readonly requestsSent: number;
  readonly timeouts: number;
  /** Requests answered statelessly by validateRequest's verdict. */
  readonly rejected: number;
  /** 400/513 answers to requests that did not parse. */
  readonly badRequests: number;
  /** Handlers that threw or rejected (answered 500 when nothing final was sent yet). */
  readonly handlerErrors: number;
  /** Handlers that missed handlerTimeoutMs (answered 500). */
  readonly handlerTimeouts: number;
  readonly transactions: { readonly client: number; readonly server: number };
  readonly transactionStats: Readonly<TransactionStats>;
  readonly transports: readonly Readonly<TransportStats>[];
}
