// The registrar's options, their defaults and their checks.
import { InvalidOptionError } from '../util/errors.js';
import type { DigestServerOptions } from '../util/digest-server.js';
import { findControlChar } from '../util/text.js';
import { bareHost, scanHost } from '../sip/uri.js';
import type { RegistrarEvent } from './binding.js';
import type { RegistrationStore } from './registration-store.js';
import type { UserDirectory } from './register-auth.js';

/** Options of a Registrar. */
export interface RegistrarOptions {
  /** The domains this registrar is responsible for (Request-URI and To hosts; case-insensitive). */
  readonly domains: readonly string[];
  /** The Digest realm; default the first domain. */
  readonly realm?: string;
  readonly users: UserDirectory;
  /** Where bindings persist; default none (memory only). */
  readonly store?: RegistrationStore;
  /** Shortest expiry accepted (s); shorter requests get 423 (RFC 3261 §10.3 step 7); at most 3600. Default 60. */
  readonly minExpires?: number;
  /** Expiry when the request names none (s). Default 600. */
  readonly defaultExpires?: number;
  /** Longer requests are shortened to this (s). Default 3600. */
  readonly maxExpires?: number;
  /** Most bindings per AOR; a request that would exceed it gets 503. Default 10. */
  readonly maxContacts?: number;
  /** How often start()'s timer sweeps expired bindings (ms). Default 1000. */
  readonly sweepIntervalMs?: number;
  /** Clock in ms since the epoch; default Date.now. Also the Digest server's clock. */
  readonly now?: () => number;
  /** Digest options besides realm and clock (algorithms default SHA-256 and MD5, qop auth). */
  readonly digest?: Omit<DigestServerOptions, 'realm' | 'now'>;
  /** Receives the `expired` events of start()'s sweeps. */
  readonly onExpired?: (events: readonly RegistrarEvent[]) => void;
}

/** Defaults of RegistrarOptions. */
export const REGISTRAR_DEFAULTS = Object.freeze({
  minExpires: 60,
  defaultExpires: 600,
  maxExpires: 3600,
  maxContacts: 10,
  sweepIntervalMs: 1000,
});

/** Options with defaults applied and domains lowercased (IPv6 without brackets). */
export interface ResolvedRegistrarOptions {
  readonly domains: ReadonlyMap<string, string>;
  readonly realm: string;
  readonly minExpires: number;
  readonly defaultExpires: number;
  readonly maxExpires: number;
  readonly maxContacts: number;
  readonly sweepIntervalMs: number;
  readonly now: () => number;
}

/** The key a host is looked up by in `domains`: lowercase, IPv6 brackets removed. */
export function domainKey(host: string): string {
  return bareHost(host.toLowerCase());
}

function isHost(d: string): boolean {
  const bracketed = d.includes(':') && !d.startsWith('[') ? `[${d}]` : d;
  return bracketed.length > 0 && scanHost(bracketed, 0, bracketed.length) === bracketed.length;
}

function whole(name: string, value: number, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(name, `must be a whole number in ${min}..${max}`);
  }
  return value;
}

/** Applies defaults and checks every option; throws InvalidOptionError. */
export function resolveRegistrarOptions(o: RegistrarOptions): ResolvedRegistrarOptions {
  const list: unknown = o.domains;
  if (!Array.isArray(list) || list.length === 0) throw new InvalidOptionError('domains', 'must be a non-empty array');
  const domains = new Map<string, string>();
  for (const d of list as unknown[]) {
    if (typeof d !== 'string' || !isHost(d)) throw new InvalidOptionError('domains', 'each domain must be a host name or IP address');
    const key = domainKey(d);
    domains.set(key, key);
  }
  const realm = o.realm ?? o.domains[0]!;
  if (typeof realm !== 'string' || realm === '' || findControlChar(realm)) {
    throw new InvalidOptionError('realm', 'must be a non-empty string without control characters');
  }
  if (typeof o.users !== 'function') throw new InvalidOptionError('users', 'must be a function (user, domain) => user');
  const now = o.now ?? Date.now;
  if (typeof now !== 'function') throw new InvalidOptionError('now', 'must be a function');
  // RFC 3261 §10.3: 423 only for requests below one hour, so a larger minimum could not be enforced
  const minExpires = whole('minExpires', o.minExpires ?? REGISTRAR_DEFAULTS.minExpires, 1, 3600);
  const maxExpires = whole('maxExpires', o.maxExpires ?? REGISTRAR_DEFAULTS.maxExpires, minExpires, 2 ** 32 - 1);
  const defaultExpires = whole('defaultExpires', o.defaultExpires ?? REGISTRAR_DEFAULTS.defaultExpires, minExpires, maxExpires);
  const maxContacts = whole('maxContacts', o.maxContacts ?? REGISTRAR_DEFAULTS.maxContacts, 1, 10_000);
  const sweepIntervalMs = whole('sweepIntervalMs', o.sweepIntervalMs ?? REGISTRAR_DEFAULTS.sweepIntervalMs, 1, 3_600_000);
  if (o.onExpired !== undefined && typeof o.onExpired !== 'function') throw new InvalidOptionError('onExpired', 'must be a function');
  return { domains, realm, minExpires, defaultExpires, maxExpires, maxContacts, sweepIntervalMs, now };
}
