// The seam between the key-delivery machinery and the ways a MESSAGE can reach a phone (DESIGN.md
// "profiles name a route"): embedded registrar, outbound proxy, FreeSWITCH Event Socket.

/** The keys of one phone line: mod_snom's `<user> <host>` under a `<profile>` (host lowercase). */
export interface KeyTarget {
  readonly profile: string;
  readonly user: string;
  readonly host: string;
}

/** The kinds of route a profile can name. */
export type RouteKind = 'embedded' | 'proxy' | 'freeswitch';

/**
 * One place a key document is delivered to: a registered contact (embedded), or the address-of-record
 * handed to another server (proxy, FreeSWITCH). `id` identifies the delivery lane: documents to the same
 * id are sent one at a time, in order.
 */
export interface RouteContact {
  /** Stable identity of the lane (`<route>\n<aor>\n<contact>`). */
  readonly id: string;
  /** The URI the MESSAGE is addressed to (a binding's contact with its `;line=`, or `sip:user@host`). */
  readonly uri: string;
  /** Where it is sent, for results and logs: `udp:192.0.2.5:5060`. */
  readonly destination: string;
}

/** An x-buttons body ready to send. */
export interface DeliveryBody {
  readonly contentType: string;
  readonly body: Buffer;
}

/** Why a send produced no SIP response (RequestFailure of the endpoint, plus the route's own). */
export type SendError =
  | 'timeout'
  | 'transport'
  | 'aborted'
  | 'closed'
  | 'no-transport'
  | 'invalid-request'
  | 'unregistered' // the contact went away before the send
  | 'unavailable'; // the route cannot send at all now (e.g. FreeSWITCH disconnected)

/** What one send gave: a final SIP response, or an error. Never thrown. */
export type SendOutcome =
  | { readonly ok: true; readonly status: number; readonly reason: string; readonly destination: string; readonly latencyMs: number }
  | { readonly ok: false; readonly error: SendError; readonly message: string; readonly destination: string; readonly latencyMs: number };

/** Options of Route.deliver. */
export interface DeliverOptions {
  readonly signal?: AbortSignal;
  /** Limit for this one attempt (ms). */
  readonly timeoutMs: number;
}

/**
 * A way to deliver x-buttons documents. `contacts(target)` says where a target's keys go right now (empty:
 * not reachable, e.g. not registered); `deliver` sends one body to one of those contacts once (no retry:
 * the service retries) and never rejects. The FreeSWITCH route implements the same interface (src/esl).
 */
export interface Route {
  readonly kind: RouteKind;
  /** Where the keys of `target` go now; `reason` explains an empty list. */
  contacts(target: KeyTarget): RouteContacts | Promise<RouteContacts>;
  deliver(target: KeyTarget, contact: RouteContact, body: DeliveryBody, options: DeliverOptions): Promise<SendOutcome>;
  /** Releases what the route holds (connections); called by Service.close after deliveries ended. */
  close?(): Promise<void>;
}

/** The contacts of a target, or why there are none. */
export interface RouteContacts {
  readonly contacts: readonly RouteContact[];
  /** Set when `contacts` is empty: `not registered`, `not a domain of this registrar`, … */
  readonly reason?: string;
}

/** Whether a failed send may succeed later (RFC 3261 §21: 408, 5xx and transport trouble; 4xx/6xx are final). */
export function isRetryable(outcome: SendOutcome): boolean {
  if (outcome.ok) return outcome.status === 408 || (outcome.status >= 500 && outcome.status < 600);
  return outcome.error === 'timeout' || outcome.error === 'transport' || outcome.error === 'unavailable';
}
