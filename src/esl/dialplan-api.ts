// The dialplan bridge: a FreeSWITCH dialplan (or a script, or any Event Socket client) asks snomctl to
// run a mod_snom command line by firing a CUSTOM `snom::api` event; snomctl answers with a CUSTOM
// `snom::api-result` event carrying mod_snom's reply. See docs/freeswitch.md for the XML.
//
// Where the command line travels. The dialplan `event` application splits its data at commas with
// switch_separate_string, which also removes single quotes and backslashes (mod_dptools.c,
// event_function) — so `snom_bind_key 2 on 'Do not disturb' …` or a key sequence `enter,50,5000`
// cannot travel in the event's own data. The `set` application keeps everything after the first `=`,
// and for a CUSTOM event FreeSWITCH copies every channel variable into the event as
// `variable_<name>` (switch_channel_event_set_data). So the line is set as the channel variable
// `snom_api_command` and the event carries it untouched. An event fired by `sendevent` or by a script
// (Lua's freeswitch.Event) has no such splitting and may carry the line in a `snom-command` header,
// which wins when both are present.
//
// The reply must not carry a `Unique-ID` header: mod_event_socket hands a sendevent event with the
// Unique-ID of a live channel to that channel's queue instead of firing it (parse_command, sendevent).
// The channel is named in `snom-channel-uuid` instead.
import { err, ok, type Result } from '../util/errors.js';
import { findControlChar } from '../util/text.js';
import type { EslCommandInput } from './esl-command.js';
import type { EslEvent } from './esl-event.js';

/** Subclass of the request event. */
export const DIALPLAN_REQUEST_SUBCLASS = 'snom::api';
/** Subclass of the reply event. */
export const DIALPLAN_REPLY_SUBCLASS = 'snom::api-result';
/** Channel variable holding the command line (event header `variable_snom_api_command`). */
export const COMMAND_VARIABLE = 'snom_api_command';
/** Header holding the command line in events fired by sendevent or a script. */
export const COMMAND_HEADER = 'snom-command';
/** Header naming the request; echoed in the reply. */
export const REQUEST_ID_HEADER = 'snom-request-id';
/** Longest command line accepted. */
export const MAX_DIALPLAN_LINE = 8 * 1024;
/** Longest request id accepted. */
export const MAX_REQUEST_ID = 256;

/** A request from the dialplan. */
export interface DialplanRequest {
  /** `snom-request-id`, else the event's `Event-UUID`, else the channel's `Unique-ID`. */
  readonly requestId: string;
  /** The mod_snom command line, exactly as set (`snom_bind_key 2 on DND …`). */
  readonly commandLine: string;
  /** The channel that fired the event (`Unique-ID`), when any. */
  readonly channelUuid: string | undefined;
  /** Where the line was found. */
  readonly source: 'header' | 'channel-variable';
}

/** Why an event is not a usable request. */
export interface DialplanRequestError {
  readonly code: 'not-request' | 'no-command' | 'bad-command' | 'no-request-id' | 'bad-request-id';
  readonly message: string;
  /** The request id when one was found, so a refusal can still be answered. */
  readonly requestId?: string;
  readonly channelUuid?: string;
}

/**
 * Reads a `snom::api` event. Accepted: a CUSTOM event whose subclass is `snom::api`, or a CUSTOM event
 * without an Event-Subclass header (the `event` application of recent FreeSWITCH versions sets the
 * subclass without adding the header) that carries a request id or a command line. The line must be
 * non-empty, at most MAX_DIALPLAN_LINE characters, without control characters other than TAB; the
 * request id at most MAX_REQUEST_ID characters without control characters. Never throws.
 */
export function parseDialplanRequest(event: EslEvent): Result<DialplanRequest, DialplanRequestError> {
  const h = event.headers;
  const value = (name: string): string | undefined => {
    const v = h.get(name);
    return v === undefined || v === '' ? undefined : v;
  };
  const header = value(COMMAND_HEADER);
  const variable = value(`variable_${COMMAND_VARIABLE}`);
  const explicitId = value(REQUEST_ID_HEADER);
  const isCustom = event.name === 'CUSTOM';
  const subclassMatches = event.subclass?.toLowerCase() === DIALPLAN_REQUEST_SUBCLASS;
  const unlabelled = event.subclass === undefined && (explicitId !== undefined || header !== undefined || variable !== undefined);
  if (!isCustom || !(subclassMatches || unlabelled)) {
    return err({ code: 'not-request', message: `not a ${DIALPLAN_REQUEST_SUBCLASS} event` });
  }
  const channelUuid = value('Unique-ID');
  const requestId = explicitId ?? value('Event-UUID') ?? channelUuid;
  const context = { ...(channelUuid !== undefined ? { channelUuid } : {}) };
  if (requestId === undefined) {
    return err({ code: 'no-request-id', message: `${DIALPLAN_REQUEST_SUBCLASS} event without ${REQUEST_ID_HEADER}, Event-UUID or Unique-ID`, ...context });
  }
  if (requestId.length > MAX_REQUEST_ID || findControlChar(requestId)) {
    return err({ code: 'bad-request-id', message: `${REQUEST_ID_HEADER} is longer than ${MAX_REQUEST_ID} characters or holds a control character`, ...context });
  }
  const withId = { ...context, requestId };
  const line = header ?? variable;
  if (line === undefined) {
    return err({ code: 'no-command', message: `${DIALPLAN_REQUEST_SUBCLASS} event without ${COMMAND_HEADER} or variable_${COMMAND_VARIABLE}`, ...withId });
  }
  if (line.length > MAX_DIALPLAN_LINE) {
    return err({ code: 'bad-command', message: `the command line is longer than ${MAX_DIALPLAN_LINE} characters`, ...withId });
  }
  const ctl = findControlChar(line.replace(/\t/g, ' '));
  if (ctl) return err({ code: 'bad-command', message: `the command line contains a control character (${ctl.name})`, ...withId });
  return ok({ requestId, commandLine: line, channelUuid, source: header !== undefined ? 'header' : 'channel-variable' });
}

/** What snomctl answers. */
export interface DialplanReply {
  readonly requestId: string;
  /** mod_snom's reply line without its LF (`+OK …`, `-ERR …`, `-Error …`, or '' for snom_url). */
  readonly reply: string;
  readonly channelUuid?: string;
}

/**
 * The `sendevent CUSTOM` command carrying a reply: headers `Event-Subclass: snom::api-result`,
 * `snom-request-id`, `snom-reply-status: ok|error` (error when the line starts with `-`),
 * `snom-channel-uuid` when known, `content-type: text/plain`; the body is the reply as mod_snom wrote
 * it (the line plus LF; no body for the empty reply). Id and channel are checked by serializeEslCommand
 * when sent; a reply holding a NUL is refused there too.
 */
export function buildDialplanReply(reply: DialplanReply): EslCommandInput {
  const line = String(reply.reply);
  const headers = [
    { name: 'Event-Subclass', value: DIALPLAN_REPLY_SUBCLASS },
    { name: REQUEST_ID_HEADER, value: String(reply.requestId) },
    { name: 'snom-reply-status', value: line.startsWith('-') ? 'error' : 'ok' },
    ...(reply.channelUuid !== undefined ? [{ name: 'snom-channel-uuid', value: String(reply.channelUuid) }] : []),
    { name: 'content-type', value: 'text/plain' },
  ];
  return { line: 'sendevent CUSTOM', headers, ...(line === '' ? {} : { body: `${line}\n` }) };
}
