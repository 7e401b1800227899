// KeyService.reconcile against a real in-memory store and a recording deliverer: paging over many owners,
// several embedded profiles in one queueing per contact, only unconfirmed versions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Binding } from '../../../src/registrar/binding.js';
import type { QueuedKey } from '../../../src/service/delivery-types.js';
import type { EmbeddedRoute } from '../../../src/service/embedded-route.js';
import type { KeyDeliverer } from '../../../src/service/key-deliverer.js';
import { KeyService, type RunningProfile } from '../../../src/service/key-service.js';
import type { RouteContact } from '../../../src/service/route.js';
import type { KeyState } from '../../../src/snom/key-state.js';
import { openDatabase } from '../../../src/store/sqlite-driver.js';
import { openStore } from '../../../src/store/sqlite-store.js';

const T0 = 1_700_000_000_000;
const DOMAIN = 'pbx.test';

function binding(user: string, contact: string, domain = DOMAIN): Binding {
  return {
    aor: `${user}@${domain.toLowerCase()}`, user, domain, contact, callId: `c-${user}`, cseq: 1, expiresAt: T0 + 3_600_000, q: undefined,
    transport: 'udp', address: '192.0.2.1', port: 5060, localAddress: undefined, localPort: undefined, userAgent: undefined,
    instance: undefined, regId: undefined, firstRegistered: T0, lastRefreshed: T0,
  };
}

interface Queued {
  readonly contact: string;
  readonly user: string;
  readonly keys: ReadonlyArray<readonly [string, string, number]>;
}

/** What the recording deliverer does when reconcile asks for room (default: room at once) and whether it is closing. */
interface DelivererHooks {
  readonly room?: (below: number) => Promise<void>;
  readonly closing?: () => boolean;
}

function setup(profiles: readonly string[], file = ':memory:', hooks: DelivererHooks = {}): { service: KeyService; store: ReturnType<typeof openStore>; queued: Queued[] } {
  const store = openStore({ path: file, now: () => T0 });
  const queued: Queued[] = [];
  const embedded = {
    kind: 'embedded',
    contactOf: (b: Binding): RouteContact | undefined =>
      b.contact.startsWith('sip:') ? { id: `embedded\n${b.aor}\n${b.contact}`, uri: b.contact, destination: 'udp:192.0.2.1:5060' } : undefined,
  } as unknown as EmbeddedRoute;
  const deliverer = {
    room: hooks.room ?? (() => Promise.resolve()),
    get closing() {
      return hooks.closing?.() ?? false;
    },
    enqueue: (_route: unknown, contact: RouteContact, user: string, _domain: string, entries: readonly QueuedKey[]) => {
      if (entries.length > 0) queued.push({ contact: contact.uri, user, keys: entries.map((e) => [e.target.profile, e.state.key, e.version] as const) });
    },
  } as unknown as KeyDeliverer;
  const running = new Map<string, RunningProfile>(profiles.map((name) => [name, { name, route: embedded, format: 'x-buttons', embedded: true }]));
  const service = new KeyService({
    keys: store.keys, profiles: running, embedded, deliverer, limits: undefined, now: () => T0, emitKeys: () => {},
  });
  return { service, store, queued };
}

test('reconcile: every registered owner of many pages gets its unconfirmed keys, one queueing per contact', async () => {
  const { service, store, queued } = setup(['internal']);
  const bindings: Binding[] = [];
  for (let i = 0; i < 600; i++) {
    const user = `u${i}`;
    store.keys.putDesiredKeys('internal', user, DOMAIN, [{ key: '1', light: 'on' }, { key: '10', label: `L${i}` }, { key: '2', light: 'off' }]);
    // every third user is not registered
    if (i % 3 !== 2) bindings.push(binding(user, `sip:${user}@192.0.2.1;line=a`, i === 0 ? 'PBX.Test' : DOMAIN));
  }
  // u1 has key 1 confirmed at its version on its contact (and key 2 on another contact only)
  store.keys.recordDeliveries([
    { profile: 'internal', user: 'u1', host: DOMAIN, key: '1', contact: 'sip:u1@192.0.2.1;line=a', status: 'delivered', version: 4, at: T0 },
    { profile: 'internal', user: 'u1', host: DOMAIN, key: '2', contact: 'sip:u1@192.0.2.9', status: 'delivered', version: 6, at: T0 },
    { profile: 'internal', user: 'u1', host: DOMAIN, key: '10', contact: 'sip:u1@192.0.2.1;line=a', status: 'failed', version: 5, at: T0, reason: 'x' },
  ]);
  // u4 has a second contact, and a contact that is not a SIP URI
  bindings.push(binding('u4', 'sip:u4@192.0.2.2;line=b'), binding('u4', 'tel:+123'));
  const n = await service.reconcile(bindings);
  assert.equal(queued.length, 401);
  assert.equal(n, 401 * 3 - 1);
  const byContact = new Map(queued.map((q) => [q.contact, q]));
  assert.equal(byContact.size, 401);
  assert.deepEqual(byContact.get('sip:u0@192.0.2.1;line=a'), { contact: 'sip:u0@192.0.2.1;line=a', user: 'u0', keys: [['internal', '1', 1], ['internal', '2', 3], ['internal', '10', 2]] });
  assert.deepEqual(byContact.get('sip:u1@192.0.2.1;line=a')!.keys, [['internal', '2', 6], ['internal', '10', 5]]);
  assert.deepEqual(byContact.get('sip:u4@192.0.2.2;line=b')!.keys, [['internal', '1', 13], ['internal', '2', 15], ['internal', '10', 14]]);
  assert.equal(byContact.has('sip:u2@192.0.2.1;line=a'), false);
  assert.equal(byContact.has('tel:+123'), false);
  assert.deepEqual(new Set(queued.map((q) => q.user)).size, 400);
  store.close();
});

test('reconcile: the keys of several embedded profiles reach a contact in one queueing, also when only an earlier profile has keys', async () => {
  const { service, store, queued } = setup(['a', 'b']);
  store.keys.putDesiredKeys('a', '200', DOMAIN, [{ key: '1', light: 'on' }]);
  store.keys.putDesiredKeys('b', '200', DOMAIN, [{ key: '2', light: 'off' }]);
  store.keys.putDesiredKeys('a', '201', DOMAIN, [{ key: '3', light: 'on' }]);
  store.keys.putDesiredKeys('b', '202', DOMAIN, [{ key: '4', light: 'on' }]);
  const n = await service.reconcile([
    binding('200', 'sip:200@192.0.2.1'), binding('201', 'sip:201@192.0.2.1'), binding('202', 'sip:202@192.0.2.1'), binding('203', 'sip:203@192.0.2.1'),
  ]);
  assert.equal(n, 4);
  assert.deepEqual(queued.map((q) => [q.user, q.keys]).sort((x, y) => String(x[0]).localeCompare(String(y[0]))), [
    ['200', [['a', '1', 1], ['b', '2', 2]]],
    ['201', [['a', '3', 3]]],
    ['202', [['b', '4', 4]]],
  ]);
  store.close();
});

test('reconcile: the next page is read only when the deliverer has room; reading stops when it closes', async () => {
  let release: () => void = () => {};
  const asked: number[] = [];
  let closing = false;
  const { service, store, queued } = setup(['internal'], ':memory:', {
    room: (below) => {
      asked.push(below);
      return new Promise((resolve) => (release = resolve));
    },
    closing: () => closing,
  });
  const bindings: Binding[] = [];
  for (let i = 0; i < 600; i++) {
    const user = `u${String(i).padStart(3, '0')}`;
    store.keys.putDesiredKeys('internal', user, DOMAIN, [{ key: '1', light: 'on' }]);
    bindings.push(binding(user, `sip:${user}@192.0.2.1`));
  }
  const done = service.reconcile(bindings);
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  };
  await settle();
  assert.deepEqual([queued.length, asked], [256, [256]], 'one page queued, then it waits for room');
  release();
  await settle();
  assert.deepEqual([queued.length, asked], [512, [256, 256]]);
  closing = true;
  release();
  assert.equal(await done, 512, 'the third page is not read once the deliverer closes');
  store.close();
});

test('reconcile with several profiles: a key bound while the pages are read is not followed by the older version read before', async () => {
  let release: () => void = () => {};
  let waits = 0;
  const { service, store, queued } = setup(['a', 'b'], ':memory:', {
    room: () => {
      waits++;
      return new Promise((resolve) => (release = resolve));
    },
  });
  // 300 owners in profile a: its pages are read in two queries with a wait between them
  const bindings: Binding[] = [];
  for (let i = 0; i < 300; i++) {
    const user = `u${String(i).padStart(3, '0')}`;
    store.keys.putDesiredKeys('a', user, DOMAIN, [{ key: '1', light: 'on' }, { key: '2', light: 'off' }]);
    bindings.push(binding(user, `sip:${user}@192.0.2.1`));
  }
  store.keys.putDesiredKeys('b', 'u000', DOMAIN, [{ key: '3', light: 'on' }]);
  const done = service.reconcile(bindings);
  for (let i = 0; i < 5 && waits === 0; i++) await new Promise((r) => setImmediate(r));
  assert.equal(waits, 1);
  // binds while reconcile waits: u000 (keys in a and b) and u001 (keys in a only) get a newer key 1
  const [v0] = store.keys.putDesiredKeys('a', 'u000', DOMAIN, [{ key: '1', light: 'off' }]);
  const [v1] = store.keys.putDesiredKeys('a', 'u001', DOMAIN, [{ key: '1', light: 'off' }]);
  release();
  await done;
  const byUser = new Map(queued.map((q) => [q.user, q.keys]));
  assert.deepEqual(byUser.get('u000'), [['a', '2', 2], ['b', '3', 601]], `key 1 at version ${v0} is sent by its bind, not here`);
  assert.deepEqual(byUser.get('u001'), [['a', '2', 4]], `key 1 at version ${v1} is sent by its bind, not here`);
  assert.deepEqual(byUser.get('u299'), [['a', '1', 599], ['a', '2', 600]]);
  assert.equal(queued.length, 300);
  store.close();
});

test('resyncTarget: the current versions, cause resync, to every contact of the route; pending without contacts; [] keys when none desired', async () => {
  const store = openStore({ path: ':memory:', now: () => T0 });
  const sent: Array<{ contact: string; keys: string[]; causes: string[] }> = [];
  let contacts: RouteContact[] = [
    { id: 'c1', uri: 'sip:200@192.0.2.1;line=a', destination: 'udp:192.0.2.1:5060' },
    { id: 'c2', uri: 'sip:200@192.0.2.2;line=b', destination: 'udp:192.0.2.2:5060' },
  ];
  let duringLookup: (() => void) | undefined;
  const route = {
    kind: 'proxy',
    contacts: async (): Promise<{ contacts: RouteContact[]; reason?: string }> => {
      await Promise.resolve();
      duringLookup?.();
      return contacts.length > 0 ? { contacts } : { contacts: [], reason: 'not registered' };
    },
  } as unknown as RunningProfile['route'];
  const deliverer = {
    room: () => Promise.resolve(),
    closing: false,
    enqueue: (_route: unknown, contact: RouteContact, _user: string, _domain: string, entries: readonly QueuedKey[]) => {
      sent.push({ contact: contact.uri, keys: entries.map((e) => `${e.state.key}@${e.version}:${(e.state as KeyState).label}`), causes: entries.map((e) => e.cause) });
      for (const e of entries) {
        for (const w of e.waiters?.splice(0) ?? []) w({ contact: contact.uri, destination: contact.destination, status: 200, reason: 'OK', latencyMs: 1, attempts: 1, superseded: false });
      }
    },
  } as unknown as KeyDeliverer;
  const profiles = new Map<string, RunningProfile>([['office', { name: 'office', route, format: 'x-buttons', embedded: false }]]);
  const keysEvents: unknown[] = [];
  const service = new KeyService({
    keys: store.keys, profiles, embedded: {} as EmbeddedRoute, deliverer, limits: undefined, now: () => T0, emitKeys: (e) => keysEvents.push(e),
  });
  assert.deepEqual(await service.resyncTarget({ profile: 'office', user: '200', host: DOMAIN }), {
    profile: 'office', user: '200', host: DOMAIN, keys: [], delivered: false, pending: false, reason: 'no desired keys', contacts: [],
  });
  await assert.rejects(service.resyncTarget({ profile: 'nope', user: '200', host: DOMAIN }), { code: 'SNOM_ERR_UNKNOWN_PROFILE' });
  store.keys.putDesiredKeys('office', '200', DOMAIN, [{ key: '1', label: 'a' }, { key: '2', label: 'b' }]);

  const r = await service.resyncTarget({ profile: 'office', user: '200', host: 'PBX.Test' });
  assert.deepEqual({ ...r, contacts: r.contacts.map((c) => [c.contact, c.delivered]) }, {
    profile: 'office', user: '200', host: DOMAIN, keys: [{ key: '1', version: 1 }, { key: '2', version: 2 }], delivered: true, pending: false,
    contacts: [['sip:200@192.0.2.1;line=a', true], ['sip:200@192.0.2.2;line=b', true]],
  });
  assert.deepEqual(sent, [
    { contact: 'sip:200@192.0.2.1;line=a', keys: ['1@1:a', '2@2:b'], causes: ['resync', 'resync'] },
    { contact: 'sip:200@192.0.2.2;line=b', keys: ['1@1:a', '2@2:b'], causes: ['resync', 'resync'] },
  ]);
  assert.deepEqual(store.keys.desiredKeys('office', '200', DOMAIN).map((d) => d.version), [1, 2], 'not re-versioned');
  assert.deepEqual(keysEvents, []);

  // a bind lands while the route looks the contacts up: the re-sync sends the newer version, not the one it read first
  sent.length = 0;
  contacts = contacts.slice(0, 1);
  duringLookup = () => {
    duringLookup = undefined;
    store.keys.putDesiredKeys('office', '200', DOMAIN, [{ key: '2', label: 'B' }]);
  };
  const r2 = await service.resyncTarget({ profile: 'office', user: '200', host: DOMAIN });
  assert.deepEqual(r2.keys, [{ key: '1', version: 1 }, { key: '2', version: 3 }]);
  assert.deepEqual(sent.map((s) => s.keys), [['1@1:a', '2@3:B']]);

  contacts = [];
  const r3 = await service.resyncTarget({ profile: 'office', user: '200', host: DOMAIN });
  assert.deepEqual([r3.pending, r3.delivered, r3.reason, r3.contacts, r3.keys.length], [true, false, 'not registered', [], 2]);
  store.close();
});

test('reconcile: a corrupt stored row is skipped, the owner\'s other keys and the other owners still go', async (t) => {
  const dir = mkdtempSync(path.join(tmpdir(), 'snomctl-reconcile-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'store.db');
  const seed = openStore({ path: file, now: () => T0 });
  for (const user of ['u1', 'u2']) seed.keys.putDesiredKeys('internal', user, DOMAIN, [{ key: '1', light: 'on' }, { key: '2', light: 'off' }]);
  seed.close();
  const db = openDatabase(file);
  db.prepare("UPDATE desired_keys SET state = '{\"key\":' WHERE user = 'u1' AND key = '1'").run();
  db.prepare("UPDATE desired_keys SET state = '{\"key\":\"2\",\"label\":\"a\\nb\"}' WHERE user = 'u2' AND key = '2'").run();
  db.close();
  const { service, store, queued } = setup(['internal'], file);
  const n = await service.reconcile([binding('u1', 'sip:u1@192.0.2.1'), binding('u2', 'sip:u2@192.0.2.1')]);
  assert.equal(n, 2);
  assert.deepEqual(queued.map((q) => [q.user, q.keys]), [['u1', [['internal', '2', 2]]], ['u2', [['internal', '1', 3]]]]);
  store.close();
});
