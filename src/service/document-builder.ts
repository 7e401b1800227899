// Turns queued key states into x-buttons bodies: one multi-block document, split only at a size limit.
import { NO_LENGTH_LIMITS, X_BUTTONS_FIELDS, type KeyState } from '../snom/key-state.js';
import { X_BUTTONS_CONTENT_TYPE, encodeModSnom } from '../snom/x-buttons.js';
import { CONTROL_CHARS } from '../util/text.js';
import type { DeliveryBody } from './route.js';

/** How a profile writes single-key documents: the Snom specification's CRLF, or mod_snom's exact LF bytes. */
export type BodyFormat = 'x-buttons' | 'mod_snom';

/** One key state to put in a document. */
export interface DocumentEntry {
  readonly state: KeyState;
  /** The format of the entry's profile. */
  readonly format: BodyFormat;
}

/** A body and the entries (indexes into the input) it carries. */
export interface BuiltDocument {
  readonly indexes: readonly number[];
  readonly body: DeliveryBody;
}

const FIELDS = [...X_BUTTONS_FIELDS];
const MOD_SNOM_FIELDS = new Set(['key', 'light', 'label', 'action', 'number']);

/**
 * Encodes entries in order as few documents as possible, none over `maxBytes` (body bytes) unless a single
 * block alone is larger (it then travels alone). Several keys are one multi-block document (snom-protocol.md
 * §2.1, CRLF lines, an empty line between blocks). A document of one entry whose format is `mod_snom` and
 * whose state mod_snom could express (light and label; action name and number both or neither) gets
 * mod_snom's LF body byte for byte (encodeModSnom). States were validated on the way in (bindKey, or
 * the store's read); blocks are written here without validating again — a re-sync writes 100,000s of
 * them — but a value with a control character still throws rather than reach the wire.
 */
export function buildDocuments(entries: readonly DocumentEntry[], maxBytes: number): BuiltDocument[] {
  if (entries.length === 1) {
    const only = entries[0]!;
    const text = only.format === 'mod_snom' ? modSnomText(only.state) ?? blockText(only.state) : blockText(only.state);
    return [{ indexes: [0], body: body(text) }];
  }
  if (entries.length === 0) return [];
  const texts = entries.map((e) => blockText(e.state));
  // a UTF-16 unit is at most 3 UTF-8 bytes: when even that bound fits, there is one document (the usual case)
  let bound = 2 * (texts.length - 1);
  for (const t of texts) bound += 3 * t.length;
  if (bound <= maxBytes) return [{ indexes: texts.map((_, i) => i), body: body(texts.join('\r\n')) }];
  const out: BuiltDocument[] = [];
  let indexes: number[] = [];
  let parts: string[] = [];
  let size = 0;
  const flush = (): void => {
    if (indexes.length === 0) return;
    out.push({ indexes, body: body(parts.join('\r\n')) });
    indexes = [];
    parts = [];
    size = 0;
  };
  for (const [i, text] of texts.entries()) {
    const bytes = Buffer.byteLength(text, 'utf8');
    const added = indexes.length === 0 ? bytes : bytes + 2;
    if (indexes.length > 0 && size + added > maxBytes) flush();
    size += indexes.length === 0 ? bytes : bytes + 2;
    indexes.push(i);
    parts.push(text);
  }
  flush();
  return out;
}

function body(text: string): DeliveryBody {
  return { contentType: X_BUTTONS_CONTENT_TYPE, body: Buffer.from(text, 'utf8') };
}

/** One block, CRLF lines, in encodeXButtons' field order (k c l a n o d f i b m, then extra fields). */
function blockText(state: KeyState): string {
  let out = '';
  for (let i = 0; i < FIELDS.length; i++) {
    const field = FIELDS[i]!;
    const value = state[field.property];
    if (value !== undefined) out += line(field.name, value);
  }
  for (const field of state.extra ?? []) out += line(field.name, field.value);
  return out;
}

function line(name: string, value: string): string {
  if (CONTROL_CHARS.test(value)) throw new TypeError(`the ${name}= value holds a control character`);
  return `${name}=${value}\r\n`;
}

/** mod_snom's body for a state it could have sent, else undefined. */
function modSnomText(state: KeyState): string | undefined {
  for (const k of Object.keys(state)) if (!MOD_SNOM_FIELDS.has(k)) return undefined;
  if (state.light === undefined || state.label === undefined) return undefined;
  if ((state.action === undefined) !== (state.number === undefined)) return undefined;
  const r = encodeModSnom(state.key, state.light, state.label, state.action, state.number, NO_LENGTH_LIMITS);
  return r.ok ? r.value : undefined;
}
