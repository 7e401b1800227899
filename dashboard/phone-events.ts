// A phone's recent events as the phone view lists them: newest first, bounded, merged from the live stream
// and the service's replay without doubles (no DOM).

/** Events kept per phone for "recent events". */
export const RECENT_EVENTS = 30;

/** One line of a phone's recent events; `id` is the SSE event id (`<run>-<seq>`) when known. */
export interface PhoneEvent {
  readonly at: number;
  readonly text: string;
  readonly id?: string;
}

function seqOf(id: string | undefined): number {
  const n = id === undefined ? NaN : Number(id.slice(id.lastIndexOf('-') + 1));
  return Number.isFinite(n) ? n : -1;
}

/** Newest first: by time, then (same millisecond) by the event's sequence number. */
export function newestFirst(a: PhoneEvent, b: PhoneEvent): number {
  return b.at - a.at || seqOf(b.id) - seqOf(a.id);
}

/** `known` plus the `more` not in it (by id), newest first, at most `max`. */
export function mergeEvents(known: readonly PhoneEvent[], more: readonly PhoneEvent[], max = RECENT_EVENTS): PhoneEvent[] {
  const ids = new Set(known.flatMap((e) => (e.id === undefined ? [] : [e.id])));
  const merged = [...known, ...more.filter((e) => e.id === undefined || !ids.has(e.id))].sort(newestFirst);
  return merged.slice(0, Math.max(0, max));
}
