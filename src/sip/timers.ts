import { InvalidOptionError } from '../util/errors.js';

/** The base values of RFC 3261 §17 Table 4, in milliseconds; every other timer derives from them. */
export interface TimerBase {
  /** RTT estimate (default 500 ms). */
  readonly t1: number;
  /** Longest retransmit interval for non-INVITE requests and INVITE responses (default 4 s). */
  readonly t2: number;
  /** Longest time a message stays in the network (default 5 s). */
  readonly t4: number;
}

/** RFC 3261 §17.1.1.1: T1 500 ms, T2 4 s, T4 5 s. */
export const DEFAULT_TIMER_BASE: TimerBase = Object.freeze({ t1: 500, t2: 4000, t4: 5000 });

/**
 * Every transaction timer (RFC 3261 Table 4, RFC 6026 L and M), in ms. A/E/G are the first
 * retransmission intervals; the reliable-transport values (D, I, J, K = 0) are applied by the transactions.
 */
export interface TimerTable extends TimerBase {
  /** INVITE client retransmit, first interval (T1, doubling without cap). */
  readonly a: number;
  /** INVITE client transaction timeout (64·T1). */
  readonly b: number;
  /** INVITE client wait for response retransmissions over UDP (64·T1: 32 s at the default T1; RFC: ≥ 32 s). */
  readonly d: number;
  /** Non-INVITE client retransmit, first interval (T1, doubling up to T2). */
  readonly e: number;
  /** Non-INVITE client transaction timeout (64·T1). */
  readonly f: number;
  /** INVITE server final-response retransmit, first interval (T1, doubling up to T2). */
  readonly g: number;
  /** INVITE server wait for ACK (64·T1). */
  readonly h: number;
  /** INVITE server wait for ACK retransmissions over UDP (T4). */
  readonly i: number;
  /** Non-INVITE server wait for request retransmissions over UDP (64·T1). */
  readonly j: number;
  /** Non-INVITE client wait for response retransmissions over UDP (T4). */
  readonly k: number;
  /** RFC 6026: INVITE server in Accepted, absorbing INVITE retransmissions after a 2xx (64·T1). */
  readonly l: number;
  /** RFC 6026: INVITE client in Accepted, passing 2xx retransmissions up (64·T1). */
  readonly m: number;
  /** §17.2.1: an INVITE server transaction sends 100 Trying when its TU has not answered within 200 ms. */
  readonly trying: number;
}

/**
 * Derives the timer table from T1/T2/T4 (defaults for the ones left out). Throws InvalidOptionError for a
 * value that is not a positive finite number or for T2 < T1.
 */
export function timerTable(base: Partial<TimerBase> = {}): TimerTable {
  const t1 = check('timers.t1', base.t1 ?? DEFAULT_TIMER_BASE.t1);
  const t2 = check('timers.t2', base.t2 ?? DEFAULT_TIMER_BASE.t2);
  const t4 = check('timers.t4', base.t4 ?? DEFAULT_TIMER_BASE.t4);
  if (t2 < t1) throw new InvalidOptionError('timers.t2', 'must not be smaller than t1');
  const t64 = 64 * t1;
  return Object.freeze({
    t1, t2, t4,
    a: t1, b: t64, d: t64, e: t1, f: t64, g: t1, h: t64, i: t4, j: t64, k: t4, l: t64, m: t64,
    trying: 200,
  });
}

function check(name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new InvalidOptionError(name, 'must be a positive number of milliseconds');
  }
  return v;
}

/**
 * The time source and one-shot timer primitive everything time-related is driven by (setTimeout-like
 * with cancel). Tests inject a fake; `systemClock` is the real one.
 */
export interface Clock {
  /** Monotonic milliseconds. */
  now(): number;
  /** Calls `callback` once after about `ms` milliseconds; the handle cancels it. */
  setTimeout(callback: () => void, ms: number): unknown;
  /** Cancels a pending callback; a handle that already fired or was cleared is ignored. */
  clearTimeout(handle: unknown): void;
}

/** performance.now() and Node's timers, unref'd so that a pending timer alone never keeps a process alive. */
export const systemClock: Clock = Object.freeze({
  now: () => performance.now(),
  setTimeout: (callback: () => void, ms: number): unknown => {
    const t = setTimeout(callback, ms);
    t.unref();
    return t;
  },
  clearTimeout: (handle: unknown): void => clearTimeout(handle as ReturnType<typeof setTimeout>),
});
