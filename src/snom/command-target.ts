import { err, ok, type Result } from '../util/errors.js';
import { findControlChar } from '../util/text.js';

/**
 * The `<ip|user>` argument of `snom_command` (snom-protocol.md §1.4), parsed.
 *
 * mod_snom used an IPv4 literal as the phone's host and gave anything else to FreeSWITCH's
 * `sofia_contact`, which resolved `[<profile>/]<user>[@<domain>]` to the registered contact (and
 * mod_snom then used the registration's network IP). This parser keeps that meaning:
 * - `192.0.2.7` → `ip` (strict dotted quad, as `inet_pton`: no leading zeros, no shorthand);
 * - `*\/2000`, `*\/2000@pbx.example`, `internal/2000@pbx.example`, `internal/2000` → `user`;
 * - `2000` alone → `user` with no profile and no domain: `sofia_contact 2000` searched the user in
 *   FreeSWITCH's default domain (first a profile named like that domain, then every profile), and so
 *   does this project with its default domain. A user not found is `-ERR user '2000' not registered`.
 *
 * and adds what mod_snom lacked (it treated these as user names, which were then never registered):
 * - IPv6 literals, with or without brackets (`2001:db8::5`, `[2001:db8::5]`) → `ip`. Zone ids
 *   (`fe80::1%eth0`) are refused: they only work on one host's link and cannot travel in a URL safely.
 * - Host names with at least one dot and a non-numeric last label (`phone7.office.example`) → `host`.
 *   A single label (`phone7`, `localhost`) stays a user name as in mod_snom; `*\/john.doe` forces a
 *   dotted user name.
 */
export type CommandTarget =
  | { readonly kind: 'ip'; readonly family: 4 | 6; readonly address: string; readonly spec: string }
  | { readonly kind: 'host'; readonly host: string; readonly spec: string }
  | {
      readonly kind: 'user';
      /** `'*'` = every profile; undefined = not given (a profile named like the domain, else every one). */
      readonly profile: string | undefined;
      readonly user: string;
      /** undefined = the default domain. */
      readonly domain: string | undefined;
      readonly spec: string;
    };

/** Why a target string was refused. */
export type CommandTargetErrorCode =
  | 'empty'
  | 'too-long'
  | 'bad-char'
  | 'bad-ipv4'
  | 'bad-ipv6'
  | 'ipv6-zone'
  | 'port-unsupported'
  | 'bad-profile'
  | 'bad-user'
  | 'bad-domain';

/** A refused target: a stable code and a human-readable reason (the spec is not secret). */
export interface CommandTargetError {
  readonly code: CommandTargetErrorCode;
  readonly message: string;
  readonly spec: string;
}

/** Longest target accepted, in UTF-16 code units. */
export const MAX_TARGET_LENGTH = 512;
/** Longest user part accepted. */
export const MAX_USER_LENGTH = 256;

const IPV4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;
const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const PROFILE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** RFC 3261 §25.1 `user`: unreserved / escaped / user-unreserved, minus `/` (the profile separator). */
const USER = /^(?:[A-Za-z0-9\-_.!~*'()&=+$,;?]|%[0-9A-Fa-f]{2})+$/;

/** Parses a `snom_command` target: IP literal, host name, or `[profile/]user[@domain]`; never throws. */
export function parseCommandTarget(spec: string): Result<CommandTarget, CommandTargetError> {
  const fail = (code: CommandTargetErrorCode, message: string): { ok: false; error: CommandTargetError } =>
    err({ code, message, spec });
  if (spec === '') return fail('empty', 'target is empty');
  if (spec.length > MAX_TARGET_LENGTH) return fail('too-long', `target is longer than ${MAX_TARGET_LENGTH} characters`);
  const ctl = findControlChar(spec);
  if (ctl) return fail('bad-char', `target contains a control character (${ctl.name})`);
  if (/\s/u.test(spec)) return fail('bad-char', 'target contains white space');

  if (spec.includes('/') || spec.includes('@')) return parseUserSpec(spec, fail);
  if (IPV4.test(spec)) return ok({ kind: 'ip', family: 4, address: spec, spec });
  if (/^[\d.]+$/.test(spec) && spec.includes('.')) return fail('bad-ipv4', 'not a valid IPv4 address');
  if (spec.startsWith('[') || spec.includes(':')) return parseIpv6Target(spec, fail);
  if (spec.includes('.') && isHostName(spec)) return ok({ kind: 'host', host: spec, spec });
  if (spec.includes('~')) return fail('bad-user', "'~' is not supported in a target");
  if (spec.length > MAX_USER_LENGTH || !USER.test(spec)) return fail('bad-user', 'not an IP address, host name or SIP user');
  return ok({ kind: 'user', profile: undefined, user: spec, domain: undefined, spec });
}

/** True for an RFC 1123 §2.1 host name of 2+ labels whose last label is not all digits. */
export function isHostName(s: string): boolean {
  if (s.length > 253) return false;
  const labels = s.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l))) return false;
  return !/^\d+$/.test(labels[labels.length - 1] as string);
}

/** True for an RFC 4291 §2.2 IPv6 text address (no brackets, no zone id). */
export function isIpv6Address(s: string): boolean {
  if (s.length < 2 || s.length > 45) return false;
  const gap = s.indexOf('::');
  if (gap !== s.lastIndexOf('::')) return false;
  const groups = (part: string): string[] => (part === '' ? [] : part.split(':'));
  const parts = gap === -1 ? s.split(':') : [...groups(s.slice(0, gap)), ...groups(s.slice(gap + 2))];
  let count = 0;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i] as string;
    if (HEX_GROUP.test(p)) count += 1;
    else if (i === parts.length - 1 && s.endsWith(p) && IPV4.test(p)) count += 2;
    else return false;
  }
  return gap === -1 ? count === 8 : count <= 7;
}

type Fail = (code: CommandTargetErrorCode, message: string) => { ok: false; error: CommandTargetError };

function parseIpv6Target(spec: string, fail: Fail): Result<CommandTarget, CommandTargetError> {
  const bracketed = spec.startsWith('[') && spec.endsWith(']');
  if (spec.startsWith('[') && !bracketed) {
    return /^\[[^\]]*\]:\d+$/.test(spec)
      ? fail('port-unsupported', 'a port cannot be given in a target')
      : fail('bad-ipv6', 'not a valid bracketed IPv6 address');
  }
  const address = bracketed ? spec.slice(1, -1) : spec;
  if (address.includes('%')) return fail('ipv6-zone', 'IPv6 zone ids are not supported');
  if (isIpv6Address(address)) return ok({ kind: 'ip', family: 6, address, spec });
  if (/^[^:]+:\d+$/.test(spec)) return fail('port-unsupported', 'a port cannot be given in a target');
  return fail('bad-ipv6', 'not a valid IPv6 address');
}

function parseUserSpec(spec: string, fail: Fail): Result<CommandTarget, CommandTargetError> {
  if (spec.includes('~')) return fail('bad-user', "'~' is not supported in a target");
  const slash = spec.indexOf('/');
  let profile: string | undefined;
  let rest = spec;
  if (slash !== -1) {
    profile = spec.slice(0, slash);
    rest = spec.slice(slash + 1);
    if (profile !== '*' && !PROFILE.test(profile)) {
      return fail('bad-profile', "profile must be '*' or a name of letters, digits, '_', '.', '-'");
    }
  }
  const at = rest.indexOf('@');
  const user = at === -1 ? rest : rest.slice(0, at);
  const domain = at === -1 ? undefined : rest.slice(at + 1);
  if (user.includes('/')) return fail('bad-user', "'/' is not allowed in a user");
  if (user === '' || user.length > MAX_USER_LENGTH || !USER.test(user)) return fail('bad-user', 'not a valid SIP user');
  if (domain !== undefined && !isDomain(domain)) {
    return fail('bad-domain', 'domain must be a host name or an IP address without port');
  }
  return ok({ kind: 'user', profile, user, domain, spec });
}

function isDomain(d: string): boolean {
  if (IPV4.test(d)) return true;
  if (d.startsWith('[') && d.endsWith(']')) return isIpv6Address(d.slice(1, -1));
  if (d.length > 253 || /^[\d.]+$/.test(d)) return false;
  return d.split('.').every((l) => LABEL.test(l));
}
