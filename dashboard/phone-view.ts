// The per-phone view: key panel, key editor, press/dial/re-sync, and the phone's recent events.
import { ApiCallError, type ApiClient } from './api-client.js';
import type { KeyStateView, KeyStatusView } from './api-types.js';
import { h, replaceChildren, timeText } from './dom.js';
import { renderKeyPanel } from './key-panel.js';
import type { KeySlot } from './key-slots.js';
import { LIGHT_NAMES } from './leds.js';
import { RECENT_EVENTS, type PhoneEvent } from './phone-events.js';
import { expiryText, profilesText, registrationText, type PhoneRow } from './phone-list.js';

export { RECENT_EVENTS, type PhoneEvent } from './phone-events.js';

/** The `<section id="phone">` of the selected phone. */
export class PhoneDetail {
  readonly #root: HTMLElement;
  readonly #client: ApiClient;
  readonly #announce: (text: string) => void;
  #row: PhoneRow | undefined;
  #keys: readonly KeyStatusView[] = [];
  #editing: KeySlot | undefined;
  #events: HTMLOListElement | undefined;
  #panel: HTMLElement | undefined;
  #header: HTMLElement | undefined;
  #status: HTMLElement | undefined;
  #editor: HTMLElement | undefined;
  #loading = 0;

  constructor(root: HTMLElement, client: ApiClient, announce: (text: string) => void) {
    this.#root = root;
    this.#client = client;
    this.#announce = announce;
  }

  /** The phone shown (user@host), if any. */
  get aor(): string | undefined {
    return this.#row?.aor;
  }

  /** Shows `row` (undefined hides the view) with its recent events; loads its keys. */
  show(row: PhoneRow | undefined, events: readonly PhoneEvent[]): void {
    const same = row?.aor === this.#row?.aor;
    this.#row = row;
    if (row === undefined) {
      this.#root.hidden = true;
      replaceChildren(this.#root);
      return;
    }
    this.#root.hidden = false;
    if (!same) {
      this.#keys = [];
      this.#editing = undefined;
      this.#build(row, events);
      void this.reloadKeys();
    } else {
      this.updateRow(row);
    }
  }

  /** New list data for the phone shown (registration changed). */
  updateRow(row: PhoneRow): void {
    if (row.aor !== this.#row?.aor || this.#header === undefined) return;
    this.#row = row;
    replaceChildren(this.#header, ...this.#headerContent(row));
  }

  /** Adds an event line at the top of the phone's recent events. */
  addEvent(e: PhoneEvent): void {
    if (this.#events === undefined) return;
    this.#events.prepend(eventItem(e));
    while (this.#events.children.length > RECENT_EVENTS) this.#events.lastElementChild?.remove();
  }

  /** Replaces the recent events shown (after the phone's history arrived), newest first. */
  setEvents(events: readonly PhoneEvent[]): void {
    if (this.#events === undefined) return;
    replaceChildren(this.#events, ...events.slice(0, RECENT_EVENTS).map(eventItem));
  }

  /** Fetches the keys again (after a keys/delivery event or an action). */
  async reloadKeys(): Promise<void> {
    const row = this.#row;
    if (row === undefined) return;
    const n = ++this.#loading;
    try {
      const q = row.profile === undefined ? '' : `?profile=${encodeURIComponent(row.profile)}`;
      const answer = await this.#client.json<{ keys: KeyStatusView[] }>('GET', `/v1/phones/${encodeURIComponent(row.aor)}/keys${q}`);
      if (n !== this.#loading || row.aor !== this.#row?.aor) return;
      this.#keys = answer.keys;
    } catch (e) {
      if (!(e instanceof ApiCallError && e.status === 404)) this.#say(`Could not load the keys: ${messageOf(e)}`);
      if (n !== this.#loading) return;
      this.#keys = [];
    }
    this.#renderPanel();
  }

  #build(row: PhoneRow, events: readonly PhoneEvent[]): void {
    this.#header = h('div', { class: 'phone-header' }, ...this.#headerContent(row));
    this.#status = h('p', { class: 'action-status', role: 'status', 'aria-live': 'polite' });
    this.#panel = h('div', { class: 'panel' });
    this.#editor = h('div', { class: 'editor' });
    this.#events = h('ol', { class: 'events', 'aria-live': 'polite', 'aria-relevant': 'additions', 'aria-label': `Recent events of ${row.aor}` });
    for (const e of events) this.#events.append(eventItem(e));
    const number = h('input', { id: 'dial-number', type: 'tel', required: true, autocomplete: 'off', maxlength: 256 });
    const sequence = h('input', { id: 'key-sequence', type: 'text', required: true, autocomplete: 'off', maxlength: 4096, placeholder: 'P1 or enter,50,500;cancel' });
    replaceChildren(this.#root,
      h('h2', { id: 'phone-title', tabindex: '-1' }, row.aor),
      h('p', {}, h('a', { href: '#/' }, 'Back to all phones')),
      this.#header,
      h('div', { class: 'actions' },
        h('button', { type: 'button', id: 'resync', onclick: () => void this.#resync() }, 'Re-sync keys'),
        h('form', { class: 'inline-form', onsubmit: (e) => this.#submit(e, () => this.#command({ kind: 'dial', number: number.value.trim() }, `dial ${number.value.trim()}`)) },
          h('label', { for: 'dial-number' }, 'Number to dial'), number, h('button', { type: 'submit' }, 'Dial')),
        h('form', { class: 'inline-form', onsubmit: (e) => this.#submit(e, () => this.#command({ kind: 'key', keys: sequence.value.trim() }, `press ${sequence.value.trim()}`)) },
          h('label', { for: 'key-sequence' }, 'Keys to press'), sequence, h('button', { type: 'submit' }, 'Press keys'))),
      this.#status,
      h('h3', {}, 'Function keys'),
      h('p', { class: 'hint' }, 'Desired state of each key and its delivery to the phone; Press presses P<n>, which shows button <n> by default.'),
      this.#panel,
      this.#editor,
      h('h3', {}, 'Recent events'),
      h('p', { class: 'hint' }, 'Registrations, key changes, deliveries, button presses and Action URLs of this phone, newest first: those the service still kept when the page was opened, then live ones.'),
      this.#events);
    this.#renderPanel();
    this.#root.querySelector<HTMLElement>('#phone-title')?.focus();
  }

  #headerContent(row: PhoneRow): (Node | string)[] {
    const now = Date.now();
    const contacts = row.contacts.map((c) => h('li', {},
      `${c.source.address}:${c.source.port} (${c.source.transport}) · ${c.userAgent ?? 'no user agent'} · `,
      h('span', { 'data-expires': c.expiresAt }, expiryText(c.expiresAt, now))));
    return [
      h('p', {}, `Profiles (route): ${profilesText(row)} · keys shown for ${row.profile ?? '—'} · ${registrationText(row.contacts, now)}`),
      contacts.length === 0 ? h('p', {}, 'No registered contact.') : h('ul', { class: 'contacts', 'aria-label': 'Contacts' }, ...contacts),
    ];
  }

  #renderPanel(): void {
    if (this.#panel === undefined) return;
    replaceChildren(this.#panel, renderKeyPanel(this.#keys, {
      edit: (slot) => this.#edit(slot),
      press: (fkey) => void this.#command({ kind: 'key', keys: fkey }, `press ${fkey}`),
    }));
  }

  #edit(slot: KeySlot): void {
    const editor = this.#editor;
    const row = this.#row;
    if (editor === undefined || row === undefined) return;
    this.#editing = slot;
    const state: Partial<KeyStateView> = slot.status?.desired.state ?? {};
    const light = h('select', { id: 'edit-light' }, ...LIGHT_NAMES.map((l) => h('option', { value: l, selected: (state.light ?? 'off') === l }, l)));
    const label = h('input', { id: 'edit-label', type: 'text', value: state.label ?? '', maxlength: 256, autocomplete: 'off' });
    const action = h('select', { id: 'edit-action' }, ...(['invite', 'message'] as const).map((a) => h('option', { value: a, selected: (state.action ?? 'invite') === a }, a)));
    const number = h('input', { id: 'edit-number', type: 'text', value: state.number ?? '', maxlength: 1024, autocomplete: 'off' });
    const send = async (): Promise<void> => {
      const keyState: KeyStateView = {
        ...state, key: slot.key, light: light.value as KeyStateView['light'], action: action.value as 'invite' | 'message',
      };
      const next: Record<string, unknown> = { ...keyState };
      if (label.value === '') delete next.label;
      else next.label = label.value;
      if (number.value === '') delete next.number;
      else next.number = number.value;
      const result = await this.#client.json<{ delivered: boolean; pending: boolean; reason?: string }>('POST', '/v1/keys', {
        profile: row.profile ?? 'internal', user: row.user, host: row.host, keys: [next],
      });
      this.#say(`Key ${slot.key} sent: ${result.delivered ? 'delivered' : result.pending ? `pending (${result.reason ?? 'not registered'})` : 'not delivered to every contact'}.`);
      this.#closeEditor();
      await this.reloadKeys();
    };
    const onKey = (e: Event): void => {
      if ((e as KeyboardEvent).key === 'Escape') this.#closeEditor();
    };
    replaceChildren(editor, h('form', { class: 'key-editor', 'aria-labelledby': 'editor-title', onsubmit: (e) => this.#submit(e, send), onkeydown: onKey },
      h('h3', { id: 'editor-title' }, `Edit key ${slot.key}`),
      h('div', { class: 'field' }, h('label', { for: 'edit-light' }, 'Light'), light),
      h('div', { class: 'field' }, h('label', { for: 'edit-label' }, 'Label'), label),
      h('div', { class: 'field' }, h('label', { for: 'edit-action' }, 'Action'), action),
      h('div', { class: 'field' }, h('label', { for: 'edit-number' }, 'Number or data'), number),
      h('div', { class: 'field-buttons' },
        h('button', { type: 'submit' }, `Send key ${slot.key}`),
        h('button', { type: 'button', onclick: () => this.#closeEditor() }, 'Cancel (Esc)'))));
    light.focus();
  }

  #closeEditor(): void {
    const slot = this.#editing;
    this.#editing = undefined;
    if (this.#editor !== undefined) replaceChildren(this.#editor);
    if (slot !== undefined) this.#panel?.querySelector<HTMLElement>(`li[data-key="${CSS.escape(slot.key)}"] button`)?.focus();
  }

  async #resync(): Promise<void> {
    const row = this.#row;
    if (row === undefined) return;
    try {
      const q = row.profile === undefined ? '' : `?profile=${encodeURIComponent(row.profile)}`;
      const answer = await this.#client.json<{ results: { delivered: boolean }[] }>('POST', `/v1/phones/${encodeURIComponent(row.aor)}/resync${q}`);
      this.#say(answer.results.length === 0 ? 'Nothing to re-sync: no desired keys.' : `Re-sync ${answer.results.every((r) => r.delivered) ? 'delivered' : 'sent, not delivered everywhere'}.`);
      await this.reloadKeys();
    } catch (e) {
      this.#say(`Re-sync failed: ${messageOf(e)}`);
    }
  }

  async #command(command: Record<string, unknown>, what: string): Promise<void> {
    const row = this.#row;
    if (row === undefined) return;
    try {
      const outcome = await this.#client.json<{ ok: boolean; results: { ok: boolean; status: number; message?: string }[] }>('POST', '/v1/commands', {
        target: `*/${row.aor}`, command,
      });
      const failed = outcome.results.find((r) => !r.ok);
      this.#say(outcome.ok ? `${what}: done (${outcome.results.length} phone${outcome.results.length === 1 ? '' : 's'})` : `${what}: failed${failed === undefined ? '' : ` (HTTP ${failed.status}${failed.message === undefined ? '' : `, ${failed.message}`})`}`);
    } catch (e) {
      this.#say(`${what}: failed: ${messageOf(e)}`);
    }
  }

  #submit(event: Event, run: () => Promise<void>): void {
    event.preventDefault();
    run().catch((e: unknown) => this.#say(`Failed: ${messageOf(e)}`));
  }

  #say(text: string): void {
    if (this.#status !== undefined) this.#status.textContent = text;
    else this.#announce(text);
  }
}

function eventItem(e: PhoneEvent): HTMLLIElement {
  return h('li', {}, h('time', { datetime: new Date(e.at).toISOString() }, timeText(e.at)), ` ${e.text}`);
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
