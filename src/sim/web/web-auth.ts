// The phone web server's authentication (snom-protocol.md §3, setting `http_scheme`): none, HTTP Basic
// (RFC 7617) or HTTP Digest (RFC 7616, MD5 as Snom phones use; SHA-256 optional).
import { createHash, timingSafeEqual } from 'node:crypto';
import { InvalidOptionError } from '../../util/errors.js';
import { findControlChar } from '../../util/text.js';
import { formatChallenge, parseCredentials } from '../../util/auth-header.js';
import { DigestServer } from '../../util/digest-server.js';
import type { DigestAlgorithm } from '../../util/digest.js';

/** Which authentication the phone asks for. */
export type HttpAuthScheme = 'none' | 'basic' | 'digest';

/** Options of WebAuth. */
export interface WebAuthOptions {
  /** Default `none`. */
  readonly scheme?: HttpAuthScheme;
  /** Required for basic and digest (`http_user`). */
  readonly user?: string;
  /** Required for basic and digest (`http_pass`). */
  readonly password?: string;
  /** Realm of the challenges; default `snom`. */
  readonly realm?: string;
  /** Digest algorithms offered; default `['MD5']` (what Snom phones offer); add `SHA-256` to offer both. */
  readonly digestAlgorithms?: readonly DigestAlgorithm[];
}

/** Defaults of WebAuthOptions. */
export const WEB_AUTH_DEFAULTS = Object.freeze({ scheme: 'none' as const, realm: 'snom', digestAlgorithms: Object.freeze(['MD5'] as const) });

/** Outcome of checking a request: allowed (with the user when credentials were checked), or the challenges to send with 401. */
export type WebAuthResult =
  | { readonly ok: true; readonly user?: string }
  | { readonly ok: false; readonly challenges: readonly string[] };

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Checks the `Authorization` header of a request against the configured scheme and credentials. */
export class WebAuth {
  readonly scheme: HttpAuthScheme;
  readonly realm: string;
  readonly #user: string;
  readonly #password: string;
  readonly #digest: DigestServer | undefined;

  constructor(options: WebAuthOptions = {}) {
    this.scheme = options.scheme ?? WEB_AUTH_DEFAULTS.scheme;
    if (!['none', 'basic', 'digest'].includes(this.scheme)) throw new InvalidOptionError('auth.scheme', "must be 'none', 'basic' or 'digest'");
    this.realm = options.realm ?? WEB_AUTH_DEFAULTS.realm;
    if (typeof this.realm !== 'string' || this.realm === '' || findControlChar(this.realm) || this.realm.includes('"')) {
      throw new InvalidOptionError('auth.realm', 'must be non-empty, without control characters or "');
    }
    this.#user = options.user ?? '';
    this.#password = options.password ?? '';
    if (this.scheme !== 'none') {
      if (typeof this.#user !== 'string' || this.#user === '' || findControlChar(this.#user) || this.#user.includes(':')) {
        throw new InvalidOptionError('auth.user', 'must be non-empty, without control characters or ":"');
      }
      if (typeof this.#password !== 'string' || this.#password === '' || findControlChar(this.#password)) {
        throw new InvalidOptionError('auth.password', 'must be non-empty, without control characters');
      }
    }
    this.#digest =
      this.scheme === 'digest'
        ? new DigestServer({ realm: this.realm, algorithms: options.digestAlgorithms ?? WEB_AUTH_DEFAULTS.digestAlgorithms, qop: ['auth'] })
        : undefined;
  }

  /** Checks a request: `method`, its request-target `url` (what Digest's `uri` must equal) and its Authorization header. */
  check(method: string, url: string, authorization: string | undefined): WebAuthResult {
    if (this.scheme === 'none') return { ok: true };
    if (this.#digest) {
      if (authorization === undefined) return { ok: false, challenges: this.#digest.challenge() };
      const lookup = (username: string): { password: string } | undefined =>
        username === this.#user ? { password: this.#password } : undefined;
      const verdict = this.#digest.verify(authorization, method, lookup, { uri: url });
      if (verdict.status === 'ok') return { ok: true, user: verdict.username };
      return { ok: false, challenges: this.#digest.challenge({ stale: verdict.status === 'stale' }) };
    }
    const user = this.#basicUser(authorization);
    return user === undefined ? { ok: false, challenges: [this.#basicChallenge()] } : { ok: true, user };
  }

  #basicUser(authorization: string | undefined): string | undefined {
    if (authorization === undefined) return undefined;
    const parsed = parseCredentials(authorization);
    if (!parsed.ok || parsed.value.scheme.toLowerCase() !== 'basic' || parsed.value.token68 === undefined) return undefined;
    const decoded = Buffer.from(parsed.value.token68, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    const user = decoded.slice(0, colon);
    // Compared as hashes: constant time, and equal lengths for timingSafeEqual.
    const given = sha256(`${user}\u0000${decoded.slice(colon + 1)}`);
    const expected = sha256(`${this.#user}\u0000${this.#password}`);
    return timingSafeEqual(given, expected) ? user : undefined;
  }

  #basicChallenge(): string {
    const r = formatChallenge({ scheme: 'Basic', params: new Map([['realm', this.realm]]) });
    // The realm was checked in the constructor.
    if (!r.ok) throw r.error;
    return r.value;
  }

  /** A description without the password. */
  toString(): string {
    return `WebAuth(${this.scheme})`;
  }
}
