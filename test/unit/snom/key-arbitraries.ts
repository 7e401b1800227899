// fast-check arbitraries for valid key names and key events (shared by the snom tests).
import fc from 'fast-check';
import { KEY_SEQUENCE_LIMITS, type KeyEvent } from '../../../src/snom/key-sequence.js';
import { MAX_NUMBERED_KEY, SNOM_KEY_NAMES } from '../../../src/snom/key-names.js';

/** Randomly upper/lower-cases each letter. */
const anyCase = (name: string): fc.Arbitrary<string> =>
  fc.array(fc.boolean(), { minLength: name.length, maxLength: name.length }).map((flags) =>
    [...name].map((c, i) => (flags[i] ? c.toLowerCase() : c)).join(''),
  );

/** A valid key name in any letter case. */
export const keyNameArb: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(...SNOM_KEY_NAMES).chain(anyCase),
  fc.integer({ min: 1, max: MAX_NUMBERED_KEY }).chain((n) => anyCase(`P${n}`)),
  fc.integer({ min: 0, max: MAX_NUMBERED_KEY }).chain((n) => anyCase(`EK${n}`)),
);

const msArb = fc.integer({ min: 0, max: KEY_SEQUENCE_LIMITS.maxMs });

/** A valid key event: key alone, key+hold, or key+hold+pause. */
export const keyEventArb: fc.Arbitrary<KeyEvent> = fc.oneof(
  keyNameArb.map((key) => ({ key })),
  fc.tuple(keyNameArb, msArb).map(([key, holdMs]) => ({ key, holdMs })),
  fc.tuple(keyNameArb, msArb, msArb).map(([key, holdMs, pauseMs]) => ({ key, holdMs, pauseMs })),
);
