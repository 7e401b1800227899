import { getCSeq, getMaxForwards, getRequestUri, getTopVia } from './accessors.js';
import { parseOptionTags } from './header-values.js';
import { SIP_VERSION, type SipRequest, type SipResponse } from './message.js';
import { BRANCH_COOKIE } from './via.js';

/** The response a request deserves when it parses but cannot be accepted. */
export interface RequestRejection {
  readonly status: number;
  readonly reason: string;
  /** Headers the response must carry (e.g. Unsupported for 420). */
  readonly headers?: Array<[string, string]>;
}

/** What the element accepts. */
export interface ValidateOptions {
  /** Methods this element implements; others get 501 (§8.2.1). */
  readonly methods: readonly string[];
  /** Option tags this element supports (compared case-insensitively); unknown Require tags get 420. */
  readonly extensions?: readonly string[];
  /** Request-URI schemes accepted (lowercase); default sip, sips, tel. Others get 416 (§8.2.2.1). */
  readonly schemes?: readonly string[];
}

const DEFAULT_SCHEMES: readonly string[] = ['sip', 'sips', 'tel'];
const SINGLE = ['To', 'From', 'CSeq', 'Call-ID', 'Max-Forwards'] as const;
const MANDATORY = ['Via', 'To', 'From', 'CSeq', 'Call-ID'] as const;

/**
 * A UAS's checks of a parsed request (RFC 3261 §8.2), in this order: 505 version; 400 missing or repeated
 * mandatory headers (§8.1.1; Max-Forwards may be absent for RFC 2543 peers, RFC 4475 inv2543), a top Via
 * branch that is only the magic cookie (RFC 4475 badbranch: answered statelessly rather than matched
 * RFC 2543-style), a Request-URI with URI headers (§19.1.1; RFC 4475 escruri); CSeq method ≠ method
 * (400, or 501 for a method we do not implement: RFC 4475 mismatch02); 416 unsupported Request-URI
 * scheme; 420 with Unsupported for unknown Require tags (not for ACK/CANCEL; Proxy-Require is a proxy's
 * business); 501 method not implemented. Returns undefined when the request is acceptable. Never answer an
 * ACK, whatever this returns.
 */
export function validateRequest(req: SipRequest, options: ValidateOptions): RequestRejection | undefined {
  if (req.version !== SIP_VERSION) return { status: 505, reason: 'Version Not Supported' };
  // one pass counting the fields checked below
  let via = 0;
  let to = 0;
  let from = 0;
  let cseqs = 0;
  let callIds = 0;
  let maxForwards = 0;
  let requires = 0;
  for (const f of req.headers) {
    switch (f.key) {
      case 'via': via++; break;
      case 'to': to++; break;
      case 'from': from++; break;
      case 'cseq': cseqs++; break;
      case 'call-id': callIds++; break;
      case 'max-forwards': maxForwards++; break;
      case 'require': requires++; break;
    }
  }
  const counts: Record<(typeof SINGLE)[number] | 'Via', number> = {
    Via: via, To: to, From: from, CSeq: cseqs, 'Call-ID': callIds, 'Max-Forwards': maxForwards,
  };
  for (const name of MANDATORY) {
    if (counts[name] === 0) return { status: 400, reason: `Missing ${name} header` };
  }
  for (const name of SINGLE) {
    if (counts[name] > 1) return { status: 400, reason: `Multiple ${name} headers` };
  }
  const cseq = getCSeq(req);
  const top = getTopVia(req);
  const uri = getRequestUri(req);
  // parseMessage validated these; a hand-built request may not have been
  if (cseq === undefined) return { status: 400, reason: 'Invalid CSeq header' };
  if (top === undefined) return { status: 400, reason: 'Invalid Via header' };
  if (uri === undefined) return { status: 400, reason: 'Invalid Request-URI' };
  if (maxForwards > 0 && getMaxForwards(req) === undefined) {
    return { status: 400, reason: 'Invalid Max-Forwards header' };
  }
  if (top.branch === BRANCH_COOKIE) return { status: 400, reason: 'Invalid Via branch' };
  if (uri.kind === 'sip' && uri.headers.length > 0) return { status: 400, reason: 'Headers in Request-URI' };
  const implemented = options.methods.includes(req.method);
  if (cseq.method !== req.method) {
    return implemented ? { status: 400, reason: 'CSeq method does not match' } : { status: 501, reason: 'Not Implemented' };
  }
  if (!(options.schemes ?? DEFAULT_SCHEMES).includes(uri.scheme)) {
    return { status: 416, reason: 'Unsupported URI Scheme' };
  }
  if (requires > 0 && req.method !== 'ACK' && req.method !== 'CANCEL') {
    const unsupported: string[] = [];
    const known = new Set((options.extensions ?? []).map((t) => t.toLowerCase()));
    for (const value of req.headers.getAll('Require')) {
      const tags = parseOptionTags(value);
      if (!tags.ok) return { status: 400, reason: 'Invalid Require header' };
      for (const t of tags.value) if (!known.has(t.toLowerCase()) && !unsupported.includes(t)) unsupported.push(t);
    }
    if (unsupported.length > 0) {
      return { status: 420, reason: 'Bad Extension', headers: [['Unsupported', unsupported.join(', ')]] };
    }
  }
  if (!implemented) return { status: 501, reason: 'Not Implemented' };
  return undefined;
}

/**
 * For an element about to forward a request (RFC 3261 §16.3 step 3): 483 Too Many Hops when Max-Forwards
 * is 0 (an OPTIONS may instead be answered locally, §16.3 — the caller decides), else undefined. A missing
 * Max-Forwards counts as the default 70.
 */
export function checkMaxForwards(req: SipRequest): RequestRejection | undefined {
  return getMaxForwards(req) === 0 ? { status: 483, reason: 'Too Many Hops' } : undefined;
}

/**
 * Whether a received response can be processed (RFC 3261 §8.1.3, §18.1.2): version 2.0, a Via, and one
 * each of From, To, Call-ID, CSeq. Returns a short reason when it must be dropped, else undefined.
 */
export function checkResponse(res: SipResponse): string | undefined {
  if (res.version !== SIP_VERSION) return 'Version Not Supported';
  for (const name of MANDATORY) {
    if (!res.headers.has(name)) return `Missing ${name} header`;
  }
  for (const name of ['To', 'From', 'CSeq', 'Call-ID'] as const) {
    if (res.headers.count(name) > 1) return `Multiple ${name} headers`;
  }
  if (getCSeq(res) === undefined || getTopVia(res) === undefined) return 'Invalid headers';
  return undefined;
}
