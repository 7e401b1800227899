// The SEND_MESSAGE event mod_snom fired for `snom_bind_key` (src/mod/applications/mod_snom/mod_snom.c,
// snom_bind_key()), rebuilt as an Event Socket `sendevent`. mod_snom added, in this order and case:
// `user`, `host`, `profile`, `content-type: application/x-buttons`, then the body. mod_sofia's
// SEND_MESSAGE handler (mod_sofia.c, general_event_handler) reads those headers (case-insensitively)
// and sends one out-of-dialog MESSAGE to every registered contact of user@host on that profile.
// Over the socket the body travels after a `content-length` header, which mod_event_socket also
// leaves on the fired event (mod_sofia ignores it).
import { X_BUTTONS_CONTENT_TYPE } from '../snom/x-buttons.js';
import { err, ok, type Result } from '../util/errors.js';
import { findControlChar } from '../util/text.js';
import type { EslCommandInput } from './esl-command.js';
import { EslCommandError } from './esl-errors.js';

/** Where mod_sofia should deliver an x-buttons body, and the body. */
export interface SendButtonsInput {
  /** The sofia profile the user registered on (`internal`). */
  readonly profile: string;
  /** The SIP user (`2000`). */
  readonly user: string;
  /** The user's domain as registered (`example.com`). */
  readonly host: string;
  /** The x-buttons document, sent byte for byte (see encodeModSnom / encodeXButtons). */
  readonly body: string;
}

/** The event name mod_snom fired. */
export const SEND_MESSAGE_EVENT = 'SEND_MESSAGE';

/** Longest profile, user or host accepted. */
export const MAX_ADDRESS_PART = 256;
/** Largest body accepted, in UTF-8 bytes (a SIP MESSAGE over UDP should stay far below this). */
export const MAX_BUTTONS_BODY = 16 * 1024;

const PROFILE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** RFC 3261 §25.1 user characters (unreserved, escaped, user-unreserved). */
const SIP_USER = /^(?:[A-Za-z0-9\-_.!~*'()&=+$,;?/]|%[0-9A-Fa-f]{2})+$/;
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$|^\[[0-9A-Fa-f:.]+\]$/;

/**
 * The `sendevent SEND_MESSAGE` command mod_snom's event corresponds to, or why the input cannot be
 * sent (SNOM_ERR_ESL_INVALID_COMMAND, outcome `not-sent`): profile must be a profile name, user a
 * SIP user, host a host name or IP literal without port, and the body non-empty, without NUL and at
 * most MAX_BUTTONS_BODY bytes. The body is not re-encoded: what the caller built is what the phone gets.
 */
export function buildSendMessageCommand(input: SendButtonsInput): Result<EslCommandInput, EslCommandError> {
  const bad = (message: string): { ok: false; error: EslCommandError } =>
    err(new EslCommandError('SNOM_ERR_ESL_INVALID_COMMAND', message, { outcome: 'not-sent', command: `sendevent ${SEND_MESSAGE_EVENT}` }));
  const profile = String(input.profile ?? '');
  const user = String(input.user ?? '');
  const host = String(input.host ?? '');
  if (!PROFILE.test(profile)) return bad("profile must be a name of letters, digits, '_', '.', '-' (at most 64)");
  if (user.length > MAX_ADDRESS_PART || !SIP_USER.test(user)) return bad('user must be a SIP user (RFC 3261 user characters)');
  if (host.length > MAX_ADDRESS_PART || !HOST.test(host)) return bad('host must be a host name or an IP address without port');
  if (typeof input.body !== 'string' || input.body === '') return bad('the body must be a non-empty string');
  const bytes = Buffer.byteLength(input.body, 'utf8');
  if (bytes > MAX_BUTTONS_BODY) return bad(`the body is larger than ${MAX_BUTTONS_BODY} bytes`);
  const ctl = findControlChar(input.body.replace(/[\r\n]/g, ''));
  if (ctl) return bad(`the body contains a control character other than CR and LF (${ctl.name})`);
  return ok({
    line: `sendevent ${SEND_MESSAGE_EVENT}`,
    headers: [
      { name: 'user', value: user },
      { name: 'host', value: host },
      { name: 'profile', value: profile },
      { name: 'content-type', value: X_BUTTONS_CONTENT_TYPE },
    ],
    body: input.body,
  });
}
