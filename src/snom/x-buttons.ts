// Encoding and decoding of `application/x-buttons` bodies (snom-protocol.md §1.2, §2.1).
import { SnomError, err, ok, type Result } from '../util/errors.js';
import { CONTROL_CHARS } from '../util/text.js';
import {
  KeyStateError,
  NO_LENGTH_LIMITS,
  X_BUTTONS_FIELDS,
  quoteForMessage,
  validateKeyState,
  validateXButtonsDocument,
} from './key-state.js';
import type { KeyState, KeyStateProperty, KeyStateValidationOptions, XButtonsDocument, XButtonsField } from './key-state.js';
import { LIGHT_ALIASES } from './lights.js';

/** The MIME type of the body (§2). */
export const X_BUTTONS_CONTENT_TYPE = 'application/x-buttons';

/** An x-buttons body that cannot be decoded; `line` is 1-based. */
export class XButtonsParseError extends SnomError<'SNOM_ERR_XBUTTONS_PARSE'> {
  /** 1-based line of the problem. */
  readonly line: number;
  /** Wire name of the offending field (`c`, or an extra field's name), when one is to blame. */
  readonly field: string | undefined;

  constructor(line: number, problem: string, field?: string) {
    super('SNOM_ERR_XBUTTONS_PARSE', `line ${line}: ${problem}`);
    this.name = 'XButtonsParseError';
    this.line = line;
    this.field = field;
  }
}

/**
 * Encodes a document (§2.1): every line ends in CRLF, each block starts with `k=` and lists the known
 * fields in X_BUTTONS_FIELDS order (k c l a n o d f i b m), then the extra fields in their order; absent
 * fields are omitted; one empty line separates blocks. Validates first (validateXButtonsDocument):
 * invalid input gives its KeyStateError and no text. The text is UTF-8 to be; callers make the bytes.
 */
export function encodeXButtons(doc: XButtonsDocument, options?: KeyStateValidationOptions): Result<string, KeyStateError> {
  const valid = validateXButtonsDocument(doc, options);
  if (!valid.ok) return valid;
  return ok(valid.value.map(encodeXButtonsBlock).join('\r\n'));
}

/**
 * One block of a state that passed validateKeyState (§2.1): CRLF lines in X_BUTTONS_FIELDS order, then the
 * extra fields; no empty line. It does not validate again (a re-sync writes 100,000s of blocks) but still
 * throws TypeError for a value or name with a control character rather than let it reach the wire.
 */
export function encodeXButtonsBlock(state: KeyState): string {
  let out = '';
  for (let i = 0; i < X_BUTTONS_FIELDS.length; i++) {
    const field = X_BUTTONS_FIELDS[i]!;
    const value = state[field.property];
    if (value !== undefined) out += blockLine(field.name, value);
  }
  const extra = state.extra;
  if (extra === undefined) return out;
  for (let i = 0; i < extra.length; i++) {
    const { name, value } = extra[i]!;
    if (CONTROL_CHARS.test(name)) throw new TypeError('an extra field name holds a control character');
    out += blockLine(name, value);
  }
  return out;
}

function blockLine(name: string, value: string): string {
  if (CONTROL_CHARS.test(value)) throw new TypeError(`the ${name}= value holds a control character`);
  return `${name}=${value}\r\n`;
}

/** A stored block is sent as is only when it is one well-formed block: CRLF lines `name=value`, no other control character. */
const BLOCK_TEXT = /^k=[^\u0000-\u001f\u007f-\u009f]*\r\n(?:[^\u0000-\u001f\u007f-\u009f=]+=[^\u0000-\u001f\u007f-\u009f]*\r\n)*$/u;

/**
 * Whether `text` is one x-buttons block for `key` as encodeXButtonsBlock writes it: starts with `k=<key>`,
 * CRLF lines of `name=value`, no empty line and no other control character. A cheap guard for encoded
 * text read back from storage (it checks the shape, not the field values).
 */
export function isXButtonsBlock(text: string, key: string): boolean {
  // no match object or substring per call: a re-sync checks 100,000s of blocks
  const n = key.length;
  return text.charCodeAt(n + 2) === 0x0d && text.startsWith(key, 2) && text.startsWith('k=') && BLOCK_TEXT.test(text);
}

/** mod_snom's argument names for the properties encodeModSnom writes. */
const MOD_SNOM_ARGUMENTS: Readonly<Record<string, string>> = {
  key: 'key',
  light: 'light',
  label: 'label',
  action: 'action_name',
  number: 'action',
};

/**
 * The exact body mod_snom's `snom_bind_key` sent (§1.2), LF line ends:
 * `k=<key>\nc=<light>\nl=<label>\nn=<action>\na=<actionName>\n` when both `actionName` and `action` are
 * given, else `k=<key>\nc=<light>\nl=<label>\n\n` (mod_snom dropped an action name given without an
 * action). Unlike mod_snom it validates like validateKeyState (the light and action name must be known
 * values, no control characters, limits from `options`); errors name mod_snom's arguments
 * (`action_name`, `action`).
 */
export function encodeModSnom(
  key: string,
  light: string,
  label: string,
  actionName?: string,
  action?: string,
  options?: KeyStateValidationOptions,
): Result<string, KeyStateError> {
  const withAction = actionName !== undefined && action !== undefined;
  const state = withAction ? { key, light, label, action: actionName, number: action } : { key, light, label };
  const valid = validateKeyState(state, options);
  if (!valid.ok) {
    const { field, problem } = valid.error;
    const argument = MOD_SNOM_ARGUMENTS[field] ?? field;
    return err(new KeyStateError({ field: argument, subject: argument, problem }));
  }
  const head = `k=${key}\nc=${light}\nl=${label}\n`;
  return ok(withAction ? `${head}n=${action}\na=${actionName}\n` : `${head}\n`);
}

const PROPERTY_OF = new Map<string, KeyStateProperty>(X_BUTTONS_FIELDS.map((f) => [f.name, f.property]));
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** A block being read: its fields and the line each came from. */
interface PendingBlock {
  readonly firstLine: number;
  readonly fields: Partial<Record<KeyStateProperty, string>>;
  readonly lines: Partial<Record<KeyStateProperty, number>>;
  readonly extra: XButtonsField[];
  readonly extraLines: number[];
  /** Extra field name → line it first appeared on. */
  readonly extraSeen: Map<string, number>;
}

/**
 * Decodes an x-buttons body (§2.1). Accepts CRLF, LF or a mix; a leading BOM, leading, trailing and
 * repeated empty lines are ignored; `c=sized` is read as `seized` (LIGHT_ALIASES); unknown fields go to
 * `extra` in order; absent fields stay absent (see withDefaults). Rejected, with the 1-based line:
 * invalid UTF-8, a non-empty line without `=` (a line of blanks is not empty), a block not starting with
 * `k=`, a field twice in one block (including `k=` without an empty line before it), no key state at all,
 * and any value or name that validateKeyState refuses — except that no length limit applies. Returns
 * its error for any input; never throws.
 */
export function decodeXButtons(input: string | Uint8Array): Result<XButtonsDocument, XButtonsParseError> {
  let text: string;
  if (typeof input === 'string') text = input;
  else if (input instanceof Uint8Array) {
    const decoded = decodeUtf8(input);
    if (!decoded.ok) return decoded;
    text = decoded.value;
  } else {
    return err(new XButtonsParseError(1, 'input must be a string or a byte buffer'));
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);

  const lines = text.split(/\r?\n/);
  const doc: KeyState[] = [];
  let block: PendingBlock | undefined;
  for (const [i, line] of lines.entries()) {
    const lineNo = i + 1;
    if (line === '') {
      if (block) {
        const state = finishBlock(block);
        if (!state.ok) return state;
        doc.push(state.value);
        block = undefined;
      }
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0) return fail(lineNo, 'line has no "=" (expected name=value, or an empty line between key states)');
    const name = line.slice(0, eq);
    const value = line.slice(eq + 1);
    if (!block) {
      if (name !== 'k') {
        return fail(lineNo, `a key state must start with k= (found ${quoteForMessage(name)}=)`, name);
      }
      block = { firstLine: lineNo, fields: {}, lines: {}, extra: [], extraLines: [], extraSeen: new Map() };
    }
    const added = addField(block, name, value, lineNo);
    if (!added.ok) return added;
  }
  if (block) {
    const state = finishBlock(block);
    if (!state.ok) return state;
    doc.push(state.value);
  }
  if (doc.length === 0) return fail(1, 'no key state (a document needs at least one k= line)');
  return ok(doc);
}

function addField(block: PendingBlock, name: string, value: string, lineNo: number): Result<void, XButtonsParseError> {
  const property = PROPERTY_OF.get(name);
  if (property !== undefined) {
    const first = block.lines[property];
    if (first !== undefined) {
      const problem =
        name === 'k'
          ? `k= again in the key state that started on line ${first} (separate key states with an empty line)`
          : `duplicate field ${name}= (first on line ${first})`;
      return fail(lineNo, problem, name);
    }
    block.fields[property] = property === 'light' ? (LIGHT_ALIASES[value] ?? value) : value;
    block.lines[property] = lineNo;
    return ok(undefined);
  }
  const first = block.extraSeen.get(name);
  if (first !== undefined) {
    return fail(lineNo, `duplicate field ${quoteForMessage(name)}= (first on line ${first})`, name);
  }
  block.extraSeen.set(name, lineNo);
  block.extra.push({ name, value });
  block.extraLines.push(lineNo);
  return ok(undefined);
}

function finishBlock(block: PendingBlock): Result<KeyState, XButtonsParseError> {
  const state = block.extra.length > 0 ? { ...block.fields, extra: block.extra } : block.fields;
  const valid = validateKeyState(state, NO_LENGTH_LIMITS);
  if (valid.ok) return valid;
  const { field, message } = valid.error;
  const extraIndex = /^extra\[(\d+)\]/.exec(field)?.[1];
  if (extraIndex !== undefined) {
    const index = Number(extraIndex);
    return fail(block.extraLines[index] ?? block.firstLine, message, block.extra[index]?.name);
  }
  const known = X_BUTTONS_FIELDS.find((f) => f.property === field);
  if (known) return fail(block.lines[known.property] ?? block.firstLine, message, known.name);
  return fail(block.firstLine, message);
}

function decodeUtf8(bytes: Uint8Array): Result<string, XButtonsParseError> {
  try {
    return ok(UTF8.decode(bytes));
  } catch {
    // Find the line: a 0x0A byte never occurs inside a multi-byte UTF-8 sequence.
    let start = 0;
    for (let line = 1; ; line++) {
      const nl = bytes.indexOf(0x0a, start);
      const end = nl < 0 ? bytes.length : nl;
      try {
        UTF8.decode(bytes.subarray(start, end));
      } catch {
        return fail(line, 'invalid UTF-8');
      }
      if (nl < 0) return fail(line, 'invalid UTF-8');
      start = nl + 1;
    }
  }
}

function fail(line: number, problem: string, field?: string): { ok: false; error: XButtonsParseError } {
  return err(new XButtonsParseError(line, problem, field));
}
