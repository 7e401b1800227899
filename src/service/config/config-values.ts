// Parsers of the configuration's small text values (listen addresses, `user:secret`, lists); never throw.
import { isIP } from 'node:net';
import { parseCidr } from '../../registrar/cidr.js';
import { err, ok, type Result } from '../../util/errors.js';
import { findControlChar } from '../../util/text.js';
import type { ListenAddress, UserConfig } from './config-types.js';

/** `host:port`, `[v6]:port`; host an IP address, port 0..65535. The error says what is allowed. */
export function parseListen(text: unknown): Result<ListenAddress, string> {
  const allowed = 'must be HOST:PORT with an IP address (IPv6 in brackets) and a port 0..65535';
  if (typeof text !== 'string') return err(allowed);
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([0-9.]+)):(\d{1,5})$/.exec(text);
  if (!m) return err(allowed);
  const host = (m[1] ?? m[2]) as string;
  const port = Number(m[3]);
  if (isIP(host) === 0 || port > 65535) return err(allowed);
  return ok({ host, port });
}

/** A listen address as text again (`[::1]:8088`). */
export function formatListen(a: ListenAddress): string {
  return a.host.includes(':') ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

/** Whether an address is on the loopback network (127.0.0.0/8, ::1, ::ffff:127.x). */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return /^127\.\d+\.\d+\.\d+$/.test(h) || h === '::1' || /^::ffff:127\.\d+\.\d+\.\d+$/.test(h);
}

/** `user:secret` (user: no `:`, `@`, blank or control character; secret: anything but control characters). */
export function parseUserSpec(text: unknown): Result<UserConfig, string> {
  const allowed = "must be 'USER:PASSWORD' (a user without ':', '@' or blanks, a non-empty password without control characters)";
  if (typeof text !== 'string') return err(allowed);
  const colon = text.indexOf(':');
  if (colon <= 0 || colon === text.length - 1) return err(allowed);
  const user = text.slice(0, colon);
  const password = text.slice(colon + 1);
  if (!isUserName(user) || findControlChar(password) !== undefined) return err(allowed);
  return ok({ user, password });
}

/** A SIP user part as this configuration accepts it. */
export function isUserName(user: unknown): user is string {
  return typeof user === 'string' && /^[A-Za-z0-9._~!$&'()*+,;=%-]{1,64}$/.test(user);
}

/** A host name or IP address. */
export function isHostName(host: unknown): host is string {
  if (typeof host !== 'string' || host.length === 0 || host.length > 253) return false;
  if (isIP(host.replace(/^\[|\]$/g, '')) !== 0) return true;
  return /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(host);
}

/** A phone's web address: `host` or `host:port` (port 1..65535), IPv6 in brackets. */
export function isWebAddress(text: unknown): text is string {
  if (typeof text !== 'string') return false;
  const m = /^(?:([A-Za-z0-9.-]{1,253})|\[([0-9A-Fa-f:.]{2,45})\])(?::(\d{1,5}))?$/.exec(text);
  if (!m) return false;
  if (m[1] !== undefined && !isHostName(m[1])) return false;
  if (m[2] !== undefined && isIP(m[2]) !== 6) return false;
  const port = m[3] === undefined ? 1 : Number(m[3]);
  return port >= 1 && port <= 65535;
}

/** A CIDR network (`10.0.0.0/8`, `fd00::/8`) or a single address. */
export function isNetwork(text: unknown): text is string {
  return typeof text === 'string' && parseCidr(text) !== undefined;
}

/** A comma-separated list, items trimmed, empty items dropped. */
export function splitList(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** A bearer token: 16..256 visible ASCII characters without blanks. */
export function isToken(text: unknown): text is string {
  return typeof text === 'string' && /^[\x21-\x7e]{16,256}$/.test(text);
}

/** What isToken allows, for error messages. */
export const TOKEN_RULE = 'must be 16..256 visible ASCII characters (no blanks)';

/** `host:port` of a server: a host name or IP address (IPv6 in brackets) and a port 1..65535. */
export function parseHostPort(text: unknown): Result<{ host: string; port: number }, string> {
  const allowed = 'must be HOST:PORT with a host name or IP address (IPv6 in brackets) and a port 1..65535';
  if (typeof text !== 'string') return err(allowed);
  const m = /^(?:\[([0-9A-Fa-f:.]{2,45})\]|([A-Za-z0-9.-]{1,253})):(\d{1,5})$/.exec(text);
  if (!m) return err(allowed);
  const host = (m[1] ?? m[2]) as string;
  const port = Number(m[3]);
  if ((m[1] !== undefined && isIP(host) !== 6) || (m[2] !== undefined && !isHostName(host)) || port < 1 || port > 65535) return err(allowed);
  return ok({ host, port });
}
