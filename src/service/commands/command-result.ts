// What a command returns: one result per phone, the outcome per target, and mod_snom's reply line.
import type { PhoneAuthScheme, PhoneFailureCode, PhoneResult, PhoneTlsMode } from '../../phone/phone-result.js';
import { scrubSecrets } from '../../phone/phone-result.js';
import { errReply, notRegisteredReply, okReply } from '../../snom/mod-snom-reply.js';
import { locationKey, type LocationOrigin, type PhoneLocation } from './phone-location.js';

/** A phone as results name it: where it was reached and why; never its credentials. */
export interface PhoneRef {
  /** `scheme://host:port`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly scheme: 'http' | 'https';
  readonly origin: LocationOrigin;
  readonly user?: string;
  readonly domain?: string;
  /** Contact URIs of the registrations that led here. */
  readonly contacts: readonly string[];
}

/** The outcome of one request to one phone. `message` never holds a password or a request's query. */
export interface PhoneCommandResult {
  readonly phone: PhoneRef;
  readonly ok: boolean;
  /** Final HTTP status; 0 when there was none (mod_snom's `[HTTP:0]`). */
  readonly status: number;
  readonly code?: PhoneFailureCode;
  readonly message?: string;
  readonly latencyMs: number;
  /** The connection's security; for a failure, the mode that was asked for. */
  readonly tls: PhoneTlsMode;
  /** Credentials the final request carried; `unknown` for a failure after credentials were offered. */
  readonly auth: PhoneAuthScheme | 'unknown';
  /** The screenshot (BMP) of a successful `screenshot`. */
  readonly body?: Buffer;
}

/** Why a target produced no phone results. */
export type TargetErrorCode =
  | 'syntax' // not a valid snom_command line (run())
  | 'bad-target' // not an IP, host name or user spec
  | 'not-found' // no phone registered or in the inventory
  | 'lookup-failed' // a location source could not be asked
  | 'too-many-phones' // more phones than maxPhonesPerTarget
  | 'invalid-argument'; // the command's arguments or credentials would be refused

/** A target-level failure; `field` names the refused argument for `invalid-argument`. */
export interface TargetError {
  readonly code: TargetErrorCode;
  readonly message: string;
  readonly field?: string;
}

/** The outcome for one target: ok when it reached at least one phone and every phone succeeded. */
export interface TargetOutcome {
  /** The target as given (`*\/2000`, `192.0.2.7`). */
  readonly target: string;
  readonly ok: boolean;
  readonly results: readonly PhoneCommandResult[];
  readonly error?: TargetError;
}

/** A `snom_command`'s outcome: mod_snom's reply line (password echoed as `***`) and per-phone results. */
export interface SnomCommandOutcome extends TargetOutcome {
  readonly reply: string;
}

/** The PhoneRef of a location. */
export function phoneRef(location: PhoneLocation): PhoneRef {
  const url = locationKey(location);
  return {
    url,
    host: location.host,
    port: location.port ?? (location.scheme === 'https' ? 443 : 80),
    scheme: location.scheme,
    origin: location.origin,
    ...(location.user === undefined ? {} : { user: location.user }),
    ...(location.domain === undefined ? {} : { domain: location.domain }),
    contacts: location.contacts.map((c) => c.contact),
  };
}

/** A PhoneResult as a PhoneCommandResult, with every secret in `secrets` scrubbed from its message. */
export function toCommandResult(
  location: PhoneLocation,
  result: PhoneResult,
  withCredentials: boolean,
  secrets: readonly (string | undefined)[],
): PhoneCommandResult {
  const phone = phoneRef(location);
  if (result.ok) {
    const body = result.body;
    return { phone, ok: true, status: result.status, latencyMs: result.latencyMs, tls: result.tls, auth: result.auth, ...(body ? { body } : {}) };
  }
  const tls: PhoneTlsMode = location.scheme === 'http' ? 'none' : location.insecureTls ? 'insecure' : 'verified';
  return {
    phone,
    ok: false,
    status: result.status,
    code: result.code,
    message: scrubSecrets(result.message, secrets),
    latencyMs: result.latencyMs,
    tls,
    auth: withCredentials ? 'unknown' : 'none',
  };
}

/**
 * mod_snom's reply for an outcome (snom-protocol.md §1.4), echoing `echoLine`:
 * - every phone answered with success → `+OK <echoLine>`;
 * - otherwise `-ERR <echoLine> [HTTP:<status>]` with the status of the first failing phone in
 *   location order (0 when it was unreachable, timed out or refused the TLS handshake);
 * - no phone → `-ERR user '<target>' not registered`, as mod_snom said for an unregistered user;
 * - failures mod_snom could not have had: `-ERR invalid <field>: <reason>`, `-ERR user '<target>'
 *   lookup failed: <reason>`, `-ERR user '<target>' has <n> phones, more than <max>` (see the outcome).
 * Control characters in the line are replaced by `?`, so a reply is always one line.
 */
export function modSnomReply(echoLine: string, outcome: TargetOutcome): string {
  return oneLine(replyText(echoLine, outcome));
}

function replyText(echoLine: string, outcome: TargetOutcome): string {
  const e = outcome.error;
  if (e !== undefined) {
    switch (e.code) {
      case 'not-found':
      case 'bad-target':
        return notRegisteredReply(outcome.target);
      case 'invalid-argument':
        return `-ERR invalid ${e.field ?? 'argument'}: ${e.message}`;
      case 'lookup-failed':
      case 'too-many-phones':
        return `-ERR user '${outcome.target}' ${e.message}`;
      case 'syntax':
        return e.message;
    }
  }
  const failed = outcome.results.find((r) => !r.ok);
  if (failed === undefined && outcome.results.length > 0) return okReply(echoLine);
  return failed === undefined ? notRegisteredReply(outcome.target) : errReply(echoLine, failed.status);
}

/** `text` with every C0/C1 control character replaced by `?`. */
export function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}
