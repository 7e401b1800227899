// RFC 3261 §10.3 step 7 over one AOR's bindings: a pure function from (bindings, request) to
// (new bindings, events, store changes).
import { parseUri, uriEquals, type Uri } from '../sip/uri.js';
import type { Binding, RegisterSource, RegistrarEvent } from './binding.js';
import type { BindingChange } from './registration-store.js';

/** One Contact of a REGISTER, checked and with its granted expiry. */
export interface ContactUpdate {
  /** The URI text as registered. */
  readonly contact: string;
  readonly uri: Uri;
  /** Granted seconds; 0 removes the binding. */
  readonly expires: number;
  readonly q: number | undefined;
  readonly instance: string | undefined;
  readonly regId: number | undefined;
}

/** What the request says besides its contacts. `domain` and `userAgent` are kept as given (share them). */
export interface RegisterContext {
  readonly aor: string;
  readonly user: string;
  readonly domain: string;
  readonly callId: string;
  readonly cseq: number;
  readonly now: number;
  readonly source: RegisterSource;
  readonly userAgent: string | undefined;
}

/** The new binding list, what happened, and what to write; or the binding whose CSeq made the request stale. */
export type ApplyOutcome =
  | { readonly ok: true; readonly bindings: Binding[]; readonly events: RegistrarEvent[]; readonly changes: BindingChange[] }
  | { readonly ok: false; readonly stale: Binding };

interface Slot {
  readonly origin: Binding | undefined;
  current: Binding | undefined;
  /** Changed by this request already: a second Contact for it is not compared with the CSeq again. */
  touched: boolean;
}

/**
 * Applies a REGISTER's contacts (or `*`) to an AOR's bindings, per RFC 3261 §10.3 steps 6–7:
 * - a contact matches a binding with the same `+sip.instance` and `reg-id` (RFC 5626 §6), else one without
 *   an instance whose URI is equivalent (§19.1.4); a contact without an instance matches by URI only;
 * - same Call-ID and a CSeq not above the binding's: the whole request fails (`stale`), nothing changes;
 * - expiry 0 removes the match; otherwise the match is updated (`refreshed` for the same Call-ID,
 *   `restarted` for a new one: the phone rebooted) or a new binding added (`registered`);
 * - bindings already expired (`expiresAt <= now`) are dropped with an `expired` event.
 */
export function applyContacts(existing: readonly Binding[], updates: readonly ContactUpdate[] | '*', ctx: RegisterContext): ApplyOutcome {
  const events: RegistrarEvent[] = [];
  const changes: BindingChange[] = [];
  const slots: Slot[] = [];
  for (const b of existing) {
    if (b.expiresAt <= ctx.now) {
      events.push({ type: 'expired', binding: b });
      changes.push({ kind: 'delete', binding: b });
    } else slots.push({ origin: b, current: b, touched: false });
  }
  if (updates === '*') {
    for (const s of slots) {
      if (isStale(s.origin!, ctx)) return { ok: false, stale: s.origin! };
      s.current = undefined;
    }
  } else {
    for (const u of updates) {
      const s = findSlot(slots, u);
      if (s !== undefined) {
        if (!s.touched && isStale(s.current!, ctx)) return { ok: false, stale: s.current! };
        s.touched = true;
        s.current = u.expires === 0 ? undefined : makeBinding(ctx, u, s.current);
      } else if (u.expires > 0) {
        slots.push({ origin: undefined, current: makeBinding(ctx, u, undefined), touched: true });
      }
    }
  }
  const bindings: Binding[] = [];
  for (const { origin, current } of slots) {
    if (current !== undefined) bindings.push(current);
    if (current === origin) continue;
    if (origin === undefined) {
      events.push({ type: 'registered', binding: current! });
      changes.push({ kind: 'put', binding: current! });
    } else if (current === undefined) {
      events.push({ type: 'unregistered', binding: origin });
      changes.push({ kind: 'delete', binding: origin });
    } else {
      if (current.contact !== origin.contact || current.instance !== origin.instance || current.regId !== origin.regId) {
        changes.push({ kind: 'delete', binding: origin });
      }
      changes.push({ kind: 'put', binding: current });
      events.push({ type: current.callId === origin.callId ? 'refreshed' : 'restarted', binding: current, previous: origin });
    }
  }
  return { ok: true, bindings, events, changes };
}

function isStale(b: Binding, ctx: RegisterContext): boolean {
  return b.callId === ctx.callId && ctx.cseq <= b.cseq;
}

function findSlot(slots: readonly Slot[], u: ContactUpdate): Slot | undefined {
  if (u.instance !== undefined) {
    for (const s of slots) if (s.current?.instance === u.instance && s.current.regId === u.regId) return s;
    for (const s of slots) if (s.current !== undefined && s.current.instance === undefined && sameUri(s.current.contact, u)) return s;
    return undefined;
  }
  for (const s of slots) if (s.current !== undefined && sameUri(s.current.contact, u)) return s;
  return undefined;
}

function sameUri(contact: string, u: ContactUpdate): boolean {
  if (contact === u.contact) return true;
  const p = parseUri(contact);
  return p.ok && uriEquals(p.value, u.uri);
}

/**
 * A compact copy of a string: a substring of a parsed message would keep the whole message text alive
 * (V8 slices strings of 13 characters or more), which costs ~1 KB per binding.
 */
export function own(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'utf8').toString('utf8');
}

/** A binding for `u`, reusing the previous binding's strings where they are equal. */
function makeBinding(ctx: RegisterContext, u: ContactUpdate, prev: Binding | undefined): Binding {
  const { now, source } = ctx;
  const sameCall = prev !== undefined && prev.callId === ctx.callId;
  return {
    aor: prev?.aor ?? own(ctx.aor),
    user: prev?.user ?? own(ctx.user),
    domain: prev?.domain ?? ctx.domain,
    contact: prev !== undefined && prev.contact === u.contact ? prev.contact : own(u.contact),
    callId: sameCall ? prev.callId : own(ctx.callId),
    cseq: ctx.cseq,
    expiresAt: now + u.expires * 1000,
    q: u.q,
    transport: source.transport,
    address: prev !== undefined && prev.address === source.address ? prev.address : source.address,
    port: source.port,
    localAddress: source.localAddress,
    localPort: source.localPort,
    userAgent: prev !== undefined && prev.userAgent === ctx.userAgent ? prev.userAgent : ctx.userAgent,
    instance: prev !== undefined && prev.instance === u.instance ? prev.instance : u.instance === undefined ? undefined : own(u.instance),
    regId: u.regId,
    firstRegistered: sameCall ? prev.firstRegistered : now,
    lastRefreshed: now,
  };
}
