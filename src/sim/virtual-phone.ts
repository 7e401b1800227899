// The virtual Snom phone as one object: PhoneState, its web server (snom-protocol.md §3, §4) and its SIP
// side (§2), started and closed together. What tests, benchmarks, the demo and `snomctl phone` run.
import type { Result } from '../util/errors.js';
import type { KeyEvent, KeySequenceError } from '../snom/key-sequence.js';
import type { SequenceOutcome } from './key-sequence-runner.js';
import { PhoneState } from './phone-state.js';
import type { PhoneSnapshot } from './phone-state-types.js';
import { PhoneSipAgent } from './sip-agent.js';
import type { RegistrationOutcome } from './sip-registration.js';
import { SimScheduler } from './sip-scheduler.js';
import { resolveVirtualPhoneOptions, VIRTUAL_PHONE_DEFAULTS, type VirtualPhoneOptions } from './virtual-phone-options.js';
import { createVirtualPhoneWeb, type VirtualPhoneWeb } from './web/virtual-phone-web.js';

export type { VirtualPhoneOptions } from './virtual-phone-options.js';

/** Where a started phone can be reached. */
export interface VirtualPhoneUrls {
  /** `sip:<host>:<port>` (IPv6 in brackets), plus `;transport=tcp` when listening on TCP only as well. */
  readonly sip: string;
  readonly sipHost: string;
  readonly sipPort: number;
  /** `http(s)://host:port` of the web server; undefined without one. */
  readonly web?: string;
  /** `<web>/state.json`. */
  readonly stateJson?: string;
}

/**
 * A virtual Snom phone (options: VirtualPhoneOptions). start() binds SIP and HTTP and registers every
 * identity; close() un-registers (bounded) and closes every socket and timer. Bad options throw
 * InvalidOptionError from the constructor.
 */
export class VirtualPhone {
  readonly state: PhoneState;
  readonly sip: PhoneSipAgent;
  /** The web side; undefined with `http: false`. */
  readonly web: VirtualPhoneWeb | undefined;
  readonly #options: VirtualPhoneOptions;
  readonly #resolved: ReturnType<typeof resolveVirtualPhoneOptions>;
  readonly #ownScheduler: SimScheduler | undefined;
  #urls: VirtualPhoneUrls | undefined;
  #started: Promise<VirtualPhoneUrls> | undefined;
  #closed: Promise<void> | undefined;
  #down: Promise<void> | undefined;

  constructor(options: VirtualPhoneOptions = {}) {
    const o = resolveVirtualPhoneOptions(options);
    this.#options = options;
    this.#resolved = o;
    this.state = new PhoneState(o.stateOptions);
    if (o.http !== false) {
      this.web = createVirtualPhoneWeb({
        state: this.state,
        ...(options.httpAuth === undefined ? {} : { auth: options.httpAuth }),
        ...(options.https === undefined ? {} : { https: options.https }),
        ...(options.protectSimulatorPages === undefined ? {} : { protectSimulatorPages: options.protectSimulatorPages }),
        ...(options.actionUrlTimeoutMs === undefined ? {} : { actionUrlTimeoutMs: options.actionUrlTimeoutMs }),
      });
    }
    this.#ownScheduler = options.scheduler === undefined ? new SimScheduler() : undefined;
    this.sip = new PhoneSipAgent({
      state: this.state,
      identities: o.identities,
      host: o.sipHost,
      port: o.sipPort,
      tcp: o.tcp,
      userAgent: options.userAgent ?? `${this.state.model}/${VIRTUAL_PHONE_DEFAULTS.firmware}`,
      policy: o.policy,
      ringMs: o.ringMs,
      inviteTimeoutMs: o.inviteTimeoutMs,
      bootDelayMs: o.bootDelayMs,
      unregisterTimeoutMs: o.unregisterTimeoutMs,
      scheduler: options.scheduler ?? this.#ownScheduler!,
      ...(options.limiter ? { limiter: options.limiter } : {}),
      ...(options.sip?.timers ? { timers: options.sip.timers } : {}),
      ...(options.sip?.recvBufferSize === undefined ? {} : { recvBufferSize: options.sip.recvBufferSize }),
      ...(options.retryMinMs === undefined ? {} : { retryMinMs: options.retryMinMs }),
      ...(options.retryMaxMs === undefined ? {} : { retryMaxMs: options.retryMaxMs }),
      ...(options.registerTimeoutMs === undefined ? {} : { registerTimeoutMs: options.registerTimeoutMs }),
    });
  }

  /** The addresses after start(); undefined before. */
  get urls(): VirtualPhoneUrls | undefined {
    return this.#urls;
  }

  /**
   * Binds SIP, then HTTP (its own socket, or the shared listener given), and registers every identity;
   * with waitForRegistration (default) resolves after each identity's first REGISTER ended, either way
   * (a failure is in `state` and retried). Rejects when a socket cannot be bound (the phone is closed).
   */
  async start(): Promise<VirtualPhoneUrls> {
    this.#started ??= this.#bind();
    const urls = await this.#started;
    if (this.#resolved.waitForRegistration) await this.sip.whenRegistered();
    return urls;
  }

  /** Binds SIP and HTTP (what close() waits for; registering goes on by itself). */
  async #bind(): Promise<VirtualPhoneUrls> {
    const o = this.#resolved;
    try {
      await this.sip.start();
      this.state.setNetwork({ ...(this.state.network.ip === undefined ? { ip: o.sipHost } : {}), sipPort: this.sip.port });
      let web: string | undefined;
      if (this.web && this.#options.webListener) web = this.#options.webListener.add(o.sipHost, this.web.web);
      else if (this.web && o.http !== false) web = (await this.web.listen({ host: o.http.host, port: o.http.port })).url;
      const host = o.sipHost.includes(':') ? `[${o.sipHost}]` : o.sipHost;
      this.#urls = {
        sip: `sip:${host}:${this.sip.port}`,
        sipHost: o.sipHost,
        sipPort: this.sip.port,
        ...(web === undefined ? {} : { web, stateJson: `${web}/state.json` }),
      };
      return this.#urls;
    } catch (error) {
      await this.#teardown();
      throw error;
    }
  }

  /** How the identities' registrations after start or the last reboot first ended. */
  whenRegistered(): Promise<RegistrationOutcome[]> {
    return this.sip.whenRegistered();
  }

  /** Whether every identity is registered now (false without identities). */
  get registered(): boolean {
    return this.sip.identities.length > 0 && this.sip.identities.every((id) => this.state.registration(id.line)?.status === 'registered');
  }

  /** Presses keys like `command.htm?key=` (`'P1'`, `'ENTER,500;#'`, or events); `done` resolves when released. */
  press(keys: string | readonly KeyEvent[]): Result<{ sequenceId: number; done: Promise<SequenceOutcome> }, KeySequenceError> {
    return this.state.pressKeys(keys, 'api');
  }

  /** Reboots (keys forgotten, SIP away for bootDelayMs); resolves with the new registrations' first outcomes. */
  reboot(): Promise<RegistrationOutcome[]> {
    this.state.reboot('api');
    return this.sip.whenRegistered();
  }

  /** The whole state (`/state.json`). */
  snapshot(): PhoneSnapshot {
    return this.state.snapshot();
  }

  /** Un-registers every identity (bounded by unregisterTimeoutMs), then closes SIP, the web server and timers. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      await this.#started?.catch(() => undefined);
      await this.#teardown();
    })();
    return this.#closed;
  }

  #teardown(): Promise<void> {
    this.#down ??= (async () => {
      await this.sip.close();
      if (this.#options.webListener) this.#options.webListener.remove(this.#resolved.sipHost);
      await this.web?.close();
      this.state.close();
      this.#ownScheduler?.close();
    })();
    return this.#down;
  }
}
