// The virtual phone's function keys and the x-buttons state of its button keys (snom-protocol.md §2).
import { withDefaults, type XButtonsDocument } from '../snom/key-state.js';
import { normalizeKeyName } from '../snom/key-names.js';
import { BoundedLog } from './bounded-log.js';
import { defined } from './defined.js';
import { buttonIndexOf, fkeySettingName, parseFunctionKeyType } from './function-keys.js';
import type { ApplyResult, ButtonKeyState, FunctionKeyView, IgnoredBlock, KeyBinding } from './phone-state-types.js';

/** Function keys P1…Pn, typed by the `fkey<i>` settings read through `settingOf`, and the button key states. */
export class KeyPanel {
  readonly count: number;
  readonly #settingOf: (name: string) => string | undefined;
  readonly #now: () => number;
  readonly #keys = new Map<string, ButtonKeyState>();
  readonly #ignored: BoundedLog<IgnoredBlock>;

  constructor(count: number, settingOf: (name: string) => string | undefined, now: () => number, maxIgnored: number) {
    this.count = count;
    this.#settingOf = settingOf;
    this.#now = now;
    this.#ignored = new BoundedLog(maxIgnored);
  }

  #setting(n: number): string {
    return this.#settingOf(fkeySettingName(n)) ?? 'none';
  }

  /** Function keys as configured now, with the state of each button key that has one. */
  functionKeys(): FunctionKeyView[] {
    const out: FunctionKeyView[] = [];
    for (let n = 1; n <= this.count; n++) {
      const setting = this.#setting(n);
      const k = buttonIndexOf(setting);
      const state = k === undefined ? undefined : this.#keys.get(k);
      out.push({ name: `P${n}`, ...parseFunctionKeyType(setting), ...(k === undefined ? {} : { k }), ...(state ? { state } : {}) });
    }
    return out;
  }

  /** The state of button index `k`, when a block for it was applied since the last clear(). */
  keyState(k: string): ButtonKeyState | undefined {
    return this.#keys.get(k);
  }

  /** What `P<n>` (any letter case) is bound to now; undefined for other keys and for n above the count. */
  bindingOf(key: string): KeyBinding | undefined {
    const name = normalizeKeyName(key);
    const n = name !== undefined && name.startsWith('P') ? Number(name.slice(1)) : NaN;
    if (!(n >= 1 && n <= this.count)) return undefined;
    const functionKey = `P${n}`;
    const setting = this.#setting(n);
    const k = buttonIndexOf(setting);
    if (k === undefined) return { kind: 'function-key', functionKey, ...parseFunctionKeyType(setting) };
    const s = this.#keys.get(k);
    if (!s) return { kind: 'button', functionKey, k, light: 'off', action: 'invite' };
    const { light, action, label, number, colour } = s;
    return { kind: 'button', functionKey, k, light, action, ...defined({ label, number, colour }) };
  }

  /**
   * Applies a document block by block (§2.1): a block replaces the whole state of its key, absent fields
   * taking their defaults (light off, action invite, no label, number or colour). A block for an index
   * no function key is configured as `button <k>` is accepted, changes nothing visible, and is recorded.
   */
  apply(doc: XButtonsDocument): ApplyResult {
    const configured = new Set(this.functionKeys().flatMap((f) => (f.k === undefined ? [] : [f.k])));
    const applied: string[] = [];
    const ignored: { k: string; reason: string }[] = [];
    const at = this.#now();
    for (const block of doc) {
      const k = block.key;
      if (!configured.has(k)) {
        const reason = `no function key is configured as "button ${k}"`;
        ignored.push({ k, reason });
        this.#ignored.push({ at, k, reason, block: structuredClone(block) });
        continue;
      }
      const { light, action, label, number, colour } = withDefaults(block);
      const updates = (this.#keys.get(k)?.updates ?? 0) + 1;
      this.#keys.set(k, {
        k, light, action, ...defined({ label, number, colour }), updatedAt: at, updates, block: structuredClone(block),
      });
      applied.push(k);
    }
    return { applied, ignored };
  }

  /** Forgets every key state (a reboot); the log of ignored blocks stays. */
  clear(): void {
    this.#keys.clear();
  }

  /** Copies for a snapshot: key states by `k` and the ignored blocks. */
  snapshot(): { keys: Record<string, ButtonKeyState>; ignored: IgnoredBlock[] } {
    const keys: Record<string, ButtonKeyState> = {};
    for (const [k, state] of this.#keys) keys[k] = structuredClone(state);
    return { keys, ignored: this.#ignored.items().map((i) => structuredClone(i)) };
  }
}
