// How a key's light (src/snom/lights.ts, snom-protocol.md §2.2) looks on a Snom function key LED.
import { LIGHTS, type Light } from '../src/snom/lights.js';

/** LED colour as drawn. */
export type LedColourName = 'none' | 'green' | 'red' | 'orange';

/** Blink pattern: steady, slow (~1 Hz) or fast (~4 Hz). */
export type BlinkPattern = 'steady' | 'slow' | 'fast';

/** How one light looks, and what it means in words (so colour is never the only cue). */
export interface LedLook {
  readonly colour: LedColourName;
  readonly blink: BlinkPattern;
  readonly meaning: string;
}

/**
 * Every light of LIGHTS: `pickup` (a ringing call) blinks fast, `hold`/`park`/`message` blink slowly,
 * the rest are steady. A Record over Light, so a new light in src/snom/lights.ts fails to compile here.
 */
export const LED_LOOKS: Readonly<Record<Light, LedLook>> = Object.freeze({
  off: { colour: 'none', blink: 'steady', meaning: 'off' },
  on: { colour: 'green', blink: 'steady', meaning: 'on' },
  hold: { colour: 'green', blink: 'slow', meaning: 'a call on hold' },
  pickup: { colour: 'red', blink: 'fast', meaning: 'ringing, can be picked up' },
  park: { colour: 'orange', blink: 'slow', meaning: 'a call parked' },
  message: { colour: 'red', blink: 'slow', meaning: 'message waiting' },
  offline: { colour: 'red', blink: 'steady', meaning: 'unavailable or do not disturb' },
  error: { colour: 'red', blink: 'fast', meaning: 'error' },
  seized: { colour: 'red', blink: 'steady', meaning: 'line seized' },
  record: { colour: 'red', blink: 'slow', meaning: 'recording' },
});

/** The `o=` colours (snom 820/821) as drawn: local = green, remote = red. */
const COLOUR_OVERRIDE: Readonly<Record<string, LedColourName>> = Object.freeze({ local: 'green', remote: 'red', red: 'red', green: 'green', orange: 'orange' });

/** The lights in Snom's order (for the light select). */
export const LIGHT_NAMES: readonly Light[] = LIGHTS;

/** How a key with `light` (absent: the phone's default `off`) and `colour` (`o=`) looks. */
export function ledLook(light: string | undefined, colour?: string): LedLook {
  const base = (LED_LOOKS as Readonly<Record<string, LedLook>>)[light ?? 'off'] ?? { colour: 'none', blink: 'steady', meaning: `unknown light ${light ?? ''}`.trim() };
  const override = colour === undefined || base.colour === 'none' ? undefined : COLOUR_OVERRIDE[colour];
  return override === undefined ? base : { ...base, colour: override };
}

/** The LED in words: `pickup: red, blinking fast (ringing, can be picked up)`. */
export function ledText(light: string | undefined, colour?: string): string {
  const look = ledLook(light, colour);
  const name = light ?? 'off';
  if (look.colour === 'none') return `${name}: LED off`;
  const blink = look.blink === 'steady' ? 'steady' : `blinking ${look.blink}`;
  return `${name}: ${look.colour}, ${blink} (${look.meaning})`;
}
