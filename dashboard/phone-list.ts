// The phones list's model: phones by user@host, live updates from events, filtering and paging (no DOM).
import type { ContactView, DeliveryEventView, PhoneProfileView, PhoneView, RegistrationEventView } from './api-types.js';

/** The last delivery outcome of a phone, from the list or a `delivery` event. */
export interface LastDelivery {
  readonly status: string;
  readonly keys: string;
  readonly at: number;
  readonly reason?: string;
}

/** A phone as the list shows it. */
export interface PhoneRow {
  readonly aor: string;
  readonly user: string;
  readonly host: string;
  readonly profile: string | undefined;
  /** The profiles the phone belongs to, with their route kinds. */
  readonly profiles: readonly PhoneProfileView[];
  readonly contacts: readonly ContactView[];
  readonly lastDelivery: LastDelivery | undefined;
  /** Lowercased text the filter searches: aor, profiles and route kinds, addresses, user agents. */
  readonly search: string;
}

/** One page of the filtered list. */
export interface PhonePage {
  readonly rows: readonly PhoneRow[];
  /** 0-based, clamped to the pages there are. */
  readonly page: number;
  readonly pages: number;
  /** Phones matching the filter. */
  readonly matching: number;
  readonly total: number;
}

/** Registration events that add or refresh a contact; the others remove it. */
const ADDS = new Set(['registered', 'refreshed', 'restarted']);

function searchText(p: { aor: string; profile: string | undefined; profiles: readonly PhoneProfileView[]; contacts: readonly ContactView[] }): string {
  return [p.aor, p.profile ?? '', ...p.profiles.flatMap((x) => [x.name, x.route]), ...p.contacts.flatMap((c) => [c.source.address, c.userAgent ?? ''])].join(' ').toLowerCase();
}

function row(user: string, host: string, profile: string | undefined, profiles: readonly PhoneProfileView[], contacts: readonly ContactView[], lastDelivery: LastDelivery | undefined): PhoneRow {
  const aor = `${user}@${host}`;
  return { aor, user, host, profile, profiles, contacts, lastDelivery, search: searchText({ aor, profile, profiles, contacts }) };
}

/** A phone's profiles and their route kinds in words: `internal (embedded), fs (freeswitch)`; the profile alone for older services; `—` for none. */
export function profilesText(r: Pick<PhoneRow, 'profile' | 'profiles'>): string {
  if (r.profiles.length > 0) return r.profiles.map((p) => `${p.name} (${p.route})`).join(', ');
  return r.profile ?? '—';
}

/** The phone list: replace() with GET /v1/phones, then apply events; page() for the view. */
export class PhoneList {
  readonly #rows = new Map<string, PhoneRow>();
  #sorted: PhoneRow[] | undefined;

  /** Phones known. */
  get size(): number {
    return this.#rows.size;
  }

  /** The phone `user@host`, if known. */
  get(aor: string): PhoneRow | undefined {
    return this.#rows.get(aor);
  }

  /** Replaces the whole list with GET /v1/phones' answer. */
  replace(phones: readonly PhoneView[]): void {
    this.#rows.clear();
    for (const p of phones) {
      const d = p.lastDelivery;
      const last = d === undefined ? undefined : { status: d.status, keys: d.key, at: d.at, ...(d.reason === undefined ? {} : { reason: d.reason }) };
      const r = row(p.user, p.host, p.profile, p.profiles ?? [], p.contacts, last);
      this.#rows.set(r.aor, r);
    }
    this.#sorted = undefined;
  }

  /** Applies a registration event; returns false when the phone was unknown and a reload is due. */
  applyRegistration(e: RegistrationEventView): boolean {
    const aor = `${e.user}@${e.domain}`;
    const old = this.#rows.get(aor);
    const others = (old?.contacts ?? []).filter((c) => c.uri !== e.contact);
    const contacts = ADDS.has(e.type)
      ? [...others, { uri: e.contact, source: { transport: e.transport, address: e.address, port: e.port }, ...(e.userAgent == null ? {} : { userAgent: e.userAgent }), expiresAt: e.expiresAt }]
      : others;
    const r = row(e.user, e.domain, old?.profile, old?.profiles ?? [], contacts, old?.lastDelivery);
    this.#rows.set(aor, r);
    if (old === undefined) this.#sorted = undefined;
    else this.#replaceSorted(old, r);
    return old !== undefined;
  }

  /** Records a delivery event as the phone's last delivery (phones not in the list are ignored). */
  applyDelivery(e: DeliveryEventView): boolean {
    const aor = `${e.user}@${e.host}`;
    const old = this.#rows.get(aor);
    if (old === undefined) return false;
    const reason = e.status === 'delivered' ? undefined : e.reason ?? e.error;
    const last: LastDelivery = {
      status: e.sipStatus === undefined ? e.status : `${e.status} (SIP ${e.sipStatus})`,
      keys: e.keys.map((k) => k.key).join(', '), at: e.at, ...(reason === undefined ? {} : { reason }),
    };
    const r = { ...old, lastDelivery: last };
    this.#rows.set(aor, r);
    this.#replaceSorted(old, r);
    return true;
  }

  /** Page `page` (0-based) of the phones whose text contains every word of `filter`, sorted by user@host. */
  page(filter: string, page: number, pageSize: number): PhonePage {
    const words = filter.toLowerCase().split(/\s+/).filter((w) => w !== '');
    const all = this.#sortedRows();
    const matching = words.length === 0 ? all : all.filter((r) => words.every((w) => r.search.includes(w)));
    const size = Math.max(1, Math.floor(pageSize));
    const pages = Math.max(1, Math.ceil(matching.length / size));
    const p = Math.min(Math.max(0, Math.floor(page)), pages - 1);
    return { rows: matching.slice(p * size, (p + 1) * size), page: p, pages, matching: matching.length, total: all.length };
  }

  #sortedRows(): PhoneRow[] {
    this.#sorted ??= [...this.#rows.values()].sort((a, b) => (a.aor < b.aor ? -1 : a.aor > b.aor ? 1 : 0));
    return this.#sorted;
  }

  #replaceSorted(old: PhoneRow, r: PhoneRow): void {
    if (this.#sorted === undefined) return;
    const i = this.#sorted.indexOf(old);
    if (i >= 0) this.#sorted[i] = r;
    else this.#sorted = undefined;
  }
}

/** `expires in 3m 05s` / `expired`, from `expiresAt` and `now` (ms). */
export function expiryText(expiresAt: number, now: number): string {
  const s = Math.floor((expiresAt - now) / 1000);
  if (s <= 0) return 'expired';
  if (s < 60) return `expires in ${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `expires in ${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `expires in ${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** Registration state in words: `registered (2 contacts)`, `not registered`. */
export function registrationText(contacts: readonly ContactView[], now: number): string {
  const live = contacts.filter((c) => c.expiresAt > now).length;
  if (live === 0) return 'not registered';
  return live === 1 ? 'registered' : `registered (${live} contacts)`;
}
