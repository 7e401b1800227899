// A virtual phone's SIP identities (Snom "identities", lines 1..12) and the URIs a Snom builds from them:
// Contact with `;line=<id>` and `+sip.instance` (snom-protocol.md §2.3), AOR, Request-URIs of key presses.
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { InvalidOptionError, err, ok, type Result } from '../util/errors.js';
import { DigestClient } from '../util/digest-client.js';
import { findControlChar } from '../util/text.js';
import { C_PASSWORD, quote } from '../sip/chars.js';
import type { TransportProtocol } from '../sip/transport-types.js';
import { escape, scanHost } from '../sip/uri.js';

/** Where an identity registers: its registrar (or outbound proxy) address. */
export interface RegistrarAddress {
  /** IP address or host name; IPv6 without brackets. */
  readonly host: string;
  readonly port: number;
  readonly transport: TransportProtocol;
}

/** One identity as given in options. */
export interface SipIdentityOptions {
  /** `host:port` (`[v6]:port`; port default 5060), or the parts. */
  readonly registrar: string | { readonly host: string; readonly port?: number; readonly transport?: TransportProtocol };
  /** The SIP user (account) name. */
  readonly user: string;
  /** The digest password; without one, challenges are not answered. Never shown anywhere. */
  readonly password?: string;
  /** Digest user name when it differs from `user`. */
  readonly authUser?: string;
  /** The AOR's domain (`user_host`); default the registrar's host. */
  readonly domain?: string;
  /** Display name (`user_realname`). */
  readonly displayName?: string;
  /** Requested registration lifetime in seconds; default 600. */
  readonly expires?: number;
  /** The Contact's `line` parameter; default 8 random lower-case letters and digits (kept across reboots). */
  readonly lineId?: string;
}

/** A checked identity with its DigestClient (one per identity, so nonces are reused). */
export interface SipIdentity {
  /** 1-based identity number (Snom's line). */
  readonly line: number;
  readonly user: string;
  readonly domain: string;
  readonly displayName?: string;
  readonly registrar: RegistrarAddress;
  readonly expires: number;
  readonly lineId: string;
  /** `sip:user@domain`. */
  readonly aor: string;
  readonly credentials?: DigestClient;
}

/** Defaults of SipIdentityOptions. */
export const IDENTITY_DEFAULTS = Object.freeze({ expires: 600, port: 5060 });

const LINE_ID = /^[A-Za-z0-9]{1,32}$/;
const ID_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** A new `line` parameter value: 8 random characters of [a-z0-9], like the ones Snom phones use. */
export function newLineId(): string {
  let out = '';
  for (const byte of randomBytes(8)) out += ID_ALPHABET[byte % ID_ALPHABET.length];
  return out;
}

/** Whether `host` is an IPv4/IPv6 address or a host name a SIP URI can hold (IPv6 bracketed or not). */
export function isHost(host: string): boolean {
  if (typeof host !== 'string' || host.length === 0 || host.length > 253) return false;
  if (isIP(host) !== 0) return true;
  return scanHost(host, 0, host.length) === host.length;
}

/** A host as it is written in a URI: IPv6 in brackets. */
export function uriHost(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

/** Parses `host`, `host:port`, `[v6]` or `[v6]:port`; `defaultPort` when none. Never throws. */
export function parseHostPort(text: string, defaultPort: number): Result<{ host: string; port: number }, string> {
  if (typeof text !== 'string' || text.length === 0) return err('must be HOST or HOST:PORT');
  let host: string;
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return err('an IPv6 address must end with ]');
    host = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest !== '' && !rest.startsWith(':')) return err('must be [IPv6]:PORT');
    portText = rest === '' ? undefined : rest.slice(1);
    if (isIP(host) !== 6) return err('not an IPv6 address in brackets');
  } else {
    const colon = text.lastIndexOf(':');
    if (colon >= 0 && text.indexOf(':') !== colon) return err('write an IPv6 address as [ADDRESS]:PORT');
    host = colon < 0 ? text : text.slice(0, colon);
    portText = colon < 0 ? undefined : text.slice(colon + 1);
    if (!isHost(host)) return err('the host is not an IP address or host name');
  }
  if (portText === undefined) return ok({ host, port: defaultPort });
  if (!/^[0-9]{1,5}$/.test(portText) || Number(portText) > 65535) return err('the port must be a number from 0 to 65535');
  return ok({ host, port: Number(portText) });
}

function text(name: string, value: unknown, max = 128): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw new InvalidOptionError(name, `must be a non-empty string of at most ${max} characters`);
  }
  if (findControlChar(value)) throw new InvalidOptionError(name, 'must not contain control characters');
  return value;
}

function registrarOf(name: string, value: SipIdentityOptions['registrar']): RegistrarAddress {
  if (typeof value === 'string') {
    const parsed = parseHostPort(value, IDENTITY_DEFAULTS.port);
    if (!parsed.ok) throw new InvalidOptionError(name, parsed.error);
    if (parsed.value.port === 0) throw new InvalidOptionError(name, 'the port must be 1..65535');
    return { ...parsed.value, transport: 'udp' };
  }
  if (typeof value !== 'object' || value === null) throw new InvalidOptionError(name, 'must be HOST:PORT or { host, port, transport }');
  const host = value.host.startsWith('[') && value.host.endsWith(']') ? value.host.slice(1, -1) : value.host;
  if (!isHost(host)) throw new InvalidOptionError(`${name}.host`, 'must be an IP address or host name');
  const port = value.port ?? IDENTITY_DEFAULTS.port;
  if (!Number.isSafeInteger(port) || port < 1 || port > 65535) throw new InvalidOptionError(`${name}.port`, 'must be 1..65535');
  const transport = value.transport ?? 'udp';
  if (transport !== 'udp' && transport !== 'tcp') throw new InvalidOptionError(`${name}.transport`, "must be 'udp' or 'tcp'");
  return { host, port, transport };
}

/** Checks one identity's options (`identities[i]`) and makes its DigestClient; throws InvalidOptionError. */
export function resolveIdentity(options: SipIdentityOptions, line: number): SipIdentity {
  const at = `identities[${line - 1}]`;
  if (typeof options !== 'object' || options === null) throw new InvalidOptionError(at, 'must be an object');
  const registrar = registrarOf(`${at}.registrar`, options.registrar);
  const user = text(`${at}.user`, options.user);
  const domain = options.domain === undefined ? uriHost(registrar.host) : text(`${at}.domain`, options.domain, 253);
  if (!isHost(domain)) throw new InvalidOptionError(`${at}.domain`, 'must be a host name or IP address');
  const displayName = options.displayName === undefined ? undefined : text(`${at}.displayName`, options.displayName);
  const expires = options.expires ?? IDENTITY_DEFAULTS.expires;
  if (!Number.isSafeInteger(expires) || expires < 1 || expires > 86_400) throw new InvalidOptionError(`${at}.expires`, 'must be 1..86400 seconds');
  const lineId = options.lineId ?? newLineId();
  if (typeof lineId !== 'string' || !LINE_ID.test(lineId)) throw new InvalidOptionError(`${at}.lineId`, 'must be 1-32 letters or digits');
  let credentials: DigestClient | undefined;
  if (options.password !== undefined) {
    if (typeof options.password !== 'string') throw new InvalidOptionError(`${at}.password`, 'must be a string');
    const username = options.authUser === undefined ? user : text(`${at}.authUser`, options.authUser);
    credentials = new DigestClient({ username, password: options.password });
  }
  const aor = `sip:${escape(user, C_PASSWORD)}@${uriHost(domain)}`;
  return {
    line, user, domain: uriHost(domain), registrar, expires, lineId, aor,
    ...(displayName === undefined ? {} : { displayName }),
    ...(credentials === undefined ? {} : { credentials }),
  };
}

/** The phone's own address for one transport, as written in Contact. */
export interface LocalAddress {
  readonly host: string;
  readonly port: number;
  readonly transport: TransportProtocol;
}

/** `sip:user@host:port;line=<id>` (plus `;transport=tcp` over TCP): the URI a Snom registers (§2.3). */
export function contactUri(identity: SipIdentity, local: LocalAddress): string {
  const tcp = local.transport === 'tcp' ? ';transport=tcp' : '';
  return `sip:${escape(identity.user, C_PASSWORD)}@${uriHost(local.host)}:${local.port};line=${identity.lineId}${tcp}`;
}

/** The REGISTER Contact value: the URI, `q=1.0` and `+sip.instance` as Snom phones send them (RFC 5626 §4.1). */
export function contactHeader(uri: string, instance: string, expires?: number): string {
  return `<${uri}>;q=1.0;+sip.instance="<${instance}>"${expires === undefined ? '' : `;expires=${expires}`}`;
}

/** From/To value for an identity: `"Display" <sip:user@domain>`. */
export function identityNameAddr(identity: SipIdentity): string {
  return identity.displayName === undefined ? `<${identity.aor}>` : `${quote(identity.displayName)} <${identity.aor}>`;
}

/**
 * The `+sip.instance` URN of a phone: a UUID ending in its MAC, stable across reboots like a real Snom's
 * [inferred: Snom derives it from the MAC address].
 */
export function instanceUrn(mac: string): string {
  const hex = mac.toLowerCase().replace(/[^0-9a-f]/g, '').padStart(12, '0').slice(-12);
  return `urn:uuid:00000000-0000-1000-8000-${hex}`;
}

/**
 * The Request-URI of a request to `target` at the identity's domain (§2.4): `sip:<target>@<domain>`
 * with the target %-escaped as a SIP user (everything but unreserved characters and `&=+$,`), or the
 * target itself when it already is a `sip:`/`sips:` URI or `user@host`.
 */
export function targetUri(target: string, domain: string): string {
  if (/^sips?:[^\s<>"]+@[^\s<>"]+$/i.test(target)) return target;
  const at = target.lastIndexOf('@');
  if (at > 0 && isHost(target.slice(at + 1))) return `sip:${escape(target.slice(0, at), C_PASSWORD)}@${target.slice(at + 1)}`;
  return `sip:${escape(target, C_PASSWORD)}@${domain}`;
}
