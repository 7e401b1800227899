import type { TimerTable } from '../timers.js';
import type { SendTarget, SipTransport } from '../transport-types.js';
import type { NonInviteClientTransaction } from './non-invite-client.js';
import type { TimerQueue } from './timer-queue.js';

/** Where a transaction sends: one transport and one destination (RFC 3261 §17: fixed for its life). */
export interface Flow {
  readonly transport: SipTransport;
  readonly target: SendTarget;
}

/** Counters kept by the transactions. */
export interface TransactionStats {
  /** Requests and responses sent again by Timers A, E, G or the 2xx retransmission, and ACKs re-sent. */
  retransmissionsSent: number;
  /** Retransmitted requests and responses absorbed by an existing transaction. */
  retransmissionsReceived: number;
  /** Client transactions ended by Timer B or F. */
  timeouts: number;
  /** Sends the transport refused. */
  transportErrors: number;
}

/** A zeroed TransactionStats. */
export function createTransactionStats(): TransactionStats {
  return { retransmissionsSent: 0, retransmissionsReceived: 0, timeouts: 0, transportErrors: 0 };
}

/** What every transaction gets from the layer that owns it. */
export interface TransactionEnv {
  readonly timers: TimerTable;
  readonly queue: TimerQueue;
  readonly stats: TransactionStats;
  /** Called exactly once when a transaction reaches Terminated: it must be forgotten (no leaks). */
  terminated(tx: Terminable): void;
  /**
   * A non-INVITE client transaction with its final response over UDP hands its Timer K wait (`ms`) to the
   * layer's compact Completed record (RFC 3261 §17.1.2.2) from `now` (the queue's clock); false when it must
   * keep its own timer.
   */
  retireClient(tx: NonInviteClientTransaction, ms: number, now: number): boolean;
}

/** Anything the layer keeps in a table. */
export interface Terminable {
  readonly key: string;
  readonly kind: 'client' | 'server';
}
