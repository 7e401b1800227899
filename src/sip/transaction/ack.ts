import { getCSeq } from '../accessors.js';
import { SipHeaders, type HeaderField } from '../headers.js';
import { createRequest, type SipRequest, type SipResponse } from '../message.js';

/**
 * The ACK an INVITE client transaction sends for a 300–699 response (RFC 3261 §17.1.1.3): the INVITE's
 * Request-URI, its top Via only (same branch), Call-ID, From and Route headers, the To of the response
 * (with its tag), CSeq with the INVITE's number and method ACK, Max-Forwards 70.
 */
export function ackForNon2xx(invite: SipRequest, response: SipResponse): SipRequest {
  const fields: HeaderField[] = [];
  let via = false;
  for (const f of invite.headers) {
    if (f.key === 'via') {
      if (!via) fields.push(topValueOnly(f));
      via = true;
    } else if (f.key === 'from' || f.key === 'call-id' || f.key === 'route') fields.push(f);
  }
  const headers = SipHeaders.fromTrusted(fields);
  copyTo(headers, invite, response);
  headers.append('CSeq', `${getCSeq(invite)?.seq ?? 1} ACK`);
  headers.append('Max-Forwards', 70);
  return createRequest({ method: 'ACK', uri: invite.uri, headers });
}

/**
 * The ACK a UAC core sends for a 2xx to an INVITE (RFC 3261 §13.2.2.4), minimal form for dialogs
 * without a route set: Request-URI = the response's Contact URI (else the INVITE's), a new top Via with
 * the given value, Call-ID and From of the INVITE, To of the response, CSeq number of the INVITE.
 */
export function ackFor2xx(invite: SipRequest, response: SipResponse, via: string, contactUri: string | undefined): SipRequest {
  const fields: HeaderField[] = [];
  for (const f of invite.headers) {
    if (f.key === 'from' || f.key === 'call-id') fields.push(f);
  }
  const headers = SipHeaders.fromTrusted(fields);
  headers.prepend('Via', via);
  copyTo(headers, invite, response);
  headers.append('CSeq', `${getCSeq(invite)?.seq ?? 1} ACK`);
  headers.append('Max-Forwards', 70);
  return createRequest({ method: 'ACK', uri: contactUri ?? invite.uri, headers });
}

function copyTo(headers: SipHeaders, invite: SipRequest, response: SipResponse): void {
  const to = response.headers.get('to') ?? invite.headers.get('to');
  if (to !== undefined) headers.append('To', to);
}

/** A Via field holding only its first value (a field may carry several comma-separated values). */
function topValueOnly(f: HeaderField): HeaderField {
  const comma = firstTopLevelComma(f.value);
  return comma < 0 ? f : { name: f.name, key: f.key, value: f.value.slice(0, comma).trimEnd() };
}

/** Index of the first comma outside a quoted string, or -1. */
export function firstTopLevelComma(value: string): number {
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 34) quoted = !quoted;
    else if (quoted && c === 92) i++;
    else if (!quoted && c === 44) return i;
  }
  return -1;
}
