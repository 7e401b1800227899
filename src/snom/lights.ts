// The closed value sets of an x-buttons key state (snom-protocol.md §2.2).

/** Values of `c=` (the key's light), in Snom's order; `seized` and `record` come from Kamailio's examples. */
export const LIGHTS = [
  'off',
  'on',
  'hold',
  'pickup',
  'park',
  'message',
  'offline',
  'error',
  'seized',
  'record',
] as const;

/** A key's light (`c=`). */
export type Light = (typeof LIGHTS)[number];

/**
 * Misspellings seen in the wild, accepted by the decoder only and mapped to the canonical light:
 * Kamailio's examples write `sized` for `seized`. The encoder never writes them.
 */
export const LIGHT_ALIASES: Readonly<Record<string, Light>> = Object.freeze({ sized: 'seized' });

/** Values of `a=` (what pressing the key does): `invite` calls `n=`, `message` sends a MESSAGE to `n=`. */
export const KEY_ACTIONS = ['invite', 'message'] as const;

/** What pressing a key does (`a=`). */
export type KeyAction = (typeof KEY_ACTIONS)[number];

/** Values of `o=` (LED colour, snom 820/821 only). */
export const LED_COLOURS = ['local', 'remote', 'red', 'green', 'orange'] as const;

/** A key's LED colour (`o=`). */
export type LedColour = (typeof LED_COLOURS)[number];

/** Whether `value` is one of LIGHTS (exact, case-sensitive). */
export function isLight(value: unknown): value is Light {
  return typeof value === 'string' && (LIGHTS as readonly string[]).includes(value);
}

/** Whether `value` is one of KEY_ACTIONS (exact, case-sensitive). */
export function isKeyAction(value: unknown): value is KeyAction {
  return typeof value === 'string' && (KEY_ACTIONS as readonly string[]).includes(value);
}

/** Whether `value` is one of LED_COLOURS (exact, case-sensitive). */
export function isLedColour(value: unknown): value is LedColour {
  return typeof value === 'string' && (LED_COLOURS as readonly string[]).includes(value);
}
