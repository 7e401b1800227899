// The virtual phone's SIP side: binds its SIP socket(s), keeps every identity registered, answers
// requests (sip-incoming), places calls and key-press MESSAGEs for PhoneState's events, and reboots like a
// phone: SIP goes away for the boot delay, then every identity registers again with a new Call-ID.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { newCallId, newTag } from '../sip/ids.js';
import { createRequest } from '../sip/message.js';
import { parseUri } from '../sip/uri.js';
import type { TimerBase } from '../sip/timers.js';
import { SipEndpoint } from '../sip/transaction/endpoint.js';
import type { RequestOptions, RequestResult } from '../sip/transaction/endpoint-types.js';
import { createTcpTransport } from '../sip/transport/tcp-transport.js';
import { createUdpTransport } from '../sip/transport/udp-transport.js';
import type { SipTransport, TransportProtocol } from '../sip/transport-types.js';
import { X_BUTTONS_CONTENT_TYPE } from '../snom/x-buttons.js';
import { BoundedLog } from './bounded-log.js';
import type { PhoneState } from './phone-state.js';
import type { KeyMessageRequest, KeyPress, PhoneStateEvents } from './phone-state-types.js';
import { SipCalls, type IncomingCallPolicy } from './sip-calls.js';
import { createIncomingHandler, recordIncoming } from './sip-incoming.js';
import { identityNameAddr, instanceUrn, targetUri, type LocalAddress, type SipIdentity } from './sip-identity.js';
import { RegistrationClient, type RegistrationEvent, type RegistrationOutcome } from './sip-registration.js';
import type { ConcurrencyLimiter, ScheduledTask, SimScheduler } from './sip-scheduler.js';

/** Options of a PhoneSipAgent (VirtualPhone fills them in from its own options). */
export interface PhoneSipAgentOptions {
  readonly state: PhoneState;
  readonly identities: readonly SipIdentity[];
  /** Local IP address to bind; the port (0: any) is kept across reboots. */
  readonly host: string;
  readonly port: number;
  /** Listen on TCP too (same port). */
  readonly tcp: boolean;
  /** UDP receive buffer; default 256 KiB (a phone gets no bursts). */
  readonly recvBufferSize?: number;
  readonly userAgent: string;
  readonly policy: IncomingCallPolicy;
  readonly ringMs: number;
  readonly inviteTimeoutMs: number;
  readonly bootDelayMs: number;
  readonly unregisterTimeoutMs: number;
  readonly scheduler: SimScheduler;
  readonly limiter?: ConcurrencyLimiter;
  readonly timers?: Partial<TimerBase>;
  readonly retryMinMs?: number;
  readonly retryMaxMs?: number;
  readonly registerTimeoutMs?: number;
}

/** A request the phone sent on its own (a key press MESSAGE, an INVITE, …) and how it ended. */
export interface SentRequestRecord {
  readonly at: number;
  readonly method: string;
  readonly requestUri: string;
  readonly callId: string;
  /** The final status, or the failure (`timeout`, …). */
  readonly outcome: number | string;
}

function retryText(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${Math.round(ms / 1000)} s`;
}

const METHODS = ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'NOTIFY', 'MESSAGE'];
const ANSWER_KEYS = new Set(['OFFHOOK', 'ENTER']);

/** The phone's SIP user agent; see the file comment. Never throws from event handlers (errors are recorded in the state). */
export class PhoneSipAgent {
  readonly state: PhoneState;
  readonly identities: readonly SipIdentity[];
  readonly clients: readonly RegistrationClient[];
  readonly calls: SipCalls;
  readonly #o: PhoneSipAgentOptions;
  readonly #instance: string;
  readonly #sent = new BoundedLog<SentRequestRecord>(100);
  readonly #registrarAddresses = new Set<string>();
  readonly #listeners: [string, (...args: never[]) => void][] = [];
  #port: number;
  #endpoint: SipEndpoint | undefined;
  #bootGeneration = 0;
  #bootTask: ScheduledTask | undefined;
  #booted: Promise<RegistrationOutcome[]> = Promise.resolve([]);
  /** The last boot's binding, so that boots (and close) never overlap on the port. */
  #bootRun: Promise<unknown> = Promise.resolve();
  #hook: 'onhook' | 'offhook';
  #closed = false;

  constructor(options: PhoneSipAgentOptions) {
    this.#o = options;
    this.state = options.state;
    this.identities = options.identities;
    this.#port = options.port;
    this.#hook = options.state.hook;
    this.#instance = instanceUrn(options.state.setting('mac') ?? '');
    const send = (req: Parameters<SipEndpoint['request']>[0], opts: RequestOptions): Promise<RequestResult> => this.#send(req, opts);
    this.clients = options.identities.map((identity) => new RegistrationClient({
      identity,
      send,
      local: () => this.local(identity.registrar.transport),
      instance: this.#instance,
      scheduler: options.scheduler,
      onEvent: (event) => this.#registration(identity, event),
      ...(options.limiter ? { limiter: options.limiter } : {}),
      ...(options.retryMinMs === undefined ? {} : { retryMinMs: options.retryMinMs }),
      ...(options.retryMaxMs === undefined ? {} : { retryMaxMs: options.retryMaxMs }),
      ...(options.registerTimeoutMs === undefined ? {} : { timeoutMs: options.registerTimeoutMs }),
    }));
    this.calls = new SipCalls({
      state: options.state, send, local: (t) => this.local(t), identities: options.identities, scheduler: options.scheduler,
      policy: options.policy, ringMs: options.ringMs, inviteTimeoutMs: options.inviteTimeoutMs,
      record: (incoming, status, at) => recordIncoming(this.state, incoming, status, at),
    });
  }

  /** The bound SIP port (after start()). */
  get port(): number {
    return this.#port;
  }

  /** Whether SIP is up (false before start, while rebooting, after close). */
  get running(): boolean {
    return this.#endpoint !== undefined;
  }

  /** The endpoint while SIP is up (tests read its stats). */
  get endpoint(): SipEndpoint | undefined {
    return this.#endpoint;
  }

  /** The phone's SIP address on a transport while SIP is up. */
  local(transport: TransportProtocol): LocalAddress | undefined {
    const t = this.#endpoint?.transports.find((x) => x.protocol === transport);
    return t === undefined ? undefined : { host: t.sentByHost, port: t.localPort, transport };
  }

  /** Requests the phone sent itself (newest 100), oldest first. */
  sentRequests(): SentRequestRecord[] {
    return this.#sent.items().map((r) => ({ ...r }));
  }

  /**
   * Binds the SIP socket(s), starts answering, listens to the state's events and starts registering
   * every identity; resolves once bound. whenRegistered() tells how the first REGISTERs ended.
   */
  async start(): Promise<void> {
    await this.#resolveRegistrars();
    await this.#bind();
    const on = <K extends keyof PhoneStateEvents>(event: K, fn: (...args: PhoneStateEvents[K]) => void): void => {
      const guarded = (...args: PhoneStateEvents[K]): void => {
        try {
          fn(...args);
        } catch (error) {
          this.state.recordError(`sip ${event}`, error);
        }
      };
      this.state.on(event, guarded as never);
      this.#listeners.push([event, guarded as never]);
    };
    on('dial', (call) => void this.calls.dial(call).catch((e: unknown) => this.state.recordError('sip dial', e)));
    on('keyMessage', (request) => void this.#keyMessage(request));
    on('releaseAllCalls', ({ calls }) => this.calls.hangUp(calls.map((c) => c.callId)));
    on('keyPressed', (press) => this.#keyPressed(press));
    on('reregister', ({ line }) => void this.clients[line - 1]?.register());
    on('logOff', ({ line }) => void this.#logOff(line));
    on('reboot', () => this.#reboot());
    this.#booted = Promise.all(this.clients.map((c) => c.register()));
  }

  /** How each identity's registration after the last start or boot first ended (index = line - 1). */
  whenRegistered(): Promise<RegistrationOutcome[]> {
    return this.#booted;
  }

  /** Un-registers every identity (each REGISTER bounded by unregisterTimeoutMs), then closes SIP. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#bootTask?.cancel();
    await this.#bootRun;
    for (const [event, fn] of this.#listeners) this.state.off(event as 'changed', fn as never);
    const timeout = this.#o.unregisterTimeoutMs;
    if (this.#endpoint !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(this.clients.map((c) => c.unregister(timeout))),
        new Promise((resolve) => (timer = setTimeout(resolve, timeout + 500))),
      ]);
      clearTimeout(timer);
    }
    for (const c of this.clients) c.stop();
    this.calls.clear();
    const endpoint = this.#endpoint;
    this.#endpoint = undefined;
    await endpoint?.close();
  }

  #send(req: Parameters<SipEndpoint['request']>[0], options: RequestOptions): Promise<RequestResult> {
    const endpoint = this.#endpoint;
    if (endpoint === undefined) return Promise.resolve({ ok: false, error: 'closed', message: 'SIP is not running', latencyMs: 0 });
    const at = this.state.now();
    return endpoint.request(req, options).then((result) => {
      if (req.method !== 'REGISTER') {
        this.#sent.push({
          at, method: req.method, requestUri: req.uri, callId: req.headers.get('call-id') ?? '',
          outcome: result.ok ? result.response.status : result.error,
        });
      }
      return result;
    });
  }

  async #resolveRegistrars(): Promise<void> {
    for (const id of this.identities) {
      const host = id.registrar.host;
      if (isIP(host) !== 0) this.#registrarAddresses.add(host);
      else {
        try {
          for (const a of await lookup(host, { all: true })) this.#registrarAddresses.add(a.address);
        } catch (error) {
          this.state.recordError(`resolving registrar ${host.slice(0, 100)}`, error);
        }
      }
    }
  }

  async #bind(): Promise<void> {
    const o = this.#o;
    const transports: SipTransport[] = [];
    for (let attempt = 0; ; attempt++) {
      const udp = await createUdpTransport({ address: o.host, port: this.#port, recvBufferSize: o.recvBufferSize ?? 256 * 1024 });
      if (!o.tcp) {
        transports.push(udp);
        break;
      }
      try {
        transports.push(await createTcpTransport({ address: o.host, port: udp.localPort }), udp);
        break;
      } catch (error) {
        await udp.close();
        // port 0 gave a UDP port whose TCP twin is taken: try another one
        if (this.#port !== 0 || attempt >= 10) throw error;
      }
    }
    const endpoint = new SipEndpoint({
      transports, methods: METHODS, userAgent: o.userAgent, answerOptions: false,
      accept: [X_BUTTONS_CONTENT_TYPE, 'text/plain'], ...(o.timers ? { timers: o.timers } : {}),
    });
    this.#port = transports[0]!.localPort;
    endpoint.onRequest(createIncomingHandler({
      state: this.state,
      calls: this.calls,
      filterOn: () => this.state.setting('filter_registrar') !== 'off',
      fromRegistrar: (address) => this.#registrarAddresses.has(address),
      onCheckSync: () => setImmediate(() => this.state.reboot('api')),
    }));
    this.#endpoint = endpoint;
  }

  #registration(identity: SipIdentity, event: RegistrationEvent): void {
    const registrar = `${identity.registrar.host.includes(':') ? `[${identity.registrar.host}]` : identity.registrar.host}:${identity.registrar.port}`;
    const base = { aor: identity.aor, registrar };
    switch (event.status) {
      case 'registering':
        this.state.setRegistration(identity.line, { ...base, status: 'registering', contact: event.contact, detail: 'REGISTER sent' });
        break;
      case 'registered':
        this.state.setRegistration(identity.line, {
          ...base, status: 'registered', contact: event.contact, expiresAt: this.state.now() + event.expires * 1000, detail: event.detail,
        });
        break;
      case 'failed':
        this.state.setRegistration(identity.line, { ...base, status: 'failed', detail: `${event.detail} (retry in ${retryText(event.retryInMs)})` });
        break;
      case 'unregistered':
        this.state.setRegistration(identity.line, { ...base, status: 'unregistered', detail: event.detail });
        break;
    }
  }

  async #logOff(line: number | 'all'): Promise<void> {
    const clients = line === 'all' ? this.clients : this.clients.filter((c) => c.identity.line === line);
    await Promise.all(clients.map(async (c) => {
      await c.unregister(this.#o.unregisterTimeoutMs);
      this.state.setRegistration(c.identity.line, { status: 'logged-off' });
    }));
  }

  /** A function key with `a=message` (§2.4): MESSAGE to `sip:<n>@<domain>` via the registrar, digest answered, no body. */
  async #keyMessage(request: KeyMessageRequest): Promise<void> {
    const identity = this.identities[0];
    if (identity === undefined) {
      this.state.recordError('key message', new Error('no identity configured'));
      return;
    }
    const uri = targetUri(request.to, identity.domain);
    if (!parseUri(uri).ok) {
      this.state.recordError('key message', new Error('the key number is not a SIP address'));
      return;
    }
    const message = createRequest({
      method: 'MESSAGE',
      uri,
      headers: [
        ['From', `${identityNameAddr(identity)};tag=${newTag()}`], ['To', `<${uri}>`], ['Call-ID', newCallId()], ['CSeq', '1 MESSAGE'],
      ],
    });
    const result = await this.#send(message, {
      destination: identity.registrar,
      ...(identity.credentials === undefined ? {} : { credentials: identity.credentials }),
    });
    if (!result.ok) this.state.recordError('key message', new Error(`${result.error}: ${result.message}`));
  }

  /** Hook and call keys act on calls once PhoneState has applied the key (it emits keyPressed first). */
  #keyPressed(press: KeyPress): void {
    queueMicrotask(() => {
      const before = this.#hook;
      const after = this.state.hook;
      this.#hook = after;
      if (press.name === 'CANCEL') this.calls.rejectRinging();
      else if (ANSWER_KEYS.has(press.name) || (before === 'onhook' && after === 'offhook')) this.calls.answerRinging();
      else if (press.name === 'ONHOOK' || (before === 'offhook' && after === 'onhook')) this.calls.hangUpConnected('onhook');
    });
  }

  /** The phone restarts: SIP goes away at once, comes back after bootDelayMs, and re-registers (new Call-ID, CSeq 1). */
  #reboot(): void {
    const generation = ++this.#bootGeneration;
    for (const c of this.clients) c.stop();
    this.calls.clear();
    this.#hook = this.state.hook;
    const endpoint = this.#endpoint;
    this.#endpoint = undefined;
    const closing = Promise.all([endpoint?.close(), this.#bootRun]).then(() => undefined);
    this.#bootTask?.cancel();
    this.#booted = new Promise((resolve) => {
      this.#bootTask = this.#o.scheduler.schedule(this.#o.bootDelayMs, () => {
        const bound = this.#bootBind(generation, closing);
        this.#bootRun = bound.catch(() => undefined);
        // registering is not part of the boot run: close() must not wait for it
        bound.then(
          (up) => (up ? Promise.all(this.clients.map((c) => c.restart())) : []),
          (error: unknown) => {
            this.state.recordError('sip boot', error);
            for (const id of this.identities) this.state.setRegistration(id.line, { status: 'failed', detail: 'SIP did not start' });
            return this.clients.map((): RegistrationOutcome => ({ ok: false, detail: 'SIP did not start' }));
          },
        ).then(resolve, () => resolve([]));
      });
    });
  }

  /** Binds SIP again after a reboot; false when a newer reboot or close() overtook this one. */
  async #bootBind(generation: number, closing: Promise<void>): Promise<boolean> {
    await closing;
    if (generation !== this.#bootGeneration || this.#closed) return false;
    await this.#bind();
    if (generation === this.#bootGeneration && !this.#closed) return true;
    const endpoint = this.#endpoint;
    this.#endpoint = undefined;
    await endpoint?.close();
    return false;
  }
}
