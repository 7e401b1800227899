// createService: the one place that wires store, registrar, SIP endpoint, routes, deliveries and events.
import type { Binding, RegistrarEvent } from '../registrar/binding.js';
import type { UserDirectory } from '../registrar/register-auth.js';
import { Registrar } from '../registrar/registrar.js';
import { domainKey } from '../registrar/registrar-options.js';
import { SipEndpoint } from '../sip/transaction/endpoint.js';
import type { SipTransport } from '../sip/transport-types.js';
import { createTcpTransport } from '../sip/transport/tcp-transport.js';
import { createUdpTransport } from '../sip/transport/udp-transport.js';
import type { DeliveryRecord, DesiredKey } from '../store/key-state-table.js';
import { openStore, type SqliteStore } from '../store/sqlite-store.js';
import { AUTH_LIMITER_DEFAULTS, AuthFailureLimiter } from './auth-failure-limiter.js';
import { ButtonPressHandler } from './button-press.js';
import { commandSeamFactory } from './commands/command-seam-factory.js';
import { CommandService } from './commands/command-service.js';
import type { CommandSeam } from './command-seam.js';
import type { BindKeyResult } from './delivery-types.js';
import { EmbeddedRoute } from './embedded-route.js';
import { EventBus } from './event-bus.js';
import { KeyDeliverer } from './key-deliverer.js';
import { KeyService, type BindKeyRequest, type RunningProfile } from './key-service.js';
import { ModSnomApi, type ApiResult } from './mod-snom-api.js';
import { ProxyRoute } from './proxy-route.js';
import type { ContactsChange, KeyTarget, Route, RouteHealth } from './route.js';
import { ServiceStateError, UnknownProfileError } from './service-errors.js';
import { registrationEvent, type ServiceEventMap } from './service-events.js';
import { resolveServiceOptions, type ResolvedServiceOptions, type ServiceOptions, type ServiceUser } from './service-options.js';
import { SERVICE_METHODS, sipFront } from './sip-front.js';

/** Where the SIP listeners are bound. */
export interface SipListenAddress {
  readonly host: string;
  readonly udpPort: number | undefined;
  readonly tcpPort: number | undefined;
}

/** A key's desired state and where its delivery stands on each contact. */
export interface KeyStatus {
  readonly desired: DesiredKey;
  /** Per contact; `pending` also when the recorded version is older than the desired one. */
  readonly deliveries: readonly (DeliveryRecord & { readonly current: boolean })[];
}

type State = 'created' | 'starting' | 'running' | 'closing' | 'closed';

/**
 * The snomctl service: an embedded registrar and key delivery over SIP, with persisted desired key state.
 * Build with createService (no sockets yet), then start(); close() stops gracefully. Every public call is
 * safe to make concurrently.
 */
export class Service {
  /** Registration, key, delivery and button-press events (typed; on/off, onAny, stream()). */
  readonly events: EventBus<ServiceEventMap>;
  readonly store: SqliteStore;
  readonly registrar: Registrar;
  readonly options: ResolvedServiceOptions;
  readonly #ownStore: boolean;
  readonly #profiles: ReadonlyMap<string, RunningProfile>;
  readonly #embedded: EmbeddedRoute;
  readonly #deliverer: KeyDeliverer;
  readonly #keys: KeyService;
  readonly #api: ModSnomApi;
  readonly #buttons: ButtonPressHandler;
  readonly #limiter: AuthFailureLimiter;
  #commands: CommandSeam | undefined;
  #endpoint: SipEndpoint | undefined;
  #state: State = 'created';
  #closed: Promise<void> | undefined;
  /** The start-up reconciliation, running in the background once start() resolved. */
  #reconciling: Promise<void> | undefined;
  readonly #routeListeners: Array<() => void> = [];
  /** When start() finished (store clock): pending records older than this are not being retried. */
  #runningSince = Number.POSITIVE_INFINITY;

  constructor(options: ServiceOptions) {
    const o = resolveServiceOptions(options);
    this.options = o;
    const log = o.logger;
    this.events = new EventBus<ServiceEventMap>((error) => log?.warn({ err: error }, 'service event listener failed'));
    this.#ownStore = typeof o.store === 'string';
    this.store = typeof o.store === 'string'
      ? openStore({ path: o.store, now: o.now, onSkippedRow: (row) => log?.warn({ row }, 'skipped a stored key that is not a valid key state') })
      : o.store;
    const users = userDirectory(o.users, this.store);
    this.registrar = new Registrar({
      ...o.registrar, domains: o.domains, ...(o.realm === undefined ? {} : { realm: o.realm }), users, store: this.store.registrations, now: o.now,
      onExpired: (events) => this.#onRegistrarEvents(events),
    });
    const endpoint = (): SipEndpoint | undefined => this.#endpoint;
    this.#embedded = new EmbeddedRoute(this.registrar, o.domains, endpoint, o.destination);
    const profiles = new Map<string, RunningProfile>();
    for (const p of o.profiles) {
      let route: Route;
      if (p.implementation !== undefined) route = p.implementation;
      else if (p.route === 'proxy') route = new ProxyRoute(p.name, p.proxy!, endpoint);
      else route = this.#embedded;
      profiles.set(p.name, { name: p.name, route, format: p.bodyFormat ?? 'x-buttons', embedded: route === this.#embedded });
    }
    this.#profiles = profiles;
    for (const p of profiles.values()) {
      const off = p.route.onContactsChanged?.((change) => this.#onRouteContacts(p, change));
      if (off !== undefined) this.#routeListeners.push(off);
    }
    this.#deliverer = new KeyDeliverer({
      keys: this.store.keys, attemptTimeoutMs: o.attemptTimeoutMs, retryDelaysMs: o.retryDelaysMs, maxDocumentBytes: o.maxDocumentBytes,
      maxInFlight: o.maxInFlight, now: o.now,
      emit: (e) => this.events.emit('delivery', e),
      onStoreError: (error) => log?.warn({ err: error }, 'writing delivery records failed'),
    });
    this.#keys = new KeyService({
      keys: this.store.keys, profiles, embedded: this.#embedded, deliverer: this.#deliverer, limits: o.keyLimits, now: o.now,
      emitKeys: (e) => this.events.emit('keys', e),
    });
    this.#api = new ModSnomApi({ bindKey: (r) => this.bindKey(r), commands: () => this.#commands });
    this.#limiter = new AuthFailureLimiter({
      maxFailures: o.maxAuthFailures, windowMs: o.authFailureWindowMs, maxEntries: AUTH_LIMITER_DEFAULTS.maxEntries, now: o.now,
    });
    this.#buttons = new ButtonPressHandler({
      domains: o.domains, registrar: this.registrar, auth: this.registrar.auth, limiter: this.#limiter,
      allow: o.buttonPressAllow, ownKeysOnly: o.ownKeysOnly, api: this.#api, endpoint, now: o.now,
      targetOf: (b) => this.#embedded.targetOf(b),
      emit: (e) => this.events.emit('buttonPress', e),
      onReplyFailure: (details) => log?.debug(details, 'button press reply MESSAGE not delivered'),
    });
  }

  /** created → starting → running → closing → closed. */
  get state(): State {
    return this.#state;
  }

  /** The SIP endpoint (while running). */
  get endpoint(): SipEndpoint | undefined {
    return this.#endpoint;
  }

  /**
   * The CommandService behind `snom_command` (typed operations, bulk) while running, when the `commands`
   * option is the default or a commandSeamFactory seam; undefined for a custom seam, `false`, or before start().
   */
  get commands(): CommandService | undefined {
    const seam: unknown = this.#commands;
    const service = typeof seam === 'object' && seam !== null ? (seam as { service?: unknown }).service : undefined;
    return service instanceof CommandService ? service : undefined;
  }

  /** The connection state of each route that holds one (FreeSWITCH), with the profiles using it; [] for none. */
  routeHealth(): Array<RouteHealth & { readonly profiles: readonly string[] }> {
    const byId = new Map<string, { health: RouteHealth; profiles: string[] }>();
    for (const p of this.#profiles.values()) {
      const h = p.route.health?.();
      if (h === undefined) continue;
      const entry = byId.get(h.id);
      if (entry === undefined) byId.set(h.id, { health: h, profiles: [p.name] });
      else entry.profiles.push(p.name);
    }
    return [...byId.values()].map((e) => ({ ...e.health, profiles: e.profiles }));
  }

  /** The profile names, in configuration order. */
  get profiles(): string[] {
    return [...this.#profiles.keys()];
  }

  /** Where the SIP listeners are bound (real ports after a port-0 start). */
  get sipAddress(): SipListenAddress | undefined {
    const ts = this.#endpoint?.transports;
    if (ts === undefined) return undefined;
    return {
      host: ts[0]!.localAddress,
      udpPort: ts.find((t) => t.protocol === 'udp')?.localPort,
      tcpPort: ts.find((t) => t.protocol === 'tcp')?.localPort,
    };
  }

  /**
   * Loads the persisted bindings, binds the SIP listeners (UDP and TCP share the port), starts the
   * registrar's sweeper and, unless disabled, starts sending every desired key not yet delivered to the
   * loaded bindings (in the background, paced by the send slots; close() stops it). Rejects (and releases
   * what it bound) when a listener cannot be bound.
   */
  async start(): Promise<void> {
    if (this.#state !== 'created') throw new ServiceStateError(this.#state, 'start');
    this.#state = 'starting';
    try {
      await this.registrar.load();
      const transports = await bindTransports(this.options);
      if (this.#state !== 'starting') {
        // close() was called meanwhile
        await Promise.all(transports.map((t) => t.close()));
        throw new ServiceStateError(this.#state, 'start');
      }
      this.#endpoint = new SipEndpoint({
        transports, methods: SERVICE_METHODS, userAgent: this.options.userAgent,
        ...(this.options.timers === undefined ? {} : { timers: this.options.timers }),
        ...(this.options.logger === undefined ? {} : { logger: this.options.logger }),
      });
      this.#endpoint.onRequest(sipFront({
        registrar: this.registrar, buttons: this.#buttons, limiter: this.#limiter, closing: () => this.#state !== 'running',
        onRegistrarEvents: (events) => this.#onRegistrarEvents(events),
      }));
      const c = this.options.commands ?? commandSeamFactory(this.options.logger === undefined ? {} : { logger: this.options.logger });
      const routes = Object.fromEntries([...this.#profiles.values()].map((p) => [p.name, p.route.kind]));
      this.#commands = typeof c === 'function'
        ? c({ registrar: this.registrar, store: this.store, domains: this.options.domains, profiles: this.profiles, routes })
        : c === false ? undefined : c;
      this.registrar.start();
      this.#runningSince = this.options.now();
      this.#state = 'running';
    } catch (error) {
      if (this.#state === 'starting') this.#state = 'created';
      await this.#endpoint?.close();
      this.#endpoint = undefined;
      throw error;
    }
    if (this.options.reconcileOnStart) {
      // in the background: with many phones (or phones that do not answer) it outlasts start() by far
      this.#reconciling = this.#keys.reconcile(this.registrar.bindings()).then(
        (n) => this.options.logger?.debug({ keys: n }, 'start-up reconciliation queued'),
        // the service runs; what was not sent now goes at the phones' next registrations
        (error: unknown) => this.options.logger?.warn({ err: error }, 'start-up reconciliation failed'),
      );
    }
  }

  /**
   * Sets keys of `user@host` under `profile`: validates (KeyStateError, InvalidBindRequestError,
   * UnknownProfileError: nothing persisted), persists the desired state, then delivers through the
   * profile's route and resolves with every contact's answer — or `pending` (kept, sent when the phone
   * registers) when there is no contact. Retries as configured; a newer bind of the same key replaces a
   * queued older one (its caller gets the newer delivery's outcome, `superseded`).
   */
  bindKey(request: BindKeyRequest): Promise<BindKeyResult> {
    if (this.#state !== 'running') return Promise.reject(new ServiceStateError(this.#state, 'bind keys'));
    return this.#keys.bindKey(request);
  }

  /**
   * Runs a mod_snom API line (`snom_bind_key …`, `snom_command …`, `snom_url …`): `reply` is mod_snom's
   * reply line (without its LF), `result` what really happened (see ModSnomApi).
   */
  api(line: string, signal?: AbortSignal): Promise<ApiResult> {
    return this.#api.line(line, signal);
  }

  /**
   * Sends every desired key of `user@host` under `profile` again at its current version (delivery cause
   * `resync`, as when a phone re-registers) to every contact of the profile's route, and resolves with
   * every contact's answer: one BindKeyResult, or `[]` when nothing is desired. Throws
   * UnknownProfileError, InvalidBindRequestError, ServiceStateError.
   */
  async resync(target: KeyTarget): Promise<BindKeyResult[]> {
    if (this.#state !== 'running') throw new ServiceStateError(this.#state, 're-sync keys');
    const result = await this.#keys.resyncTarget(target);
    return result.keys.length === 0 ? [] : [result];
  }

  /** The desired keys of `user@host` under `profile` and their delivery records (pending writes flushed first). */
  keyStatus(target: KeyTarget): KeyStatus[] {
    if (!this.#profiles.has(target.profile)) throw new UnknownProfileError(target.profile);
    const host = target.host.toLowerCase();
    this.#deliverer.flushMarks();
    const records = this.store.keys.deliveries(target.profile, target.user, host);
    return this.store.keys.desiredKeys(target.profile, target.user, host).map((desired) => ({
      desired,
      deliveries: records.filter((r) => r.key === desired.key).map((r) => {
        const current = r.version >= desired.version;
        return { ...r, status: current ? r.status : 'pending', current };
      }),
    }));
  }

  /**
   * Stops: new SIP requests get 503 and bindKey rejects; queued and retrying deliveries end `closed` and
   * stay pending in the store (sent at the next start); deliveries in flight get `closeGraceMs`; then the
   * registrar's writes are flushed, sockets closed and (when the service opened it) the store closed.
   */
  close(): Promise<void> {
    this.#closed ??= this.#close();
    return this.#closed;
  }

  async #close(): Promise<void> {
    const wasRunning = this.#state === 'running';
    this.#state = 'closing';
    for (const off of this.#routeListeners.splice(0)) off();
    await this.#deliverer.close(wasRunning ? this.options.closeGraceMs : 0);
    await this.#reconciling;
    await this.registrar.close();
    await this.#endpoint?.close();
    this.#endpoint = undefined;
    const closers: Array<Promise<void> | undefined> = [this.#commands?.close?.()];
    for (const p of new Set([...this.#profiles.values()].map((x) => x.route))) if (p !== this.#embedded) closers.push(p.close?.());
    await Promise.allSettled(closers.filter((c): c is Promise<void> => c !== undefined));
    this.#deliverer.flushMarks();
    if (this.#ownStore) this.store.close();
    this.#state = 'closed';
  }

  #onRegistrarEvents(events: readonly RegistrarEvent[]): void {
    const now = this.options.now();
    for (const e of events) {
      if (this.events.hasListeners('registration')) this.events.emit('registration', registrationEvent(e, now));
      if (this.#state !== 'running') continue;
      switch (e.type) {
        case 'registered':
          this.#keys.resync(e.binding);
          break;
        case 'restarted':
          if (e.previous.contact !== e.binding.contact) this.#forget(e.previous);
          this.#keys.resync(e.binding);
          break;
        case 'unregistered':
        case 'expired':
          this.#forget(e.binding);
          break;
        case 'refreshed':
          break;
      }
    }
  }

  /**
   * A route reported new contacts for a target (FreeSWITCH's sofia::register): its desired keys are
   * pushed like a re-sync — all of them for a new registration; after a reconnection only those set
   * before it with neither a delivered nor a pending (being retried) record at their current version.
   */
  #onRouteContacts(profile: RunningProfile, change: ContactsChange): void {
    if (this.#state !== 'running') return;
    const target: KeyTarget = { profile: profile.name, user: change.user, host: change.host.toLowerCase() };
    let desired: DesiredKey[];
    try {
      desired = this.store.keys.desiredKeys(target.profile, target.user, target.host);
      if (desired.length > 0 && change.cause === 'reachable') {
        this.#deliverer.flushMarks();
        // delivered, or pending since this run started (a lane is retrying it): not pushed again
        const done = new Map<string, number>();
        for (const r of this.store.keys.deliveries(target.profile, target.user, target.host)) {
          if (r.status === 'delivered' || (r.status === 'pending' && r.at >= this.#runningSince)) done.set(r.key, Math.max(r.version, done.get(r.key) ?? -1));
        }
        const since = change.since ?? Number.POSITIVE_INFINITY;
        desired = desired.filter((d) => (done.get(d.key) ?? -1) < d.version && d.updatedAt <= since);
      }
    } catch (error) {
      this.options.logger?.warn({ err: error }, 'reading desired keys for a route re-sync failed');
      return;
    }
    if (desired.length === 0) return;
    void (async () => {
      try {
        const found = await profile.route.contacts(target);
        if (found.contacts.length === 0) return;
        // a bind during the lookup: send the current versions, never an older one after it
        const current = new Map(this.store.keys.desiredKeys(target.profile, target.user, target.host).map((d) => [d.key, d]));
        const send = desired.flatMap((d) => current.get(d.key) ?? []);
        for (const contact of found.contacts) {
          this.#deliverer.enqueue(profile.route, contact, target.user, target.host, send.map((d) => ({
            target, state: d.state, version: d.version, format: profile.format, cause: 'resync', waiters: [], supersededWaiters: [],
          })));
        }
      } catch (error) {
        this.options.logger?.warn({ err: error }, 'route re-sync failed');
      }
    })();
  }

  /** A contact went away: its queue ends `unregistered` and its delivery records are deleted. */
  #forget(binding: Binding): void {
    const contact = this.#keys.contactOf(binding);
    if (contact === undefined) return;
    this.#deliverer.drop(contact.id, 'unregistered', 'the contact was unregistered');
    try {
      for (const p of this.#profiles.values()) {
        if (p.embedded) this.store.keys.deleteDeliveries(p.name, binding.user, binding.domain, contact.uri);
      }
    } catch (error) {
      this.options.logger?.warn({ err: error }, 'deleting delivery records failed');
    }
  }
}

/** Builds a Service from options (validated here: InvalidOptionError names the option). Call start() next. */
export function createService(options: ServiceOptions): Service {
  return new Service(options);
}

/** Users from the options (exact domain first, then domain-less entries), then the store's users table. */
function userDirectory(users: readonly ServiceUser[], store: SqliteStore): UserDirectory {
  // user → domain ('*': any) → entry; no key text is built per lookup (it runs for every REGISTER)
  const byUser = new Map<string, Map<string, ServiceUser>>();
  for (const u of users) {
    let domains = byUser.get(u.user);
    if (domains === undefined) byUser.set(u.user, (domains = new Map<string, ServiceUser>()));
    domains.set(u.domain === undefined ? '*' : domainKey(u.domain), u);
  }
  return (user, domain) => {
    const domains = byUser.get(user);
    return domains?.get(domain) ?? domains?.get('*') ?? store.users.get(user, domain);
  };
}

/** Binds UDP then TCP on the same port (for port 0: TCP on the port UDP got, retried a few times). */
async function bindTransports(o: ResolvedServiceOptions): Promise<SipTransport[]> {
  const common = { address: o.listenHost, ...(o.sentByHost === undefined ? {} : { sentByHost: o.sentByHost }) };
  const wantUdp = o.transports.includes('udp');
  const wantTcp = o.transports.includes('tcp');
  for (let attempt = 0; ; attempt++) {
    const out: SipTransport[] = [];
    try {
      if (wantUdp) out.push(await createUdpTransport({ ...common, port: o.listenPort }));
      const port = out[0]?.localPort ?? o.listenPort;
      if (wantTcp) out.push(await createTcpTransport({ ...common, port }));
      return out;
    } catch (error) {
      await Promise.all(out.map((t) => t.close()));
      if (o.listenPort !== 0 || attempt >= 10 || (error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    }
  }
}
