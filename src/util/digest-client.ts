// The answering side of Digest authentication, shared by the SIP stack (401/407, RFC 3261 §22.2–22.4)
// and the phone's HTTP client (RFC 7616 §3.4). One instance per protection space (server + header).
import { randomBytes } from 'node:crypto';
import { InvalidOptionError, SnomError, err, ok, type Result } from './errors.js';
import { findControlChar } from './text.js';
import { parseChallenges } from './auth-header.js';
import {
  DIGEST_ALGORITHMS,
  computeDigestResponse,
  digestHashOf,
  formatDigestCredentials,
  formatNc,
  parseDigestAlgorithm,
  toDigestChallenge,
  type DigestAlgorithm,
  type DigestChallenge,
  type DigestHash,
  type DigestQop,
  type DigestSecret,
} from './digest.js';

/** Options of a DigestClient: the username and either `password` or `ha1`. */
export type DigestClientOptions = {
  readonly username: string;
  /** Algorithms this client may answer with; default all of DIGEST_ALGORITHMS. */
  readonly algorithms?: readonly DigestAlgorithm[];
  /** Source of client nonces; default 16 random bytes, base64url. Tests inject fixed values. */
  readonly cnonce?: () => string;
} & DigestSecret;

/** Why no Authorization value was produced. */
export type DigestClientErrorReason =
  | 'no-challenge' // no parsable Digest challenge in the headers
  | 'unsupported' // Digest challenges, but none with an algorithm/qop/values this client can answer
  | 'rejected' // credentials already sent for this request were refused (not stale): wrong username/password
  | 'stale-loop' // the server keeps answering stale=true
  | 'bad-request'; // the method or URI holds control characters

/** Authentication cannot proceed; the message never contains the password or HA1. */
export class DigestAuthError extends SnomError<'SNOM_ERR_DIGEST_AUTH'> {
  readonly reason: DigestClientErrorReason;

  constructor(reason: DigestClientErrorReason, message: string) {
    super('SNOM_ERR_DIGEST_AUTH', message);
    this.name = 'DigestAuthError';
    this.reason = reason;
  }
}

/** How many challenges one request may answer: the first, then stale ones (RFC 7616 §3.3 `stale`). */
export const MAX_DIGEST_ANSWERS = 3;

interface Session {
  readonly challenge: DigestChallenge;
  readonly algorithm: DigestAlgorithm;
  readonly qop: DigestQop | undefined;
  /** Whether the challenge named its algorithm (if not, the credentials do not either). */
  readonly namedAlgorithm: boolean;
  /** For -sess algorithms the cnonce is fixed per nonce, since it is part of the session key HA1. */
  readonly sessionCnonce: string | undefined;
  nc: number;
}

const QOP_RANK = (qop: DigestQop | undefined): number => (qop === 'auth' ? 0 : qop === 'auth-int' ? 1 : 2);
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/**
 * Answers Digest challenges and reuses the nonce for later requests. Picks the strongest challenge
 * (SHA-256 over MD5, then qop auth over auth-int over none). The password and HA1 are kept in
 * private fields and never shown by toString, JSON or util.inspect.
 */
export class DigestClient {
  readonly username: string;
  readonly #secret: DigestSecret;
  readonly #algorithms: ReadonlySet<DigestAlgorithm>;
  readonly #cnonce: () => string;
  #session: Session | undefined;

  constructor(options: DigestClientOptions) {
    if (typeof options.username !== 'string' || options.username === '') {
      throw new InvalidOptionError('username', 'must be a non-empty string');
    }
    if (findControlChar(options.username)) throw new InvalidOptionError('username', 'must not contain control characters');
    this.username = options.username;
    if ('password' in options && typeof options.password === 'string') {
      this.#secret = { password: options.password };
    } else if ('ha1' in options && options.ha1 && typeof options.ha1 === 'object') {
      this.#secret = { ha1: { ...options.ha1 } };
    } else {
      throw new InvalidOptionError('password', 'either password or ha1 is required');
    }
    const algorithms = options.algorithms ?? DIGEST_ALGORITHMS;
    if (algorithms.length === 0 || algorithms.some((a) => !DIGEST_ALGORITHMS.includes(a))) {
      throw new InvalidOptionError('algorithms', `must be a non-empty list of ${DIGEST_ALGORITHMS.join(', ')}`);
    }
    this.#algorithms = new Set(algorithms);
    this.#cnonce = options.cnonce ?? (() => randomBytes(16).toString('base64url'));
  }

  /** The realm of the challenge currently answered, if any. */
  get realm(): string | undefined {
    return this.#session?.challenge.realm;
  }

  /**
   * Answers a 401/407: `challenges` are the WWW-Authenticate / Proxy-Authenticate values (each may hold
   * several challenges). `answered` is how many challenges this same request has already answered:
   * 0 for the first 401 (also after a preemptive header from authorize, whose nonce the server may
   * have forgotten); after that only a `stale=true` challenge is answered, else `rejected`.
   * Returns the Authorization / Proxy-Authorization value, with nc 00000001 and a fresh cnonce.
   */
  respond(
    challenges: string | readonly string[],
    method: string,
    uri: string,
    options: { body?: string | Uint8Array; answered?: number } = {},
  ): Result<string, DigestAuthError> {
    const answered = options.answered ?? 0;
    if (typeof method !== 'string' || typeof uri !== 'string' || findControlChar(method) || findControlChar(uri)) {
      return err(new DigestAuthError('bad-request', 'the method or URI holds control characters'));
    }
    const picked = this.#pick(typeof challenges === 'string' ? [challenges] : Array.isArray(challenges) ? challenges : []);
    if (!picked.ok) return picked;
    if (answered > 0 && !picked.value.challenge.stale) {
      this.#session = undefined;
      return err(new DigestAuthError('rejected', `the server refused the credentials of ${JSON.stringify(this.username)}`));
    }
    if (answered >= MAX_DIGEST_ANSWERS) {
      this.#session = undefined;
      return err(new DigestAuthError('stale-loop', `still stale after ${answered} answers`));
    }
    const { challenge, algorithm, qop, namedAlgorithm } = picked.value;
    this.#session = {
      challenge,
      algorithm,
      qop,
      namedAlgorithm,
      sessionCnonce: algorithm.endsWith('-sess') ? this.#cnonce() : undefined,
      nc: 0,
    };
    const header = this.#next(method, uri, options.body);
    if (header === undefined) {
      this.#session = undefined;
      return err(new DigestAuthError('unsupported', 'the challenge holds values that cannot be answered'));
    }
    return ok(header);
  }

  /**
   * A preemptive Authorization value for a new request, reusing the last answered nonce with the next
   * nc (RFC 7616 §3.4); undefined before any challenge was answered or once nc is exhausted.
   */
  authorize(method: string, uri: string, body?: string | Uint8Array): string | undefined {
    return this.#next(method, uri, body);
  }

  /** Forgets the current nonce: the next request goes without credentials. */
  reset(): void {
    this.#session = undefined;
  }

  #pick(values: readonly string[]): Result<Omit<Session, 'sessionCnonce' | 'nc'>, DigestAuthError> {
    let best: Omit<Session, 'sessionCnonce' | 'nc'> | undefined;
    let bestRank = Infinity;
    let sawDigest = false;
    for (const value of values) {
      const parsed = parseChallenges(value);
      if (!parsed.ok) continue;
      for (const c of parsed.value) {
        const digest = toDigestChallenge(c);
        if (!digest.ok) continue;
        sawDigest = true;
        const challenge = digest.value;
        const algorithm = parseDigestAlgorithm(c.params.get('algorithm'));
        if (algorithm === undefined || !this.#algorithms.has(algorithm) || !this.#hasSecretFor(digestHashOf(algorithm))) continue;
        const qop = challenge.qop.length === 0 ? undefined : (['auth', 'auth-int'] as const).find((q) => challenge.qop.includes(q));
        if (challenge.qop.length > 0 && qop === undefined) continue;
        const rank = DIGEST_ALGORITHMS.indexOf(algorithm) * 3 + QOP_RANK(qop);
        if (rank < bestRank) {
          bestRank = rank;
          best = { challenge, algorithm, qop, namedAlgorithm: c.params.has('algorithm') };
        }
      }
    }
    if (best) return ok(best);
    return sawDigest
      ? err(new DigestAuthError('unsupported', 'no Digest challenge with a supported algorithm and qop'))
      : err(new DigestAuthError('no-challenge', 'no Digest challenge'));
  }

  #hasSecretFor(hash: DigestHash): boolean {
    return 'password' in this.#secret || this.#secret.ha1[hash] !== undefined;
  }

  #next(method: string, uri: string, body: string | Uint8Array | undefined): string | undefined {
    const s = this.#session;
    if (!s || s.nc >= 0xffffffff) return undefined;
    if (findControlChar(method) || findControlChar(uri)) return undefined;
    s.nc++;
    const { challenge, algorithm, qop } = s;
    const cnonce = s.sessionCnonce ?? (qop ? this.#cnonce() : undefined);
    const nc = qop ? formatNc(s.nc) : undefined;
    const response = computeDigestResponse({
      algorithm,
      username: this.username,
      realm: challenge.realm,
      secret: this.#secret,
      nonce: challenge.nonce,
      method,
      uri,
      qop,
      nc,
      cnonce,
      body,
    });
    if (response === undefined) return undefined;
    const header = formatDigestCredentials({
      username: this.username,
      realm: challenge.realm,
      nonce: challenge.nonce,
      uri,
      response,
      algorithm: s.namedAlgorithm ? algorithm : undefined,
      qop,
      nc,
      cnonce,
      opaque: challenge.opaque,
    });
    return header.ok ? header.value : undefined;
  }

  /** A description without secrets. */
  toString(): string {
    return `DigestClient(${JSON.stringify(this.username)}${this.realm === undefined ? '' : ` @ ${JSON.stringify(this.realm)}`})`;
  }

  /** JSON without secrets. */
  toJSON(): { username: string; realm: string | undefined } {
    return { username: this.username, realm: this.realm };
  }

  [INSPECT](): string {
    return this.toString();
  }
}
