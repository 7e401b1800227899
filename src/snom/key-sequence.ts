// `command.htm?key=` key sequences: `Key[,Time[,Pause]][;Key[,Time[,Pause]]…]` (snom-protocol.md §3).
import { SnomError, err, ok, type Result } from '../util/errors.js';
import { normalizeKeyName } from './key-names.js';

/** One press in a key sequence: the key as the caller spelled it, how long it is held, the pause after. */
export interface KeyEvent {
  readonly key: string;
  /** Milliseconds the key is held down (a long press); absent = the phone's default short press. */
  readonly holdMs?: number;
  /** Milliseconds to wait before the next key; only allowed together with `holdMs`. */
  readonly pauseMs?: number;
}

/** Bounds on a key sequence: at most 64 presses, each time at most 60 s (a phone is busy meanwhile). */
export const KEY_SEQUENCE_LIMITS = Object.freeze({ maxEvents: 64, maxMs: 60_000 });

/** Why a key sequence was refused. */
export type KeySequenceErrorReason =
  | 'empty' // no text at all
  | 'empty-element' // `;;`, a leading or trailing `;`, or an empty key before `,`
  | 'unknown-key'
  | 'bad-time' // not a non-negative integer in decimal digits
  | 'time-too-large'
  | 'too-many-fields' // more than Key,Time,Pause
  | 'pause-without-hold'
  | 'too-many-events';

/** A key sequence that the phone would not understand; `index` is the 0-based press it concerns. */
export class KeySequenceError extends SnomError<'SNOM_ERR_INVALID_KEY_SEQUENCE'> {
  readonly reason: KeySequenceErrorReason;
  readonly index: number | undefined;

  constructor(reason: KeySequenceErrorReason, message: string, index?: number) {
    super('SNOM_ERR_INVALID_KEY_SEQUENCE', index === undefined ? message : `key ${index + 1}: ${message}`);
    this.name = 'KeySequenceError';
    this.reason = reason;
    this.index = index;
  }
}

const DIGITS = /^[0-9]{1,5}$/;

/** Quotes user text for an error message: JSON escaping neutralises control characters, cut at 32. */
function shown(text: string): string {
  return JSON.stringify(text.length > 32 ? `${text.slice(0, 32)}…` : text);
}

function parseMs(text: string, what: string, index: number): Result<number, KeySequenceError> {
  if (!DIGITS.test(text)) {
    return text.length > 0 && /^[0-9]+$/.test(text)
      ? err(new KeySequenceError('time-too-large', `${what} above ${KEY_SEQUENCE_LIMITS.maxMs} ms`, index))
      : err(new KeySequenceError('bad-time', `${what} ${shown(text)} is not a whole number of ms`, index));
  }
  const ms = Number(text);
  if (ms > KEY_SEQUENCE_LIMITS.maxMs) {
    return err(new KeySequenceError('time-too-large', `${what} ${ms} above ${KEY_SEQUENCE_LIMITS.maxMs} ms`, index));
  }
  return ok(ms);
}

/**
 * Parses a key sequence such as `enter,50,5000;cancel,50,1000`. Key names are matched
 * case-insensitively and kept as written; times are decimal milliseconds 0..60000 (leading zeros
 * allowed); spaces are not allowed anywhere. Never throws.
 */
export function parseKeySequence(text: string): Result<KeyEvent[], KeySequenceError> {
  if (typeof text !== 'string' || text.length === 0) return err(new KeySequenceError('empty', 'empty key sequence'));
  const parts = text.split(';');
  if (parts.length > KEY_SEQUENCE_LIMITS.maxEvents) {
    return err(new KeySequenceError('too-many-events', `more than ${KEY_SEQUENCE_LIMITS.maxEvents} keys`));
  }
  const events: KeyEvent[] = [];
  for (const [index, part] of parts.entries()) {
    const fields = part.split(',');
    const [key = '', hold, pause] = fields;
    if (key.length === 0) return err(new KeySequenceError('empty-element', 'empty key', index));
    if (fields.length > 3) return err(new KeySequenceError('too-many-fields', 'more than key,time,pause', index));
    if (normalizeKeyName(key) === undefined) {
      return err(new KeySequenceError('unknown-key', `unknown key ${shown(key)}`, index));
    }
    if (hold === undefined) {
      events.push({ key });
      continue;
    }
    const holdMs = parseMs(hold, 'time', index);
    if (!holdMs.ok) return holdMs;
    if (pause === undefined) {
      events.push({ key, holdMs: holdMs.value });
      continue;
    }
    const pauseMs = parseMs(pause, 'pause', index);
    if (!pauseMs.ok) return pauseMs;
    events.push({ key, holdMs: holdMs.value, pauseMs: pauseMs.value });
  }
  return ok(events);
}

function checkMs(ms: number, what: string, index: number): KeySequenceError | undefined {
  if (!Number.isSafeInteger(ms) || ms < 0) {
    return new KeySequenceError('bad-time', `${what} is not a non-negative whole number of ms`, index);
  }
  if (ms > KEY_SEQUENCE_LIMITS.maxMs) {
    return new KeySequenceError('time-too-large', `${what} ${ms} above ${KEY_SEQUENCE_LIMITS.maxMs} ms`, index);
  }
  return undefined;
}

/**
 * Writes key events back as sequence text (`ENTER,50,5000;CANCEL`), keys as given. Validates like
 * parseKeySequence, so `parseKeySequence(formatKeySequence(e).value)` gives `e` back.
 */
export function formatKeySequence(events: readonly KeyEvent[]): Result<string, KeySequenceError> {
  if (events.length === 0) return err(new KeySequenceError('empty', 'empty key sequence'));
  if (events.length > KEY_SEQUENCE_LIMITS.maxEvents) {
    return err(new KeySequenceError('too-many-events', `more than ${KEY_SEQUENCE_LIMITS.maxEvents} keys`));
  }
  const parts: string[] = [];
  for (const [index, { key, holdMs, pauseMs }] of events.entries()) {
    if (typeof key !== 'string' || key.length === 0) {
      return err(new KeySequenceError('empty-element', 'empty key', index));
    }
    if (normalizeKeyName(key) === undefined) {
      return err(new KeySequenceError('unknown-key', `unknown key ${shown(key)}`, index));
    }
    let part = key;
    if (holdMs !== undefined) {
      const bad = checkMs(holdMs, 'time', index);
      if (bad) return err(bad);
      part += `,${holdMs}`;
    }
    if (pauseMs !== undefined) {
      if (holdMs === undefined) {
        return err(new KeySequenceError('pause-without-hold', 'a pause needs a hold time before it', index));
      }
      const bad = checkMs(pauseMs, 'pause', index);
      if (bad) return err(bad);
      part += `,${pauseMs}`;
    }
    parts.push(part);
  }
  return ok(parts.join(';'));
}
