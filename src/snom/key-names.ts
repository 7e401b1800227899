// Key names accepted by a Snom phone's `command.htm?key=` (snom-protocol.md §3).

/** The fixed key names Snom documents, in Snom's (upper-case) spelling; `P<n>`/`EK<n>` are separate. */
export const SNOM_KEY_NAMES = Object.freeze([
  'CANCEL', 'ENTER', 'OFFHOOK', 'ONHOOK', 'RIGHT', 'LEFT', 'UP', 'DOWN', 'VOLUME_UP', 'VOLUME_DOWN',
  'MENU', 'REDIAL', 'DND', 'REC', 'F1', 'F2', 'F3', 'F4', 'SPEAKER', 'HEADSET', 'TRANSFER', 'F_HOLD',
  'F_R', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#', 'F_ADR_BOOK', 'DISCONNECT', 'CLEAR',
  'FUNCTION', 'RECALL',
] as const);

/** One of the fixed key names, upper case. */
export type SnomFixedKeyName = (typeof SNOM_KEY_NAMES)[number];

/**
 * Highest number accepted after `P` (function keys, from 1) and `EK` (expansion-module keys, from 0).
 * Snom's largest set-ups have a few hundred such keys at most; three digits without leading zeros keeps
 * the grammar closed while leaving room for any model.
 */
export const MAX_NUMBERED_KEY = 999;

const FIXED = new Set<string>(SNOM_KEY_NAMES);
const NUMBERED = /^(?:P[1-9][0-9]{0,2}|EK(?:0|[1-9][0-9]{0,2}))$/;

/**
 * Returns Snom's upper-case spelling of a key name matched case-insensitively (`enter` → `ENTER`,
 * `p12` → `P12`, `ek0` → `EK0`), or undefined when the phone does not know the name.
 */
export function normalizeKeyName(name: string): string | undefined {
  if (typeof name !== 'string' || name.length === 0 || name.length > 11) return undefined;
  // Checked before upper-casing, which maps some non-ASCII letters to ASCII (ı → I, ſ → S).
  if (!/^[\x21-\x7e]+$/.test(name)) return undefined;
  const upper = name.toUpperCase();
  return FIXED.has(upper) || NUMBERED.test(upper) ? upper : undefined;
}

/** True when `name` is a key the phone knows, compared case-insensitively. */
export function isSnomKeyName(name: string): boolean {
  return normalizeKeyName(name) !== undefined;
}
