import { err, ok, type Result } from '../util/errors.js';
import { C_TOKEN, scan, skipWsp } from './chars.js';
import { headerKey, SipHeaders, type HeaderField } from './headers.js';
import {
  isCallId, parseContactList, parseContentLength, parseCSeqRange, parseMaxForwards,
} from './header-values.js';
import type { SipMessage, SipRequest, SipResponse } from './message.js';
import { parseNameAddrRange } from './name-addr.js';
import { SipParseError, type ParsePartial } from './parse-error.js';
import { pushRequestUri } from './parsed-cache.js';
import { parseUriRange, type Uri } from './uri.js';
import { parseViaRange } from './via.js';
import { DEFAULT_PARSE_LIMITS, resolveLimits, type ParseLimits } from './parse-limits.js';

export { SipParseError, type ParsePartial } from './parse-error.js';
export { DEFAULT_PARSE_LIMITS, resolveLimits, type ParseLimits } from './parse-limits.js';
export { frameStreamMessage, type StreamFrame } from './frame-stream.js';

/** Options of parseMessage. */
export interface ParseOptions {
  /** Replaces individual limits; values that are not positive integers fall back to the defaults. */
  readonly limits?: Partial<ParseLimits>;
  /** Stream transport (TCP/TLS): Content-Length is mandatory and `data` is exactly one framed message. */
  readonly stream?: boolean;
}

const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');
const EMPTY_BODY = Buffer.alloc(0);

/**
 * Parses one SIP message (RFC 3261 §7) from a UDP datagram or, with `stream`, from exactly one message
 * framed by frameStreamMessage. Never throws. Over UDP, bytes beyond Content-Length are ignored and a
 * missing Content-Length means the body is the rest of the datagram (§18.3). The headers the stack relies
 * on (Via, From, To, Call-ID, CSeq, Max-Forwards, Content-Length, Contact) are validated here and their
 * parsed values cached for the accessors. Header values are decoded as UTF-8 (invalid sequences become
 * U+FFFD); control characters are accepted only as quoted-pairs inside quoted strings (§25.1), and a
 * bare CR or LF anywhere in the header section is an error. The body is a copy.
 */
export function parseMessage(data: Buffer, options?: ParseOptions): Result<SipMessage, SipParseError> {
  try {
    return parse(data, options?.limits ? resolveLimits(options.limits) : DEFAULT_PARSE_LIMITS, options?.stream === true);
  } catch (cause) {
    // Not reachable for any input as far as the tests and the fuzzer know; kept so the contract holds.
    return err(new SipParseError(400, 'Malformed message', { cause }));
  }
}

const fail = (status: number, reason: string, partial?: ParsePartial): { ok: false; error: SipParseError } =>
  err(new SipParseError(status, reason, partial ? { partial } : undefined));

function parse(data: Buffer, limits: ParseLimits, stream: boolean): Result<SipMessage, SipParseError> {
  const len = data.length;
  let start = 0;
  while (start + 1 < len && data[start] === 13 && data[start + 1] === 10) start += 2;
  if (start >= len) return fail(400, 'Empty message');
  const max = limits.maxMessageBytes;
  let headEnd = data.indexOf(CRLFCRLF, start);
  let bodyStart: number;
  if (headEnd < 0) {
    if (len - start > max) return fail(513, 'Message Too Large');
    // A datagram whose last header line ends the datagram without the empty line (RFC 4475 baddn's
    // archive copy) is taken as complete with an empty body.
    if (stream || data[len - 2] !== 13 || data[len - 1] !== 10) return fail(400, 'Incomplete header section');
    headEnd = len - 2;
    bodyStart = len;
  } else {
    if (headEnd + 4 - start > max) return fail(513, 'Message Too Large');
    bodyStart = headEnd + 4;
  }
  const s = decodeHead(data, start, headEnd + 2);
  const n = s.length;

  // ---- start line (RFC 3261 §7.1, §7.2): exactly one SP between elements ----
  const lineEnd = s.indexOf('\r\n');
  if (lineEnd > limits.maxLineBytes) return fail(513, 'Message Too Large');
  const head = parseStartLine(s, lineEnd);
  if (head.partial === undefined) return fail(400, head.error ?? 'Invalid start line');
  let error: [number, string] | undefined = head.error === undefined ? undefined : [400, head.error];

  // ---- header fields (§7.3): folding, LWS around ':', case-insensitive names ----
  const fields: HeaderField[] = [];
  // parse results of the validated headers, as [field, result] pairs for the accessors' cache
  const parsed: unknown[] = [];
  let contentLength = -1;
  let contactStar = false;
  let contactFields = 0;
  let pos = lineEnd + 2;
  let colon = -1;
  while (pos < n) {
    const lineStart = pos;
    let e = s.indexOf('\r\n', pos);
    let next = e + 2;
    const first = s.charCodeAt(pos);
    if (first === 32 || first === 9) {
      // a continuation line with no field before it (the start line cannot be folded)
      error ??= [400, 'Malformed header line'];
      pos = next;
      continue;
    }
    // name: a token, then optional whitespace, then the colon (the search result is kept while it lies
    // ahead, so lines without a colon cannot make this quadratic)
    if (colon < pos) {
      colon = s.indexOf(':', pos);
      if (colon < 0) colon = n;
    }
    const nameEnd = colon > e ? pos : trimEnd(s, pos, colon);
    // a usual spelling needs no character check and no copy of the name
    const usual = usualName(s, pos, nameEnd);
    let name: string;
    let key: string | undefined;
    if (usual !== undefined) {
      name = usual.name;
      key = usual.key;
    } else {
      name = s.slice(pos, nameEnd);
      if (nameEnd > pos && scan(s, pos, nameEnd, C_TOKEN) === nameEnd) key = keyOf(s, pos, nameEnd, name);
    }
    if (key === undefined) {
      error ??= [400, 'Malformed header line'];
      while (next < n && isWspAt(s, next)) next = s.indexOf('\r\n', next) + 2;
      pos = next;
      continue;
    }
    // the value is scanned in place in `s` (vs, ve) unless it was folded (then in `value` itself)
    let vs = skipWsp(s, colon + 1, e);
    let ve = trimEnd(s, vs, e);
    let value = s.slice(vs, ve);
    let text = s;
    if (next < n && isWspAt(s, next)) {
      while (next < n && isWspAt(s, next)) {
        e = s.indexOf('\r\n', next);
        if (e - lineStart > limits.maxLineBytes) return fail(513, 'Header Line Too Long', partialOf(head, fields));
        const a = skipWsp(s, next, e);
        const b = trimEnd(s, a, e);
        if (a < b) value = value.length > 0 ? `${value} ${s.slice(a, b)}` : s.slice(a, b);
        next = e + 2;
      }
      text = value;
      vs = 0;
      ve = value.length;
    }
    if (next - lineStart > limits.maxLineBytes + 2) return fail(513, 'Header Line Too Long', partialOf(head, fields));
    if (fields.length >= limits.maxHeaders) return fail(513, 'Too Many Header Fields', partialOf(head, fields));
    pos = next;
    const field: HeaderField = { name, key, value };
    if (!validated(key)) {
      // any other value may hold control characters only as quoted-pairs; a bare CR or LF always ends up
      // inside a name or a value, where the grammar or this check rejects it
      if (cleanValue(value)) fields.push(field);
      else error ??= [400, 'Invalid header value'];
      continue;
    }
    fields.push(field);
    if (error !== undefined) continue;
    // ---- eager validation of the headers the stack relies on ----
    let r: Result<unknown, SipParseError> | undefined;
    switch (key) {
      case 'via':
        r = parseViaRange(text, vs, ve);
        if (!r.ok) error = [400, 'Invalid Via header'];
        break;
      case 'from':
      case 'to':
        r = parseNameAddrRange(text, vs, ve);
        if (!r.ok) error = [400, key === 'from' ? 'Invalid From header' : 'Invalid To header'];
        break;
      case 'call-id':
        if (!isCallId(text, vs, ve)) error = [400, 'Invalid Call-ID header'];
        break;
      case 'cseq':
        r = parseCSeqRange(text, vs, ve);
        if (!r.ok) error = [400, 'Invalid CSeq header'];
        break;
      case 'max-forwards':
        r = parseMaxForwards(text, vs, ve);
        if (!r.ok) error = [400, 'Invalid Max-Forwards header'];
        break;
      case 'contact': {
        const c = parseContactList(text, vs, ve);
        r = c;
        contactFields++;
        if (!c.ok) error = [400, 'Invalid Contact header'];
        else if (c.value === '*') contactStar = true;
        break;
      }
      case 'content-length': {
        const c = parseContentLength(text, vs, ve);
        if (!c.ok) error = [400, 'Invalid Content-Length header'];
        else if (contentLength >= 0 && contentLength !== c.value) error = [400, 'Conflicting Content-Length headers'];
        else contentLength = c.value;
        break;
      }
    }
    if (r !== undefined) parsed.push(field, r);
  }
  if (error === undefined && contactStar && contactFields > 1) error = [400, 'Invalid Contact header'];
  if (error !== undefined) return fail(error[0], error[1], partialOf(head, fields));

  // ---- body framing (§18.3, §20.14) ----
  let bodyEnd: number;
  if (contentLength < 0) {
    if (stream) return fail(400, 'Missing Content-Length header', partialOf(head, fields));
    bodyEnd = len;
  } else {
    bodyEnd = bodyStart + contentLength;
    if (bodyEnd > len) return fail(400, 'Content-Length exceeds message', partialOf(head, fields));
    if (stream && bodyEnd !== len) return fail(400, 'Bytes after message', partialOf(head, fields));
  }
  if (bodyEnd - start > max) return fail(513, 'Message Too Large', partialOf(head, fields));
  let body = EMPTY_BODY;
  if (bodyEnd > bodyStart) {
    body = Buffer.allocUnsafe(bodyEnd - bodyStart);
    data.copy(body, 0, bodyStart, bodyEnd);
  }
  if (head.kind === 'request') {
    pushRequestUri(parsed, head.uri!, head.parsedUri!);
    const req: SipRequest = { kind: 'request', method: head.method!, uri: head.uri!, version: head.version!, headers: SipHeaders.adopt(fields, parsed), body };
    return ok(req);
  }
  const res: SipResponse = {
    kind: 'response', version: head.version!, status: head.status!, reason: head.reason!, headers: SipHeaders.adopt(fields, parsed), body,
  };
  return ok(res);
}

interface Utf8Sliceable {
  utf8Slice(start: number, end: number): string;
}
// Buffer#utf8Slice is what toString('utf8', a, b) calls after checking its arguments: ~40% faster here.
const HAS_UTF8_SLICE = typeof (Buffer.prototype as unknown as Partial<Utf8Sliceable>).utf8Slice === 'function';

/** Decodes the header section as UTF-8 (invalid sequences become U+FFFD). */
function decodeHead(data: Buffer, a: number, b: number): string {
  return HAS_UTF8_SLICE ? (data as unknown as Utf8Sliceable).utf8Slice(a, b) : data.toString('utf8', a, b);
}

function isWspAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c === 32 || c === 9;
}

function trimEnd(s: string, a: number, b: number): number {
  while (b > a && isWspAt(s, b - 1)) b--;
  return b;
}

const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;

/**
 * Whether a header value is free of control characters except inside quoted strings as quoted-pairs
 * (RFC 3261 §25.1 quoted-pair: any octet but CR and LF; intmeth's NUL/BEL/DEL).
 */
function cleanValue(v: string): boolean {
  // the usual case is one native scan: no control character, and no `\` at the end that could be an
  // unfinished quoted-pair
  if (!CONTROL.test(v) && v.charCodeAt(v.length - 1) !== 92) return true;
  let quoted = false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 34) quoted = !quoted;
    else if (quoted && c === 92) {
      const d = v.charCodeAt(++i);
      if (d === 13 || d === 10 || Number.isNaN(d)) return false;
    } else if ((c < 32 && c !== 9) || c === 127) return false;
  }
  return true;
}

/** Whether parse() validates this header by its own grammar (keys from keyOf are interned constants). */
function validated(key: string): boolean {
  return key === 'via' || key === 'from' || key === 'to' || key === 'call-id' || key === 'cseq' ||
    key === 'max-forwards' || key === 'contact' || key === 'content-length';
}

/** Whether s[a, a + lower.length) equals `lower` ignoring ASCII case (`lower` has no letters that fold oddly). */
function eqi(s: string, a: number, lower: string): boolean {
  for (let i = 0; i < lower.length; i++) if ((s.charCodeAt(a + i) | 32) !== lower.charCodeAt(i)) return false;
  return true;
}

interface UsualName {
  readonly name: string;
  readonly key: string;
}

/** Header names in their usual spelling, by length: those the stack and Snom phones send most. */
const USUAL_NAMES: ReadonlyArray<readonly UsualName[] | undefined> = (() => {
  const table: UsualName[][] = [];
  for (const name of [
    'Via', 'From', 'To', 'Call-ID', 'CSeq', 'Contact', 'Max-Forwards', 'Content-Length', 'Content-Type',
    'Expires', 'User-Agent', 'Route', 'Record-Route', 'Authorization', 'WWW-Authenticate', 'Supported',
    'Allow', 'Allow-Events', 'Event', 'Require', 'Accept', 'Server', 'Min-Expires', 'Proxy-Authorization',
    'Proxy-Authenticate', 'Subscription-State', 'Date', 'Timestamp', 'Path', 'Organization',
  ]) {
    (table[name.length] ??= []).push({ name, key: name.toLowerCase() });
  }
  return table;
})();

/** The interned name and key of s[a, b) when it is a usual spelling (exact case), else undefined. */
function usualName(s: string, a: number, b: number): UsualName | undefined {
  const candidates = USUAL_NAMES[b - a];
  if (candidates === undefined) return undefined;
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!;
    if (s.startsWith(c.name, a)) return c;
  }
  return undefined;
}

/** The lookup key of the token s[a, b) (= name): constant strings for common names, headerKey otherwise. */
function keyOf(s: string, a: number, b: number, name: string): string {
  switch (b - a) {
    case 1: return headerKey(name);
    case 2: if (eqi(s, a, 'to')) return 'to'; break;
    case 3: if (eqi(s, a, 'via')) return 'via'; break;
    case 4:
      if (eqi(s, a, 'from')) return 'from';
      if (eqi(s, a, 'cseq')) return 'cseq';
      break;
    case 5: if (eqi(s, a, 'route')) return 'route'; break;
    case 7:
      if (eqi(s, a, 'call-id')) return 'call-id';
      if (eqi(s, a, 'contact')) return 'contact';
      if (eqi(s, a, 'expires')) return 'expires';
      break;
    case 10: if (eqi(s, a, 'user-agent')) return 'user-agent'; break;
    case 12:
      if (eqi(s, a, 'max-forwards')) return 'max-forwards';
      if (eqi(s, a, 'content-type')) return 'content-type';
      break;
    case 14: if (eqi(s, a, 'content-length')) return 'content-length'; break;
  }
  return headerKey(name);
}

/** No control characters but HT (Reason-Phrase, §7.2). */
function cleanText(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if ((c < 32 && c !== 9) || c === 127) return false;
  }
  return true;
}

interface StartLine {
  kind: 'request' | 'response';
  /** Set once the line is recognised as a start line (a partial can be reported). */
  partial?: true;
  /** Set when the line is malformed. */
  error?: string;
  method?: string;
  uri?: string;
  parsedUri?: Result<Uri, SipParseError>;
  version?: string;
  status?: number;
  reason?: string;
}

/** `SIP/<digits>.<digits>` (case-insensitive "SIP", §7.1), normalised to upper case; undefined otherwise. */
function parseVersion(s: string, a: number, b: number): string | undefined {
  if (b - a < 7) return undefined;
  if ((s.charCodeAt(a) | 32) !== 115 || (s.charCodeAt(a + 1) | 32) !== 105 || (s.charCodeAt(a + 2) | 32) !== 112 ||
    s.charCodeAt(a + 3) !== 47) return undefined;
  let i = a + 4;
  const major = i;
  while (i < b && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  if (i === major || i - major > 9 || s.charCodeAt(i) !== 46) return undefined;
  const minor = ++i;
  while (i < b && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57) i++;
  if (i === minor || i - minor > 9 || i !== b) return undefined;
  const v = s.slice(a, b);
  return v.charCodeAt(0) === 83 && v.charCodeAt(1) === 73 && v.charCodeAt(2) === 80 ? v : `SIP${v.slice(3)}`;
}

function parseStartLine(s: string, end: number): StartLine {
  const sp1 = s.indexOf(' ');
  if ((s.charCodeAt(0) | 32) === 115 && (s.charCodeAt(1) | 32) === 105 && (s.charCodeAt(2) | 32) === 112 &&
    s.charCodeAt(3) === 47) {
    const line: StartLine = { kind: 'response', partial: true };
    if (sp1 < 0 || sp1 > end) return { ...line, error: 'Invalid status line' };
    line.version = parseVersion(s, 0, sp1);
    // Status-Code is exactly 3 digits (§7.2; RFC 4475 bigcode must not wrap)
    const c0 = s.charCodeAt(sp1 + 1) - 48, c1 = s.charCodeAt(sp1 + 2) - 48, c2 = s.charCodeAt(sp1 + 3) - 48;
    const afterCode = sp1 + 4;
    if (line.version === undefined || !(c0 >= 1 && c0 <= 6) || !(c1 >= 0 && c1 <= 9) || !(c2 >= 0 && c2 <= 9) ||
      (afterCode < end && s.charCodeAt(afterCode) !== 32) || afterCode > end) {
      return { ...line, error: 'Invalid status line' };
    }
    line.status = c0 * 100 + c1 * 10 + c2;
    // the SP before an empty Reason-Phrase is required by the grammar but tolerated when missing
    line.reason = afterCode < end ? s.slice(afterCode + 1, end) : '';
    if (!cleanText(line.reason)) return { ...line, error: 'Invalid status line' };
    return line;
  }
  if (sp1 <= 0 || sp1 > end || scan(s, 0, sp1, C_TOKEN) !== sp1) return { kind: 'request', error: 'Invalid start line' };
  const line: StartLine = { kind: 'request', partial: true, method: s.slice(0, sp1) };
  const sp2 = s.indexOf(' ', sp1 + 1);
  if (sp2 > 0 && sp2 < end && sp2 > sp1 + 1) line.version = parseVersion(s, sp2 + 1, end);
  if (line.version === undefined) {
    // A partial (for a 400) needs a method token, SP, and " SIP/" further on: anything else is not a
    // request line at all and is dropped.
    if (!hasSipVersion(s, sp1, end)) return { kind: 'request', error: 'Invalid start line' };
    return { ...line, error: 'Invalid request line' };
  }
  const parsed = parseUriRange(s, sp1 + 1, sp2);
  if (!parsed.ok) return { ...line, error: 'Invalid Request-URI' };
  line.uri = s.slice(sp1 + 1, sp2);
  line.parsedUri = parsed;
  return line;
}

/** Whether s[a, end) contains " SIP/" (case-insensitive "SIP"). */
function hasSipVersion(s: string, a: number, end: number): boolean {
  for (let i = s.indexOf(' ', a); i >= 0 && i + 4 < end; i = s.indexOf(' ', i + 1)) {
    if ((s.charCodeAt(i + 1) | 32) === 115 && (s.charCodeAt(i + 2) | 32) === 105 && (s.charCodeAt(i + 3) | 32) === 112 &&
      s.charCodeAt(i + 4) === 47) return true;
  }
  return false;
}

function partialOf(head: StartLine, fields: HeaderField[]): ParsePartial {
  // only values that are safe to copy into a response
  const headers = SipHeaders.fromTrusted(fields.filter((f) => cleanValue(f.value)));
  return head.method === undefined ? { kind: head.kind, headers } : { kind: head.kind, method: head.method, headers };
}
