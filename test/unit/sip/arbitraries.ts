// fast-check arbitraries for valid SIP messages and their parts (shared by the property tests).
import fc from 'fast-check';
import type { SipUri } from '../../../src/sip/uri.js';

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const TOKEN_CHARS = `${ALNUM}-.!%*_+\`'~`;

/** A SIP token (RFC 3261 §25.1). */
export const token = (max = 12): fc.Arbitrary<string> =>
  fc.string({ unit: fc.constantFrom(...TOKEN_CHARS), minLength: 1, maxLength: max });

/** A lowercase parameter name (parsers lowercase names). */
export const paramName = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-'), minLength: 1, maxLength: 8 });

/** Any text: every Unicode code point except lone surrogates, including controls and NUL. */
export const anyText = (min = 0, max = 12): fc.Arbitrary<string> => fc.string({ unit: 'binary', minLength: min, maxLength: max });

/** Text without control characters (display names, reason phrases, header values). */
export const printable = (min = 0, max = 16): fc.Arbitrary<string> =>
  fc.string({ unit: 'binary', minLength: min, maxLength: max }).map((s) => s.replace(/[\u0000-\u001f\u007f]/g, '?'));

// a domain label: alphanumerics with inner hyphens
const label = fc.string({ unit: fc.constantFrom(...`${ALNUM}${ALNUM}-`), minLength: 1, maxLength: 8 })
  .map((l) => `a${l}z`.replace(/^a-/, 'a').replace(/-z$/, 'z'));

/** A host: domain name, IPv4 or bracketed IPv6. */
export const host: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.array(label, { minLength: 1, maxLength: 3 }).map((ls) => ls.join('.')) },
  { weight: 1, arbitrary: fc.ipV4() },
  { weight: 1, arbitrary: fc.ipV6().map((a) => `[${a}]`) },
);

const params = fc.uniqueArray(fc.tuple(paramName, fc.option(anyText(1, 8), { nil: undefined })), {
  maxLength: 3, selector: ([n]) => n,
}).map((entries) => new Map(entries));

/** A SIP URI in the shape parseUri returns (absent parts left out, names lowercased). */
export const sipUri = (withHeaders = true): fc.Arbitrary<SipUri> =>
  fc.record({
    scheme: fc.constantFrom('sip' as const, 'sips' as const),
    user: fc.option(anyText(1, 10), { nil: undefined }),
    password: fc.option(anyText(0, 6), { nil: undefined }),
    host,
    port: fc.option(fc.integer({ min: 0, max: 65535 }), { nil: undefined }),
    params,
    headers: withHeaders ? fc.array(fc.tuple(anyText(1, 6), anyText(0, 6)), { maxLength: 2 }) : fc.constant([]),
  }).map((r) => {
    const u: { -readonly [K in keyof SipUri]: SipUri[K] } = { kind: 'sip', scheme: r.scheme, host: r.host, params: r.params, headers: r.headers };
    if (r.user !== undefined) {
      u.user = r.user;
      if (r.password !== undefined) u.password = r.password;
    }
    if (r.port !== undefined) u.port = r.port;
    return u;
  });

/** An extension header name that never collides with a header the parser validates. */
export const extensionName = token(10).map((t) => `X-${t}`);

/** An extension header value: printable, no leading/trailing whitespace (the parser trims it). */
export const extensionValue = printable(0, 24).map((s) => s.trim());
