// The records, events and snapshot of the virtual phone's state (PhoneState).
import type { KeyState } from '../snom/key-state.js';
import type { KeyAction, LedColour, Light } from '../snom/lights.js';
import type { ActionUrlEvent, ActionUrlVariables } from './action-urls.js';

/** Where a key press or command came from: the phone's web server, or a direct call (tests, SIP side). */
export type CommandSource = 'http' | 'api';

/** A button key as the phone shows it: the last x-buttons block for it with the defaults applied (§2.1). */
export interface ButtonKeyState {
  /** The x-buttons `k=` (the `button <k>` index). */
  readonly k: string;
  readonly light: Light;
  readonly label?: string;
  readonly action: KeyAction;
  /** Without it the key does nothing when pressed (§2.2). */
  readonly number?: string;
  readonly colour?: LedColour;
  /** The state's clock (ms) when the block was applied. */
  readonly updatedAt: number;
  /** Blocks applied to this index since the last reboot. */
  readonly updates: number;
  /** The block as received: absent fields absent, extra fields kept. */
  readonly block: KeyState;
}

/** An x-buttons block the phone accepted without a visible effect. */
export interface IgnoredBlock {
  readonly at: number;
  readonly k: string;
  readonly reason: string;
  readonly block: KeyState;
}

/** What applyXButtons did with a document: the `k` of each block applied and each ignored, in order. */
export interface ApplyResult {
  readonly applied: readonly string[];
  readonly ignored: readonly { readonly k: string; readonly reason: string }[];
}

/** A function key P<n>: its `fkey<n-1>` setting read as type and value, and its key state for a button. */
export interface FunctionKeyView {
  readonly name: string;
  readonly type: string;
  readonly value: string;
  /** For a usable `button <k>`: its index; the current state when a block for it was applied. */
  readonly k?: string;
  readonly state?: ButtonKeyState;
}

/** What a pressed key is bound to: a button key (with defaults applied) or another function key type. */
export type KeyBinding =
  | {
      readonly kind: 'button';
      readonly functionKey: string;
      readonly k: string;
      readonly light: Light;
      readonly label?: string;
      readonly action: KeyAction;
      readonly number?: string;
      readonly colour?: LedColour;
    }
  | { readonly kind: 'function-key'; readonly functionKey: string; readonly type: string; readonly value: string };

/** One key event of the press log. Times are the state's clock in ms. */
export interface KeyPress {
  /** 1, 2, … since the state was made (not reset by reboot). */
  readonly id: number;
  readonly sequenceId: number;
  /** As the caller wrote it (`enter`). */
  readonly key: string;
  /** Snom's spelling (`ENTER`). */
  readonly name: string;
  readonly source: CommandSource;
  /** The times given in the sequence; absent ones took the defaults. */
  readonly requested: { readonly holdMs?: number; readonly pauseMs?: number };
  readonly holdMs: number;
  readonly pauseMs: number;
  readonly downAt: number;
  /** When the key was released; absent while held or when cancelled. */
  readonly upAt?: number;
  /** Set when a reboot, reset or close stopped the sequence while the key was down. */
  readonly cancelled?: true;
  readonly binding?: KeyBinding;
}

/** A call's progress; `released` is final. */
export type CallState = 'dialling' | 'ringing' | 'connected' | 'held' | 'released';

/** A call the phone made or received. The SIP side drives its state with updateCall/releaseCall. */
export interface CallRecord {
  /** 1, 2, … */
  readonly id: number;
  /** The SIP Call-ID to use for the call (made here so Action URLs can show it before the INVITE). */
  readonly callId: string;
  readonly direction: 'out' | 'in';
  /** The dialled number (outgoing) or the caller (incoming). */
  readonly number: string;
  readonly outgoingUri?: string;
  /** `http`: `command.htm?number=`; `key`: a function key with `a=invite`; `api`/`sip`: the SIP side. */
  readonly origin: 'http' | 'api' | 'key' | 'sip';
  /** The function key pressed, for origin `key`. */
  readonly functionKey?: string;
  readonly state: CallState;
  readonly startedAt: number;
  readonly connectedAt?: number;
  readonly releasedAt?: number;
  readonly releaseReason?: string;
  /** Every DTMF digit sent in this call, in order. */
  readonly dtmf: string;
}

/** DTMF sent with `key_dtmf=`; `callId` of the call it went to, absent when no call was active. */
export interface DtmfRecord {
  readonly at: number;
  readonly digits: string;
  readonly source: CommandSource;
  readonly callId?: string;
}

/** The phone's call lists (`index.htm?dialeddel`, `misseddel`, `receiveddel`). */
export type CallListName = 'dialed' | 'missed' | 'received';

/** One call list entry. */
export interface CallListEntry {
  readonly at: number;
  readonly number: string;
}

/** An identity's registration as the SIP side reports it. */
export type RegistrationStatus = 'unregistered' | 'registering' | 'registered' | 'failed' | 'logged-off';

/** Registration slot of identity (line) 1..lines. */
export interface RegistrationSlot {
  readonly line: number;
  readonly status: RegistrationStatus;
  readonly aor?: string;
  readonly registrar?: string;
  readonly contact?: string;
  /** The state's clock (ms) when the binding expires. */
  readonly expiresAt?: number;
  readonly detail?: string;
  readonly updatedAt: number;
}

/** What the SIP side may change in a slot. */
export type RegistrationUpdate = Partial<Omit<RegistrationSlot, 'line' | 'updatedAt'>>;

/** A SIP request the phone received (the SIP side records them). */
export interface SipRequestRecord {
  readonly at: number;
  readonly method: string;
  readonly requestUri: string;
  readonly from?: string;
  readonly to?: string;
  readonly callId?: string;
  readonly contentType?: string;
  /** The body as text (cut to 4 KiB). */
  readonly body?: string;
  /** `host:port` it came from. */
  readonly source?: string;
  /** The final response the phone sent. */
  readonly status?: number;
}

/** One Action URL fired (or refused before sending). */
export interface ActionUrlRecord {
  readonly at: number;
  readonly event: ActionUrlEvent;
  readonly setting: string;
  /** The expanded URL; the template when it could not be expanded into a URL. */
  readonly url: string;
  /** The HTTP status, or null when no response came (error, timeout, invalid URL). */
  readonly status: number | null;
  readonly error?: string;
  readonly durationMs: number;
}

/** A command without its own record (reregister, log-off, ringer, list clearing, settings, reboot, …). */
export interface CommandRecord {
  readonly at: number;
  readonly source: CommandSource;
  readonly command:
    | 'release-all-calls' | 'reregister' | 'log-off-line' | 'log-off-all' | 'play-ringer' | 'clear-list'
    | 'save-settings' | 'reboot' | 'reset' | 'touch';
  readonly detail?: string;
}

/** A request to the phone's web server. */
export interface WebRequestRecord {
  readonly at: number;
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly status: number;
  /** The authenticated user, when authentication was checked and passed. */
  readonly user?: string;
}

/** A failure inside the simulator (a handler error, a listener that threw). */
export interface SimErrorRecord {
  readonly at: number;
  readonly where: string;
  readonly message: string;
}

/** What changed, for live views. */
export type StateChangeKind =
  | 'keys' | 'presses' | 'calls' | 'dtmf' | 'lists' | 'registrations' | 'sip' | 'action-urls' | 'settings'
  | 'commands' | 'web' | 'errors' | 'phone';

/** Payload of `changed`: a counter that grows with every change, and what changed. */
export interface StateChange {
  readonly seq: number;
  readonly what: StateChangeKind;
}

/** A function key with `a=message` was pressed: the SIP side sends a MESSAGE to `to` (§2.4). */
export interface KeyMessageRequest {
  readonly to: string;
  readonly functionKey: string;
  readonly k: string;
  readonly press: KeyPress;
}

/** An event for which an Action URL should be fired, with its runtime variables. */
export interface ActionEventRequest {
  readonly event: ActionUrlEvent;
  readonly vars: ActionUrlVariables;
}

/** PhoneState's events (node EventEmitter map). */
export interface PhoneStateEvents {
  /** A key went down; `binding` tells what a function key is bound to. Informational: act on dial/keyMessage. */
  keyPressed: [KeyPress];
  keyReleased: [KeyPress];
  /** Place this outgoing call (`command.htm?number=`, a function key with `a=invite`, or dial()). */
  dial: [CallRecord];
  /** Send a MESSAGE for a function key with `a=message`. */
  keyMessage: [KeyMessageRequest];
  /** Send DTMF in `call` (absent when no call was active). */
  dtmf: [{ readonly digits: string; readonly call?: CallRecord }];
  /** Hang up these calls (already marked released). */
  releaseAllCalls: [{ readonly calls: readonly CallRecord[] }];
  /** Register identity `line` again. */
  reregister: [{ readonly line: number }];
  /** Unregister identity `line`, or every identity. */
  logOff: [{ readonly line: number | 'all' }];
  playRinger: [{ readonly ringer: number }];
  /** Fire the Action URL of this event (an ActionUrlClient does it). */
  actionEvent: [ActionEventRequest];
  /** The phone restarted: key states, calls, DND and registrations are gone; register again. */
  reboot: [];
  /** Factory reset: as reboot, and the settings are back to their initial values. */
  reset: [];
  changed: [StateChange];
}

/** The whole state as plain JSON (`/state.json`). */
export interface PhoneSnapshot {
  readonly model: string;
  /** The state's clock now (ms). */
  readonly now: number;
  readonly seq: number;
  readonly boots: number;
  readonly hook: 'onhook' | 'offhook';
  readonly dnd: boolean;
  readonly functionKeys: readonly FunctionKeyView[];
  /** Key states by `k`, including indexes no function key shows at the moment. */
  readonly keys: Readonly<Record<string, ButtonKeyState>>;
  readonly ignored: readonly IgnoredBlock[];
  readonly presses: readonly KeyPress[];
  readonly calls: readonly CallRecord[];
  readonly dtmf: readonly DtmfRecord[];
  readonly lists: Readonly<Record<CallListName, readonly CallListEntry[]>>;
  readonly registrations: readonly RegistrationSlot[];
  readonly sipRequests: readonly SipRequestRecord[];
  readonly actionUrls: readonly ActionUrlRecord[];
  readonly settings: Readonly<Record<string, string>>;
  readonly commands: readonly CommandRecord[];
  readonly webRequests: readonly WebRequestRecord[];
  readonly errors: readonly SimErrorRecord[];
  readonly network: Readonly<Record<string, string | number>>;
}
