// Phones found in the static inventory (store.phones): a fixed web address, scheme, login and TLS choice.
import type { PhoneRecord } from '../../store/phone-table.js';
import { InvalidOptionError } from '../../util/errors.js';
import { hostKey, type LocationSource, type PhoneLocation, type UserTarget } from './phone-location.js';

/** What the source reads from the inventory (a PhoneTable). */
export interface PhoneInventory {
  get(user: string, domain: string): PhoneRecord | undefined;
  list(): PhoneRecord[];
}

/** Options of InventoryLocationSource. */
export interface InventoryLocationOptions {
  readonly phones: PhoneInventory;
}

/** `host`, `host:port`, `[v6]` or `[v6]:port` split; undefined when it is none of them. */
export function parseWebAddress(address: string): { host: string; port?: number } | undefined {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+))(?::(\d{1,5}))?$/.exec(address);
  if (m === null) return undefined;
  const host = m[1] ?? m[2]!;
  if (m[3] === undefined) return { host };
  const port = Number(m[3]);
  return port >= 1 && port <= 65535 ? { host, port } : undefined;
}

/**
 * Resolves user specs to inventory entries. The inventory is independent of SIP routes, so the profile
 * is ignored; `…@domain` looks that user up in the domain, no domain finds the user in every domain.
 * Entries whose web address cannot be read are skipped (the table refuses them on write).
 */
export class InventoryLocationSource implements LocationSource {
  readonly #phones: PhoneInventory;

  constructor(options: InventoryLocationOptions) {
    const phones = options?.phones;
    if (phones === null || typeof phones !== 'object' || typeof phones.get !== 'function' || typeof phones.list !== 'function') {
      throw new InvalidOptionError('phones', 'must be a phone inventory (get, list)');
    }
    this.#phones = phones;
  }

  resolve(target: UserTarget): Promise<readonly PhoneLocation[]> {
    const records = target.domain === undefined
      ? this.#phones.list().filter((p) => p.user === target.user)
      : [this.#phones.get(target.user, target.domain)].filter((p): p is PhoneRecord => p !== undefined);
    return Promise.resolve(records.map(toLocation).filter((l): l is PhoneLocation => l !== undefined));
  }

  byAddress(host: string): Promise<readonly PhoneLocation[]> {
    const key = hostKey(host);
    const out: PhoneLocation[] = [];
    for (const record of this.#phones.list()) {
      const location = toLocation(record);
      if (location !== undefined && hostKey(location.host) === key) out.push(location);
    }
    return Promise.resolve(out);
  }
}

/** An inventory record as a location (undefined for an unreadable web address). */
export function toLocation(record: PhoneRecord): PhoneLocation | undefined {
  const address = parseWebAddress(record.webAddress);
  if (address === undefined) return undefined;
  return {
    host: address.host,
    ...(address.port === undefined ? {} : { port: address.port }),
    scheme: record.scheme,
    ...(record.username === undefined ? {} : { credentials: { username: record.username, password: record.password ?? '' } }),
    insecureTls: record.insecureTls,
    origin: 'inventory',
    user: record.user,
    domain: record.domain,
    contacts: [],
  };
}
