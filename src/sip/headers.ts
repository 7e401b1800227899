import { SnomError } from '../util/errors.js';

/** RFC 3261 §7.3.3 compact header forms (and later RFCs'), mapped to their lowercase full names. */
export const COMPACT_FORMS: Readonly<Record<string, string>> = {
  a: 'accept-contact',
  b: 'referred-by',
  c: 'content-type',
  d: 'request-disposition',
  e: 'content-encoding',
  f: 'from',
  i: 'call-id',
  j: 'reject-contact',
  k: 'supported',
  l: 'content-length',
  m: 'contact',
  n: 'identity-info',
  o: 'event',
  r: 'refer-to',
  s: 'subject',
  t: 'to',
  u: 'allow-events',
  v: 'via',
  x: 'session-expires',
  y: 'identity',
};

const CANONICAL_NAMES = [
  'Accept', 'Accept-Contact', 'Accept-Encoding', 'Accept-Language', 'Alert-Info', 'Allow', 'Allow-Events',
  'Authentication-Info', 'Authorization', 'Call-ID', 'Call-Info', 'Contact', 'Content-Disposition',
  'Content-Encoding', 'Content-Language', 'Content-Length', 'Content-Type', 'CSeq', 'Date', 'Error-Info',
  'Event', 'Expires', 'From', 'Identity', 'Identity-Info', 'In-Reply-To', 'Max-Forwards', 'MIME-Version',
  'Min-Expires', 'Organization', 'P-Asserted-Identity', 'Path', 'Priority', 'Proxy-Authenticate',
  'Proxy-Authorization', 'Proxy-Require', 'Reason', 'Record-Route', 'Refer-To', 'Referred-By',
  'Reject-Contact', 'Reply-To', 'Request-Disposition', 'Require', 'Retry-After', 'Route', 'Server',
  'Session-Expires', 'Subject', 'Subscription-State', 'Supported', 'Timestamp', 'To', 'Unsupported',
  'User-Agent', 'Via', 'Warning', 'WWW-Authenticate',
];

/** Lowercase key → the RFC's spelling (a Map: no inherited properties). */
const CANONICAL = new Map<string, string>(CANONICAL_NAMES.map((n) => [n.toLowerCase(), n]));
const COMPACT = new Map<string, string>(Object.entries(COMPACT_FORMS));
/**
 * Keys of the spellings met most (canonical, lowercase, compact forms in either case), so lookups by a
 * literal name skip toLowerCase. Filled once; names outside it are lowercased as usual.
 */
const KNOWN_KEYS = new Map<string, string>();
for (const n of CANONICAL_NAMES) {
  KNOWN_KEYS.set(n, n.toLowerCase());
  KNOWN_KEYS.set(n.toLowerCase(), n.toLowerCase());
}
for (const [c, full] of COMPACT) {
  KNOWN_KEYS.set(c, full);
  KNOWN_KEYS.set(c.toUpperCase(), full);
}

/** The lookup key of a header name: lowercase full name (`V` → `via`, `call-id` → `call-id`). */
export function headerKey(name: string): string {
  const known = KNOWN_KEYS.get(name);
  if (known !== undefined) return known;
  const lower = name.toLowerCase();
  return COMPACT.get(lower) ?? lower;
}

/** The name to write on the wire for a header key: the RFC's spelling when known, else the key as given. */
export function canonicalHeaderName(name: string): string {
  return CANONICAL.get(headerKey(name)) ?? name;
}

/** RFC 3261 §25.1 token characters: valid in a header name. */
const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
/** Characters that must never be written inside a header value (they would end or corrupt the line). */
const FORBIDDEN_IN_VALUE = /[\r\n\0]/;

/** A header name or value that would corrupt the message on the wire. */
export class InvalidHeaderError extends SnomError<'SNOM_ERR_SIP_INVALID_HEADER'> {
  constructor(message: string) {
    super('SNOM_ERR_SIP_INVALID_HEADER', message);
    this.name = 'InvalidHeaderError';
  }
}

/** One header field as it stands in a message: the name as given and the unfolded value. */
export interface HeaderField {
  readonly name: string;
  readonly key: string;
  readonly value: string;
}

/**
 * The ordered header fields of a SIP message. Lookups are case-insensitive and compact forms are
 * equivalent to full names. Setting a name that is not a token or a value with CR, LF or NUL throws
 * InvalidHeaderError: nothing set here can add a header line on the wire.
 */
export class SipHeaders implements Iterable<HeaderField> {
  private fields: HeaderField[] = [];
  // Parse results of this message's fields (src/sip/parsed-cache.ts); private so equality checks ignore it.
  #parsed: unknown[] | undefined; // [key, value, key, value, …]: a few entries, so a linear scan

  constructor(init?: Iterable<readonly [string, string]>) {
    if (init) for (const [name, value] of init) this.append(name, value);
  }

  /** Appends a field without validation; only the parser uses this, for values it has already checked. */
  static fromTrusted(fields: HeaderField[]): SipHeaders {
    return SipHeaders.adopt(fields.slice(), undefined);
  }

  /**
   * Internal to src/sip: headers that take ownership of `fields` (already checked, never changed by the
   * caller afterwards) and of `parsed`, a cacheParse list `[field, result, …]` with distinct keys.
   */
  static adopt(fields: HeaderField[], parsed: unknown[] | undefined): SipHeaders {
    const h = new SipHeaders();
    h.fields = fields;
    if (parsed !== undefined && parsed.length > 0) h.#parsed = parsed;
    return h;
  }

  /**
   * Internal to src/sip: replaces `old` (a field of this object; appended when it is not) by `next` in
   * place, keeping the parse cache of the other fields and caching `parsed` for `next` when given (it must
   * equal what parsing `next` gives).
   */
  replaceField(old: HeaderField, next: HeaderField, parsed: unknown): void {
    const fields = this.fields;
    const at = fields.indexOf(old);
    if (at >= 0) fields[at] = next;
    else fields.push(next);
    const p = this.#parsed;
    if (p !== undefined) {
      for (let i = 0; i < p.length; i += 2) {
        if (p[i] === old) {
          // the old field's entry becomes the new one's (or is dropped)
          if (parsed === undefined) p.splice(i, 2);
          else {
            p[i] = next;
            p[i + 1] = parsed;
          }
          return;
        }
      }
    }
    if (parsed !== undefined) this.cacheParse(next, parsed);
  }

  /** Internal to src/sip: a copy with `field` (already checked) appended; the parse cache is not copied. */
  appending(field: HeaderField): SipHeaders {
    const fields = this.fields.slice();
    fields.push(field);
    return SipHeaders.adopt(fields, undefined);
  }

  /** The value of the first field with this name, or undefined. */
  get(name: string): string | undefined {
    const key = headerKey(name);
    const fields = this.fields;
    for (let i = 0; i < fields.length; i++) if (fields[i]!.key === key) return fields[i]!.value;
    return undefined;
  }

  /** The values of every field with this name, in order (one per header line; not split at commas). */
  getAll(name: string): string[] {
    const key = headerKey(name);
    const fields = this.fields;
    const out: string[] = [];
    for (let i = 0; i < fields.length; i++) if (fields[i]!.key === key) out.push(fields[i]!.value);
    return out;
  }

  /** Whether a field with this name is present. */
  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** How many fields carry this name. */
  count(name: string): number {
    const key = headerKey(name);
    const fields = this.fields;
    let n = 0;
    for (let i = 0; i < fields.length; i++) if (fields[i]!.key === key) n++;
    return n;
  }

  /** Adds a field after the existing ones. */
  append(name: string, value: string | number): this {
    this.fields.push(checkedField(name, String(value)));
    return this;
  }

  /** Adds a field before all existing ones (e.g. a new top Via). */
  prepend(name: string, value: string | number): this {
    this.fields.unshift(checkedField(name, String(value)));
    return this;
  }

  /** Replaces every field with this name by one field (placed where the first one was, else at the end). */
  set(name: string, value: string | number): this {
    const field = checkedField(name, String(value));
    const first = this.fields.findIndex((f) => f.key === field.key);
    this.delete(name);
    if (first < 0 || first > this.fields.length) this.fields.push(field);
    else this.fields.splice(first, 0, field);
    return this;
  }

  /** Removes every field with this name; returns how many were removed. */
  delete(name: string): number {
    const key = headerKey(name);
    let removed = 0;
    for (let i = this.fields.length - 1; i >= 0; i--) {
      if (this.fields[i]!.key === key) {
        this.fields.splice(i, 1);
        removed++;
      }
    }
    return removed;
  }

  /** A copy whose later changes do not affect this one. */
  clone(): SipHeaders {
    return SipHeaders.fromTrusted([...this.fields]);
  }

  /** Number of header fields. */
  get size(): number {
    return this.fields.length;
  }

  /** Internal to src/sip: a cached parse result stored under `key` (a field object), or undefined. */
  cachedParse(key: object): unknown {
    const p = this.#parsed;
    if (p === undefined) return undefined;
    for (let i = 0; i < p.length; i += 2) if (p[i] === key) return p[i + 1];
    return undefined;
  }

  /** Internal to src/sip: stores a parse result under `key` (fields are immutable, so it stays valid). */
  cacheParse(key: object, value: unknown): void {
    const p = (this.#parsed ??= []);
    for (let i = 0; i < p.length; i += 2) {
      if (p[i] === key) {
        p[i + 1] = value;
        return;
      }
    }
    // entries of removed fields are dropped once they outnumber the fields
    if (p.length > 2 * this.fields.length + 8) {
      const kept = compact(p, this.fields);
      kept.push(key, value);
      this.#parsed = kept;
    } else p.push(key, value);
  }

  [Symbol.iterator](): Iterator<HeaderField> {
    return this.fields[Symbol.iterator]();
  }
}

function compact(p: unknown[], fields: readonly HeaderField[]): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < p.length; i += 2) {
    if (fields.includes(p[i] as HeaderField)) out.push(p[i], p[i + 1]);
  }
  return out;
}

/** Internal to src/sip: a field for `name: value`, throwing InvalidHeaderError as SipHeaders.append does. */
export function checkedField(name: string, value: string): HeaderField {
  const key = KNOWN_KEYS.get(name);
  if (key === undefined && !TOKEN.test(name)) throw new InvalidHeaderError(`header name ${JSON.stringify(name)} is not a SIP token`);
  if (FORBIDDEN_IN_VALUE.test(value)) {
    throw new InvalidHeaderError(`value of header ${name} contains CR, LF or NUL`);
  }
  const k = key ?? headerKey(name);
  return { name: CANONICAL.get(k) ?? name, key: k, value };
}
