// Authentication against a phone's web server, whichever scheme it asks for (libcurl's CURLAUTH_ANY in
// mod_snom): Basic (RFC 7617) or Digest (RFC 7616, via DigestClient), with what was learnt cached per
// origin and username so later requests authenticate without a 401 round trip.
import { createHash } from 'node:crypto';
import { parseChallenges } from '../util/auth-header.js';
import { DigestClient } from '../util/digest-client.js';
import type { PhoneCredentials } from './phone-address.js';
import type { PhoneAuthScheme } from './phone-result.js';

/** What a phone asked for last time: Basic, or Digest with the client holding its nonce and nc. */
type AuthState = { readonly scheme: 'basic' } | { readonly scheme: 'digest'; readonly client: DigestClient };

interface CacheEntry {
  /** SHA-256 of the password: a changed password invalidates the entry without keeping a copy. */
  readonly tag: string;
  readonly state: AuthState;
}

function passwordTag(password: string): string {
  return createHash('sha256').update(password).digest('base64');
}

/**
 * Remembers per origin and username which scheme the phone wanted (bounded, least recently used
 * dropped first). An entry is used only with the same password it was learnt with.
 */
export class PhoneAuthCache {
  readonly #entries = new Map<string, CacheEntry>();
  readonly #max: number;
  /** The last password tagged and its tag: requests to one phone hash its password once, not per request. */
  #lastPassword: string | undefined;
  #lastTag = '';

  constructor(maxEntries: number) {
    this.#max = maxEntries;
  }

  /** Number of cached entries. */
  get size(): number {
    return this.#entries.size;
  }

  /** The state learnt for these credentials at this origin, if any. */
  get(origin: string, credentials: PhoneCredentials): AuthState | undefined {
    const key = `${origin} ${credentials.username}`;
    const entry = this.#entries.get(key);
    // Another password for the same user (another caller's configuration): not this entry.
    if (entry === undefined || entry.tag !== this.#tag(credentials.password)) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.state;
  }

  /** Records what these credentials use at this origin (replacing an entry learnt with another password). */
  set(origin: string, credentials: PhoneCredentials, state: AuthState): void {
    const key = `${origin} ${credentials.username}`;
    this.#entries.delete(key);
    this.#entries.set(key, { tag: this.#tag(credentials.password), state });
    if (this.#entries.size > this.#max) {
      const oldest = this.#entries.keys().next();
      if (!oldest.done) this.#entries.delete(oldest.value);
    }
  }

  /** Forgets the entry learnt with these credentials (one learnt with another password stays). */
  delete(origin: string, credentials: PhoneCredentials): void {
    const key = `${origin} ${credentials.username}`;
    if (this.#entries.get(key)?.tag === this.#tag(credentials.password)) this.#entries.delete(key);
  }

  /** Forgets everything. */
  clear(): void {
    this.#entries.clear();
    this.#lastPassword = undefined;
    this.#lastTag = '';
  }

  #tag(password: string): string {
    if (password !== this.#lastPassword) {
      this.#lastTag = passwordTag(password);
      this.#lastPassword = password;
    }
    return this.#lastTag;
  }
}

/** An Authorization value to send, or why authentication cannot go on. */
export type AuthStep =
  | { readonly ok: true; readonly authorization: string; readonly scheme: 'basic' | 'digest' }
  | { readonly ok: false; readonly message: string };

/** `Basic base64(user:password)` over UTF-8 (RFC 7617 §2.1 charset=UTF-8). */
export function basicAuthorization(credentials: PhoneCredentials): string {
  return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')}`;
}

/** The auth schemes offered by WWW-Authenticate values, lower-cased; unparsable values are skipped. */
function offeredSchemes(values: readonly string[]): Set<string> {
  const schemes = new Set<string>();
  for (const value of values) {
    const parsed = parseChallenges(value);
    if (parsed.ok) for (const c of parsed.value) schemes.add(c.scheme.toLowerCase());
  }
  return schemes;
}

/**
 * The authentication of one request to one origin (a request and its 401 retries). Sends cached
 * credentials preemptively; on a 401 answers Digest (preferred, as curl's --anyauth picks the safer
 * scheme) or Basic. A second 401 to answered credentials fails, except a Digest `stale=true`
 * challenge, which is answered again (bounded by MAX_DIGEST_ANSWERS).
 */
export class RequestAuthenticator {
  readonly #cache: PhoneAuthCache;
  readonly #origin: string;
  readonly #credentials: PhoneCredentials;
  /** What the last attempt carried: nothing, cached credentials, or an answer to a challenge. */
  #sent: 'none' | 'preemptive' | 'basic' | 'digest' = 'none';
  #digestAnswers = 0;
  #scheme: PhoneAuthScheme = 'none';
  /** Learnt from a challenge; cached only once the phone accepts it (a wrong password evicts nothing). */
  #pending: AuthState | undefined;

  constructor(cache: PhoneAuthCache, origin: string, credentials: PhoneCredentials) {
    this.#cache = cache;
    this.#origin = origin;
    this.#credentials = credentials;
  }

  /** The scheme the last attempt used. */
  get scheme(): PhoneAuthScheme {
    return this.#scheme;
  }

  /** A preemptive Authorization value from the cache (Basic, or Digest with the next nc), if any. */
  initial(uri: string): string | undefined {
    const state = this.#cache.get(this.#origin, this.#credentials);
    if (state === undefined) return undefined;
    const authorization = state.scheme === 'basic' ? basicAuthorization(this.#credentials) : state.client.authorize('GET', uri);
    if (authorization === undefined) return undefined;
    this.#sent = 'preemptive';
    this.#scheme = state.scheme;
    return authorization;
  }

  /** The phone answered other than 401: what was learnt is cached for the next requests. */
  accepted(): void {
    if (this.#pending !== undefined) this.#cache.set(this.#origin, this.#credentials, this.#pending);
    this.#pending = undefined;
  }

  /** Answers a 401 whose WWW-Authenticate values are `challenges`. */
  answer(challenges: readonly string[], uri: string): AuthStep {
    const schemes = offeredSchemes(challenges);
    const refused = (message: string): AuthStep => {
      this.#cache.delete(this.#origin, this.#credentials);
      return { ok: false, message };
    };
    const user = JSON.stringify(this.#credentials.username);
    if (this.#sent === 'basic') return refused(`the phone refused the credentials of ${user} (Basic)`);
    if (schemes.has('digest')) {
      const cached = this.#cache.get(this.#origin, this.#credentials);
      const client =
        cached?.scheme === 'digest' ? cached.client : new DigestClient({ username: this.#credentials.username, password: this.#credentials.password });
      const answered = this.#sent === 'digest' ? this.#digestAnswers : 0;
      const r = client.respond(challenges, 'GET', uri, { answered });
      if (r.ok) {
        this.#pending = { scheme: 'digest', client };
        this.#sent = 'digest';
        this.#digestAnswers = answered + 1;
        this.#scheme = 'digest';
        return { ok: true, authorization: r.value, scheme: 'digest' };
      }
      if (r.error.reason === 'rejected') return refused(`the phone refused the credentials of ${user} (Digest)`);
      if (r.error.reason === 'stale-loop') return refused('the phone keeps answering stale=true');
      if (!schemes.has('basic')) return refused(`cannot answer the Digest challenge: ${r.error.message}`);
    }
    if (schemes.has('basic')) {
      // Cached Basic credentials refused: sending the same again cannot help.
      if (this.#sent === 'preemptive' && this.#scheme === 'basic') return refused(`the phone refused the credentials of ${user} (Basic)`);
      this.#pending = { scheme: 'basic' };
      this.#sent = 'basic';
      this.#scheme = 'basic';
      return { ok: true, authorization: basicAuthorization(this.#credentials), scheme: 'basic' };
    }
    const names = [...schemes].slice(0, 4).map((s) => JSON.stringify(s.slice(0, 32)));
    return refused(names.length === 0 ? 'the 401 carries no usable WWW-Authenticate challenge' : `unsupported authentication scheme ${names.join(', ')}`);
  }
}
