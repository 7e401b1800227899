// The registrar's bindings in SQLite (implements src/registrar's RegistrationStore).
import type { Binding } from '../registrar/binding.js';
import type { BindingChange, RegistrationStore } from '../registrar/registration-store.js';
import type { Database, Statement } from './sqlite-driver.js';

interface Row {
  aor: string;
  contact: string;
  instance: string;
  reg_id: number;
  user: string;
  domain: string;
  call_id: string;
  cseq: number;
  expires_at: number;
  q: number | null;
  transport: string;
  address: string;
  port: number;
  local_address: string | null;
  local_port: number | null;
  user_agent: string | null;
  first_registered: number;
  last_refreshed: number;
}

const COLUMNS = 'aor, contact, instance, reg_id, user, domain, call_id, cseq, expires_at, q, transport, address, port, ' +
  'local_address, local_port, user_agent, first_registered, last_refreshed';

/**
 * Bindings keyed by (aor, contact, instance, reg_id); an absent instance is stored as '' and an absent
 * reg-id as 0 (reg-id values start at 1). applyBindingChanges is one transaction. There is no index on
 * expires_at: only deleteExpiredBindings (at load) scans by it, and every refresh would update it.
 */
export class RegistrationTable implements RegistrationStore {
  readonly #put: Statement;
  readonly #delete: Statement;
  readonly #load: Statement<Row>;
  readonly #deleteExpired: Statement;
  readonly #count: Statement<{ n: number }>;
  readonly #apply: (changes: readonly BindingChange[]) => void;

  constructor(db: Database) {
    // an upsert updates the row in place (REPLACE would delete and re-insert it)
    const values = COLUMNS.split(', ').map(() => '?').join(', ');
    const updates = COLUMNS.split(', ').slice(4).map((c) => `${c} = excluded.${c}`).join(', ');
    this.#put = db.prepare(`INSERT INTO registrations (${COLUMNS}) VALUES (${values})
      ON CONFLICT (aor, contact, instance, reg_id) DO UPDATE SET ${updates}`);
    this.#delete = db.prepare('DELETE FROM registrations WHERE aor = ? AND contact = ? AND instance = ? AND reg_id = ?');
    this.#load = db.prepare<Row>(`SELECT ${COLUMNS} FROM registrations WHERE expires_at > ?`);
    this.#deleteExpired = db.prepare('DELETE FROM registrations WHERE expires_at <= ?');
    this.#count = db.prepare<{ n: number }>('SELECT COUNT(*) AS n FROM registrations');
    this.#apply = db.transaction((changes: readonly BindingChange[]) => {
      for (const c of changes) {
        const b = c.binding;
        if (c.kind === 'delete') this.#delete.run(b.aor, b.contact, b.instance ?? '', b.regId ?? 0);
        else {
          this.#put.run(
            b.aor, b.contact, b.instance ?? '', b.regId ?? 0, b.user, b.domain, b.callId, b.cseq, b.expiresAt, b.q ?? null,
            b.transport, b.address, b.port, b.localAddress ?? null, b.localPort ?? null, b.userAgent ?? null,
            b.firstRegistered, b.lastRefreshed,
          );
        }
      }
    });
  }

  /** Number of stored bindings, expired ones included. */
  count(): number {
    return this.#count.get()?.n ?? 0;
  }

  /** Bindings with `expiresAt > now`; rows that do not make a valid binding are skipped. Equal strings are shared. */
  loadBindings(now: number): Binding[] {
    const out: Binding[] = [];
    const shared = new Map<string, string>();
    const share = (s: string): string => {
      const known = shared.get(s);
      if (known !== undefined) return known;
      shared.set(s, s);
      return s;
    };
    for (const r of this.#load.iterate(now)) {
      const b = toBinding(r, share);
      if (b !== undefined) out.push(b);
    }
    return out;
  }

  applyBindingChanges(changes: readonly BindingChange[]): void {
    this.#apply(changes);
  }

  deleteExpiredBindings(now: number): number {
    return this.#deleteExpired.run(now).changes;
  }
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

function toBinding(r: Row, share: (s: string) => string): Binding | undefined {
  if (r.transport !== 'udp' && r.transport !== 'tcp') return undefined;
  if (!isInt(r.cseq) || !isInt(r.expires_at) || !isInt(r.port) || !isInt(r.reg_id)) return undefined;
  if (!isInt(r.first_registered) || !isInt(r.last_refreshed)) return undefined;
  return {
    aor: r.aor,
    user: r.user,
    domain: share(r.domain),
    contact: r.contact,
    callId: r.call_id,
    cseq: r.cseq,
    expiresAt: r.expires_at,
    q: typeof r.q === 'number' ? r.q : undefined,
    transport: r.transport,
    address: r.address,
    port: r.port,
    localAddress: r.local_address === null ? undefined : share(r.local_address),
    localPort: isInt(r.local_port) ? r.local_port : undefined,
    userAgent: r.user_agent === null ? undefined : share(r.user_agent),
    instance: r.instance === '' ? undefined : r.instance,
    regId: r.reg_id === 0 ? undefined : r.reg_id,
    firstRegistered: r.first_registered,
    lastRefreshed: r.last_refreshed,
  };
}
