// How a phone's web server is addressed, and the checks that keep a caller's host, port and credentials
// from changing the request (no userinfo, path or header injection through the address).
import { isIPv4, isIPv6 } from 'node:net';
import { err, ok, type Result } from '../util/errors.js';
import { findControlChar } from '../util/text.js';

/** Scheme of a phone's web server. */
export type PhoneScheme = 'http' | 'https';

/** A phone's web server as callers give it. */
export interface PhoneAddress {
  /** IPv4 literal, IPv6 literal (`::1` or `[::1]`, no zone id) or host name. */
  readonly host: string;
  /** Default 80 for http, 443 for https. */
  readonly port?: number;
  /** Default `http` (what mod_snom spoke). */
  readonly scheme?: PhoneScheme;
  /** With a password, answers Basic or Digest challenges (whichever the phone asks for). */
  readonly username?: string;
  /** Default '' when a username is given. */
  readonly password?: string;
  /** Accept any certificate from this phone (self-signed is the norm on phones); default false. */
  readonly insecureTls?: boolean;
}

/** Credentials after validation. */
export interface PhoneCredentials {
  readonly username: string;
  readonly password: string;
}

/** A checked address: `origin` is canonical (`http://[::1]:8080`, port always written). */
export interface ResolvedPhone {
  readonly scheme: PhoneScheme;
  /** As written in a URL: lower-case name, dotted quad, or bracketed compressed IPv6. */
  readonly host: string;
  readonly port: number;
  readonly origin: string;
  readonly credentials: PhoneCredentials | undefined;
  readonly insecureTls: boolean;
}

/** Length bounds on credentials; far above anything a phone stores. */
export const PHONE_CREDENTIAL_LIMITS = Object.freeze({ username: 256, password: 1024 });

const LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;
// A last label the WHATWG URL parser would read as an IPv4 number (`1.2.3`, `0x7f`).
const NUMERIC_LABEL = /^(?:0[xX][0-9A-Fa-f]*|[0-9]+)$/;

/** Whether `name` is an RFC 1123 host name (underscores tolerated) that a URL keeps as a name. */
function isHostName(name: string): boolean {
  const bare = name.endsWith('.') ? name.slice(0, -1) : name;
  if (bare.length === 0 || bare.length > 253) return false;
  const labels = bare.split('.');
  return labels.every((l) => LABEL.test(l)) && !NUMERIC_LABEL.test(labels[labels.length - 1]!);
}

/** The host as written in a URL, or undefined when it is not a literal or host name. */
export function canonicalHost(host: unknown): string | undefined {
  if (typeof host !== 'string' || host.length === 0 || host.length > 255) return undefined;
  if (isIPv4(host)) return host;
  const inner = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIPv6(inner)) {
    // isIPv6 accepts zone ids (`fe80::1%eth0`), which a URL cannot carry: refused.
    if (inner.includes('%')) return undefined;
    return new URL(`http://[${inner}]/`).hostname;
  }
  if (inner !== host) return undefined;
  return isHostName(host) ? host.toLowerCase() : undefined;
}

/** 80 for http, 443 for https. */
export function defaultPort(scheme: PhoneScheme): number {
  return scheme === 'https' ? 443 : 80;
}

/** `scheme://host:port` with the port always written (the key of pools, limits and auth caches). */
export function formatOrigin(scheme: PhoneScheme, host: string, port: number): string {
  return `${scheme}://${host}:${port}`;
}

/**
 * Checks a PhoneAddress: the host is an IP literal or host name; the port 1..65535; the scheme http or
 * https; the username has no control character or `:` (RFC 7617 §2) and the password no control
 * character. Messages never contain the password. Never throws.
 */
export function resolvePhone(phone: PhoneAddress, defaults: { insecureTls?: boolean } = {}): Result<ResolvedPhone, string> {
  if (phone === null || typeof phone !== 'object') return err('the phone address must be an object');
  const scheme = phone.scheme ?? 'http';
  if (scheme !== 'http' && scheme !== 'https') return err("scheme must be 'http' or 'https'");
  const host = canonicalHost(phone.host);
  if (host === undefined) return err('host must be an IPv4 or IPv6 literal or a host name');
  const port = phone.port ?? defaultPort(scheme);
  if (!Number.isSafeInteger(port) || port < 1 || port > 65535) return err('port must be a whole number from 1 to 65535');
  if (phone.insecureTls !== undefined && typeof phone.insecureTls !== 'boolean') return err('insecureTls must be a boolean');
  let credentials: PhoneCredentials | undefined;
  if (phone.username !== undefined) {
    const { username } = phone;
    const password = phone.password ?? '';
    if (typeof username !== 'string' || username === '' || username.length > PHONE_CREDENTIAL_LIMITS.username) {
      return err(`username must be 1 to ${PHONE_CREDENTIAL_LIMITS.username} characters`);
    }
    const control = findControlChar(username);
    if (control) return err(`username contains ${control.name} at ${control.index}`);
    if (username.includes(':')) return err('username must not contain ":"');
    if (typeof password !== 'string' || password.length > PHONE_CREDENTIAL_LIMITS.password) {
      return err(`password must be a string of at most ${PHONE_CREDENTIAL_LIMITS.password} characters`);
    }
    // The position only: the password itself never appears in a message.
    if (findControlChar(password)) return err('password contains a control character');
    credentials = { username, password };
  } else if (phone.password !== undefined) {
    return err('a password needs a username');
  }
  return ok({
    scheme,
    host,
    port,
    origin: formatOrigin(scheme, host, port),
    credentials,
    insecureTls: phone.insecureTls ?? defaults.insecureTls ?? false,
  });
}

/** A request target the client may send: starts with `/`, visible ASCII only, no `#`. */
export function isRequestTarget(path: unknown): path is string {
  return typeof path === 'string' && path.length <= 8192 && /^\/[\x21-\x22\x24-\x7e]*$/.test(path);
}
