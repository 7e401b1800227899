// The model of one key's x-buttons state and its validation (snom-protocol.md §2.1, §2.2).
import { InvalidOptionError, SnomError, err, ok, type Result } from '../util/errors.js';
import { findControlChar } from '../util/text.js';
import { KEY_ACTIONS, LED_COLOURS, LIGHTS, isKeyAction, isLedColour, isLight } from './lights.js';
import type { KeyAction, LedColour, Light } from './lights.js';

/** A field the model has no property for, kept verbatim and in order (`name=value`). */
export interface XButtonsField {
  readonly name: string;
  readonly value: string;
}

/**
 * One key's state as sent in an x-buttons block. Absent properties are absent on the wire, and the
 * phone then applies its default (§2.1; see withDefaults), not the previous value.
 */
export interface KeyState {
  /** `k=`: the key's name, the index of a function key of type Button (`button 2` → `2`). */
  readonly key: string;
  /** `c=`: the light; the phone's default is `off`. */
  readonly light?: Light;
  /** `l=`: the label on the key's display. */
  readonly label?: string;
  /** `a=`: what pressing the key does; the phone's default is `invite`. */
  readonly action?: KeyAction;
  /** `n=`: the number or data of the action; without it the key does nothing. */
  readonly number?: string;
  /** `o=`: LED colour (snom 820/821). */
  readonly colour?: LedColour;
  /** `d=`: display name. */
  readonly displayName?: string;
  /** `f=`: forward (`always`/`busy` and a target), free text. */
  readonly forward?: string;
  /** `i=`: caller. */
  readonly caller?: string;
  /** `b=`: direction (`in`/`out`), free text. */
  readonly direction?: string;
  /** `m=`: message waiting (`N/M`), free text. */
  readonly messageWaiting?: string;
  /** Fields unknown to the model, in wire order; omitted when there are none. */
  readonly extra?: readonly XButtonsField[];
}

/** An x-buttons document: the key states of one MESSAGE body, applied by the phone in order. */
export type XButtonsDocument = readonly KeyState[];

/** The KeyState properties that map to one known wire field. */
export type KeyStateProperty = Exclude<keyof KeyState, 'extra'>;

/** The known wire fields in the order the encoder writes them (`k` first, as §2.1 requires). */
export const X_BUTTONS_FIELDS: readonly { readonly name: string; readonly property: KeyStateProperty }[] =
  Object.freeze([
    { name: 'k', property: 'key' },
    { name: 'c', property: 'light' },
    { name: 'l', property: 'label' },
    { name: 'a', property: 'action' },
    { name: 'n', property: 'number' },
    { name: 'o', property: 'colour' },
    { name: 'd', property: 'displayName' },
    { name: 'f', property: 'forward' },
    { name: 'i', property: 'caller' },
    { name: 'b', property: 'direction' },
    { name: 'm', property: 'messageWaiting' },
  ] as const);

/** What a phone assumes for an absent `c=` and `a=` (§2.1, §2.2). */
export const KEY_STATE_DEFAULTS = Object.freeze({ light: 'off', action: 'invite' } as const);

/** A copy of `state` with the phone's defaults filled in for absent light and action (§2.1). */
export function withDefaults(state: KeyState): KeyState & { readonly light: Light; readonly action: KeyAction } {
  return {
    ...state,
    light: state.light ?? KEY_STATE_DEFAULTS.light,
    action: state.action ?? KEY_STATE_DEFAULTS.action,
  };
}

/** Length limits of validateKeyState, counted in Unicode code points. */
export interface KeyStateLimits {
  /** `k=` */
  readonly maxKeyLength: number;
  /** `l=` */
  readonly maxLabelLength: number;
  /** `n=` */
  readonly maxNumberLength: number;
  /** `d= f= i= b= m=` and extra field values */
  readonly maxValueLength: number;
  /** extra field names */
  readonly maxFieldNameLength: number;
}

/** The default limits: key 32, label 64, number 256, other values 256, extra field names 32 code points. */
export const KEY_STATE_LIMITS: KeyStateLimits = Object.freeze({
  maxKeyLength: 32,
  maxLabelLength: 64,
  maxNumberLength: 256,
  maxValueLength: 256,
  maxFieldNameLength: 32,
});

/** No length limits at all (what the decoder applies: it accepts what real senders produce). */
export const NO_LENGTH_LIMITS: KeyStateLimits = Object.freeze({
  maxKeyLength: Infinity,
  maxLabelLength: Infinity,
  maxNumberLength: Infinity,
  maxValueLength: Infinity,
  maxFieldNameLength: Infinity,
});

/** Overrides of KEY_STATE_LIMITS; each a non-negative integer or Infinity. */
export type KeyStateValidationOptions = Partial<KeyStateLimits>;

/** A key state that must not be sent; names the offending field and says what is wrong. */
export class KeyStateError extends SnomError<'SNOM_ERR_INVALID_KEY_STATE'> {
  /** Path of the offending property: `label`, `extra[1].value`, … ('' for the state or document as a whole). */
  readonly field: string;
  /** How the field is named in the message (`label`, `extra field "x" value`, …). */
  readonly subject: string;
  /** What is wrong, without the subject (`contains a control character (LF at position 3)`). */
  readonly problem: string;
  /** 0-based position of the key state in its document, when a whole document was validated. */
  readonly index: number | undefined;

  constructor(init: { field: string; subject: string; problem: string; index?: number }) {
    const where = init.index === undefined ? '' : `key state ${init.index + 1}: `;
    super('SNOM_ERR_INVALID_KEY_STATE', `${where}${init.subject} ${init.problem}`);
    this.name = 'KeyStateError';
    this.field = init.field;
    this.subject = init.subject;
    this.problem = init.problem;
    this.index = init.index;
  }
}

/** `k=` characters: letters, digits and `- _ . +` (never `=`, blanks or controls). */
const KEY_CHARS = /^[A-Za-z0-9_.+-]$/;
/** Extra field names: RFC 3261 token characters (no `=`, blanks or controls). */
const TOKEN_CHARS = /^[A-Za-z0-9.!%*_+`'~-]$/;
/** Whole strings of KEY_CHARS / TOKEN_CHARS (the fast path; the per-character scan names the culprit). */
const KEY_STRING = /^[A-Za-z0-9_.+-]+$/;
const TOKEN_STRING = /^[A-Za-z0-9.!%*_+`'~-]+$/;
/** Surrogates (maybe lone) and the control characters checkText rejects. */
const SUSPECT_CHARS = /[\u0000-\u001f\u007f-\u009f\ud800-\udfff]/;
const KNOWN_NAMES = new Map(X_BUTTONS_FIELDS.map((f) => [f.name, f.property]));
const FIELD_PROPERTIES: readonly KeyStateProperty[] = X_BUTTONS_FIELDS.map((f) => f.property);
const PROPERTIES = new Set<string>([...X_BUTTONS_FIELDS.map((f) => f.property), 'extra']);

/**
 * Checks a key state before it goes on the wire and returns a clean copy (known properties in wire
 * order, undefined ones and an empty `extra` dropped). Rules: `key` present, non-empty, letters, digits
 * and `- _ . +` only; light/action/colour from their lists; every value and extra name a string of
 * well-formed Unicode (no lone surrogate) without C0/C1 control characters or DEL (so no CR, LF, TAB,
 * NUL); lengths within `options` (KEY_STATE_LIMITS by default, in code points); extra names RFC 3261
 * tokens, unique, and not a known field name in any letter case; no unknown properties. Throws
 * InvalidOptionError only for bad options.
 */
export function validateKeyState(
  state: unknown,
  options?: KeyStateValidationOptions,
): Result<KeyState, KeyStateError> {
  const limits = resolveLimits(options);
  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    return fail('', 'key state', 'must be an object');
  }
  const input = state as Record<string, unknown>;
  const names = Object.keys(input);
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    if (!PROPERTIES.has(name)) return fail(name, 'key state', `has an unknown property ${quoteForMessage(name)}`);
  }
  // indexed loops over plain arrays: the store validates every state it reads (100,000s at a re-sync)
  const out: Record<string, unknown> = {};
  for (let i = 0; i < FIELD_PROPERTIES.length; i++) {
    const property = FIELD_PROPERTIES[i]!;
    const value = input[property];
    if (value === undefined) {
      if (property === 'key') return fail('key', 'key', 'is missing');
      continue;
    }
    const problem = checkProperty(property, value, limits);
    if (problem !== undefined) return fail(property, property, problem);
    out[property] = value;
  }
  if (input.extra === undefined) return ok(out as unknown as KeyState);
  const extra = checkExtra(input.extra, limits);
  if (!extra.ok) return extra;
  if (extra.value.length > 0) out.extra = extra.value;
  return ok(out as unknown as KeyState);
}

/** Validates every key state of a document (non-empty array) with validateKeyState; errors carry `index`. */
export function validateXButtonsDocument(
  doc: unknown,
  options?: KeyStateValidationOptions,
): Result<XButtonsDocument, KeyStateError> {
  resolveLimits(options);
  if (!Array.isArray(doc)) return fail('', 'document', 'must be an array of key states');
  if (doc.length === 0) return fail('', 'document', 'has no key states');
  const out: KeyState[] = [];
  for (const [index, state] of (doc as unknown[]).entries()) {
    const r = validateKeyState(state, options);
    if (!r.ok) {
      const { field, subject, problem } = r.error;
      return err(new KeyStateError({ field, subject, problem, index }));
    }
    out.push(r.value);
  }
  return ok(out);
}

function resolveLimits(options: KeyStateValidationOptions | undefined): KeyStateLimits {
  if (options === undefined || options === KEY_STATE_LIMITS) return KEY_STATE_LIMITS;
  // the frozen presets are complete and valid: no copy (the store validates every state it reads with this)
  if (options === NO_LENGTH_LIMITS) return NO_LENGTH_LIMITS;
  if (typeof options !== 'object' || options === null) throw new InvalidOptionError('options', 'must be an object');
  const limits: Record<string, number> = { ...KEY_STATE_LIMITS };
  for (const [name, value] of Object.entries(options)) {
    if (!(name in KEY_STATE_LIMITS)) throw new InvalidOptionError(name, 'is not a key state limit');
    if (value === undefined) continue;
    if (typeof value !== 'number' || !(value === Infinity || (Number.isInteger(value) && value >= 0))) {
      throw new InvalidOptionError(name, 'must be a non-negative integer or Infinity');
    }
    limits[name] = value;
  }
  return limits as unknown as KeyStateLimits;
}

function checkProperty(property: KeyStateProperty, value: unknown, limits: KeyStateLimits): string | undefined {
  const maxLength =
    property === 'key' ? limits.maxKeyLength
    : property === 'label' ? limits.maxLabelLength
    : property === 'number' ? limits.maxNumberLength
    : limits.maxValueLength;
  const problem = checkText(value, maxLength);
  if (problem !== undefined) return problem;
  const text = value as string;
  switch (property) {
    case 'key':
      return checkChars(text, KEY_CHARS, 'letters, digits and - _ . +', KEY_STRING);
    case 'light':
      return isLight(text) ? undefined : `${quoteForMessage(text)} is not one of ${LIGHTS.join(', ')}`;
    case 'action':
      return isKeyAction(text) ? undefined : `${quoteForMessage(text)} is not one of ${KEY_ACTIONS.join(', ')}`;
    case 'colour':
      return isLedColour(text) ? undefined : `${quoteForMessage(text)} is not one of ${LED_COLOURS.join(', ')}`;
    default:
      return undefined;
  }
}

function checkExtra(extra: unknown, limits: KeyStateLimits): Result<XButtonsField[], KeyStateError> {
  if (extra === undefined) return ok([]);
  if (!Array.isArray(extra)) return fail('extra', 'extra', 'must be an array of { name, value } fields');
  const out: XButtonsField[] = [];
  const seen = new Map<string, number>();
  for (const [i, entry] of (extra as unknown[]).entries()) {
    const path = `extra[${i}]`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
      return fail(path, path, 'must be an object { name, value }');
    }
    const { name, value, ...rest } = entry as Record<string, unknown>;
    const unknown = Object.keys(rest)[0];
    if (unknown !== undefined) return fail(path, path, `has an unknown property ${quoteForMessage(unknown)}`);
    const nameProblem = checkText(name, limits.maxFieldNameLength);
    if (nameProblem !== undefined) return fail(`${path}.name`, `${path}.name`, nameProblem);
    const fieldName = name as string;
    const subject = `extra field name ${quoteForMessage(fieldName)}`;
    const charProblem = checkChars(fieldName, TOKEN_CHARS, 'letters, digits and - . ! % * _ + ` \' ~', TOKEN_STRING);
    if (charProblem !== undefined) return fail(`${path}.name`, subject, charProblem);
    const known = KNOWN_NAMES.get(fieldName.toLowerCase());
    if (known !== undefined) {
      return fail(`${path}.name`, subject, `clashes with the known field ${fieldName.toLowerCase()}= (${known})`);
    }
    const first = seen.get(fieldName);
    if (first !== undefined) return fail(`${path}.name`, subject, `appears twice (extra[${first}] and ${path})`);
    seen.set(fieldName, i);
    const valueProblem = checkText(value, limits.maxValueLength);
    if (valueProblem !== undefined) {
      return fail(`${path}.value`, `extra field ${quoteForMessage(fieldName)} value`, valueProblem);
    }
    out.push({ name: fieldName, value: value as string });
  }
  return ok(out);
}

/** The rules every value shares: a string, well-formed Unicode, no control character, not too long. */
function checkText(value: unknown, maxLength: number): string | undefined {
  if (typeof value !== 'string') return `must be a string (got ${value === null ? 'null' : typeof value})`;
  // the usual value has no surrogate and no control character: one scan, and its length is its code points
  if (!SUSPECT_CHARS.test(value)) {
    return value.length > maxLength ? `is too long (${value.length} characters, at most ${maxLength})` : undefined;
  }
  const surrogate = findLoneSurrogate(value);
  if (surrogate >= 0) {
    const hex = value.charCodeAt(surrogate).toString(16).toUpperCase();
    return `is not valid Unicode (lone surrogate U+${hex} at position ${codePointCount(value, surrogate)})`;
  }
  const control = findControlChar(value);
  if (control) {
    return `contains a control character (${control.name} at position ${codePointCount(value, control.index)})`;
  }
  if (maxLength !== Infinity) {
    const length = codePointCount(value, value.length);
    if (length > maxLength) return `is too long (${length} characters, at most ${maxLength})`;
  }
  return undefined;
}

function checkChars(value: string, allowed: RegExp, description: string, allowedString: RegExp): string | undefined {
  if (value === '') return 'is empty';
  if (allowedString.test(value)) return undefined;
  let position = 0;
  for (const ch of value) {
    if (!allowed.test(ch)) return `contains ${quoteForMessage(ch)} at position ${position} (allowed: ${description})`;
    position++;
  }
  return undefined;
}

/** UTF-16 index of the first unpaired surrogate, or -1. */
function findLoneSurrogate(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    const next = s.charCodeAt(i + 1);
    if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) i++;
    else return i;
  }
  return -1;
}

/** Code points in `s` before UTF-16 index `end` (a lone surrogate counts as one). */
function codePointCount(s: string, end: number): number {
  let n = 0;
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff && i + 1 < end) i++;
    }
    n++;
  }
  return n;
}

/** A short (32 code points at most), JSON-escaped, quoted rendering of a value for an error message. */
export function quoteForMessage(value: string): string {
  let head = '';
  let count = 0;
  for (const ch of value) {
    if (count === 32) return JSON.stringify(`${head}…`);
    head += ch;
    count++;
  }
  return JSON.stringify(head);
}

function fail(field: string, subject: string, problem: string): { ok: false; error: KeyStateError } {
  return err(new KeyStateError({ field, subject, problem }));
}
