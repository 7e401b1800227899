import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { InvalidOptionError } from '../../util/errors.js';
import { resolveLimits, type ParseLimits } from '../parse-limits.js';

/** Options every transport factory takes. */
export interface BindOptions {
  /** Local IP address to bind (IPv4 or IPv6, brackets allowed); default `0.0.0.0`. */
  readonly address?: string;
  /** Local port; 0 picks a free one (tests); default 5060. */
  readonly port?: number;
  /** Host written in Via sent-by/Contact; default the bound address, or a local interface address for a wildcard bind. */
  readonly sentByHost?: string;
  /** Limits for parsing received messages (see parseMessage). */
  readonly parseLimits?: Partial<ParseLimits>;
}

/** Validated bind options. */
export interface ResolvedBind {
  readonly address: string;
  readonly port: number;
  readonly family: 4 | 6;
  readonly limits: ParseLimits;
}

/** Validates BindOptions; throws InvalidOptionError. */
export function resolveBind(options: BindOptions): ResolvedBind {
  const address = bare(options.address ?? '0.0.0.0');
  const family = isIP(address);
  if (family === 0) throw new InvalidOptionError('address', 'must be an IPv4 or IPv6 address');
  const port = options.port ?? 5060;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidOptionError('port', 'must be 0..65535');
  if (options.sentByHost !== undefined && !/^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)$/.test(options.sentByHost)) {
    throw new InvalidOptionError('sentByHost', 'must be a host name, an IPv4 address or a bracketed IPv6 address');
  }
  return { address, port, family: family as 4 | 6, limits: resolveLimits(options.parseLimits) };
}

/** Strips the brackets of an IPv6 reference. */
export function bare(address: string): string {
  return address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
}

/** The Via/Contact host for a bound address: brackets for IPv6; for a wildcard, the first external interface address. */
export function sentByHostFor(bound: string, family: 4 | 6, configured: string | undefined): string {
  if (configured !== undefined) return configured;
  let host = bound;
  if (bound === '0.0.0.0' || bound === '::') {
    host = family === 4 ? '127.0.0.1' : '::1';
    for (const list of Object.values(networkInterfaces())) {
      const found = list?.find((i) => !i.internal && i.family === (family === 4 ? 'IPv4' : 'IPv6') && !i.address.startsWith('fe80'));
      if (found) {
        host = found.address;
        break;
      }
    }
  }
  return family === 6 ? `[${host}]` : host;
}

/** Whether a positive integer option is valid; throws InvalidOptionError otherwise. */
export function positiveInt(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v <= 0) throw new InvalidOptionError(name, 'must be a positive integer');
  return v;
}
