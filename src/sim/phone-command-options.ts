// `snomctl phone` option parsing: one parser per option (errors say what is allowed) and the check of
// options together, turning them into VirtualPhone or PhoneFleet options. Passwords are never echoed.
import { isIPv4 } from 'node:net';
import { InvalidArgumentError } from 'commander';
import { InvalidOptionError, err, ok, type Result } from '../util/errors.js';
import { findControlChar } from '../util/text.js';
import { ACTION_URL_EVENTS, isActionUrlEvent, type ActionUrlEvent } from './action-urls.js';
import { functionKeySettings } from './function-keys.js';
import type { PhoneFleetOptions } from './phone-fleet.js';
import type { IncomingCallPolicy } from './sip-calls.js';
import { parseHostPort } from './sip-identity.js';
import type { VirtualPhoneOptions } from './virtual-phone-options.js';

/** `--sip-listen` / `--http-listen`: `HOST:PORT`, or `:PORT` / `PORT` (host from elsewhere). */
export interface ListenArg {
  readonly host?: string;
  readonly port: number;
}

/** What commander hands the action (option names camel-cased). */
export interface PhoneCommandOpts {
  readonly registrar?: { host: string; port: number };
  readonly domain?: string;
  readonly user?: string;
  readonly password?: string;
  readonly displayName?: string;
  readonly expires?: number;
  readonly transport: 'udp' | 'tcp';
  readonly sipListen?: ListenArg;
  readonly httpListen?: ListenArg;
  readonly http: boolean;
  readonly httpAuth: 'none' | 'basic' | 'digest';
  readonly httpUser?: string;
  readonly httpPassword?: string;
  readonly https?: boolean;
  readonly buttons?: string;
  readonly model?: string;
  readonly registrarFilter: boolean;
  readonly actionUrl?: readonly (readonly [ActionUrlEvent, string])[];
  readonly incoming: IncomingCallPolicy;
  readonly ringMs?: number;
  readonly bootDelayMs?: number;
  readonly count?: number;
  readonly userBase?: string;
  readonly addressBase?: string;
  readonly httpShared?: boolean;
}

/** Either one phone or a fleet. */
export type PhonePlan =
  | { readonly kind: 'single'; readonly options: VirtualPhoneOptions }
  | { readonly kind: 'fleet'; readonly options: PhoneFleetOptions };

function whole(text: string, min: number, max: number, what: string): number {
  if (!/^[0-9]{1,9}$/.test(text) || Number(text) < min || Number(text) > max) throw new InvalidArgumentError(`${what} must be a whole number from ${min} to ${max}.`);
  return Number(text);
}

/** `HOST:PORT` | `:PORT` | `PORT` (port 0 = any free one). */
export function parseListenArg(text: string): ListenArg {
  if (/^:?[0-9]{1,5}$/.test(text)) return { port: whole(text.replace(/^:/, ''), 0, 65535, 'The port') };
  const r = parseHostPort(text, 0);
  if (!r.ok) throw new InvalidArgumentError(`Give HOST:PORT with HOST an IP address (${r.error}).`);
  if (!/^[0-9.]+$|:/.test(r.value.host)) throw new InvalidArgumentError('Give HOST:PORT with HOST an IP address, not a name.');
  return r.value;
}

/** `HOST[:PORT]`, port 1..65535 (default 5060). */
export function parseRegistrarArg(text: string): { host: string; port: number } {
  const r = parseHostPort(text, 5060);
  if (!r.ok) throw new InvalidArgumentError(`Give HOST or HOST:PORT (${r.error.replace(/0 to 65535/, '1 to 65535')}).`);
  if (r.value.port === 0) throw new InvalidArgumentError('Give HOST or HOST:PORT (the port must be a number from 1 to 65535).');
  return r.value;
}

/** A whole number option parser with its range. */
export function numberArg(min: number, max: number): (text: string) => number {
  return (text) => whole(text, min, max, 'It');
}

/** `--buttons`: key numbers and ranges of P1..P12 (`1-12`, `1,3,5-7`; empty for none). */
export function parseButtonsArg(text: string): string {
  try {
    functionKeySettings(12, text);
  } catch (error) {
    throw new InvalidArgumentError(`${error instanceof InvalidOptionError ? error.message.replace(/^invalid option buttons: /, '') : 'bad list'}; e.g. 1-12 or 1,3,5-7.`);
  }
  return text;
}

/** `--action-url EVENT=URL`, repeatable; collects [event, url] pairs. */
export function parseActionUrlArg(text: string, previous: readonly (readonly [ActionUrlEvent, string])[] = []): (readonly [ActionUrlEvent, string])[] {
  const eq = text.indexOf('=');
  const event = eq < 0 ? text : text.slice(0, eq);
  if (eq < 0 || !isActionUrlEvent(event)) throw new InvalidArgumentError(`Give EVENT=URL with EVENT one of ${ACTION_URL_EVENTS.join(', ')}.`);
  const url = text.slice(eq + 1);
  if (!/^https?:\/\/\S+$/.test(url) || findControlChar(url)) throw new InvalidArgumentError('The URL must be http:// or https:// without spaces.');
  return [...previous, [event, url]];
}

/** `--user-base`: digits. */
export function parseUserBaseArg(text: string): string {
  if (!/^[0-9]{1,15}$/.test(text)) throw new InvalidArgumentError('Give 1-15 digits (users count up from it).');
  return text;
}

/** `--address-base`: an IPv4 address in 127.0.0.0/8. */
export function parseAddressBaseArg(text: string): string {
  if (!isIPv4(text) || !text.startsWith('127.')) throw new InvalidArgumentError('Give a loopback IPv4 address such as 127.0.1.1.');
  return text;
}

function textOk(value: string | undefined): boolean {
  return value === undefined || (value.length > 0 && findControlChar(value) === undefined);
}

/** Checks the options together; the error names the options and what is allowed, never a password. */
export function planPhones(o: PhoneCommandOpts): Result<PhonePlan, string> {
  if (!textOk(o.password)) return err('option --password: must not be empty or hold control characters');
  if (!textOk(o.httpPassword)) return err('option --http-password: must not be empty or hold control characters');
  for (const [name, value] of [['--user', o.user], ['--domain', o.domain], ['--http-user', o.httpUser], ['--display-name', o.displayName], ['--model', o.model]] as const) {
    if (!textOk(value)) return err(`option ${name}: must not be empty or hold control characters`);
  }
  if (o.httpAuth === 'none' && (o.httpUser !== undefined || o.httpPassword !== undefined)) {
    return err('options --http-user/--http-password need --http-auth basic or digest');
  }
  if (o.httpAuth !== 'none' && (o.httpUser === undefined || o.httpPassword === undefined)) {
    return err(`option --http-auth ${o.httpAuth} needs --http-user and --http-password`);
  }
  const fleet = o.count !== undefined && o.count > 1;
  if (!fleet && (o.userBase !== undefined || o.addressBase !== undefined || o.httpShared === true)) {
    return err('options --user-base, --address-base and --http-shared need --count 2 or more');
  }
  if (!o.http && (o.httpListen !== undefined || o.httpShared === true || o.https === true || o.httpAuth !== 'none')) {
    return err('option --no-http cannot be combined with --http-listen, --http-shared, --https or --http-auth');
  }
  const common: VirtualPhoneOptions = {
    ...(o.buttons === undefined ? {} : { buttons: o.buttons }),
    ...(o.model === undefined ? {} : { model: o.model }),
    ...(o.httpAuth === 'none' ? {} : { httpAuth: { scheme: o.httpAuth, user: o.httpUser!, password: o.httpPassword! } }),
    ...(o.https === true ? { https: true } : {}),
    registrarFilter: o.registrarFilter,
    ...(o.actionUrl !== undefined && o.actionUrl.length > 0 ? { actionUrls: Object.fromEntries(o.actionUrl) } : {}),
    incomingCalls: { policy: o.incoming, ...(o.ringMs === undefined ? {} : { ringMs: o.ringMs }) },
    ...(o.bootDelayMs === undefined ? {} : { bootDelayMs: o.bootDelayMs }),
    sip: { tcp: o.transport === 'tcp' },
  };
  const registrar = o.registrar === undefined ? undefined : { ...o.registrar, transport: o.transport };
  if (fleet) {
    if (registrar === undefined) return err('option --count needs --registrar (fleet phones register as consecutive users)');
    if (o.sipListen?.host !== undefined) return err('option --sip-listen: with --count give only :PORT (addresses come from --address-base)');
    if (o.httpListen?.host !== undefined) return err('option --http-listen: with --count give only :PORT (addresses come from --address-base)');
    if (o.user !== undefined && o.userBase !== undefined) return err('options --user and --user-base: give one (with --count, users count up from it)');
    const base = o.userBase ?? o.user ?? '10000';
    if (!/^[0-9]{1,15}$/.test(base)) return err('option --user: with --count the first user must be 1-15 digits (or use --user-base)');
    const { sip, ...phone } = common;
    return ok({
      kind: 'fleet',
      options: {
        count: o.count, registrar, userBase: base,
        ...(o.addressBase === undefined ? {} : { addressBase: o.addressBase }),
        ...(o.domain === undefined ? {} : { domain: o.domain }),
        ...(o.password === undefined ? {} : { password: o.password }),
        ...(o.expires === undefined ? {} : { expires: o.expires }),
        ...(o.sipListen === undefined ? {} : { sipPort: o.sipListen.port }),
        ...(o.httpListen === undefined ? {} : { httpPort: o.httpListen.port }),
        http: !o.http ? 'none' : o.httpShared === true ? 'shared' : 'per-phone',
        phone: { ...phone, ...(sip === undefined ? {} : { sip: { tcp: sip.tcp ?? false } }) },
      },
    });
  }
  if (registrar !== undefined && o.user === undefined) return err('option --registrar needs --user (the SIP account to register)');
  if (registrar === undefined && (o.user !== undefined || o.password !== undefined || o.domain !== undefined)) {
    return err('options --user, --password and --domain need --registrar');
  }
  const sipHost = o.sipListen?.host ?? '127.0.0.1';
  return ok({
    kind: 'single',
    options: {
      ...common,
      ...(registrar === undefined ? {} : {
        identities: [{
          registrar, user: o.user!,
          ...(o.password === undefined ? {} : { password: o.password }),
          ...(o.domain === undefined ? {} : { domain: o.domain }),
          ...(o.displayName === undefined ? {} : { displayName: o.displayName }),
          ...(o.expires === undefined ? {} : { expires: o.expires }),
        }],
      }),
      sip: { ...common.sip, host: sipHost, port: o.sipListen?.port ?? 0 },
      http: o.http ? { host: o.httpListen?.host ?? sipHost, port: o.httpListen?.port ?? 0 } : false,
    },
  });
}
