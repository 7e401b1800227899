// snom_command as a service operation: resolve the target, send to every phone, answer like mod_snom.
import { resolvePhone, type PhoneAddress } from '../../phone/phone-address.js';
import type { PhoneClient } from '../../phone/phone-client.js';
import { PhoneOperations } from '../../phone/phone-operations.js';
import { phoneFailure, type PhoneResult } from '../../phone/phone-result.js';
import { parseCommandTarget, type CommandTarget } from '../../snom/command-target.js';
import type { KeyEvent } from '../../snom/key-sequence.js';
import { parseModSnomCommand, type SnomCommandRequest } from '../../snom/mod-snom-command.js';
import { COMMAND_USAGE_REPLY } from '../../snom/mod-snom-reply.js';
import { InvalidOptionError } from '../../util/errors.js';
import { mapBounded } from './bounded-map.js';
import { modSnomReply, toCommandResult, type PhoneCommandResult, type SnomCommandOutcome, type TargetError, type TargetOutcome } from './command-result.js';
import { checkPhoneCommand, runPhoneCommand, type PhoneCommand, type PhoneOperationsLike } from './phone-command.js';
import { LocationLookupError, locationKey, type LocationCredentials, type LocationSource, type PhoneLocation } from './phone-location.js';

/** A pino-compatible logger (the service's ServiceLogger fits); nothing logged holds a credential, query or setting value. */
export interface CommandLogger {
  warn(details: object, message: string): void;
  debug(details: object, message: string): void;
}

/** How IP and host-name targets are reached when the inventory does not know them. */
export interface DirectWebOptions {
  readonly scheme?: 'http' | 'https';
  /** Default the scheme's (80/443). */
  readonly port?: number;
  readonly insecureTls?: boolean;
}

/** Options of CommandService: `operations`, or a `client` to build them on. */
export interface CommandServiceOptions {
  readonly operations?: PhoneOperationsLike;
  readonly client?: PhoneClient;
  readonly locations: LocationSource;
  /** Phones commanded at once (one target's phones, and bulk). Default 8. */
  readonly concurrency?: number;
  /** A target resolving to more phones than this is refused. Default 32. */
  readonly maxPhonesPerTarget?: number;
  /** Targets one bulk call may name. Default 10000. */
  readonly maxBulkTargets?: number;
  /** The domain of a bare `user` target (no profile, no domain); default: every domain. */
  readonly defaultDomain?: string;
  readonly direct?: DirectWebOptions;
  readonly logger?: CommandLogger;
}

/** Defaults of CommandServiceOptions. */
export const COMMAND_SERVICE_DEFAULTS = Object.freeze({ concurrency: 8, maxPhonesPerTarget: 32, maxBulkTargets: 10_000 });

/** Per-call options. `credentials` (the phone's web login) override the inventory's. */
export interface CommandOptions {
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
  readonly credentials?: LocationCredentials;
}

/** Options of bulk(). */
export interface BulkOptions extends CommandOptions {
  /** Phones in flight; default the service's concurrency. */
  readonly concurrency?: number;
  /** Called once per phone as it finishes; an exception it throws is logged and ignored. */
  readonly onProgress?: (done: number, total: number, result: PhoneCommandResult) => void;
}

/** The outcome of bulk(): results in resolution order (one per phone), and the targets that found none. */
export interface BulkOutcome {
  readonly ok: boolean;
  readonly total: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly results: readonly PhoneCommandResult[];
  readonly unresolved: readonly { readonly target: string; readonly error: TargetError }[];
  /** Set when nothing was attempted (bad command, options or target list). */
  readonly error?: TargetError;
}

/** A target as a caller gives it: text (`*\/2000`, `192.0.2.7`) or parsed. */
export type TargetSpec = string | CommandTarget;

const NO_LOG: CommandLogger = { warn: () => undefined, debug: () => undefined };

/**
 * Runs commands on phones' web servers. The target is resolved (IP/host → that phone, reached on the
 * direct web options unless the inventory knows its address; a user spec → every phone the location
 * source finds, each commanded, at most `concurrency` at once); credentials come from the call (the
 * command line's 4th/5th arguments) or else from the location. Every outcome is a value: nothing throws
 * after construction.
 */
export class CommandService {
  readonly #ops: PhoneOperationsLike;
  readonly #locations: LocationSource;
  readonly #concurrency: number;
  readonly #maxPhones: number;
  readonly #maxTargets: number;
  readonly #defaultDomain: string | undefined;
  readonly #direct: Required<Pick<DirectWebOptions, 'scheme' | 'insecureTls'>> & { port?: number };
  readonly #log: CommandLogger;

  constructor(options: CommandServiceOptions) {
    if (options === null || typeof options !== 'object') throw new InvalidOptionError('options', 'must be an object');
    if (options.operations !== undefined) {
      if (options.operations === null || typeof options.operations.pressKeys !== 'function') throw new InvalidOptionError('operations', 'must be PhoneOperations');
      this.#ops = options.operations;
    } else if (options.client !== undefined) {
      this.#ops = new PhoneOperations({ client: options.client });
    } else {
      throw new InvalidOptionError('operations', 'give operations or a client');
    }
    const loc = options.locations;
    if (loc === null || typeof loc !== 'object' || typeof loc.resolve !== 'function') throw new InvalidOptionError('locations', 'must be a LocationSource');
    this.#locations = loc;
    const d = COMMAND_SERVICE_DEFAULTS;
    this.#concurrency = whole('concurrency', options.concurrency ?? d.concurrency, 1, 1024);
    this.#maxPhones = whole('maxPhonesPerTarget', options.maxPhonesPerTarget ?? d.maxPhonesPerTarget, 1, 10_000);
    this.#maxTargets = whole('maxBulkTargets', options.maxBulkTargets ?? d.maxBulkTargets, 1, 1_000_000);
    const domain = options.defaultDomain;
    if (domain !== undefined && (typeof domain !== 'string' || !/^[A-Za-z0-9.:[\]-]{1,253}$/.test(domain))) {
      throw new InvalidOptionError('defaultDomain', 'must be a host name or IP address');
    }
    this.#defaultDomain = domain;
    const direct = options.direct ?? {};
    const scheme = direct.scheme ?? 'http';
    if (scheme !== 'http' && scheme !== 'https') throw new InvalidOptionError('direct.scheme', "must be 'http' or 'https'");
    if (direct.port !== undefined) whole('direct.port', direct.port, 1, 65535);
    const insecureTls = direct.insecureTls ?? false;
    if (typeof insecureTls !== 'boolean') throw new InvalidOptionError('direct.insecureTls', 'must be a boolean');
    this.#direct = { scheme, insecureTls, ...(direct.port === undefined ? {} : { port: direct.port }) };
    const log = options.logger ?? NO_LOG;
    if (typeof log?.debug !== 'function' || typeof log.warn !== 'function') throw new InvalidOptionError('logger', 'must have warn and debug');
    this.#log = log;
  }

  /** Runs a parsed `snom_command` and answers with mod_snom's reply (see modSnomReply). */
  async execute(request: SnomCommandRequest, options: Omit<CommandOptions, 'credentials'> = {}): Promise<SnomCommandOutcome> {
    if (request === null || typeof request !== 'object' || request.command !== 'snom_command' || typeof request.echoLine !== 'string') {
      return { target: '', ok: false, results: [], error: { code: 'syntax', message: COMMAND_USAGE_REPLY }, reply: COMMAND_USAGE_REPLY };
    }
    const command: PhoneCommand = request.kind === 'key' ? { kind: 'key', sequence: request.type } : { kind: 'action', action: request.type };
    const credentials = request.username !== undefined && request.password !== undefined ? { username: request.username, password: request.password } : undefined;
    const outcome = await this.#run(request.target, command, { ...options, ...(credentials ? { credentials } : {}) }, 'snom_command');
    const reply = modSnomReply(request.echoLine, outcome);
    this.#log.debug({ command: 'snom_command', line: request.echoLine, phones: outcome.results.length, ok: outcome.ok }, reply);
    return { ...outcome, reply };
  }

  /** Parses a full `snom_command …` line and runs it; a line that does not parse gets mod_snom's error reply. */
  async run(line: string, options: Omit<CommandOptions, 'credentials'> = {}): Promise<SnomCommandOutcome> {
    const parsed = parseModSnomCommand(typeof line === 'string' ? line : '');
    if (!parsed.ok) {
      const code = parsed.error.code === 'bad-target' ? 'bad-target' : 'syntax';
      const target = parsed.error.targetError?.spec ?? '';
      return { target, ok: false, results: [], error: { code, message: parsed.error.reply }, reply: parsed.error.reply };
    }
    if (parsed.value.command !== 'snom_command') {
      const reply = `-ERR ${parsed.value.command} is not handled here: only snom_command lines run as commands`;
      return { target: '', ok: false, results: [], error: { code: 'syntax', message: reply }, reply };
    }
    return this.execute(parsed.value, options);
  }

  /** Runs any PhoneCommand on a target's phones. */
  command(target: TargetSpec, command: PhoneCommand, options: CommandOptions = {}): Promise<TargetOutcome> {
    return this.#run(target, command, options, command?.kind);
  }

  /** `command.htm?key=<sequence>` on every phone of the target. */
  pressKeys(target: TargetSpec, sequence: string | readonly KeyEvent[], options?: CommandOptions): Promise<TargetOutcome> {
    return this.command(target, { kind: 'key', sequence }, options);
  }

  /** reboot, reset, dialeddel, misseddel, receiveddel. */
  action(target: TargetSpec, action: string, options?: CommandOptions): Promise<TargetOutcome> {
    return this.command(target, { kind: 'action', action }, options);
  }

  /** Dials `number` (302 or 200 = success). */
  dial(target: TargetSpec, number: string, outgoingUri?: string, options?: CommandOptions): Promise<TargetOutcome> {
    return this.command(target, { kind: 'dial', number, ...(outgoingUri === undefined ? {} : { outgoingUri }) }, options);
  }

  /** DTMF in the active call. */
  dtmf(target: TargetSpec, digits: string, options?: CommandOptions): Promise<TargetOutcome> {
    return this.command(target, { kind: 'dtmf', digits }, options);
  }

  /** Hangs up every call. */
  releaseAllCalls(target: TargetSpec, options?: CommandOptions): Promise<TargetOutcome> {
    return this.command(target, { kind: 'release-all-calls' }, options);
  }

  /** Plays ringer n. */
  playRinger(target: TargetSpec, ringer: number, options?: CommandOptions): Promise<TargetOutcome> {
    return this.command(target, { kind: 'play-ringer', ringer }, options);
  }

  /** Sets one setting (the value is never logged or echoed). */
  setSetting(target: TargetSpec, name: string, value: string, options?: CommandOptions): Promise<TargetOutcome> {
    return this.command(target, { kind: 'setting', name, value }, options);
  }

  /** Re-registers identity `line`. */
  reregister(target: TargetSpec, line: number, options?: CommandOptions): Promise<TargetOutcome> {
    return this.command(target, { kind: 'reregister', line }, options);
  }

  /** The display as BMP bytes, in each successful result's `body`. */
  screenshot(target: TargetSpec, options?: CommandOptions): Promise<TargetOutcome> {
    return this.command(target, { kind: 'screenshot' }, options);
  }

  /**
   * Runs one command on many phones: the targets' phones, or every registered phone. Targets are
   * resolved first (at most `concurrency` lookups at once); a phone several targets lead to (one web
   * origin) is commanded once. Then at most `concurrency` phones are in flight; `onProgress` follows
   * each result.
   */
  async bulk(targets: readonly TargetSpec[] | 'all-registered', command: PhoneCommand, options: BulkOptions = {}): Promise<BulkOutcome> {
    const refuse = (error: TargetError): BulkOutcome => ({ ok: false, total: 0, succeeded: 0, failed: 0, results: [], unresolved: [], error });
    const concurrency = options.concurrency ?? this.#concurrency;
    if (!Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > 1024) {
      return refuse({ code: 'invalid-argument', field: 'concurrency', message: 'must be a whole number from 1 to 1024' });
    }
    if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
      return refuse({ code: 'invalid-argument', field: 'onProgress', message: 'must be a function' });
    }
    const bad = this.#checkArguments(command, options.credentials);
    if (bad) return refuse(bad);

    const found: PhoneLocation[] = [];
    const unresolved: { target: string; error: TargetError }[] = [];
    if (targets === 'all-registered') {
      try {
        found.push(...((await this.#locations.registered?.(lookup(options))) ?? []));
      } catch (e) {
        return refuse({ code: 'lookup-failed', message: `lookup failed: ${lookupMessage(e)}` });
      }
    } else {
      const list: readonly TargetSpec[] = targets;
      const raw: unknown = targets;
      if (!Array.isArray(raw)) return refuse({ code: 'invalid-argument', field: 'targets', message: "must be a list or 'all-registered'" });
      if (list.length > this.#maxTargets) return refuse({ code: 'invalid-argument', field: 'targets', message: `more than ${this.#maxTargets} targets` });
      const located = await mapBounded(list, concurrency, (t) => this.#locate(t, options.signal));
      located.forEach((r, i) => {
        if (r.ok) found.push(...r.locations);
        else unresolved.push({ target: specOf(list[i] ?? ''), error: r.error });
      });
    }
    const seen = new Set<string>();
    const phones: PhoneLocation[] = [];
    for (const l of found) {
      const key = locationKey(l);
      if (!seen.has(key)) {
        seen.add(key);
        phones.push(l);
      }
    }
    let done = 0;
    const progress = (result: PhoneCommandResult): void => {
      done++;
      try {
        options.onProgress?.(done, phones.length, result);
      } catch (e) {
        this.#log.warn({ error: e instanceof Error ? e.name : typeof e }, 'bulk onProgress threw; ignored');
      }
    };
    const results = await mapBounded(phones, concurrency, (l) => this.#send(l, command, options), progress);
    const succeeded = results.filter((r) => r.ok).length;
    this.#log.debug({ command: command.kind, phones: phones.length, succeeded, unresolved: unresolved.length }, 'bulk command done');
    return { ok: succeeded === results.length && unresolved.length === 0, total: results.length, succeeded, failed: results.length - succeeded, results, unresolved };
  }

  async #run(target: TargetSpec, command: PhoneCommand, options: CommandOptions, label: string): Promise<TargetOutcome> {
    const spec = specOf(target);
    const bad = this.#checkArguments(command, options.credentials);
    if (bad) return { target: spec, ok: false, results: [], error: bad };
    const located = await this.#locate(target, options.signal);
    if (!located.ok) {
      this.#log.debug({ command: label, target: spec, error: located.error.code }, 'target not resolved');
      return { target: spec, ok: false, results: [], error: located.error };
    }
    const results = await mapBounded(located.locations, this.#concurrency, (l) => this.#send(l, command, options));
    return { target: spec, ok: results.every((r) => r.ok), results };
  }

  #checkArguments(command: PhoneCommand, credentials: LocationCredentials | undefined): TargetError | undefined {
    const bad = checkPhoneCommand(command);
    if (bad) return { code: 'invalid-argument', field: command?.kind === 'key' ? 'key sequence' : bad.field, message: bad.message };
    if (credentials !== undefined) {
      const checked = resolvePhone({ host: 'localhost', ...credentials });
      if (!checked.ok) return { code: 'invalid-argument', field: 'credentials', message: checked.error };
    }
    return undefined;
  }

  /** The phones of a target, or why there are none. */
  async #locate(target: TargetSpec, signal: AbortSignal | undefined): Promise<{ ok: true; locations: PhoneLocation[] } | { ok: false; error: TargetError }> {
    let parsed: CommandTarget;
    if (typeof target === 'string') {
      const r = parseCommandTarget(target);
      if (!r.ok) return { ok: false, error: { code: 'bad-target', message: r.error.message } };
      parsed = r.value;
    } else if (target !== null && typeof target === 'object' && typeof target.spec === 'string') {
      parsed = target;
    } else {
      return { ok: false, error: { code: 'bad-target', message: 'the target must be a string' } };
    }
    if (parsed.kind !== 'user') return { ok: true, locations: [await this.#directLocation(parsed.kind === 'ip' ? parsed.address : parsed.host, signal)] };

    const user = parsed.profile === undefined && parsed.domain === undefined && this.#defaultDomain !== undefined ? { ...parsed, domain: this.#defaultDomain } : parsed;
    let locations: readonly PhoneLocation[];
    try {
      locations = await this.#locations.resolve(user, lookup({ signal }));
    } catch (e) {
      this.#log.warn({ target: parsed.spec, error: lookupMessage(e) }, 'location lookup failed');
      return { ok: false, error: { code: 'lookup-failed', message: `lookup failed: ${lookupMessage(e)}` } };
    }
    if (locations.length === 0) return { ok: false, error: { code: 'not-found', message: `user '${parsed.spec}' not registered` } };
    if (locations.length > this.#maxPhones) {
      return { ok: false, error: { code: 'too-many-phones', message: `has ${locations.length} phones, more than ${this.#maxPhones}` } };
    }
    return { ok: true, locations: [...locations] };
  }

  /** An IP/host target: the inventory's entry for that address when there is one, else the direct web options. */
  async #directLocation(host: string, signal: AbortSignal | undefined): Promise<PhoneLocation> {
    try {
      const known = await this.#locations.byAddress?.(host, lookup({ signal }));
      if (known !== undefined && known.length > 0) return known[0]!;
    } catch (e) {
      this.#log.warn({ host, error: lookupMessage(e) }, 'inventory lookup by address failed; using the direct web options');
    }
    const d = this.#direct;
    return { host, scheme: d.scheme, ...(d.port === undefined ? {} : { port: d.port }), ...(d.scheme === 'https' ? { insecureTls: d.insecureTls } : {}), origin: 'direct', contacts: [] };
  }

  async #send(location: PhoneLocation, command: PhoneCommand, options: CommandOptions): Promise<PhoneCommandResult> {
    const credentials = options.credentials ?? location.credentials;
    const address: PhoneAddress = {
      host: location.host,
      ...(location.port === undefined ? {} : { port: location.port }),
      scheme: location.scheme,
      ...(location.insecureTls === undefined ? {} : { insecureTls: location.insecureTls }),
      ...(credentials === undefined ? {} : { username: credentials.username, password: credentials.password }),
    };
    const opOptions = { ...(options.signal ? { signal: options.signal } : {}), ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }) };
    let result: PhoneResult;
    try {
      result = await runPhoneCommand(this.#ops, address, command, opOptions);
    } catch (e) {
      this.#log.warn({ phone: locationKey(location), error: e instanceof Error ? e.name : typeof e }, 'phone operation threw');
      result = phoneFailure('unreachable', 0, `${locationKey(location)}: the operation failed unexpectedly`);
    }
    const secrets = [options.credentials?.password, location.credentials?.password, command.kind === 'setting' ? command.value : undefined];
    const out = toCommandResult(location, result, credentials !== undefined, secrets);
    if (!out.ok) this.#log.warn({ command: command.kind, phone: out.phone.url, status: out.status, code: out.code, message: out.message }, 'phone command failed');
    return out;
  }
}

function whole(name: string, value: unknown, min: number, max: number): number {
  if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) {
    throw new InvalidOptionError(name, `must be a whole number from ${min} to ${max}`);
  }
  return value as number;
}

function specOf(target: TargetSpec): string {
  if (typeof target === 'string') return target;
  return target !== null && typeof target === 'object' && typeof target.spec === 'string' ? target.spec : '';
}

function lookup(options: { signal?: AbortSignal | undefined }): { signal?: AbortSignal } {
  return options.signal ? { signal: options.signal } : {};
}

/** A lookup failure for logs and replies: our own errors' messages; others by name only (they may hold anything). */
function lookupMessage(e: unknown): string {
  if (e instanceof LocationLookupError) return e.message;
  return e instanceof Error ? `${e.name}` : 'unknown error';
}
