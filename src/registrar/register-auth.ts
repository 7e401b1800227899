// Who may register an AOR: Digest (RFC 3261 §22.4, RFC 7616, RFC 8760) or an IP-trusted network.
import { randomBytes } from 'node:crypto';
import type { SipRequest } from '../sip/message.js';
import { parseDigestCredentials, type DigestHash, type DigestSecret } from '../util/digest.js';
import type { DigestServer } from '../util/digest-server.js';
import type { RegisterSource } from './binding.js';
import { inNetworks } from './cidr.js';

/**
 * A registrar user. `password` or `ha1` (per hash, computed with the registrar's realm) enables Digest;
 * `trustedNetworks` (CIDR strings) lets REGISTERs from inside those networks in without credentials.
 * A user with only `trustedNetworks` can register from nowhere else.
 */
export interface RegistrarUser {
  readonly password?: string;
  readonly ha1?: Readonly<Partial<Record<DigestHash, string>>>;
  readonly trustedNetworks?: readonly string[];
}

/** Finds a user of a domain (domain lowercase); undefined when unknown. Synchronous: it runs per REGISTER. */
export type UserDirectory = (user: string, domain: string) => RegistrarUser | undefined;

/** The outcome of authentication: the authenticated user; a (possibly stale) challenge; or 403. */
export type AuthOutcome =
  | { readonly kind: 'ok'; readonly username: string; readonly by: 'digest' | 'network' }
  /**
   * Answer 401 with a fresh challenge. `failed`: credentials for our realm were given and refused (wrong,
   * forged, replayed); not for a stale nonce, whose password was right (RFC 7616 §3.3), nor when none came.
   */
  | { readonly kind: 'challenge'; readonly stale: boolean; readonly failed: boolean }
  | { readonly kind: 'forbidden' };

const NO_CREDENTIALS: AuthOutcome = Object.freeze({ kind: 'challenge', stale: false, failed: false });
const STALE: AuthOutcome = Object.freeze({ kind: 'challenge', stale: true, failed: false });
const REFUSED: AuthOutcome = Object.freeze({ kind: 'challenge', stale: false, failed: true });

/** The Digest secret of a user, when it has one. */
export function secretOf(user: RegistrarUser | undefined): DigestSecret | undefined {
  if (user === undefined) return undefined;
  if (typeof user.password === 'string') return { password: user.password };
  if (user.ha1 !== undefined && (user.ha1.MD5 !== undefined || user.ha1['SHA-256'] !== undefined)) return { ha1: user.ha1 };
  return undefined;
}

/**
 * Authenticates a REGISTER for `user@domain`:
 * - the user's trusted networks hold the source address: accepted without credentials;
 * - a user with trusted networks but no secret, from elsewhere: forbidden (403);
 * - otherwise Digest: no credentials for our realm → challenge; expired nonce with a right answer →
 *   stale challenge; any other failure → a fresh challenge (RFC 3261 §22.2 re-challenges). Unknown users
 *   are checked against random decoy HA1s, so they cost and answer exactly like a wrong password (a
 *   known user's HA1s are kept per directory entry; only the entry's first check computes them).
 * The authenticated username may differ from `user`: the caller decides whether it may register the AOR.
 */
export class RegisterAuth {
  readonly #digest: DigestServer;
  readonly #users: UserDirectory;
  /** Random HA1s: as cheap to check as a known user's kept ones (see #secret). */
  readonly #decoy: DigestSecret = { ha1: { MD5: randomBytes(16).toString('hex'), 'SHA-256': randomBytes(32).toString('hex') } };
  /** HA1 secrets by user entry (weak: entries come and go with the directory's caches). */
  readonly #ha1 = new WeakMap<RegistrarUser, { readonly username: string; readonly password: string; readonly secret: DigestSecret }>();

  constructor(digest: DigestServer, users: UserDirectory) {
    this.#digest = digest;
    this.#users = users;
  }

  /** The realm challenges carry. */
  get realm(): string {
    return this.#digest.realm;
  }

  /** Fresh `WWW-Authenticate` values (one per algorithm). */
  challenge(stale: boolean): string[] {
    return this.#digest.challenge({ stale });
  }

  authenticate(req: SipRequest, source: RegisterSource, user: string, domain: string): AuthOutcome {
    const entry = this.#users(user, domain);
    const networks = entry?.trustedNetworks;
    if (networks !== undefined && networks.length > 0) {
      if (inNetworks(networks, source.address)) return { kind: 'ok', username: user, by: 'network' };
      if (secretOf(entry) === undefined) return { kind: 'forbidden' };
    }
    const header = this.#credentials(req);
    if (header === undefined) return NO_CREDENTIALS;
    const r = this.#digest.verify(header, req.method, (username: string): DigestSecret =>
      this.#secret(username, username === user ? entry : this.#users(username, domain)) ?? this.#decoy, { uri: req.uri });
    if (r.status === 'ok') return { kind: 'ok', username: r.username, by: 'digest' };
    return r.status === 'stale' ? STALE : REFUSED;
  }

  /**
   * secretOf(entry) for `username`; a password is replaced by its HA1s, computed once per user entry (a
   * directory that hands out the same entry object each time, as the service's does, saves a hash per
   * REGISTER).
   */
  #secret(username: string, entry: RegistrarUser | undefined): DigestSecret | undefined {
    const password = entry?.password;
    if (entry === undefined || typeof password !== 'string') return secretOf(entry);
    const known = this.#ha1.get(entry);
    if (known !== undefined && known.username === username && known.password === password) return known.secret;
    const secret = this.#digest.ha1Secret(username, password);
    this.#ha1.set(entry, { username, password, secret });
    return secret;
  }

  /** The Authorization value to check: the only one, or the first Digest one for our realm. */
  #credentials(req: SipRequest): string | undefined {
    const all = req.headers.getAll('Authorization');
    if (all.length <= 1) return all[0];
    for (const v of all) {
      const c = parseDigestCredentials(v);
      if (c.ok && c.value.realm === this.#digest.realm) return v;
    }
    return undefined;
  }
}
