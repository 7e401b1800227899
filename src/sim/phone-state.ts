// The virtual Snom phone's state: keys (x-buttons, §2), key presses and commands (§3), calls,
// registrations, settings and Action URL triggers (§4). No I/O: the web server, the SIP side and the
// Action URL client act on its events and record their results in it.
import { EventEmitter } from 'node:events';
import { err, ok, type Result } from '../util/errors.js';
import { decodeXButtons, type XButtonsParseError } from '../snom/x-buttons.js';
import type { XButtonsDocument } from '../snom/key-state.js';
import { normalizeKeyName } from '../snom/key-names.js';
import { formatKeySequence, parseKeySequence, type KeyEvent, type KeySequenceError } from '../snom/key-sequence.js';
import {
  CommandRequestError, buildDialRequest, buildDtmfRequest, buildPlayRingerRequest, buildSettingRequest,
} from '../snom/command-request.js';
import { identityVariables, type ActionUrlEvent, type ActionUrlVariables } from './action-urls.js';
import { BoundedLog } from './bounded-log.js';
import { CallTable, callTransitionEvent } from './call-table.js';
import { defined } from './defined.js';
import { keyNumberOfSetting } from './function-keys.js';
import { KeyPanel } from './key-panel.js';
import { KeySequenceRunner, type SequenceOutcome } from './key-sequence-runner.js';
import { resolvePhoneStateOptions, type PhoneStateOptions } from './phone-state-options.js';
import { RegistrationTable } from './registration-table.js';
import { SimRecords } from './sim-records.js';
import type {
  ActionUrlRecord, ApplyResult, ButtonKeyState, CallListName, CallRecord, CallState, CommandRecord, CommandSource,
  DtmfRecord, FunctionKeyView, KeyBinding, KeyPress, PhoneSnapshot, PhoneStateEvents, RegistrationSlot,
  RegistrationStatus, RegistrationUpdate, SipRequestRecord, StateChangeKind, WebRequestRecord,
} from './phone-state-types.js';

export type { PhoneStateOptions } from './phone-state-options.js';

type MutablePress = { -readonly [K in keyof KeyPress]: KeyPress[K] };
interface Step {
  readonly event: KeyEvent;
  readonly source: CommandSource;
  readonly holdMs: number;
  readonly pauseMs: number;
}

const HOOK_KEYS: Readonly<Record<string, 'offhook' | 'onhook' | 'toggle'>> = {
  OFFHOOK: 'offhook', ONHOOK: 'onhook', SPEAKER: 'toggle', HEADSET: 'toggle',
};
/** The Action URL event of a registration status reached. */
const REGISTRATION_EVENTS: Partial<Record<RegistrationStatus, ActionUrlEvent>> = {
  registered: 'registration', failed: 'registration_failed', 'logged-off': 'log_off',
};

/**
 * The virtual phone's state model. Every change emits `changed`; commands emit the events the SIP side
 * and the Action URL client act on (PhoneStateEvents). Listener errors are caught and recorded in
 * `errors`, never thrown into the caller. Times are `now()` ms. Call close() to stop running sequences.
 */
export class PhoneState extends EventEmitter<PhoneStateEvents> {
  readonly model: string;
  readonly lines: number;
  readonly now: () => number;
  readonly #initialSettings: Readonly<Record<string, string>>;
  readonly #settings = new Map<string, string>();
  readonly #panel: KeyPanel;
  readonly #calls: CallTable;
  readonly #defaultHold: number;
  readonly #defaultPause: number;
  readonly #presses: BoundedLog<MutablePress>;
  readonly #registrations: RegistrationTable;
  readonly #records: SimRecords;
  readonly #network: Record<string, string | number> = {};
  readonly #runner: KeySequenceRunner<Step, MutablePress>;
  #hook: 'onhook' | 'offhook' = 'onhook';
  #dnd = false;
  #boots = 1;
  #seq = 0;
  #nextPress = 1;

  constructor(options: PhoneStateOptions = {}) {
    super();
    const o = resolvePhoneStateOptions(options);
    this.model = o.model;
    this.lines = o.lines;
    this.now = o.clock;
    this.#initialSettings = o.initialSettings;
    this.#restoreSettings();
    this.#defaultHold = o.defaultHoldMs;
    this.#defaultPause = o.defaultPauseMs;
    const max = o.maxLogEntries;
    this.#panel = new KeyPanel(o.functionKeys, (name) => this.#settings.get(name), this.now, max);
    this.#calls = new CallTable(max, this.now);
    this.#presses = new BoundedLog(max);
    this.#registrations = new RegistrationTable(o.lines, this.now);
    this.#records = new SimRecords(max, this.now);
    this.#runner = new KeySequenceRunner(o.timers, {
      down: (step, sequenceId) => this.#keyDown(step, sequenceId),
      up: (press) => this.#keyUp(press),
      cancelled: (press) => {
        press.cancelled = true;
        this.#changed('presses');
      },
    });
  }

  get hook(): 'onhook' | 'offhook' {
    return this.#hook;
  }

  get dnd(): boolean {
    return this.#dnd;
  }

  /** 1 at start; +1 per reboot or reset. */
  get boots(): number {
    return this.#boots;
  }

  /** The `seq` of the last `changed` event (0 before any change). */
  get seq(): number {
    return this.#seq;
  }

  /** The facts given to setNetwork (a copy). */
  get network(): Record<string, string | number> {
    return { ...this.#network };
  }

  // ---- keys (§2) ----

  /** Function keys P1…Pn as the `fkey<i>` settings configure them now, with each button key's state. */
  functionKeys(): FunctionKeyView[] {
    return this.#panel.functionKeys();
  }

  /** The state of button index `k`, when a block for it was applied since the last reboot. */
  keyState(k: string): ButtonKeyState | undefined {
    return this.#panel.keyState(k);
  }

  /** What `P<n>` is bound to now (see KeyPanel.bindingOf). */
  bindingOf(key: string): KeyBinding | undefined {
    return this.#panel.bindingOf(key);
  }

  /** Applies an x-buttons document (KeyPanel.apply: absent fields take defaults; unknown `k` ignored, recorded). */
  applyXButtons(doc: XButtonsDocument): ApplyResult {
    const result = this.#panel.apply(doc);
    this.#changed('keys');
    return result;
  }

  /** Decodes an `application/x-buttons` body (decodeXButtons) and applies it; a bad body changes nothing. */
  applyXButtonsBody(body: string | Uint8Array): Result<ApplyResult, XButtonsParseError> {
    const doc = decodeXButtons(body);
    return doc.ok ? ok(this.applyXButtons(doc.value)) : doc;
  }

  // ---- key presses (§3) ----

  /**
   * Queues a key sequence (`command.htm?key=` text, or events) and returns at once; the keys are then
   * pressed on timers, each held `holdMs` and followed by `pauseMs` (the defaults when absent), after any
   * sequence already queued. `done` resolves `done`, or `cancelled` by reboot(), reset() or close().
   */
  pressKeys(
    sequence: string | readonly KeyEvent[],
    source: CommandSource = 'api',
  ): Result<{ sequenceId: number; done: Promise<SequenceOutcome> }, KeySequenceError> {
    let events: readonly KeyEvent[];
    if (typeof sequence === 'string') {
      const parsed = parseKeySequence(sequence);
      if (!parsed.ok) return parsed;
      events = parsed.value;
    } else {
      const checked = formatKeySequence(sequence);
      if (!checked.ok) return checked;
      events = sequence.map((e) => ({ ...e }));
    }
    const steps = events.map((event) => ({
      event, source, holdMs: event.holdMs ?? this.#defaultHold, pauseMs: event.pauseMs ?? this.#defaultPause,
    }));
    const { id, done } = this.#runner.enqueue(steps);
    return ok({ sequenceId: id, done });
  }

  #keyDown(step: Step, sequenceId: number): MutablePress {
    const { key, holdMs, pauseMs } = step.event;
    const name = normalizeKeyName(key) ?? key;
    const binding = this.#panel.bindingOf(name);
    const press: MutablePress = {
      id: this.#nextPress++, sequenceId, key, name, source: step.source, requested: defined({ holdMs, pauseMs }),
      holdMs: step.holdMs, pauseMs: step.pauseMs, downAt: this.now(), ...(binding ? { binding } : {}),
    };
    this.#presses.push(press);
    this.#changed('presses');
    this.#emit('keyPressed', { ...press });
    this.#keyEffects(press);
    return press;
  }

  #keyUp(press: MutablePress): void {
    press.upAt = this.now();
    this.#changed('presses');
    this.#emit('keyReleased', { ...press });
  }

  /** What a key does on the phone itself: DND, the hook keys, function keys bound to a number. */
  #keyEffects(press: KeyPress): void {
    if (press.name === 'DND') {
      this.#dnd = !this.#dnd;
      this.#changed('phone');
      this.triggerActionEvent(this.#dnd ? 'dnd_on' : 'dnd_off');
      return;
    }
    const hook = HOOK_KEYS[press.name];
    if (hook !== undefined) {
      const next = hook !== 'toggle' ? hook : this.#hook === 'onhook' ? 'offhook' : 'onhook';
      if (next === this.#hook) return;
      this.#hook = next;
      this.#changed('phone');
      this.triggerActionEvent(next);
      return;
    }
    const b = press.binding;
    if (b?.kind !== 'button' || b.number === undefined) return;
    if (b.action === 'invite') this.#openOutgoing(b.number, undefined, 'key', b.functionKey);
    else this.#emit('keyMessage', { to: b.number, functionKey: b.functionKey, k: b.k, press: { ...press } });
  }

  // ---- calls ----

  /**
   * Dials (`command.htm?number=…&outgoing_uri=…`): opens an outgoing call, lists it as dialed, emits
   * `dial` and triggers `outgoing`. Values are checked like buildDialRequest (no spaces or controls).
   */
  dial(number: string, options: { outgoingUri?: string; source?: CommandSource } = {}): Result<CallRecord, CommandRequestError> {
    const checked = buildDialRequest(number, defined({ outgoingUri: options.outgoingUri }));
    if (!checked.ok) return checked;
    return ok(this.#openOutgoing(number, options.outgoingUri, options.source ?? 'api'));
  }

  #openOutgoing(number: string, outgoingUri: string | undefined, origin: CallRecord['origin'], functionKey?: string): CallRecord {
    const call = this.#calls.open({ direction: 'out', number, outgoingUri, origin, functionKey });
    this.#changed('calls');
    this.#emit('dial', call);
    this.triggerActionEvent('outgoing', defined({ remote: number, 'call-id': call.callId, active_key: functionKey }));
    return call;
  }

  /** For the SIP side: an incoming call starts ringing; triggers `incoming`. */
  incomingCall(init: { number: string; callId?: string; displayName?: string }): CallRecord {
    const call = this.#calls.open({ direction: 'in', number: init.number, origin: 'sip', callId: init.callId });
    this.#changed('calls');
    this.triggerActionEvent('incoming', defined({ remote: init.number, 'call-id': call.callId, display_remote: init.displayName }));
    return call;
  }

  /**
   * For the SIP side: moves an open call (by id or SIP Call-ID) to a state, triggering `connected` on
   * the first connect, `hold`, and `unhold` (callTransitionEvent). False when there is no such open call.
   */
  updateCall(id: number | string, state: Exclude<CallState, 'released'>): boolean {
    const moved = this.#calls.setState(id, state);
    if (moved) this.#callMoved(moved.call, moved.previous);
    return moved !== undefined;
  }

  /**
   * For the SIP side: ends an open call, triggering `disconnected` after a connect or `missed` for an
   * unanswered incoming call (which is listed as missed). False when there is no such open call.
   */
  releaseCall(id: number | string, reason = 'released'): boolean {
    const released = this.#calls.release(id, reason);
    if (released) this.#callMoved(released.call, released.previous);
    return released !== undefined;
  }

  #callMoved(call: CallRecord, previous: CallState, actions = true): void {
    this.#changed('calls');
    const event = actions ? callTransitionEvent(call, previous) : undefined;
    if (event === undefined) return;
    this.triggerActionEvent(event, defined({ remote: call.number, 'call-id': call.callId, cancel_reason: call.releaseReason }));
  }

  /** A call (by id or SIP Call-ID) among the kept ones. */
  call(id: number | string): CallRecord | undefined {
    return this.#calls.find(id);
  }

  /** Calls not released, oldest first. */
  activeCalls(): CallRecord[] {
    return this.#calls.active();
  }

  /** `command.htm?key_dtmf=`: digits 0-9 * # A-D, added to the newest open call; emits `dtmf`. */
  sendDtmf(digits: string, source: CommandSource = 'api'): Result<DtmfRecord, CommandRequestError> {
    const checked = buildDtmfRequest(digits);
    if (!checked.ok) return checked;
    const { record, call } = this.#calls.sendDtmf(digits, source);
    this.#changed('dtmf');
    this.#emit('dtmf', call ? { digits, call } : { digits });
    return ok(record);
  }

  /** `command.htm?RELEASE_ALL_CALLS`: releases every open call (Action URLs as releaseCall), emits them. */
  releaseAllCalls(source: CommandSource = 'api'): CallRecord[] {
    const calls = this.#releaseOpenCalls('release-all-calls', true);
    this.#command(source, 'release-all-calls', calls.map((c) => c.callId).join(' '));
    this.#emit('releaseAllCalls', { calls });
    return calls;
  }

  #releaseOpenCalls(reason: string, actions: boolean): CallRecord[] {
    const out: CallRecord[] = [];
    for (const open of this.#calls.active()) {
      const released = this.#calls.release(open.id, reason);
      if (!released) continue;
      out.push(released.call);
      this.#callMoved(released.call, released.previous, actions);
    }
    return out;
  }

  /** `index.htm?dialeddel|misseddel|receiveddel`: empties a call list. */
  clearList(list: CallListName, source: CommandSource = 'api'): void {
    this.#calls.clearList(list);
    this.#changed('lists');
    this.#command(source, 'clear-list', list);
  }

  /** For the SIP side: adds a call list entry by hand (calls add their own). */
  addCallListEntry(list: CallListName, number: string): void {
    this.#calls.addListEntry(list, number);
    this.#changed('lists');
  }

  // ---- identities ----

  /** `command.htm?REREGISTER=<line>`: emits `reregister` for the SIP side. */
  reregister(line: number, source: CommandSource = 'api'): Result<void, CommandRequestError> {
    const bad = this.#registrations.checkLine(line);
    if (bad) return err(bad);
    this.#command(source, 'reregister', String(line));
    this.#emit('reregister', { line });
    return ok(undefined);
  }

  /** `command.htm?LOGOFFLINE=<line>` / `?LOGOFFALL` (`'all'`): emits `logOff` for the SIP side. */
  logOff(line: number | 'all', source: CommandSource = 'api'): Result<void, CommandRequestError> {
    const bad = line === 'all' ? undefined : this.#registrations.checkLine(line);
    if (bad) return err(bad);
    this.#command(source, line === 'all' ? 'log-off-all' : 'log-off-line', line === 'all' ? undefined : String(line));
    this.#emit('logOff', { line });
    return ok(undefined);
  }

  /** The registration slot of identity `line` (1..lines). */
  registration(line: number): RegistrationSlot | undefined {
    return this.#registrations.get(line);
  }

  /**
   * For the SIP side: updates identity `line`'s slot. Reaching `registered` triggers `registration`
   * (`action_log_on_url`), `failed` triggers `registration_failed`, `logged-off` triggers `log_off`.
   */
  setRegistration(line: number, update: RegistrationUpdate): Result<RegistrationSlot, CommandRequestError> {
    const bad = this.#registrations.checkLine(line);
    if (bad) return err(bad);
    const { slot, previous } = this.#registrations.update(line, update);
    this.#changed('registrations');
    const event = slot.status === previous ? undefined : REGISTRATION_EVENTS[slot.status];
    if (event) this.triggerActionEvent(event, identityVariables((name) => this.#settings.get(name), line));
    return ok(slot);
  }

  // ---- settings ----

  /** A setting's value. */
  setting(name: string): string | undefined {
    return this.#settings.get(name);
  }

  /** Every setting (a copy). */
  settings(): Record<string, string> {
    return Object.fromEntries(this.#settings);
  }

  /**
   * `dummy.htm?settings=save&<name>=<value>…`: stores settings, checked like buildSettingRequest (names
   * `[a-z0-9_]`, values without control characters); nothing is stored when one is bad. `fkey<i>`
   * settings retype function keys at once; `action_*` ones are read whenever an event fires.
   * Returns the names stored; the command record names the settings only (values may be passwords).
   */
  saveSettings(entries: Readonly<Record<string, string>>, source: CommandSource = 'api'): Result<string[], CommandRequestError> {
    const pairs = Object.entries(entries);
    for (const [name, value] of pairs) {
      const checked = buildSettingRequest(name, value);
      if (!checked.ok) return checked;
    }
    for (const [name, value] of pairs) this.#settings.set(name, value);
    const names = pairs.map(([name]) => name);
    this.#command(source, 'save-settings', names.join(' '));
    this.#changed('settings');
    if (names.some((n) => keyNumberOfSetting(n) !== undefined)) this.#changed('keys');
    return ok(names);
  }

  #restoreSettings(): void {
    this.#settings.clear();
    for (const [name, value] of Object.entries(this.#initialSettings)) this.#settings.set(name, value);
  }

  // ---- other commands ----

  /** `line_login.htm?PLAY_RINGER:<n>=+Ringer`: records it and emits `playRinger`. */
  playRinger(ringer: number, source: CommandSource = 'api'): Result<void, CommandRequestError> {
    const checked = buildPlayRingerRequest(ringer);
    if (!checked.ok) return checked;
    this.#command(source, 'play-ringer', String(ringer));
    this.#emit('playRinger', { ringer });
    return ok(undefined);
  }

  /** `command.htm?touch=<x> <y> [p|r|pr]` (snom 870): recorded only. */
  touch(text: string, source: CommandSource = 'api'): Result<void, CommandRequestError> {
    if (typeof text !== 'string' || !/^[0-9]{1,4} [0-9]{1,4}(?: (?:p|r|pr))?$/.test(text)) {
      return err(new CommandRequestError('touch', 'must be "<x> <y>" with an optional p, r or pr'));
    }
    this.#command(source, 'touch', text);
    return ok(undefined);
  }

  /**
   * Restarts the phone: stops key sequences, forgets every key state, releases calls (no Action URLs),
   * DND off, on hook, registrations `unregistered`; settings, lists and logs stay. Emits `reboot` (the
   * SIP side registers again), then triggers `setup`.
   */
  reboot(source: CommandSource = 'api'): void {
    this.#command(source, 'reboot');
    this.#restart();
  }

  /** Factory reset: settings back to their initial values, call lists emptied, `reset` emitted; then as reboot(). */
  reset(source: CommandSource = 'api'): void {
    this.#command(source, 'reset');
    this.#restoreSettings();
    for (const list of ['dialed', 'missed', 'received'] as const) this.#calls.clearList(list);
    this.#changed('settings');
    this.#changed('lists');
    this.#emit('reset');
    this.#restart();
  }

  #restart(): void {
    this.#runner.cancelAll();
    this.#panel.clear();
    this.#releaseOpenCalls('reboot', false);
    this.#dnd = false;
    this.#hook = 'onhook';
    this.#registrations.resetAll();
    this.#boots++;
    this.#changed('keys');
    this.#changed('registrations');
    this.#changed('phone');
    this.#emit('reboot');
    this.triggerActionEvent('setup');
  }

  /** Stops running and queued key sequences (a held key is marked cancelled). */
  close(): void {
    this.#runner.cancelAll();
  }

  // ---- Action URLs (§4) ----

  /**
   * Asks for the Action URL of `event` to be fired: emits `actionEvent` with actionUrlVariables(vars).
   * Firing is an ActionUrlClient's job; with none listening nothing is sent.
   */
  triggerActionEvent(event: ActionUrlEvent, vars: ActionUrlVariables = {}): void {
    this.#emit('actionEvent', { event, vars: this.actionUrlVariables(vars) });
  }

  /**
   * The runtime variables of §4: identity 1's (identityVariables), `phone_ip` (setNetwork's `ip`) and
   * `nr_ongoing_calls`, overridden by the defined entries of `vars`.
   */
  actionUrlVariables(vars: ActionUrlVariables = {}): ActionUrlVariables {
    const ip = this.#network.ip;
    return {
      ...identityVariables((name) => this.#settings.get(name), 1),
      phone_ip: ip === undefined ? '' : String(ip),
      nr_ongoing_calls: String(this.#calls.active().length),
      ...defined({ ...vars }),
    };
  }

  // ---- records ----

  /** Records a fired Action URL (the ActionUrlClient calls it). */
  recordActionUrl(record: ActionUrlRecord): void {
    this.#records.actionUrl(record);
    this.#changed('action-urls');
  }

  /** Records a SIP request the phone received (the SIP side calls it); the body is cut to 4 KiB. */
  recordSipRequest(request: Omit<SipRequestRecord, 'at'> & { at?: number }): void {
    this.#records.sipRequest(request);
    this.#changed('sip');
  }

  /** Records a request to the phone's own (Snom) web pages (the web server calls it). */
  recordWebRequest(record: Omit<WebRequestRecord, 'at'>): void {
    this.#records.webRequest(record);
    this.#changed('web');
  }

  /** Records a failure inside the simulator. */
  recordError(where: string, error: unknown): void {
    this.#records.error(where, error);
    this.#changed('errors');
  }

  /** Sets facts about the phone's network presence (`ip` for `$phone_ip`, ports); shown in snapshots. */
  setNetwork(info: Readonly<Record<string, string | number>>): void {
    Object.assign(this.#network, info);
    this.#changed('phone');
  }

  #command(source: CommandSource, command: CommandRecord['command'], detail?: string): void {
    this.#records.command(source, command, detail);
    this.#changed('commands');
  }

  #changed(what: StateChangeKind): void {
    this.#emit('changed', { seq: ++this.#seq, what });
  }

  #emit<K extends keyof PhoneStateEvents>(event: K, ...args: PhoneStateEvents[K]): void {
    try {
      (this.emit as (event: K, ...args: PhoneStateEvents[K]) => boolean)(event, ...args);
    } catch (error) {
      // Recorded without a `changed` of its own, so a failing `changed` listener cannot loop.
      this.#records.error(`listener of ${event}`, error);
    }
  }

  /** Everything as plain JSON-safe data (copies). */
  snapshot(): PhoneSnapshot {
    return {
      model: this.model,
      now: this.now(),
      seq: this.#seq,
      boots: this.#boots,
      hook: this.#hook,
      dnd: this.#dnd,
      functionKeys: structuredClone(this.#panel.functionKeys()),
      ...this.#panel.snapshot(),
      presses: this.#presses.items().map((p) => structuredClone(p)),
      ...this.#calls.snapshot(),
      registrations: this.#registrations.snapshot(),
      settings: this.settings(),
      ...this.#records.snapshot(),
      network: { ...this.#network },
    };
  }
}
