// What snomctl asks of FreeSWITCH, over one FreeswitchConnection: deliver x-buttons bodies the way
// mod_snom did (SEND_MESSAGE), find a user's registrations and their network addresses (sofia_contact
// + the core registrations table, as snom_command did), follow registrations (sofia::register …),
// and serve the dialplan bridge (snom::api → snom::api-result).
import type { CommandTarget } from '../snom/command-target.js';
import { SnomError, err, ok, type Result } from '../util/errors.js';
import { SHOW_REGISTRATIONS_COMMAND, findCoreRegistration, parseShowRegistrations, type CoreRegistration } from './core-registrations.js';
import { DIALPLAN_REQUEST_SUBCLASS, buildDialplanReply, parseDialplanRequest, type DialplanReply, type DialplanRequest, type DialplanRequestError } from './dialplan-api.js';
import type { EslCommandInput } from './esl-command.js';
import type { EslCommandError } from './esl-errors.js';
import type { EslEvent } from './esl-event.js';
import type { EslCommandOptions, EslCommandReply } from './connection-types.js';
import { REGISTRATION_SUBCLASSES, parseRegistrationEvent, type RegistrationEvent } from './registration-event.js';
import { buildSendMessageCommand, type SendButtonsInput } from './send-message.js';
import { parseSofiaContactReply, sofiaContactSpec, type SofiaContactReply } from './sofia-contact.js';

const SOFIA_PROFILE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** The part of FreeswitchConnection the adapter uses (tests may pass their own). */
export interface EslCommandChannel {
  api(command: string, options?: EslCommandOptions): Promise<Result<string, EslCommandError>>;
  command(input: EslCommandInput, options?: EslCommandOptions): Promise<Result<EslCommandReply, EslCommandError>>;
  subscribe(names: { events?: readonly string[]; subclasses?: readonly string[] }): boolean;
  onEvent(listener: (event: EslEvent) => void): () => void;
}

/** Why a lookup failed: `reason` says which step. */
export class FreeswitchLookupError extends SnomError<'SNOM_ERR_ESL_LOOKUP'> {
  readonly reason: 'bad-spec' | 'rejected' | 'bad-reply' | 'command-failed';

  constructor(reason: FreeswitchLookupError['reason'], message: string, cause?: EslCommandError) {
    super('SNOM_ERR_ESL_LOOKUP', message, cause ? { cause } : undefined);
    this.name = 'FreeswitchLookupError';
    this.reason = reason;
  }
}

/** A registration with where it came from. */
export interface LocatedRegistration {
  readonly profile: string;
  /** The contact URL as FreeSWITCH gives it. */
  readonly uri: string;
  readonly dialString: string;
  /** The REGISTER's source address (what mod_snom used), when the core table had the row. */
  readonly networkIp: string | undefined;
  readonly networkPort: number | undefined;
  readonly networkProto: string | undefined;
  /** Absolute expiry, Unix seconds, when known. */
  readonly expires: number | undefined;
  /** The registration's domain (the core table's realm), when the core table had the row. */
  readonly realm: string | undefined;
}

/** Every registration of a user, or none. */
export type LocatedRegistrations =
  | { readonly registered: true; readonly registrations: readonly LocatedRegistration[] }
  | { readonly registered: false };

/** What sendButtons can honestly say: FreeSWITCH took the event; it reports nothing per contact. */
export interface SendButtonsResult {
  readonly handedToFreeswitch: true;
  /** The Event-UUID FreeSWITCH gave the event. */
  readonly eventUuid: string | undefined;
}

/** FreeSWITCH operations over a connection. */
export class FreeswitchAdapter {
  readonly #esl: EslCommandChannel;

  constructor(options: { connection: EslCommandChannel }) {
    this.#esl = options.connection;
  }

  /**
   * Fires mod_snom's SEND_MESSAGE event (see send-message.ts). Success means FreeSWITCH accepted the
   * event; mod_sofia then sends a MESSAGE to every registered contact of user@host, or logs an error
   * (unknown profile, user not registered) and sends nothing — it reports neither back.
   */
  async sendButtons(input: SendButtonsInput, options?: EslCommandOptions): Promise<Result<SendButtonsResult, EslCommandError>> {
    const command = buildSendMessageCommand(input);
    if (!command.ok) return command;
    const r = await this.#esl.command(command.value, options);
    if (!r.ok) return r;
    const m = /^\+OK\s+(\S+)/.exec(r.value.replyText);
    return ok({ handedToFreeswitch: true, eventUuid: m?.[1] });
  }

  /** Runs `sofia_contact <spec>` and parses it: every contact, or `registered: false`. */
  async sofiaContact(target: string | CommandTarget, options?: EslCommandOptions): Promise<Result<SofiaContactReply, FreeswitchLookupError>> {
    const spec = sofiaContactSpec(target);
    if (!spec.ok) return err(new FreeswitchLookupError('bad-spec', spec.error.message));
    const r = await this.#esl.api(`sofia_contact ${spec.value}`, options);
    if (!r.ok) return err(new FreeswitchLookupError('command-failed', r.error.message, r.error));
    const parsed = parseSofiaContactReply(r.value);
    if (!parsed.ok) return err(new FreeswitchLookupError(parsed.error.code === 'rejected' ? 'rejected' : 'bad-reply', parsed.error.message));
    return parsed;
  }

  /**
   * Every registration of a user with its network address, as mod_snom's snom_command found it:
   * `sofia_contact`, then the core `registrations` table (`show registrations as json`) matched by
   * url. A contact without a matching row keeps `networkIp: undefined` (the core database may be
   * disabled); a failing `show registrations` leaves every address undefined rather than failing.
   */
  async lookupRegistrations(target: string | CommandTarget, options?: EslCommandOptions): Promise<Result<LocatedRegistrations, FreeswitchLookupError>> {
    const contacts = await this.sofiaContact(target, options);
    if (!contacts.ok) return contacts;
    if (!contacts.value.registered) return ok({ registered: false });
    const table = await this.#esl.api(SHOW_REGISTRATIONS_COMMAND, options);
    const rows = table.ok ? parseShowRegistrations(table.value) : undefined;
    const usable = rows?.ok ? rows.value : [];
    return ok({
      registered: true,
      registrations: contacts.value.contacts.map((c) => {
        const row = findCoreRegistration(c, usable);
        return {
          profile: c.profile,
          uri: c.uri,
          dialString: c.dialString,
          networkIp: row?.networkIp,
          networkPort: row?.networkPort,
          networkProto: row?.networkProto,
          expires: row?.expires,
          realm: row === undefined || row.realm === '' ? undefined : row.realm,
        };
      }),
    });
  }

  /**
   * Whether a sofia profile (or alias) exists: `sofia status profile <name>` answers `Invalid Profile!`
   * for an unknown one (sofia.c, cmd_status). `bad-spec` for a name that is not a profile name.
   */
  async sofiaProfileExists(name: string, options?: EslCommandOptions): Promise<Result<boolean, FreeswitchLookupError>> {
    if (!SOFIA_PROFILE.test(String(name))) return err(new FreeswitchLookupError('bad-spec', "a sofia profile name is letters, digits, '_', '.', '-' (at most 64)"));
    const r = await this.#esl.api(`sofia status profile ${name}`, options);
    if (!r.ok) return err(new FreeswitchLookupError('command-failed', r.error.message, r.error));
    const text = r.value.trim();
    if (/^invalid profile/i.test(text)) return ok(false);
    if (text.startsWith('-ERR') || text.startsWith('-USAGE')) {
      return err(new FreeswitchLookupError('rejected', `FreeSWITCH refused sofia status: ${text.split('\n', 1)[0]?.slice(0, 200) ?? ''}`));
    }
    return ok(true);
  }

  /**
   * Every row of the core `registrations` table (`show registrations as json`), each with the sofia
   * profile its url names; `rejected` when the core database is disabled.
   */
  async allRegistrations(options?: EslCommandOptions): Promise<Result<Array<CoreRegistration & { readonly profile: string }>, FreeswitchLookupError>> {
    const r = await this.#esl.api(SHOW_REGISTRATIONS_COMMAND, options);
    if (!r.ok) return err(new FreeswitchLookupError('command-failed', r.error.message, r.error));
    const rows = parseShowRegistrations(r.value);
    if (!rows.ok) return err(new FreeswitchLookupError(rows.error.code === 'rejected' ? 'rejected' : 'bad-reply', rows.error.message));
    const out: Array<CoreRegistration & { readonly profile: string }> = [];
    for (const row of rows.value) {
      const m = /^sofia\/([^/]+)\//i.exec(row.url);
      if (m) out.push({ ...row, profile: m[1] as string });
    }
    return ok(out);
  }

  /** Subscribes to sofia::register/unregister/expire and calls `listener` with each, typed. */
  onRegistration(listener: (event: RegistrationEvent) => void): () => void {
    this.#esl.subscribe({ subclasses: REGISTRATION_SUBCLASSES });
    return this.#esl.onEvent((event) => {
      if (event.name !== 'CUSTOM') return;
      const parsed = parseRegistrationEvent(event);
      if (parsed.ok) listener(parsed.value);
    });
  }

  /**
   * Subscribes to snom::api and calls `listener` with each request, or with the reason an event
   * could not be read (answer it with replyToDialplan when it carries a requestId).
   */
  onDialplanRequest(listener: (request: Result<DialplanRequest, DialplanRequestError>) => void): () => void {
    this.#esl.subscribe({ subclasses: [DIALPLAN_REQUEST_SUBCLASS] });
    return this.#esl.onEvent((event) => {
      const parsed = parseDialplanRequest(event);
      if (parsed.ok || parsed.error.code !== 'not-request') listener(parsed);
    });
  }

  /** Fires the snom::api-result event for a request. */
  async replyToDialplan(reply: DialplanReply, options?: EslCommandOptions): Promise<Result<{ eventUuid: string | undefined }, EslCommandError>> {
    const r = await this.#esl.command(buildDialplanReply(reply), options);
    if (!r.ok) return r;
    return ok({ eventUuid: /^\+OK\s+(\S+)/.exec(r.value.replyText)?.[1] });
  }
}
