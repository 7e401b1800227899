// The registrar's bindings in SQLite (implements src/registrar's RegistrationStore).
import type { Binding } from '../registrar/binding.js';
import type { BindingChange, RegistrationStore } from '../registrar/registration-store.js';
import type { Database, Statement } from './sqlite-driver.js';

/** A row as loaded: the COLUMNS values in order (raw arrays: a restart loads 100,000s of rows). */
type Row = readonly unknown[];

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
    this.#load = db.prepare(`SELECT ${COLUMNS} FROM registrations WHERE expires_at > ?`).raw(true);
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
    for (const r of this.#load.all(now)) {
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
const isText = (v: unknown): v is string => typeof v === 'string';

/** COLUMNS order: aor 0, contact 1, instance 2, reg_id 3, user 4, domain 5, call_id 6, cseq 7, expires_at 8, q 9,
 * transport 10, address 11, port 12, local_address 13, local_port 14, user_agent 15, first_registered 16, last_refreshed 17. */
function toBinding(r: Row, share: (s: string) => string): Binding | undefined {
  const [aor, contact, instance, regId, user, domain, callId, cseq, expiresAt, q, transport, address, port, localAddress, localPort, userAgent,
    firstRegistered, lastRefreshed] = r;
  if (transport !== 'udp' && transport !== 'tcp') return undefined;
  if (!isInt(cseq) || !isInt(expiresAt) || !isInt(port) || !isInt(regId)) return undefined;
  if (!isInt(firstRegistered) || !isInt(lastRefreshed)) return undefined;
  // NOT NULL TEXT columns (their type is not enforced by SQLite)
  if (!isText(aor) || !isText(contact) || !isText(instance) || !isText(user) || !isText(domain) || !isText(callId) || !isText(address)) return undefined;
  return {
    aor,
    user,
    domain: share(domain),
    contact,
    callId,
    cseq,
    expiresAt,
    q: typeof q === 'number' ? q : undefined,
    transport,
    address,
    port,
    localAddress: isText(localAddress) ? share(localAddress) : undefined,
    localPort: isInt(localPort) ? localPort : undefined,
    userAgent: isText(userAgent) ? share(userAgent) : undefined,
    instance: instance === '' ? undefined : instance,
    regId: regId === 0 ? undefined : regId,
    firstRegistered,
    lastRefreshed,
  };
}
