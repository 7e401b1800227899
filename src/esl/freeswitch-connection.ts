// One inbound Event Socket connection to FreeSWITCH (mod_event_socket), kept up across drops.
//
// Protocol (mod_event_socket.c): on connect FreeSWITCH sends `Content-Type: auth/request`; the client
// answers `auth <password>`; `command/reply` `Reply-Text: +OK accepted` admits it (`-ERR invalid`
// is followed by a disconnect). Commands are answered strictly in order, one reply each: `api` with
// `api/response` (the output as body), everything else with `command/reply`. Events arrive as
// text/event-plain or text/event-json frames between replies.
//
// Delivery rules (why esl-lite is not used: it re-sends commands that were in flight when the socket
// dropped, sends a timed-out command later anyway, has no `api` and hides authentication failures):
// - a command is written at most once, ever;
// - a command still waiting for a connection is written once one is up (it was never sent), or
//   fails with `SNOM_ERR_ESL_TIMEOUT` / outcome `not-sent` when its time runs out first;
// - a command written but unanswered when the connection drops fails with
//   `SNOM_ERR_ESL_CONNECTION_LOST` / outcome `unknown`: FreeSWITCH may have run it. It is not retried.
// - a written command whose time runs out fails with `SNOM_ERR_ESL_TIMEOUT` / outcome `unknown`, and
//   the connection is dropped and re-made: replies carry no ids, so a late reply would otherwise be
//   taken for the next command's.
// - `bgapi` sends its own Job-UUID. Once FreeSWITCH accepted the job, its BACKGROUND_JOB is awaited
//   across reconnections until the deadline, so a job that finishes while the socket is being re-made
//   is still reported. A bgapi that fails `unknown` carries its Job-UUID, so a caller that retries
//   can recognise a late result of the first attempt (FreeSWITCH itself does not deduplicate).
import { randomUUID } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { err, ok, type Result } from '../util/errors.js';
import { BackgroundJobs } from './background-jobs.js';
import { Backoff } from './backoff.js';
import { commandTimeout, resolveConnectionOptions, type FreeswitchConnectionOptions, type ResolvedConnectionOptions } from './connection-options.js';
import {
  commandFailure,
  invalidCommand,
  type BackgroundJobResult,
  type EslCommandOptions,
  type EslCommandReply,
  type EslConnectionState,
  type FreeswitchConnectionStats,
} from './connection-types.js';
import { serializeEslCommand, type EslCommandInput } from './esl-command.js';
import { EslCommandError, commandLabel, type EslCommandErrorCode } from './esl-errors.js';
import { eventFromFrame, type EslEvent } from './esl-event.js';
import { EslFrameParser, type EslFrame } from './esl-frame.js';
import { EventSubscriptions, isEventName, subscriptionCommand, type NewSubscriptions } from './event-subscriptions.js';
import { ListenerSet } from './listener-set.js';
import { callerCommand, internalCommand, type EslReply as Reply, type PendingCommand as Pending } from './pending-command.js';

export type { BackgroundJobResult, EslCommandOptions, EslCommandReply, EslConnectionState, FreeswitchConnectionStats } from './connection-types.js';

interface Session {
  readonly socket: Socket;
  readonly parser: EslFrameParser;
  readonly inflight: Pending[];
  authed: boolean;
  authSent: boolean;
  connectTimer: NodeJS.Timeout | undefined;
}

/** A self-healing Event Socket client; start() connects, close() ends it for good. */
export class FreeswitchConnection {
  readonly #o: ResolvedConnectionOptions;
  readonly #backoff: Backoff;
  readonly #queue: Pending[] = [];
  readonly #eventListeners = new ListenerSet<[EslEvent]>((e) => this.#listenerFailed(e, 'an Event Socket event listener threw'));
  readonly #stateListeners = new ListenerSet<[EslConnectionState, EslConnectionState]>((e) => this.#listenerFailed(e, 'an Event Socket state listener threw'));
  readonly #subscriptions = new EventSubscriptions();
  readonly #jobs = new BackgroundJobs(() => this.#n.commandsTimedOut++);
  #session: Session | undefined;
  #state: EslConnectionState = 'disconnected';
  #started = false;
  #reconnectTimer: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;
  #connectedSince: number | undefined;
  #lastError: string | undefined;
  readonly #n = {
    connectAttempts: 0, connects: 0, disconnects: 0, authFailures: 0, protocolErrors: 0, commandsSent: 0,
    commandsSucceeded: 0, commandsRejected: 0, commandsTimedOut: 0, commandsLost: 0, eventsReceived: 0,
    eventsUndecodable: 0, listenerErrors: 0,
  };

  /** Checks the options (InvalidOptionError on a bad one); does not connect. */
  constructor(options: FreeswitchConnectionOptions = {}) {
    this.#o = resolveConnectionOptions(options);
    this.#backoff = new Backoff({ minMs: this.#o.reconnectMinMs, maxMs: this.#o.reconnectMaxMs, ...(this.#o.random ? { random: this.#o.random } : {}) });
  }

  /** `host:port` of the Event Socket (IPv6 in brackets); never the password. */
  get address(): string {
    return this.#o.host.includes(':') ? `[${this.#o.host}]:${this.#o.port}` : `${this.#o.host}:${this.#o.port}`;
  }

  /** The current state. */
  get state(): EslConnectionState {
    return this.#state;
  }

  /** A snapshot of the counters. */
  get stats(): FreeswitchConnectionStats {
    return {
      ...this.#n,
      state: this.#state,
      queued: this.#queue.length,
      inFlight: this.#session?.inflight.filter((p) => !p.internal && p.status === 'sent').length ?? 0,
      connectedSince: this.#connectedSince,
      lastError: this.#lastError,
    };
  }

  /** Starts connecting (and reconnecting after drops). Idempotent; nothing after close(). */
  start(): void {
    if (this.#started || this.#state === 'closed') return;
    this.#started = true;
    this.#connect();
  }

  /** Calls `listener` for every event received; returns the unsubscribe function. */
  onEvent(listener: (event: EslEvent) => void): () => void {
    return this.#eventListeners.add(listener);
  }

  /** Calls `listener` on every state change; returns the unsubscribe function. */
  onStateChange(listener: (state: EslConnectionState, previous: EslConnectionState) => void): () => void {
    return this.#stateListeners.add(listener);
  }

  /**
   * Asks for events (`event plain|json NAME… CUSTOM subclass…`), now if connected and again after every
   * reconnection. Names are upper-case event names (`CHANNEL_CREATE`); subclasses CUSTOM subclasses
   * (`sofia::register`). Returns false (and subscribes nothing) when one is malformed.
   */
  subscribe(names: { events?: readonly string[]; subclasses?: readonly string[] }): boolean {
    const fresh = this.#subscriptions.add(names);
    if (fresh === undefined) return false;
    const session = this.#session;
    if (session?.authed) this.#sendSubscription(session, fresh);
    return true;
  }

  /** Runs `api <command>`; the value is FreeSWITCH's output text (which may itself say `-ERR …`). */
  async api(command: string, options: EslCommandOptions = {}): Promise<Result<string, EslCommandError>> {
    const text = String(command);
    if (text.trim() === '' || text.startsWith(' ')) return err(invalidCommand('api', 'the API command is empty or starts with a space'));
    const r = await this.#run({ line: `api ${text}` }, 'api', options.timeoutMs);
    if (!r.ok) return r;
    this.#n.commandsSucceeded++;
    return ok((r.value as Extract<Reply, { kind: 'api' }>).body.toString('utf8'));
  }

  /** Sends a command answered by `command/reply`; a `-…` Reply-Text is SNOM_ERR_ESL_REJECTED (outcome failed). */
  async command(input: EslCommandInput, options: EslCommandOptions = {}): Promise<Result<EslCommandReply, EslCommandError>> {
    const r = await this.#run(input, 'command', options.timeoutMs);
    if (!r.ok) return r;
    const headers = (r.value as Extract<Reply, { kind: 'command' }>).headers;
    const replyText = headers.get('Reply-Text') ?? '';
    if (replyText.startsWith('-')) {
      this.#n.commandsRejected++;
      return err(
        new EslCommandError('SNOM_ERR_ESL_REJECTED', `FreeSWITCH refused ${commandLabel(input.line)}: ${replyText.slice(0, 200)}`, {
          outcome: 'failed', command: commandLabel(input.line), reply: replyText,
        }),
      );
    }
    this.#n.commandsSucceeded++;
    return ok({ replyText, headers });
  }

  /**
   * Fires an event (`sendevent <NAME>` with headers and body). The value is the Event-UUID FreeSWITCH
   * gave it (`+OK <uuid>`), when the reply had one.
   */
  async sendEvent(
    name: string,
    headers: EslCommandInput['headers'],
    body?: string | Uint8Array,
    options: EslCommandOptions = {},
  ): Promise<Result<{ eventUuid: string | undefined }, EslCommandError>> {
    if (!isEventName(name)) return err(invalidCommand(`sendevent ${String(name).slice(0, 32)}`, 'the event name must be an upper-case FreeSWITCH event name'));
    const r = await this.command({ line: `sendevent ${name}`, ...(headers ? { headers } : {}), ...(body !== undefined ? { body } : {}) }, options);
    if (!r.ok) return r;
    const m = /^\+OK\s+(\S+)/.exec(r.value.replyText);
    return ok({ eventUuid: m?.[1] });
  }

  /**
   * Runs `bgapi <command>` with a fresh Job-UUID (or the one given) and waits for its BACKGROUND_JOB
   * within the timeout. See the delivery rules at the top of this file.
   */
  async bgapi(command: string, options: EslCommandOptions & { jobUuid?: string } = {}): Promise<Result<BackgroundJobResult, EslCommandError>> {
    const jobUuid = options.jobUuid ?? randomUUID();
    const label = commandLabel(`bgapi ${String(command)}`);
    if (!/^[A-Za-z0-9-]{1,64}$/.test(jobUuid)) return err(invalidCommand(label, 'jobUuid must be letters, digits and dashes'));
    if (this.#jobs.has(jobUuid)) return err(invalidCommand(label, 'a job with this jobUuid is already waiting'));
    const timeoutMs = commandTimeout(options.timeoutMs, this.#o.commandTimeoutMs);
    if (timeoutMs === undefined) return err(invalidCommand(label, 'timeoutMs must be a whole number from 1 to 3600000'));
    return this.#jobs.run(jobUuid, label, timeoutMs, () =>
      this.command({ line: `bgapi ${String(command)}`, headers: [{ name: 'Job-UUID', value: jobUuid }] }, { timeoutMs }),
    );
  }

  /**
   * Ends the connection for good: no reconnection; queued commands fail `SNOM_ERR_ESL_CLOSED`
   * (`not-sent`), written ones and awaited jobs `SNOM_ERR_ESL_CLOSED` (`unknown`). Resolves once the
   * socket is closed.
   */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    this.#reconnectTimer = undefined;
    this.#setState('closed');
    for (const p of this.#queue.splice(0)) this.#finish(p, commandFailure('SNOM_ERR_ESL_CLOSED', p.label, 'not-sent', 'the connection was closed'));
    this.#jobs.closeAll();
    const session = this.#session;
    if (!session || session.socket.destroyed) {
      if (session) this.#failInflight(session, 'SNOM_ERR_ESL_CLOSED', 'the connection was closed');
      this.#session = undefined;
      this.#closing = Promise.resolve();
      return this.#closing;
    }
    this.#closing = new Promise<void>((resolve) => session.socket.once('close', () => resolve()));
    session.socket.destroy();
    return this.#closing;
  }

  // ---- connection lifecycle ----

  #connect(): void {
    if (this.#state === 'closed') return;
    this.#n.connectAttempts++;
    if (this.#state !== 'auth-failed') this.#setState('connecting');
    const socket = connect({ host: this.#o.host, port: this.#o.port });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    const session: Session = { socket, parser: new EslFrameParser(this.#o.frameLimits), inflight: [], authed: false, authSent: false, connectTimer: undefined };
    this.#session = session;
    session.connectTimer = setTimeout(() => {
      this.#lastError = `no login within ${this.#o.connectTimeoutMs} ms`;
      socket.destroy();
    }, this.#o.connectTimeoutMs);
    socket.on('data', (chunk: Buffer) => this.#onData(session, chunk));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      this.#lastError = e.code ? `socket error ${e.code}` : 'socket error';
    });
    socket.on('close', () => this.#onClose(session));
  }

  #onData(session: Session, chunk: Buffer): void {
    if (this.#session !== session) return;
    const frames = session.parser.push(chunk);
    if (!frames.ok) {
      this.#n.protocolErrors++;
      this.#lastError = `protocol error: ${frames.error.message}`;
      this.#o.logger?.warn({ reason: frames.error.message }, 'FreeSWITCH sent unreadable data; reconnecting');
      session.socket.destroy();
      return;
    }
    for (const frame of frames.value) {
      if (this.#session !== session || session.socket.destroyed) return;
      this.#onFrame(session, frame);
    }
  }

  #onFrame(session: Session, frame: EslFrame): void {
    const type = frame.headers.get('Content-Type');
    switch (type) {
      case 'auth/request':
        if (!session.authSent) this.#authenticate(session);
        return;
      case 'command/reply':
      case 'api/response': {
        const expects = type === 'api/response' ? 'api' : 'command';
        const head = session.inflight[0];
        if (!head || head.expects !== expects) {
          this.#n.protocolErrors++;
          this.#lastError = `unexpected ${type}`;
          session.socket.destroy();
          return;
        }
        session.inflight.shift();
        head.settle(expects === 'api' ? { kind: 'api', body: frame.body } : { kind: 'command', headers: frame.headers });
        return;
      }
      case 'text/event-plain':
      case 'text/event-json':
        this.#onEventFrame(frame);
        return;
      case 'text/rude-rejection':
        this.#lastError = 'refused by the Event Socket ACL (apply-inbound-acl)';
        this.#o.logger?.error({ host: this.#o.host, port: this.#o.port }, 'FreeSWITCH refused the connection (ACL)');
        session.socket.destroy();
        return;
      case 'text/disconnect-notice':
        this.#o.logger?.info({}, 'FreeSWITCH announced a disconnect');
        return;
      default:
        return; // log/data and anything newer: not ours
    }
  }

  #authenticate(session: Session): void {
    session.authSent = true;
    const pending = internalCommand('auth', Buffer.from(`auth ${this.#o.password}\n\n`, 'utf8'), (reply) => {
      if (reply instanceof EslCommandError || reply.kind !== 'command') return;
      const text = reply.headers.get('Reply-Text') ?? '';
      if (text.startsWith('+OK')) this.#onAuthenticated(session);
      else this.#onAuthFailed(session);
    });
    this.#write(session, pending);
  }

  #onAuthenticated(session: Session): void {
    if (session.connectTimer) clearTimeout(session.connectTimer);
    session.connectTimer = undefined;
    session.authed = true;
    this.#backoff.reset();
    this.#n.connects++;
    this.#connectedSince = Date.now();
    this.#lastError = undefined;
    this.#o.logger?.info({ host: this.#o.host, port: this.#o.port }, 'connected to FreeSWITCH');
    this.#sendSubscription(session, this.#subscriptions.all());
    this.#setState('connected');
    for (const p of this.#queue.splice(0)) this.#write(session, p);
  }

  #onAuthFailed(session: Session): void {
    this.#n.authFailures++;
    this.#lastError = 'authentication failed: FreeSWITCH rejected the Event Socket password';
    this.#o.logger?.error({ host: this.#o.host, port: this.#o.port }, 'FreeSWITCH rejected the Event Socket password');
    this.#setState('auth-failed');
    session.socket.destroy();
  }

  #sendSubscription(session: Session, names: NewSubscriptions): void {
    const wire = subscriptionCommand(this.#o.eventFormat, names);
    if (wire === undefined) return;
    this.#write(session, internalCommand('event', wire, (reply) => {
      if (reply instanceof EslCommandError || reply.kind !== 'command') return;
      const text = reply.headers.get('Reply-Text') ?? '';
      if (!text.startsWith('+OK')) this.#o.logger?.warn({ reply: text.slice(0, 200) }, 'FreeSWITCH refused the event subscription');
    }));
  }

  #onClose(session: Session): void {
    if (session.connectTimer) clearTimeout(session.connectTimer);
    if (this.#session !== session) return;
    this.#session = undefined;
    const wasAuthed = session.authed;
    if (wasAuthed) {
      this.#n.disconnects++;
      this.#connectedSince = undefined;
      this.#o.logger?.warn({ reason: this.#lastError }, 'lost the FreeSWITCH Event Socket connection');
    }
    if (this.#state === 'closed') {
      this.#failInflight(session, 'SNOM_ERR_ESL_CLOSED', 'the connection was closed');
      return;
    }
    this.#failInflight(session, 'SNOM_ERR_ESL_CONNECTION_LOST', 'the connection to FreeSWITCH dropped before the reply');
    if (this.#state !== 'auth-failed') this.#setState('disconnected');
    const delay = this.#backoff.next();
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = undefined;
      this.#connect();
    }, delay);
  }

  #failInflight(session: Session, code: EslCommandErrorCode, message: string): void {
    for (const p of session.inflight.splice(0)) {
      if (p.status !== 'sent') continue;
      if (!p.internal && code === 'SNOM_ERR_ESL_CONNECTION_LOST') this.#n.commandsLost++;
      this.#finish(p, commandFailure(code, p.label, 'unknown', message));
    }
  }

  // ---- commands ----

  async #run(input: EslCommandInput, expects: 'command' | 'api', timeoutMs: number | undefined): Promise<Result<Reply, EslCommandError>> {
    const label = commandLabel(String(input.line));
    const wire = serializeEslCommand(input);
    if (!wire.ok) return wire;
    const limit = commandTimeout(timeoutMs, this.#o.commandTimeoutMs);
    if (limit === undefined) return err(invalidCommand(label, 'timeoutMs must be a whole number from 1 to 3600000'));
    if (this.#state === 'closed') return err(commandFailure('SNOM_ERR_ESL_CLOSED', label, 'not-sent', 'the connection is closed'));
    const reply = await new Promise<Reply | EslCommandError>((resolve) => {
      const pending = callerCommand(label, expects, wire.value, resolve);
      pending.timer = setTimeout(() => this.#onTimeout(pending, limit), limit);
      const session = this.#session;
      if (session?.authed && !session.socket.destroyed) this.#write(session, pending);
      else this.#queue.push(pending);
    });
    if (reply instanceof EslCommandError) return err(reply);
    return ok(reply);
  }

  #onTimeout(pending: Pending, limit: number): void {
    if (pending.status === 'done') return;
    this.#n.commandsTimedOut++;
    if (pending.status === 'queued') {
      const i = this.#queue.indexOf(pending);
      if (i !== -1) this.#queue.splice(i, 1);
      this.#finish(pending, commandFailure('SNOM_ERR_ESL_TIMEOUT', pending.label, 'not-sent', `not connected to FreeSWITCH within ${limit} ms`));
      return;
    }
    this.#finish(pending, commandFailure('SNOM_ERR_ESL_TIMEOUT', pending.label, 'unknown', `no reply within ${limit} ms`));
    const session = this.#session;
    if (session?.inflight.includes(pending)) {
      this.#lastError = `${pending.label}: no reply within ${limit} ms`;
      this.#o.logger?.warn({ command: pending.label, timeoutMs: limit }, 'FreeSWITCH did not answer in time; reconnecting');
      session.socket.destroy();
    }
  }

  #write(session: Session, pending: Pending): void {
    pending.status = 'sent';
    session.inflight.push(pending);
    if (!pending.internal) this.#n.commandsSent++;
    session.socket.write(pending.wire);
  }

  #finish(pending: Pending, error: EslCommandError): void {
    pending.settle(error);
  }

  // ---- events ----

  #onEventFrame(frame: EslFrame): void {
    const decoded = eventFromFrame(frame);
    if (!decoded?.ok) {
      this.#n.eventsUndecodable++;
      return;
    }
    const event = decoded.value;
    this.#n.eventsReceived++;
    this.#jobs.onEvent(event);
    this.#eventListeners.emit(event);
  }

  #listenerFailed(error: unknown, message: string): void {
    this.#n.listenerErrors++;
    this.#o.logger?.error({ err: error }, message);
  }

  #setState(next: EslConnectionState): void {
    const previous = this.#state;
    if (previous === next) return;
    this.#state = next;
    this.#stateListeners.emit(next, previous);
  }
}
