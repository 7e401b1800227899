// FreeSWITCH's `sofia_contact` API (mod_sofia.c, sofia_contact_function / contact_callback), the
// lookup mod_snom's `snom_command` ran for a user target. Its reply is one dial string per registered
// contact, joined by commas: `sofia/<profile>/sip:<contact URL without scheme>` — the Contact with its
// display name and angle brackets removed (sofia_glue_get_url_from_contact), every parameter kept
// (`;line=…`, `;transport=…`, and FreeSWITCH's own `;fs_nat=…`/`;fs_path=…`). `*/user[@domain]`
// searches every profile (duplicates removed); `profile/user@domain` one profile. When nothing
// matches the reply is exactly `error/user_not_registered` (mod_snom compared it ignoring case).
import { parseCommandTarget, type CommandTarget } from '../snom/command-target.js';
import { err, ok, type Result } from '../util/errors.js';

/** One registered contact from a `sofia_contact` reply. */
export interface SofiaContact {
  /** The profile the registration belongs to. */
  readonly profile: string;
  /** The contact URL as FreeSWITCH gives it (`sip:2000@192.0.2.10:5060;line=abc`), `;fs_…` included. */
  readonly uri: string;
  /** The whole dial string (`sofia/internal/sip:…`): the key of the core `registrations` table. */
  readonly dialString: string;
}

/** A parsed `sofia_contact` reply. */
export type SofiaContactReply =
  | { readonly registered: true; readonly contacts: readonly SofiaContact[] }
  | { readonly registered: false };

/** Why a `sofia_contact` reply or spec was not usable. */
export interface SofiaContactError {
  readonly code: 'bad-spec' | 'rejected' | 'bad-reply';
  readonly message: string;
}

/** The reply FreeSWITCH gives for a user without registration. */
export const USER_NOT_REGISTERED = 'error/user_not_registered';

const ENTRY = /^sofia\/([^/\s]+)\/(sips?:\S+)$/i;

/**
 * Parses the text of `api sofia_contact …`. Blanks around it are ignored. `error/user_not_registered`
 * (any case) is `registered: false`; a `-ERR …` line (sofia not loaded, say) is `rejected`; anything
 * that is not a comma-separated list of `sofia/<profile>/sip[s]:…` entries is `bad-reply`. Every entry
 * is returned, in FreeSWITCH's order. Never throws.
 */
export function parseSofiaContactReply(text: string): Result<SofiaContactReply, SofiaContactError> {
  const reply = String(text).trim();
  if (reply.toLowerCase() === USER_NOT_REGISTERED) return ok({ registered: false });
  if (reply.startsWith('-ERR') || reply.startsWith('-USAGE')) {
    return err({ code: 'rejected', message: `FreeSWITCH refused sofia_contact: ${firstLine(reply)}` });
  }
  if (reply === '') return err({ code: 'bad-reply', message: 'sofia_contact returned nothing' });
  const contacts: SofiaContact[] = [];
  for (const entry of reply.split(',')) {
    const m = ENTRY.exec(entry.trim());
    if (!m) return err({ code: 'bad-reply', message: `unexpected sofia_contact entry: ${firstLine(entry.trim())}` });
    contacts.push({ profile: m[1] as string, uri: m[2] as string, dialString: entry.trim() });
  }
  return ok({ registered: true, contacts });
}

/**
 * The argument of `sofia_contact` for a target: `*\/user`, `*\/user@domain`, `profile/user@domain`,
 * `user@domain` or `user`, checked by parseCommandTarget (no blanks, no control characters, SIP user
 * characters only) so nothing else can ride along on the `api` line. IP and host-name targets are
 * `bad-spec`: they need no lookup.
 */
export function sofiaContactSpec(target: string | CommandTarget): Result<string, SofiaContactError> {
  const parsed = typeof target === 'string' ? parseCommandTarget(target) : ok(target);
  if (!parsed.ok) return err({ code: 'bad-spec', message: parsed.error.message });
  const t = parsed.value;
  if (t.kind !== 'user') return err({ code: 'bad-spec', message: 'an IP address or host name needs no sofia_contact lookup' });
  const profile = t.profile === undefined ? '' : `${t.profile}/`;
  const domain = t.domain === undefined ? '' : `@${t.domain}`;
  const spec = `${profile}${t.user}${domain}`;
  const check = parseCommandTarget(spec);
  if (!check.ok || check.value.kind !== 'user') return err({ code: 'bad-spec', message: 'not a valid user spec' });
  return ok(spec);
}

/**
 * The URL inside a Contact value, as sofia_glue_get_url_from_contact extracts it: a quoted display
 * name is skipped, then the text between `<` and its matching `>` (nesting counted, as
 * switch_find_end_paren does: event headers arrive URL-decoded, so a `;fs_path=%3C…%3E` parameter
 * shows up as `<…>` inside the brackets), else the whole value.
 */
export function contactUrl(contact: string): string {
  let s = String(contact).replace(/^ +/, '');
  if (s.startsWith('"')) {
    const close = s.indexOf('"', 1);
    if (close !== -1) s = s.slice(close + 1);
  }
  s = s.replace(/^ +/, '');
  const open = s.indexOf('<');
  if (open === -1) return s;
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    if (s[i] === '<') depth++;
    else if (s[i] === '>' && --depth === 0) return s.slice(open + 1, i);
  }
  return s.slice(open + 1);
}

/** The URI cut at `;fs_`, as mod_sofia cut it before sending the MESSAGE (FreeSWITCH's own params). */
export function withoutFsParams(uri: string): string {
  const cut = uri.indexOf(';fs_');
  return cut === -1 ? uri : uri.slice(0, cut);
}

function firstLine(s: string): string {
  const line = s.split('\n', 1)[0] ?? '';
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
