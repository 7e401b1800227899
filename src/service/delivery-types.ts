// What the delivery machinery queues, reports and returns.
import type { KeyState } from '../snom/key-state.js';
import type { BodyFormat, EncodedKeyState } from './document-builder.js';
import type { KeyTarget, SendError } from './route.js';

/** A key version to deliver to one contact. */
export interface KeyVersion {
  readonly profile: string;
  readonly key: string;
  readonly version: number;
}

/** How a document's delivery ended for one waiting caller. */
export interface DocumentOutcome {
  readonly contact: string;
  readonly destination: string;
  /** Final SIP status, when a response came. */
  readonly status?: number;
  readonly reason?: string;
  /** Why no response came. */
  readonly error?: SendError;
  readonly message?: string;
  readonly latencyMs: number;
  /** Sends made for this document (1 when the first one answered). */
  readonly attempts: number;
  /** The caller's version was replaced by a newer one before it was sent; this is the newer one's outcome. */
  readonly superseded: boolean;
}

/** A key version queued on a lane, and the callers waiting for its outcome on that lane. */
export interface QueuedKey {
  readonly target: KeyTarget;
  /** The state, or (start-up re-sync) its stored encoded block. */
  readonly state: KeyState | EncodedKeyState;
  readonly version: number;
  readonly format: BodyFormat;
  readonly cause: DeliveryCause;
  /** Made when the first caller waits (a start-up re-sync queues 100,000s of entries nobody waits for). */
  waiters?: Array<(outcome: DocumentOutcome) => void>;
  /** Waiters that came from a replaced (older) version: their outcome says `superseded`. */
  supersededWaiters?: Array<(outcome: DocumentOutcome) => void>;
}

/**
 * One contact's answer to a bindKey: a SIP status (2xx = delivered), or an error without a response. The
 * shape the brief asks for: `{ contact, destination, status, reason, latencyMs }` or `{ contact, error, message }`.
 */
export type ContactResult =
  | {
    readonly contact: string;
    readonly destination: string;
    readonly delivered: boolean;
    readonly status: number;
    readonly reason: string;
    readonly latencyMs: number;
    readonly attempts: number;
    /** A newer state of the same key was delivered instead of (or after) this one. */
    readonly superseded: boolean;
  }
  | {
    readonly contact: string;
    readonly destination: string;
    readonly delivered: false;
    readonly error: SendError;
    readonly message: string;
    readonly latencyMs: number;
    readonly attempts: number;
    readonly superseded: boolean;
  };

/** The outcome of Service.bindKey. */
export interface BindKeyResult {
  readonly profile: string;
  readonly user: string;
  /** Lowercase. */
  readonly host: string;
  /** The persisted versions, in request order. */
  readonly keys: readonly { readonly key: string; readonly version: number }[];
  /** Every contact answered 2xx (false when there was no contact). */
  readonly delivered: boolean;
  /** Nothing could be sent now; the desired state is kept and sent when the phone registers. */
  readonly pending: boolean;
  /** Why nothing was sent (`not registered`, …), when `pending`. */
  readonly reason?: string;
  readonly contacts: readonly ContactResult[];
}

/** A delivery event: what happened to one document on one contact. */
export interface DeliveryEvent {
  readonly status: 'delivered' | 'retrying' | 'failed' | 'superseded' | 'closed';
  readonly user: string;
  readonly host: string;
  readonly contact: string;
  readonly destination: string;
  readonly keys: readonly KeyVersion[];
  readonly attempt: number;
  readonly sipStatus?: number;
  readonly reason?: string;
  readonly error?: SendError;
  readonly latencyMs: number;
  /** Why it was sent: a bindKey, a re-sync after a (re-)registration, or the start-up reconciliation. */
  readonly cause: DeliveryCause;
  readonly at: number;
}

/** What put keys on a lane. */
export type DeliveryCause = 'bind' | 'resync' | 'startup';
