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
 * the service retries) and never rejects. The FreeSWITCH route (freeswitch-route.ts) implements it over src/esl.
 */
export interface Route {
  readonly kind: RouteKind;
  /** Where the keys of `target` go now; `reason` explains an empty list. */
  contacts(target: KeyTarget): RouteContacts | Promise<RouteContacts>;
  deliver(target: KeyTarget, contact: RouteContact, body: DeliveryBody, options: DeliverOptions): Promise<SendOutcome>;
  /** Releases what the route holds (its subscriptions; a shared connection stays open); called by Service.close after deliveries ended. */
  close?(): Promise<void>;
  /**
   * Reports targets whose contacts changed outside the service's own registrar (FreeSWITCH's
   * `sofia::register`): the service pushes their desired keys, as it does for its own registrations.
   * Returns the unsubscribe function.
   */
  onContactsChanged?(listener: (change: ContactsChange) => void): () => void;
  /** The state of the connection the route depends on (for /healthz and /metrics). */
  health?(): RouteHealth;
}

/** A target of a route whose contacts changed (host as registered; the service lowercases it). */
export interface ContactsChange {
  readonly user: string;
  readonly host: string;
  /**
   * `registered`: a new registration (first one, or a new Call-ID after a reboot) — every desired key is
   * pushed. `reachable`: still registered, seen again after the route reconnected — only the keys not
   * confirmed at their current version are pushed.
   */
  readonly cause: 'registered' | 'reachable';
  /**
   * `reachable` only: when the connection came up (epoch ms). Keys set after it went through the route
   * already (their own bind) and are not pushed again.
   */
  readonly since?: number;
}

/** What a route that holds a connection reports. Several profiles may share one connection (same `id`). */
export interface RouteHealth {
  readonly kind: RouteKind;
  /** Identifies the connection, e.g. `esl:127.0.0.1:8021`; never a secret. */
  readonly id: string;
  /** Whether the route can deliver now. */
  readonly up: boolean;
  /** The connection's own state name (`connected`, `disconnected`, `auth-failed`, …). */
  readonly state: string;
  /** Epoch ms of the current connection, when up. */
  readonly since?: number;
  /** The last connection-level failure, without secrets. */
  readonly lastError?: string;
  /** Connections re-made after one was lost. */
  readonly reconnects: number;
  /** Commands sent over the connection, by outcome (`ok`, `rejected`, `timeout`, `lost`). */
  readonly commands: Readonly<Record<string, number>>;
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
