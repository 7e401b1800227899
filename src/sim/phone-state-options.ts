// PhoneState's options, their defaults and their validation.
import { InvalidOptionError } from '../util/errors.js';
import { MAX_LINE, buildSettingRequest } from '../snom/command-request.js';
import { DEFAULT_FUNCTION_KEY_COUNT, functionKeySettings, type ButtonsOption } from './function-keys.js';
import { REAL_TIMERS, type SimTimers } from './key-sequence-runner.js';

/** Options of a PhoneState. */
export interface PhoneStateOptions {
  /** Shown in snapshots; default `snomD785`. */
  readonly model?: string;
  /** Number of function keys P1…Pn; default 12. */
  readonly functionKeys?: number;
  /** Which function keys are `button <k>`; default every key P<i> is `button <i>`. */
  readonly buttons?: ButtonsOption;
  /** Identities (lines) 1..lines for registrations, REREGISTER and LOGOFFLINE; 1..12, default 12. */
  readonly lines?: number;
  /** 12 hex digits, stored upper-case as setting `mac` (so `$mac` expands); default `000413000001`. */
  readonly mac?: string;
  /**
   * Initial settings, applied over the `fkey<i>` ones made from `buttons` and over `mac`; reset() returns
   * to them. Names and values are checked like buildSettingRequest.
   */
  readonly settings?: Readonly<Record<string, string>>;
  /** Hold time of a key event given without one (a `Key` alone in §3); default 0 ms. */
  readonly defaultHoldMs?: number;
  /** Pause after a key event given without one; default 0 ms. */
  readonly defaultPauseMs?: number;
  /** Entries kept per log (presses, calls, SIP requests, …); default 500. */
  readonly maxLogEntries?: number;
  /** Monotonic clock in ms; default ms since the state was made (performance.now, 0.1 ms steps). */
  readonly clock?: () => number;
  /** Timers for key sequences; default the global ones. */
  readonly timers?: SimTimers;
}

/** Defaults of PhoneStateOptions. */
export const PHONE_STATE_DEFAULTS = Object.freeze({
  model: 'snomD785',
  functionKeys: DEFAULT_FUNCTION_KEY_COUNT,
  lines: MAX_LINE,
  mac: '000413000001',
  defaultHoldMs: 0,
  defaultPauseMs: 0,
  maxLogEntries: 500,
});

/** Checked options with every default filled in. */
export interface ResolvedPhoneStateOptions {
  readonly model: string;
  readonly functionKeys: number;
  readonly lines: number;
  readonly initialSettings: Readonly<Record<string, string>>;
  readonly defaultHoldMs: number;
  readonly defaultPauseMs: number;
  readonly maxLogEntries: number;
  readonly clock: () => number;
  readonly timers: SimTimers;
}

function checkMs(name: string, value: unknown): number {
  if (!Number.isSafeInteger(value) || (value as number) < 0 || (value as number) > 60_000) {
    throw new InvalidOptionError(name, 'must be a whole number of ms from 0 to 60000');
  }
  return value as number;
}

/** Validates PhoneStateOptions and fills in the defaults; throws InvalidOptionError. */
export function resolvePhoneStateOptions(options: PhoneStateOptions): ResolvedPhoneStateOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionError('options', 'must be an object');
  const model = options.model ?? PHONE_STATE_DEFAULTS.model;
  if (typeof model !== 'string' || !/^[\x21-\x7e]{1,64}$/.test(model)) throw new InvalidOptionError('model', 'must be 1-64 printable characters');
  const functionKeys = options.functionKeys ?? PHONE_STATE_DEFAULTS.functionKeys;
  const fkeys = functionKeySettings(functionKeys, options.buttons);
  const lines = options.lines ?? PHONE_STATE_DEFAULTS.lines;
  if (!Number.isSafeInteger(lines) || lines < 1 || lines > MAX_LINE) throw new InvalidOptionError('lines', `must be 1..${MAX_LINE}`);
  const mac = options.mac ?? PHONE_STATE_DEFAULTS.mac;
  if (typeof mac !== 'string' || !/^[0-9A-Fa-f]{12}$/.test(mac)) throw new InvalidOptionError('mac', 'must be 12 hex digits');
  const initialSettings: Record<string, string> = { ...fkeys, mac: mac.toUpperCase() };
  for (const [name, value] of Object.entries(options.settings ?? {})) {
    const checked = buildSettingRequest(name, value);
    // The message names the field (name or value), never the value itself.
    if (!checked.ok) throw new InvalidOptionError('settings', checked.error.message);
    initialSettings[name] = value;
  }
  const maxLogEntries = options.maxLogEntries ?? PHONE_STATE_DEFAULTS.maxLogEntries;
  if (!Number.isSafeInteger(maxLogEntries) || maxLogEntries < 1) {
    throw new InvalidOptionError('maxLogEntries', 'must be a positive whole number');
  }
  if (options.clock !== undefined && typeof options.clock !== 'function') throw new InvalidOptionError('clock', 'must be a function');
  const timers = options.timers ?? REAL_TIMERS;
  if (typeof timers.setTimeout !== 'function' || typeof timers.clearTimeout !== 'function') {
    throw new InvalidOptionError('timers', 'must have setTimeout and clearTimeout');
  }
  const start = performance.now();
  return {
    model,
    functionKeys,
    lines,
    initialSettings: Object.freeze(initialSettings),
    defaultHoldMs: checkMs('defaultHoldMs', options.defaultHoldMs ?? PHONE_STATE_DEFAULTS.defaultHoldMs),
    defaultPauseMs: checkMs('defaultPauseMs', options.defaultPauseMs ?? PHONE_STATE_DEFAULTS.defaultPauseMs),
    maxLogEntries,
    clock: options.clock ?? ((): number => Math.round((performance.now() - start) * 10) / 10),
    timers,
  };
}
