// The SIP registrar (RFC 3261 §10.3): REGISTER in, response and binding events out; no sockets.
import { getCallId, getContacts, getCSeq, getExpires, getRequestUri, getTo } from '../sip/accessors.js';
import { quote } from '../sip/chars.js';
import { paramText, type ContactEntry } from '../sip/header-values.js';
import type { SipRequest, SipResponse } from '../sip/message.js';
import { responseTo } from '../sip/response-to.js';
import { parseUri } from '../sip/uri.js';
import { validateRequest } from '../sip/validate.js';
import { DigestServer } from '../util/digest-server.js';
import { findControlChar } from '../util/text.js';
import { applyContacts, own, type ContactUpdate } from './apply-contacts.js';
import { aorOf, type Binding, type RegisterSource, type RegistrarEvent } from './binding.js';
import { RegisterAuth } from './register-auth.js';
import { domainKey, resolveRegistrarOptions, type RegistrarOptions, type ResolvedRegistrarOptions } from './registrar-options.js';
import { MemoryRegistrationStore, type BindingChange, type RegistrationStore } from './registration-store.js';
import { WriteBatcher } from './write-batcher.js';

/** The response to send and the binding changes it made (empty unless the response is 200). */
export interface RegisterOutcome {
  readonly response: SipResponse;
  readonly events: readonly RegistrarEvent[];
  /** Credentials were given and refused (AuthOutcome `failed`): what an authentication-failure limiter counts. */
  readonly authFailed?: true;
}

/** §20.19: a malformed Expires value counts as 3600. */
const MALFORMED_EXPIRES = 3600;
const MAX_USER_AGENT = 256;
const MAX_INTERNED_AGENTS = 1024;
const MAX_INSTANCE = 256;
const NONE: readonly Binding[] = Object.freeze([]);
const NO_EVENTS: readonly RegistrarEvent[] = Object.freeze([]);
const VALIDATE = Object.freeze({ methods: Object.freeze(['REGISTER']) });

type Step = { readonly response: SipResponse; readonly write?: undefined; readonly authFailed?: true } | {
  readonly response: SipResponse;
  readonly write: readonly BindingChange[];
  /** The AOR and its bindings before: restored when the write fails. */
  readonly aor: string;
  readonly prev: readonly Binding[];
  readonly events: readonly RegistrarEvent[];
};

/**
 * Handles REGISTER requests for its domains and keeps the bindings: an in-memory index (AOR → bindings)
 * written through to a RegistrationStore. Store writes of one event-loop turn are committed together,
 * and a 200 is returned only after its writes are committed; when a commit fails the memory change is
 * reverted and the answer is 500.
 *
 * Responses, in check order: 400/416/420/501/505 from validateRequest; 416 for a non-SIP Request-URI;
 * 404 for a Request-URI or To host that is not one of ours or a To without a user (§10.3 steps 1, 5: a
 * registrar that does not forward); 400 for a To that is not a SIP/SIPS URI (RFC 4475 unksm2) or a user
 * with control characters; 401/403 from authentication (RegisterAuth); 403 when the authenticated user is
 * not the To user; 400 for a bad Contact (`*` not alone or without `Expires: 0`, a non-SIP URI); 423 with
 * Min-Expires; 500 "Stale CSeq" when a binding of the same Call-ID has an equal or higher CSeq (§10.3
 * step 7: the request fails and nothing changes); 503 when the AOR would exceed maxContacts; 200 listing
 * every binding with its remaining `expires`, plus Date.
 */
export class Registrar {
  readonly #o: ResolvedRegistrarOptions;
  readonly #auth: RegisterAuth;
  readonly #store: RegistrationStore;
  readonly #batcher: WriteBatcher;
  readonly #onExpired: ((events: readonly RegistrarEvent[]) => void) | undefined;
  readonly #index = new Map<string, readonly Binding[]>();
  /** Domains that have bindings, for byUser. */
  readonly #domainsSeen = new Set<string>();
  readonly #agents = new Map<string, string>();
  /** No binding expires before this (a lower bound, exact after a sweep). */
  #nextExpiry = Infinity;
  #count = 0;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #dateSecond = NaN;
  #dateText = '';

  constructor(options: RegistrarOptions) {
    this.#o = resolveRegistrarOptions(options);
    const digest = new DigestServer({ ...options.digest, realm: this.#o.realm, now: this.#o.now });
    this.#auth = new RegisterAuth(digest, options.users);
    this.#store = options.store ?? new MemoryRegistrationStore();
    this.#batcher = new WriteBatcher(this.#store);
    this.#onExpired = options.onExpired;
  }

  /**
   * The Digest authenticator of the registrar's realm and users. Other requests of the realm (a phone's
   * button-press MESSAGE) use this one, so a nonce from any of its challenges verifies for all of them:
   * a phone may send its cached credentials with its next request (RFC 3261 §22.3).
   */
  get auth(): RegisterAuth {
    return this.#auth;
  }

  /** Number of bindings held (expired ones not yet swept included). */
  get size(): number {
    return this.#count;
  }

  /** Answers a REGISTER received from `source`; never throws for any request. */
  async handleRegister(req: SipRequest, source: RegisterSource): Promise<RegisterOutcome> {
    return this.handle(req, source);
  }

  /**
   * handleRegister without a promise when nothing has to be written first: only a 200 that changed
   * bindings waits for its store write. `validated`: the caller checked the request with validateRequest
   * already (REGISTER among its methods, default schemes, no extensions: what a SipEndpoint does), so it
   * is not checked again. Never throws, never rejects.
   */
  handle(req: SipRequest, source: RegisterSource, validated = false): RegisterOutcome | Promise<RegisterOutcome> {
    if (this.#closed) return { response: responseTo(req, 503, 'Service Unavailable'), events: NO_EVENTS };
    let step: Step;
    try {
      step = this.#process(req, source, validated);
    } catch {
      // not reachable for parsed requests; a hand-built one may hold values that cannot be written
      return { response: responseTo(req, 500, 'Server Internal Error'), events: NO_EVENTS };
    }
    if (step.write === undefined) {
      return step.authFailed ? { response: step.response, events: NO_EVENTS, authFailed: true } : { response: step.response, events: NO_EVENTS };
    }
    const { aor, prev } = step;
    return this.#batcher.write(step.write, () => this.#setList(aor, prev)).then(
      () => ({ response: step.response, events: step.events }),
      () => ({ response: responseTo(req, 500, 'Server Internal Error'), events: NO_EVENTS }),
    );
  }

  /** The unexpired bindings of `user@domain`. */
  contactsOf(user: string, domain: string): readonly Binding[] {
    return live(this.#index.get(aorOf(user, domainKey(domain))), this.#o.now());
  }

  /** The unexpired bindings of a user in every domain (snom_command's `*\/user` targets). */
  byUser(user: string): Binding[] {
    const now = this.#o.now();
    const out: Binding[] = [];
    for (const d of this.#domainsSeen) out.push(...live(this.#index.get(aorOf(user, d)), now));
    return out;
  }

  /** Every unexpired binding. */
  *bindings(): IterableIterator<Binding> {
    const now = this.#o.now();
    for (const list of this.#index.values()) for (const b of list) if (b.expiresAt > now) yield b;
  }

  /**
   * Replaces the in-memory bindings with the store's unexpired ones and deletes the expired ones from the
   * store; returns how many were loaded. Call before handling requests.
   */
  async load(): Promise<number> {
    await this.#batcher.drain();
    const now = this.#o.now();
    const groups = new Map<string, Binding[]>();
    for (const b of await this.#store.loadBindings(now)) {
      if (b.expiresAt <= now || b.aor !== aorOf(b.user, b.domain) || !isContact(b.contact)) continue;
      const list = groups.get(b.aor);
      if (list) list.push(b);
      else groups.set(b.aor, [b]);
    }
    this.#index.clear();
    this.#domainsSeen.clear();
    this.#count = 0;
    this.#nextExpiry = Infinity;
    for (const [aor, list] of groups) this.#setList(aor, list);
    await this.#store.deleteExpiredBindings(now);
    return this.#count;
  }

  /** Starts the sweeper timer (unref'd): every sweepIntervalMs, sweep() and pass its events to onExpired. */
  start(): void {
    if (this.#timer !== undefined || this.#closed) return;
    this.#timer = setInterval(() => {
      const events = this.sweep();
      if (events.length > 0) this.#onExpired?.(events);
    }, this.#o.sweepIntervalMs);
    this.#timer.unref();
  }

  /**
   * Removes every binding with `expiresAt <= now` and returns their `expired` events; the store deletes
   * are queued (a failed delete is harmless: load() skips and deletes expired rows).
   */
  sweep(now: number = this.#o.now()): RegistrarEvent[] {
    if (now < this.#nextExpiry) return [];
    const events: RegistrarEvent[] = [];
    const changes: BindingChange[] = [];
    const replaced: Array<readonly [string, readonly Binding[]]> = [];
    let next = Infinity;
    for (const [aor, list] of this.#index) {
      let expired = 0;
      for (const b of list) {
        if (b.expiresAt <= now) {
          expired++;
          events.push({ type: 'expired', binding: b });
          changes.push({ kind: 'delete', binding: b });
        } else if (b.expiresAt < next) next = b.expiresAt;
      }
      if (expired > 0) replaced.push([aor, list]);
    }
    for (const [aor, list] of replaced) this.#setList(aor, list.filter((b) => b.expiresAt > now));
    this.#nextExpiry = next;
    if (changes.length > 0) {
      const undo = (): void => {
        for (const [aor, list] of replaced) this.#setList(aor, list);
      };
      this.#batcher.write(changes, undo).catch(() => undefined);
    }
    return events;
  }

  /** Resolves once every store write queued so far (a sweep's deletes included) is committed or has failed. */
  flush(): Promise<void> {
    return this.#batcher.drain();
  }

  /** Stops the sweeper, refuses further requests (503) and waits for queued store writes. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#batcher.drain();
  }

  #setList(aor: string, list: readonly Binding[]): void {
    const old = this.#index.get(aor);
    this.#count += list.length - (old?.length ?? 0);
    if (list.length === 0) {
      this.#index.delete(aor);
      return;
    }
    // a tight copy: an array grown by push keeps room for 16 more (≈ 130 B per registered phone at rest)
    this.#index.set(aor, list.length === 1 ? [list[0]!] : list.slice());
    this.#domainsSeen.add(list[0]!.domain);
    for (const b of list) if (b.expiresAt < this.#nextExpiry) this.#nextExpiry = b.expiresAt;
  }

  #process(req: SipRequest, source: RegisterSource, validated: boolean): Step {
    const rejection = validated && req.method === 'REGISTER' ? undefined : validateRequest(req, VALIDATE);
    if (rejection) return reply(req, rejection.status, rejection.reason, rejection.headers);
    const ruri = getRequestUri(req)!;
    if (ruri.kind !== 'sip') return reply(req, 416, 'Unsupported URI Scheme');
    if (!this.#o.domains.has(domainKey(ruri.host))) return reply(req, 404, 'Not Found');
    const to = getTo(req);
    if (to === undefined) return reply(req, 400, 'Invalid To header');
    if (to.uri.kind !== 'sip') return reply(req, 400, 'Address-of-record is not a SIP URI');
    const domain = this.#o.domains.get(domainKey(to.uri.host));
    const user = to.uri.user;
    if (domain === undefined || user === undefined) return reply(req, 404, 'Not Found');
    if (findControlChar(user)) return reply(req, 400, 'Invalid address-of-record');

    const auth = this.#auth.authenticate(req, source, user, domain);
    if (auth.kind === 'challenge') {
      const step = reply(req, 401, 'Unauthorized', this.#auth.challenge(auth.stale).map((c) => ['WWW-Authenticate', c] as const));
      return auth.failed ? { response: step.response, authFailed: true } : step;
    }
    if (auth.kind === 'forbidden' || auth.username !== user) return reply(req, 403, 'Forbidden');

    const contacts = getContacts(req);
    if (contacts === undefined) return reply(req, 400, 'Invalid Contact header');
    const headerExpires = req.headers.has('Expires') ? getExpires(req) ?? MALFORMED_EXPIRES : undefined;
    let updates: ContactUpdate[] | '*';
    if (contacts === '*') {
      if (headerExpires !== 0) return reply(req, 400, 'Wildcard Contact requires Expires: 0');
      updates = '*';
    } else {
      updates = [];
      let tooBrief = false;
      for (const c of contacts) {
        const u = this.#update(c, headerExpires);
        if (u === undefined) return reply(req, 400, 'Unsupported Contact URI');
        if (u.expires > 0 && u.expires < this.#o.minExpires) tooBrief = true;
        updates.push(u);
      }
      if (tooBrief) return reply(req, 423, 'Interval Too Brief', [['Min-Expires', String(this.#o.minExpires)]]);
    }

    const now = this.#o.now();
    const aor = aorOf(user, domain);
    const prev = this.#index.get(aor) ?? NONE;
    const r = applyContacts(prev, updates, {
      aor, user, domain, now, source,
      callId: getCallId(req)!,
      cseq: getCSeq(req)!.seq,
      userAgent: this.#userAgent(req),
    });
    if (!r.ok) return reply(req, 500, 'Stale CSeq');
    if (r.bindings.length > this.#o.maxContacts && r.bindings.length > live(prev, now).length) {
      return reply(req, 503, 'Too Many Contacts');
    }
    this.#setList(aor, r.bindings);
    const headers: Array<[string, string]> = r.bindings.map((b) => ['Contact', contactValue(b, now)]);
    headers.push(['Date', this.#date(now)]);
    return { response: responseTo(req, 200, 'OK', { headers }), write: r.changes, aor, prev, events: r.events };
  }

  /** A Contact's update with its granted expiry; undefined for a URI that is not SIP/SIPS. */
  #update(c: ContactEntry, headerExpires: number | undefined): ContactUpdate | undefined {
    if (c.uri.kind !== 'sip') return undefined;
    const requested = c.expires ?? (c.params.has('expires') ? MALFORMED_EXPIRES : headerExpires ?? this.#o.defaultExpires);
    const expires = Math.min(requested, this.#o.maxExpires);
    const raw = paramText(c.params.get('+sip.instance'));
    const instance = raw !== undefined && raw.length > 0 && raw.length <= MAX_INSTANCE && !findControlChar(raw) ? raw : undefined;
    const regIdText = instance === undefined ? undefined : c.params.get('reg-id');
    const regId = regIdText !== undefined && /^[1-9]\d{0,9}$/.test(regIdText) && Number(regIdText) < 2 ** 31 ? Number(regIdText) : undefined;
    return { contact: c.rawUri, uri: c.uri, expires, q: c.q, instance, regId };
  }

  /** The Date header value (RFC 3261 §20.17), recomputed once per second. */
  #date(now: number): string {
    const second = Math.floor(now / 1000);
    if (second !== this.#dateSecond) {
      this.#dateSecond = second;
      this.#dateText = new Date(second * 1000).toUTCString();
    }
    return this.#dateText;
  }

  /** The User-Agent, shortened, shared between bindings (a bounded table of distinct values). */
  #userAgent(req: SipRequest): string | undefined {
    let ua = req.headers.get('User-Agent');
    if (ua === undefined) return undefined;
    if (ua.length > MAX_USER_AGENT) ua = ua.slice(0, MAX_USER_AGENT);
    const known = this.#agents.get(ua);
    if (known !== undefined) return known;
    const copy = own(ua);
    if (this.#agents.size < MAX_INTERNED_AGENTS) this.#agents.set(copy, copy);
    return copy;
  }
}

/** Whether stored contact text can be written back in a Contact header (it parses as a SIP URI). */
function isContact(text: string): boolean {
  const r = parseUri(text);
  return r.ok && r.value.kind === 'sip';
}

/** A final answer that changes nothing. */
function reply(req: SipRequest, status: number, reason: string, headers?: Iterable<readonly [string, string]>): Step {
  return { response: responseTo(req, status, reason, headers ? { headers } : undefined) };
}

function live(list: readonly Binding[] | undefined, now: number): readonly Binding[] {
  if (list === undefined) return NONE;
  for (const b of list) if (b.expiresAt <= now) return list.filter((x) => x.expiresAt > now);
  return list;
}

/** A 200's Contact value for a binding: `<uri>;expires=N` plus q, +sip.instance and reg-id when set. */
function contactValue(b: Binding, now: number): string {
  let v = `<${b.contact}>;expires=${Math.max(0, Math.ceil((b.expiresAt - now) / 1000))}`;
  if (b.q !== undefined) v += `;q=${b.q}`;
  if (b.instance !== undefined) v += `;+sip.instance=${quote(b.instance)}`;
  if (b.regId !== undefined) v += `;reg-id=${b.regId}`;
  return v;
}
