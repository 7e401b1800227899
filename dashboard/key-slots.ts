// The key panel's model: which keys to draw and each key's desired-vs-delivered summary (no DOM).
import type { KeyStatusView } from './api-types.js';

/** Function keys drawn even when none is set (a Snom D785 has 12 on its first page). */
export const DEFAULT_KEY_COUNT = 12;

/** Where a key's desired state stands on the phone. */
export interface DeliverySummary {
  /** `delivered` on every contact, `failed` on one or more, `pending` otherwise, `none`: no contact yet. */
  readonly state: 'delivered' | 'pending' | 'failed' | 'none';
  /** In words, e.g. `delivered to 2 of 2 contacts`, `failed: 408 Request Timeout`. */
  readonly text: string;
}

/** One key of the panel: its `k=` and status (undefined: no desired state yet). */
export interface KeySlot {
  readonly key: string;
  readonly status: KeyStatusView | undefined;
}

/** Summarises a key's deliveries: only records of the desired version count as delivered. */
export function deliverySummary(status: KeyStatusView): DeliverySummary {
  const version = status.desired.version;
  const records = status.deliveries;
  if (records.length === 0) return { state: 'none', text: 'not sent yet: no registered contact' };
  const delivered = records.filter((r) => r.current && r.version >= version && r.status === 'delivered').length;
  const failed = records.filter((r) => r.status === 'failed');
  const of = `${records.length} contact${records.length === 1 ? '' : 's'}`;
  if (failed.length > 0) {
    const reason = failed[0]!.reason;
    return { state: 'failed', text: `failed on ${failed.length} of ${of}${reason === undefined ? '' : `: ${reason}`}` };
  }
  if (delivered === records.length) return { state: 'delivered', text: `delivered to ${delivered === 1 ? 'the contact' : `all ${of}`} (v${version})` };
  return { state: 'pending', text: `pending: delivered to ${delivered} of ${of} (v${version})` };
}

/**
 * The keys to draw: 1…max(DEFAULT_KEY_COUNT, highest numeric key) in order, then keys with other names
 * (`blf1`) sorted. Keys above 999 are not padded with empty slots.
 */
export function keySlots(keys: readonly KeyStatusView[], count = DEFAULT_KEY_COUNT): KeySlot[] {
  const byKey = new Map(keys.map((k) => [k.desired.key, k]));
  let highest = count;
  for (const k of byKey.keys()) if (/^[1-9][0-9]{0,2}$/.test(k)) highest = Math.max(highest, Number(k));
  const slots: KeySlot[] = [];
  for (let n = 1; n <= highest; n++) slots.push({ key: String(n), status: byKey.get(String(n)) });
  const numeric = new Set(slots.map((s) => s.key));
  const named = [...byKey.keys()].filter((k) => !numeric.has(k)).sort();
  for (const k of named) slots.push({ key: k, status: byKey.get(k) });
  return slots;
}

/** The function key a Snom shows a `button <k>` on by default (P<k>); undefined for a non-numeric k. */
export function functionKeyOf(key: string): string | undefined {
  return /^[1-9][0-9]{0,2}$/.test(key) ? `P${key}` : undefined;
}
