// Turns queued key states into x-buttons bodies: one multi-block document, split only at a size limit.
import { NO_LENGTH_LIMITS, type KeyState } from '../snom/key-state.js';
import { X_BUTTONS_CONTENT_TYPE, decodeXButtons, encodeModSnom, encodeXButtonsBlock } from '../snom/x-buttons.js';
import type { DeliveryBody } from './route.js';

/** How a profile writes single-key documents: the Snom specification's CRLF, or mod_snom's exact LF bytes. */
export type BodyFormat = 'x-buttons' | 'mod_snom';

/**
 * A key state already encoded as its x-buttons block (encodeXButtonsBlock's CRLF lines), as the store keeps
 * it beside the state: a start-up re-sync sends it without decoding, validating or encoding the state again.
 */
export interface EncodedKeyState {
  readonly key: string;
  readonly block: string;
}

/** One key state to put in a document. */
export interface DocumentEntry {
  readonly state: KeyState | EncodedKeyState;
  /** The format of the entry's profile. */
  readonly format: BodyFormat;
}

/** A body and the entries (indexes into the input) it carries. */
export interface BuiltDocument {
  readonly indexes: readonly number[];
  readonly body: DeliveryBody;
}

const MOD_SNOM_FIELDS = new Set(['key', 'light', 'label', 'action', 'number']);

/**
 * Encodes entries in order as few documents as possible, none over `maxBytes` (body bytes) unless a single
 * block alone is larger (it then travels alone). Several keys are one multi-block document (snom-protocol.md
 * §2.1, CRLF lines, an empty line between blocks). A document of one entry whose format is `mod_snom` and
 * whose state mod_snom could express (light and label; action name and number both or neither) gets
 * mod_snom's LF body byte for byte (encodeModSnom). States were validated on the way in (bindKey, or
 * the store's read, which checks a stored block with isXButtonsBlock and uses it as is); blocks are written
 * here without validating again — a re-sync writes 100,000s of them — but a value with a control character
 * still throws rather than reach the wire.
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
function blockText(state: KeyState | EncodedKeyState): string {
  return 'block' in state ? state.block : encodeXButtonsBlock(state);
}

/** mod_snom's body for a state it could have sent, else undefined. */
function modSnomText(stored: KeyState | EncodedKeyState): string | undefined {
  let state: KeyState;
  if ('block' in stored) {
    // a lone key of a mod_snom profile read as its block: its state again (our own encoding decodes back)
    const decoded = decodeXButtons(stored.block);
    if (!decoded.ok || decoded.value.length !== 1) return undefined;
    state = decoded.value[0]!;
  } else state = stored;
  for (const k of Object.keys(state)) if (!MOD_SNOM_FIELDS.has(k)) return undefined;
  if (state.light === undefined || state.label === undefined) return undefined;
  if ((state.action === undefined) !== (state.number === undefined)) return undefined;
  const r = encodeModSnom(state.key, state.light, state.label, state.action, state.number, NO_LENGTH_LIMITS);
  return r.ok ? r.value : undefined;
}
