// The virtual phone's observation logs: Action URLs fired, SIP requests received, web requests,
// commands without a record of their own, and the simulator's own failures.
import { findControlChar } from '../util/text.js';
import { BoundedLog } from './bounded-log.js';
import { defined } from './defined.js';
import type {
  ActionUrlRecord, CommandRecord, CommandSource, SimErrorRecord, SipRequestRecord, WebRequestRecord,
} from './phone-state-types.js';

/** Bodies of recorded SIP requests are cut to this many characters. */
export const SIP_BODY_LIMIT = 4096;

/** Bounded logs (newest `max` of each) stamped with `now()`. */
export class SimRecords {
  readonly #now: () => number;
  readonly #actionUrls: BoundedLog<ActionUrlRecord>;
  readonly #sip: BoundedLog<SipRequestRecord>;
  readonly #web: BoundedLog<WebRequestRecord>;
  readonly #commands: BoundedLog<CommandRecord>;
  readonly #errors: BoundedLog<SimErrorRecord>;

  constructor(max: number, now: () => number) {
    this.#now = now;
    this.#actionUrls = new BoundedLog(max);
    this.#sip = new BoundedLog(max);
    this.#web = new BoundedLog(max);
    this.#commands = new BoundedLog(max);
    this.#errors = new BoundedLog(max);
  }

  actionUrl(record: ActionUrlRecord): void {
    this.#actionUrls.push({ ...record });
  }

  sipRequest(request: Omit<SipRequestRecord, 'at'> & { at?: number }): void {
    const body = request.body?.slice(0, SIP_BODY_LIMIT);
    this.#sip.push({ ...request, at: request.at ?? this.#now(), ...defined({ body }) });
  }

  webRequest(record: Omit<WebRequestRecord, 'at'>): void {
    this.#web.push({ at: this.#now(), ...record });
  }

  command(source: CommandSource, command: CommandRecord['command'], detail?: string): void {
    this.#commands.push({ at: this.#now(), source, command, ...(detail === undefined || detail === '' ? {} : { detail }) });
  }

  /** Records a failure; the message is cut to 500 characters and JSON-quoted when it holds control characters. */
  error(where: string, error: unknown): void {
    const text = (error instanceof Error ? error.message : String(error)).slice(0, 500);
    this.#errors.push({ at: this.#now(), where, message: findControlChar(text) ? JSON.stringify(text) : text });
  }

  snapshot(): {
    actionUrls: ActionUrlRecord[];
    sipRequests: SipRequestRecord[];
    webRequests: WebRequestRecord[];
    commands: CommandRecord[];
    errors: SimErrorRecord[];
  } {
    return {
      actionUrls: this.#actionUrls.items().map((r) => ({ ...r })),
      sipRequests: this.#sip.items().map((r) => ({ ...r })),
      webRequests: this.#web.items().map((r) => ({ ...r })),
      commands: this.#commands.items().map((r) => ({ ...r })),
      errors: this.#errors.items().map((r) => ({ ...r })),
    };
  }
}
