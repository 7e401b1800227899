// Typed operations on a phone's web server (snom-protocol.md §1.4, §3): each builds its request with
// the snom builders (a refused argument is an `invalid-request` result) and sends it with a PhoneClient.
//
// Success rule: the final status is 200 and redirects are followed (mod_snom's libcurl followed them
// and judged the final status), except dial: the phone answers `number=` with 302 to index.htm, which
// is success by itself, so dial does not follow it (no second request, and no index.htm page rendered
// by a weak phone) and counts 200 or 302 as success.
import {
  buildActionRequest,
  buildDialRequest,
  buildDtmfRequest,
  buildKeyRequest,
  buildLineRequest,
  buildLogOffAllRequest,
  buildPlayRingerRequest,
  buildReleaseAllCallsRequest,
  buildScreenshotRequest,
  buildSettingRequest,
  type CommandRequest,
  type ListClearValue,
} from '../snom/command-request.js';
import type { KeyEvent } from '../snom/key-sequence.js';
import { InvalidOptionError, type Result } from '../util/errors.js';
import type { PhoneAddress } from './phone-address.js';
import type { PhoneClient, PhoneRequestOptions } from './phone-client.js';
import { phoneFailure, type PhoneResult, type PhoneSuccess } from './phone-result.js';

/** Options every operation accepts. */
export interface OperationOptions {
  readonly signal?: AbortSignal;
  /** Overrides the client's total timeout. */
  readonly timeoutMs?: number;
}

/** Options of PhoneOperations. */
export interface PhoneOperationsOptions {
  readonly client: PhoneClient;
  /** How dialeddel/misseddel/receiveddel are sent: `0` (mod_snom, older firmware; default) or `clear`. */
  readonly listClearValue?: ListClearValue;
}

/** A screenshot result: on success `body` holds the BMP bytes. */
export type ScreenshotResult = (PhoneSuccess & { readonly body: Buffer }) | Exclude<PhoneResult, PhoneSuccess>;

/** Statuses counted as a successful dial. */
export const DIAL_SUCCESS_STATUSES = Object.freeze([200, 302] as const);

/** The operations mod_snom's `snom_command` offered, and the other `command.htm` requests. */
export class PhoneOperations {
  readonly #client: PhoneClient;
  readonly #listClearValue: ListClearValue;

  constructor(options: PhoneOperationsOptions) {
    if (options === null || typeof options !== 'object' || options.client === null || typeof options.client?.request !== 'function') {
      throw new InvalidOptionError('client', 'must be a PhoneClient');
    }
    const clear = options.listClearValue ?? '0';
    if (clear !== '0' && clear !== 'clear') throw new InvalidOptionError('listClearValue', "must be '0' or 'clear'");
    this.#client = options.client;
    this.#listClearValue = clear;
  }

  /** `command.htm?key=<sequence>`: presses a key or runs a sequence (`enter,50,5000;cancel`); 200 = success. */
  pressKeys(phone: PhoneAddress, sequence: string | readonly KeyEvent[], options?: OperationOptions): Promise<PhoneResult> {
    return this.#send(phone, buildKeyRequest(sequence), options);
  }

  /** mod_snom's actions: reboot, reset, dialeddel, misseddel, receiveddel (case-insensitive); 200 = success. */
  action(phone: PhoneAddress, action: string, options?: OperationOptions): Promise<PhoneResult> {
    return this.#send(phone, buildActionRequest(action, { listClearValue: this.#listClearValue }), options);
  }

  /** `command.htm?number=<N>[&outgoing_uri=<URI>]`: dials; 302 (not followed) or 200 = success. */
  dial(phone: PhoneAddress, number: string, outgoingUri?: string, options?: OperationOptions): Promise<PhoneResult> {
    const request = buildDialRequest(number, outgoingUri === undefined ? {} : { outgoingUri });
    return this.#send(phone, request, options, { followRedirects: false, successStatuses: DIAL_SUCCESS_STATUSES });
  }

  /** `command.htm?key_dtmf=<digits>`: DTMF in the active call. */
  dtmf(phone: PhoneAddress, digits: string, options?: OperationOptions): Promise<PhoneResult> {
    return this.#send(phone, buildDtmfRequest(digits), options);
  }

  /** `command.htm?RELEASE_ALL_CALLS`: hangs up every call. */
  releaseAllCalls(phone: PhoneAddress, options?: OperationOptions): Promise<PhoneResult> {
    return this.#send(phone, { ok: true, value: buildReleaseAllCallsRequest() }, options);
  }

  /** `command.htm?LOGOFFALL`: logs every identity off. */
  logOffAll(phone: PhoneAddress, options?: OperationOptions): Promise<PhoneResult> {
    return this.#send(phone, { ok: true, value: buildLogOffAllRequest() }, options);
  }

  /** `command.htm?REREGISTER=<line>`, line 1..12. */
  reregister(phone: PhoneAddress, line: number, options?: OperationOptions): Promise<PhoneResult> {
    return this.#send(phone, buildLineRequest('REREGISTER', line), options);
  }

  /** `command.htm?LOGOFFLINE=<line>`, line 1..12. */
  logOffLine(phone: PhoneAddress, line: number, options?: OperationOptions): Promise<PhoneResult> {
    return this.#send(phone, buildLineRequest('LOGOFFLINE', line), options);
  }

  /** `line_login.htm?PLAY_RINGER:<n>=+Ringer`: plays ringer n. */
  playRinger(phone: PhoneAddress, ringer: number, options?: OperationOptions): Promise<PhoneResult> {
    return this.#send(phone, buildPlayRingerRequest(ringer), options);
  }

  /** `dummy.htm?settings=save&<name>=<value>`: sets one setting (the value never appears in messages). */
  setSetting(phone: PhoneAddress, name: string, value: string, options?: OperationOptions): Promise<PhoneResult> {
    return this.#send(phone, buildSettingRequest(name, value), options);
  }

  /** `screen.bmp`: the display as BMP bytes (`body`); a 200 whose body is empty or not a BMP fails `http-status`. */
  async screenshot(phone: PhoneAddress, options?: OperationOptions): Promise<ScreenshotResult> {
    const result = await this.#send(phone, { ok: true, value: buildScreenshotRequest() }, options, { readBody: true });
    if (!result.ok) return result;
    const body = result.body;
    // A BMP starts with `BM`; phones answer some errors with a 200 HTML page.
    if (body === undefined || body.length < 2 || body[0] !== 0x42 || body[1] !== 0x4d) {
      return phoneFailure('http-status', result.status, 'the phone answered 200 without a BMP image', result.latencyMs);
    }
    return { ...result, body };
  }

  #send(
    phone: PhoneAddress,
    request: Result<CommandRequest, Error>,
    options: OperationOptions | undefined,
    extra?: Omit<PhoneRequestOptions, 'signal' | 'timeoutMs'>,
  ): Promise<PhoneResult> {
    if (!request.ok) return Promise.resolve(phoneFailure('invalid-request', 0, request.error.message));
    if (options === undefined) return this.#client.request(phone, request.value, extra);
    return this.#client.request(phone, request.value, { ...extra, signal: options.signal, timeoutMs: options.timeoutMs });
  }
}
