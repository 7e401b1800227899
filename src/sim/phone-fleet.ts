// Many virtual phones in one process, each on its own loopback address (127.x.y.z) with its own SIP
// socket and web address, registering as consecutive users. Shared: one scheduler for every refresh and
// retry, one limit on REGISTERs in flight, optionally one web listener for all.
import { isIPv4 } from 'node:net';
import { InvalidOptionError } from '../util/errors.js';
import type { SipIdentityOptions } from './sip-identity.js';
import { ConcurrencyLimiter, SimScheduler } from './sip-scheduler.js';
import { SharedWebListener } from './shared-web-listener.js';
import { VirtualPhone, type VirtualPhoneOptions } from './virtual-phone.js';

/** How the fleet's phones serve their web pages. */
export type FleetHttpMode = 'per-phone' | 'shared' | 'none';

/** Options every phone of a fleet gets (addresses, identities and shared parts are the fleet's). */
export type FleetPhoneOptions = Omit<
  VirtualPhoneOptions,
  'identities' | 'sip' | 'http' | 'webListener' | 'scheduler' | 'limiter' | 'mac' | 'waitForRegistration'
> & { readonly sip?: Omit<NonNullable<VirtualPhoneOptions['sip']>, 'host' | 'port'> };

/** Options of a PhoneFleet. */
export interface PhoneFleetOptions {
  readonly count: number;
  /** First phone's address (loopback, IPv4); the next ones count up, skipping .0 and .255; default 127.0.1.1. */
  readonly addressBase?: string;
  readonly registrar: SipIdentityOptions['registrar'];
  readonly domain?: string;
  /** First user name, digits (leading zeros keep the width); default `10000`. */
  readonly userBase?: string;
  /** One password, a pattern where `{user}` is each phone's user, or a function of the user. */
  readonly password?: string | ((user: string, index: number) => string);
  readonly expires?: number;
  /** Each phone's SIP port on its address; default 0 (any free one). */
  readonly sipPort?: number;
  /** Each phone's web port (per-phone) or the shared listener's port; default 0. */
  readonly httpPort?: number;
  /** `per-phone` (default): a listening socket per phone; `shared`: one for all (two fds per phone → one); `none`. */
  readonly http?: FleetHttpMode;
  /** REGISTERs in flight at most (initial, refreshes, un-registers); default 100. */
  readonly registerConcurrency?: number;
  /** Phones binding their sockets at once; default 200. */
  readonly startConcurrency?: number;
  readonly phone?: FleetPhoneOptions;
}

/** How a fleet start went. */
export interface FleetStartReport {
  readonly phones: number;
  readonly registered: number;
  readonly failed: number;
  /** Binding every socket. */
  readonly bindMs: number;
  /** From the last bind until every first registration ended (registering starts as each phone binds). */
  readonly registerMs: number;
  readonly elapsedMs: number;
}

/** Defaults of PhoneFleetOptions. */
export const FLEET_DEFAULTS = Object.freeze({
  addressBase: '127.0.1.1', userBase: '10000', registerConcurrency: 100, startConcurrency: 200, http: 'per-phone',
});

/** `count` IPv4 addresses from `base` upwards, skipping last octets 0 and 255; all must stay in 127.0.0.0/8. */
export function fleetAddresses(base: string, count: number): string[] {
  if (!isIPv4(base)) throw new InvalidOptionError('addressBase', 'must be an IPv4 address');
  const octets = base.split('.').map(Number);
  let n = ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
  const out: string[] = [];
  while (out.length < count) {
    const last = n & 255;
    if (last !== 0 && last !== 255) {
      if (n >>> 24 !== 127) throw new InvalidOptionError('addressBase', `${count} phones from ${base} leave 127.0.0.0/8 (loopback only)`);
      out.push(`${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${last}`);
    }
    n = (n + 1) >>> 0;
  }
  return out;
}

/** The i-th user from a digit base, keeping a zero-padded base's width (`0100` → `0100`, `0101`, …). */
export function fleetUser(base: string, index: number): string {
  const value = (BigInt(base) + BigInt(index)).toString();
  return value.padStart(base.length, '0');
}

/** A fleet of VirtualPhones; construct, start(), close(). Bad options throw InvalidOptionError. */
export class PhoneFleet {
  readonly phones: readonly VirtualPhone[];
  readonly scheduler = new SimScheduler();
  readonly limiter: ConcurrencyLimiter;
  readonly webListener: SharedWebListener | undefined;
  readonly addresses: readonly string[];
  readonly #startLimit: ConcurrencyLimiter;
  #closed: Promise<void> | undefined;

  constructor(options: PhoneFleetOptions) {
    const count = options.count;
    if (!Number.isSafeInteger(count) || count < 1 || count > 100_000) throw new InvalidOptionError('count', 'must be 1..100000');
    const userBase = options.userBase ?? FLEET_DEFAULTS.userBase;
    if (typeof userBase !== 'string' || !/^[0-9]{1,15}$/.test(userBase)) throw new InvalidOptionError('userBase', 'must be 1-15 digits');
    const http = options.http ?? FLEET_DEFAULTS.http;
    if (!['per-phone', 'shared', 'none'].includes(http)) throw new InvalidOptionError('http', "must be 'per-phone', 'shared' or 'none'");
    this.limiter = new ConcurrencyLimiter(options.registerConcurrency ?? FLEET_DEFAULTS.registerConcurrency);
    this.#startLimit = new ConcurrencyLimiter(options.startConcurrency ?? FLEET_DEFAULTS.startConcurrency);
    this.addresses = fleetAddresses(options.addressBase ?? FLEET_DEFAULTS.addressBase, count);
    this.webListener = http === 'shared'
      ? new SharedWebListener({ port: options.httpPort ?? 0, ...(options.phone?.https === undefined ? {} : { https: options.phone.https }) })
      : undefined;
    const password = options.password;
    const phones: VirtualPhone[] = [];
    for (let i = 0; i < count; i++) {
      const user = fleetUser(userBase, i);
      const pw = typeof password === 'function' ? password(user, i) : password?.replaceAll('{user}', user);
      phones.push(new VirtualPhone({
        ...options.phone,
        identities: [{
          registrar: options.registrar, user,
          ...(options.domain === undefined ? {} : { domain: options.domain }),
          ...(pw === undefined ? {} : { password: pw }),
          ...(options.expires === undefined ? {} : { expires: options.expires }),
        }],
        mac: `000413${(i + 1).toString(16).padStart(6, '0').slice(-6)}`,
        sip: { ...options.phone?.sip, host: this.addresses[i]!, port: options.sipPort ?? 0 },
        http: http === 'per-phone' ? { host: this.addresses[i]!, port: options.httpPort ?? 0 } : http === 'shared' ? {} : false,
        ...(this.webListener ? { webListener: this.webListener } : {}),
        scheduler: this.scheduler,
        limiter: this.limiter,
        waitForRegistration: false,
      }));
    }
    this.phones = phones;
  }

  /** Phones whose identity is registered now. */
  registeredCount(): number {
    let n = 0;
    for (const p of this.phones) if (p.registered) n++;
    return n;
  }

  /**
   * Binds every phone (startConcurrency at a time) and waits until each first registration ended.
   * Rejects, after closing everything, when a socket cannot be bound.
   */
  async start(): Promise<FleetStartReport> {
    const t0 = performance.now();
    try {
      await this.webListener?.listen();
      await Promise.all(this.phones.map((p) => this.#startLimit.run(() => p.start())));
    } catch (error) {
      await this.close();
      throw error;
    }
    const t1 = performance.now();
    const outcomes = await Promise.all(this.phones.map((p) => p.whenRegistered()));
    const t2 = performance.now();
    const registered = outcomes.filter((o) => o.every((r) => r.ok)).length;
    return {
      phones: this.phones.length, registered, failed: this.phones.length - registered,
      bindMs: Math.round(t1 - t0), registerMs: Math.round(t2 - t1), elapsedMs: Math.round(t2 - t0),
    };
  }

  /** Un-registers and closes every phone (as many at once as REGISTERs may be in flight), then the shared parts. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      const closing = new ConcurrencyLimiter(this.limiter.max);
      await Promise.all(this.phones.map((p) => closing.run(() => p.close())));
      await this.webListener?.close();
      this.scheduler.close();
    })();
    return this.#closed;
  }
}
