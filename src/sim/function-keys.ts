// The virtual phone's function keys P1…Pn and their types, kept as Snom's `fkey<i>` settings
// (fkey0 is P1). A key of type `button <k>` is the one an x-buttons block `k=<k>` addresses (§2.2, §2.3).
import { InvalidOptionError } from '../util/errors.js';
import { MAX_NUMBERED_KEY } from '../snom/key-names.js';

/** A function key's configured type: `button` (value = its x-buttons index), `none`, or any other Snom type. */
export interface FunctionKeyType {
  /** Lower case: `button`, `none`, `line`, `url`, `dest`, `speed`, … */
  readonly type: string;
  /** The rest of the setting after the type (the button index for `button`); '' when none. */
  readonly value: string;
}

/**
 * Which function keys are of type `button <k>`: a list text of key numbers and ranges (`'1-12'`,
 * `'1,3,5-7'`; P<i> becomes `button <i>`), an array of key numbers (same meaning), or a record from
 * key name to button index (`{ P1: '7', P2: 'dnd' }`; the others are `none`).
 */
export type ButtonsOption = string | readonly number[] | Readonly<Record<string, string>>;

/** Default number of function keys. */
export const DEFAULT_FUNCTION_KEY_COUNT = 12;

/** Characters a button index may hold: what an x-buttons `k=` may hold (key-state.ts). */
const BUTTON_INDEX = /^[A-Za-z0-9_.+-]{1,32}$/;

/** The `fkey<i>` setting name of function key `P<n>` (n from 1). */
export function fkeySettingName(keyNumber: number): string {
  return `fkey${keyNumber - 1}`;
}

/** The function key number (from 1) a setting name `fkey<i>` configures, or undefined for other names. */
export function keyNumberOfSetting(name: string): number | undefined {
  const m = /^fkey(0|[1-9][0-9]{0,2})$/.exec(name);
  return m ? Number(m[1]) + 1 : undefined;
}

/** Reads an `fkey<i>` value (`button 2`, `line`, `url http://…`): the first word lower-cased, then the rest. */
export function parseFunctionKeyType(setting: string): FunctionKeyType {
  const trimmed = setting.trim();
  const space = trimmed.indexOf(' ');
  if (space < 0) return { type: trimmed === '' ? 'none' : trimmed.toLowerCase(), value: '' };
  return { type: trimmed.slice(0, space).toLowerCase(), value: trimmed.slice(space + 1).trim() };
}

/** The button index a setting configures, or undefined when the key is not a usable `button <k>`. */
export function buttonIndexOf(setting: string | undefined): string | undefined {
  if (setting === undefined) return undefined;
  const { type, value } = parseFunctionKeyType(setting);
  return type === 'button' && BUTTON_INDEX.test(value) ? value : undefined;
}

function checkCount(count: number): void {
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_NUMBERED_KEY) {
    throw new InvalidOptionError('functionKeys', `must be a whole number from 1 to ${MAX_NUMBERED_KEY}`);
  }
}

function keyNumbersOf(list: string | readonly number[], count: number): number[] {
  const numbers: number[] = [];
  const add = (n: number): void => {
    if (!Number.isSafeInteger(n) || n < 1 || n > count) {
      throw new InvalidOptionError('buttons', `key numbers must be whole numbers from 1 to ${count}`);
    }
    numbers.push(n);
  };
  if (typeof list !== 'string') {
    for (const n of list) add(n);
    return numbers;
  }
  if (list.trim() === '') return numbers;
  for (const part of list.split(',')) {
    const m = /^\s*([0-9]{1,4})\s*(?:-\s*([0-9]{1,4})\s*)?$/.exec(part);
    if (!m) throw new InvalidOptionError('buttons', `${JSON.stringify(part.slice(0, 20))} is not a number or a range a-b`);
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from) throw new InvalidOptionError('buttons', `range ${from}-${to} is backwards`);
    // Stops one past count: add() refuses that number, so a huge range fails fast.
    for (let n = from; n <= to && n <= count + 1; n++) add(n);
  }
  return numbers;
}

/**
 * The `fkey<i>` settings for `count` function keys (default 12) with `buttons` applied (default: every
 * key P<i> is `button <i>`); keys that are not buttons get `none`. Throws InvalidOptionError for a count
 * outside 1..999, a key outside 1..count, a malformed list, a bad button index or one used twice.
 */
export function functionKeySettings(count: number = DEFAULT_FUNCTION_KEY_COUNT, buttons?: ButtonsOption): Record<string, string> {
  checkCount(count);
  const index = new Map<number, string>();
  if (buttons === undefined) {
    for (let n = 1; n <= count; n++) index.set(n, String(n));
  } else if (typeof buttons === 'string' || Array.isArray(buttons)) {
    for (const n of keyNumbersOf(buttons as string | readonly number[], count)) index.set(n, String(n));
  } else if (typeof buttons === 'object' && buttons !== null) {
    for (const [name, k] of Object.entries(buttons as Readonly<Record<string, string>>)) {
      const m = /^[Pp]([1-9][0-9]{0,2})$/.exec(name);
      const n = m ? Number(m[1]) : NaN;
      if (!(n >= 1 && n <= count)) throw new InvalidOptionError('buttons', `${JSON.stringify(name.slice(0, 20))} is not a key P1..P${count}`);
      if (typeof k !== 'string' || !BUTTON_INDEX.test(k)) {
        throw new InvalidOptionError(`buttons.${name}`, 'must be 1-32 letters, digits or - _ . +');
      }
      index.set(n, k);
    }
  } else {
    throw new InvalidOptionError('buttons', 'must be a list text, an array of key numbers or a record');
  }
  const used = new Set<string>();
  for (const k of index.values()) {
    if (used.has(k)) throw new InvalidOptionError('buttons', `button ${k} is configured twice`);
    used.add(k);
  }
  const settings: Record<string, string> = {};
  for (let n = 1; n <= count; n++) {
    const k = index.get(n);
    settings[fkeySettingName(n)] = k === undefined ? 'none' : `button ${k}`;
  }
  return settings;
}
