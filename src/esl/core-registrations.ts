// The network address of a registration, found the way mod_snom found it. snom_command ran
// `sofia_contact <user>` and then, in FreeSWITCH's core database,
// `select network_ip from registrations where url = '<the sofia_contact reply>'` (mod_snom.c).
// mod_sofia fills that core table on every REGISTER (sofia_reg.c: switch_core_add_registration with
// url = `sofia/<profile>/<proto>:<contact URL without scheme>`, the source address as network_ip and
// network_port). Over the Event Socket the same table is read with `show registrations as json`
// (mod_commands.c, show_function: `select * from registrations where hostname='<switchname>'`,
// printed as `{"row_count":N,"rows":[{column: value, …}]}`, or `{"row_count": 0}` when empty).
// mod_snom compared the whole reply, so it found nothing for a user with two contacts; here every
// contact is matched on its own.
import { err, ok, type Result } from '../util/errors.js';
import type { SofiaContact } from './sofia-contact.js';

/** One row of the core `registrations` table. */
export interface CoreRegistration {
  readonly user: string;
  readonly realm: string;
  /** The REGISTER's Call-ID. */
  readonly token: string;
  /** `sofia/<profile>/sip:…`, the same text sofia_contact returns for the contact. */
  readonly url: string;
  /** Absolute expiry, Unix seconds; undefined when not a number. */
  readonly expires: number | undefined;
  /** Source address of the REGISTER (NAT-aware): what mod_snom sent its HTTP request to. */
  readonly networkIp: string;
  readonly networkPort: number | undefined;
  /** `udp`, `tcp` or `tls`. */
  readonly networkProto: string;
  readonly hostname: string;
}

/** Why the `show registrations` output was not usable. */
export interface CoreRegistrationsError {
  readonly code: 'rejected' | 'bad-reply';
  readonly message: string;
}

/** The API command whose output parseShowRegistrations reads. */
export const SHOW_REGISTRATIONS_COMMAND = 'show registrations as json';

/**
 * Parses the output of `show registrations as json`. `-ERR …` (SQL disabled, say) is `rejected`;
 * anything that is not the documented JSON shape is `bad-reply`. Rows missing `url` or `network_ip`
 * are skipped: they cannot be matched. Never throws.
 */
export function parseShowRegistrations(text: string): Result<CoreRegistration[], CoreRegistrationsError> {
  const reply = String(text).trim();
  if (reply.startsWith('-ERR') || reply.startsWith('-USAGE')) {
    return err({ code: 'rejected', message: `FreeSWITCH refused show registrations: ${reply.split('\n', 1)[0]?.slice(0, 200) ?? ''}` });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(reply);
  } catch {
    return err({ code: 'bad-reply', message: 'show registrations did not return JSON' });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return err({ code: 'bad-reply', message: 'show registrations did not return a JSON object' });
  }
  const { row_count: count, rows } = parsed as { row_count?: unknown; rows?: unknown };
  if (typeof count !== 'number') return err({ code: 'bad-reply', message: 'show registrations JSON has no row_count' });
  if (rows === undefined) return count === 0 ? ok([]) : err({ code: 'bad-reply', message: 'show registrations JSON has no rows' });
  if (!Array.isArray(rows)) return err({ code: 'bad-reply', message: 'show registrations rows is not a list' });
  const out: CoreRegistration[] = [];
  for (const row of rows as unknown[]) {
    if (row === null || typeof row !== 'object') continue;
    const r = row as Record<string, unknown>;
    const url = text0(r.url);
    const networkIp = text0(r.network_ip);
    if (url === '' || networkIp === '') continue;
    out.push({
      user: text0(r.reg_user),
      realm: text0(r.realm),
      token: text0(r.token),
      url,
      expires: integer(r.expires),
      networkIp,
      networkPort: port(r.network_port),
      networkProto: text0(r.network_proto),
      hostname: text0(r.hostname),
    });
  }
  return ok(out);
}

/**
 * The core registration of a sofia_contact entry: the row whose url equals the dial string, else one
 * equal but for the scheme (mod_sofia writes `sips:` in the core table for TLS, sofia_contact `sip:`),
 * else undefined.
 */
export function findCoreRegistration(contact: SofiaContact, rows: readonly CoreRegistration[]): CoreRegistration | undefined {
  const exact = rows.find((r) => r.url === contact.dialString);
  if (exact) return exact;
  const key = schemeless(contact.dialString);
  return rows.find((r) => schemeless(r.url) === key);
}

function schemeless(url: string): string {
  return url.replace(/^(sofia\/[^/]*\/)sips?:/i, '$1');
}

function text0(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '';
}

function integer(v: unknown): number | undefined {
  const s = text0(v);
  return /^-?\d{1,15}$/.test(s) ? Number(s) : undefined;
}

function port(v: unknown): number | undefined {
  const n = integer(v);
  return n !== undefined && n >= 1 && n <= 65535 ? n : undefined;
}
