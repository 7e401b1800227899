// The dashboard page: phones list, the selected phone, the token prompt and the live event stream.
import { ApiClient } from './api-client.js';
import type { DeliveryEventView, KeysEventView, PhoneView, RegistrationEventView } from './api-types.js';
import { byId, h, replaceChildren, timeText } from './dom.js';
import { EventStream, readReplay, type ReplayedEvent, type StreamState } from './event-stream.js';
import { ledText } from './leds.js';
import { expiryText, PhoneList, profilesText, registrationText, type PhoneRow } from './phone-list.js';
import { mergeEvents, RECENT_EVENTS, type PhoneEvent } from './phone-events.js';
import { PhoneDetail } from './phone-view.js';

const PAGE_SIZE = 50;
/** Recent events the service replays when the page opens: the phones' history. */
const REPLAY_EVENTS = 1000;
/** Phones whose recent events are kept (the most recently active). */
const MAX_EVENT_PHONES = 1000;

const list = new PhoneList();
const recent = new Map<string, PhoneEvent[]>();
let filter = '';
let page = 0;

const announceEl = byId('announce', HTMLParagraphElement);
const announce = (text: string): void => {
  announceEl.textContent = text;
};
const client = new ApiClient(askToken);
const detail = new PhoneDetail(byId('phone', HTMLElement), client, announce);

/** Shows the token form and resolves with the token typed in. */
function askToken(reason: string): Promise<string> {
  const section = byId('auth', HTMLElement);
  const form = byId('auth-form', HTMLFormElement);
  const input = byId('token', HTMLInputElement);
  byId('auth-reason', HTMLParagraphElement).textContent = `The API answered: ${reason}. Enter an API token.`;
  section.hidden = false;
  input.value = '';
  input.focus();
  return new Promise((resolve) => {
    const submit = (e: Event): void => {
      e.preventDefault();
      const token = input.value.trim();
      if (token === '') return;
      form.removeEventListener('submit', submit);
      section.hidden = true;
      resolve(token);
    };
    form.addEventListener('submit', submit);
  });
}

// ---- phones list ----

let renderQueued = false;
function scheduleRender(): void {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    renderList();
  });
}

function renderList(): void {
  const now = Date.now();
  const p = list.page(filter, page, PAGE_SIZE);
  page = p.page;
  replaceChildren(byId('phones-body', HTMLTableSectionElement), ...p.rows.map((r) => phoneRow(r, now)));
  byId('phones-count', HTMLParagraphElement).textContent = filter === '' ? `${p.total} phones` : `${p.matching} of ${p.total} phones match`;
  byId('page-info', HTMLSpanElement).textContent = `Page ${p.page + 1} of ${p.pages}`;
  byId('prev-page', HTMLButtonElement).disabled = p.page === 0;
  byId('next-page', HTMLButtonElement).disabled = p.page >= p.pages - 1;
}

function phoneRow(r: PhoneRow, now: number): HTMLTableRowElement {
  const d = r.lastDelivery;
  return h('tr', { 'data-aor': r.aor, class: r.aor === detail.aor ? 'selected' : undefined },
    h('th', { scope: 'row' }, h('a', { href: `#/phone/${encodeURIComponent(r.aor)}`, 'aria-current': r.aor === detail.aor ? 'true' : undefined }, r.aor)),
    h('td', {}, profilesText(r)),
    h('td', {}, registrationText(r.contacts, now)),
    h('td', {}, r.contacts.length === 0 ? '—' : h('ul', { class: 'contacts' }, ...r.contacts.map((c) => h('li', {},
      `${c.source.address} · ${c.userAgent ?? 'no user agent'} · `, h('span', { 'data-expires': c.expiresAt }, expiryText(c.expiresAt, now)))))),
    h('td', { class: d === undefined ? undefined : `delivery delivery-${d.status.split(' ')[0] ?? ''}` },
      d === undefined ? '—' : `${d.status} · key ${d.keys} · ${timeText(d.at)}${d.reason === undefined ? '' : ` · ${d.reason}`}`));
}

async function loadPhones(): Promise<void> {
  const answer = await client.json<{ phones: PhoneView[] }>('GET', '/v1/phones');
  list.replace(answer.phones);
  renderList();
  route();
}

let reloadTimer: ReturnType<typeof setTimeout> | undefined;
function scheduleReload(): void {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(() => void loadPhones().catch(showError), 300);
}

// ---- selection (#/phone/<aor>) ----

function route(): void {
  const m = /^#\/phone\/(.+)$/.exec(location.hash);
  let aor: string | undefined;
  try {
    aor = m === null ? undefined : decodeURIComponent(m[1]!);
  } catch {
    aor = undefined;
  }
  const row = aor === undefined ? undefined : list.get(aor);
  const was = detail.aor;
  detail.show(row, recent.get(row?.aor ?? '') ?? []);
  if (was !== detail.aor) scheduleRender();
  if (row !== undefined && !historyAsked.has(row.aor)) void loadHistory(row.aor);
}

/** Phones whose history was asked for (once per page). */
const historyAsked = new Set<string>();

/** Fetches the phone's most recent events the service kept (`?phone=&replay=`) into its recent events. */
async function loadHistory(aor: string): Promise<void> {
  historyAsked.add(aor);
  let replayed: ReplayedEvent[];
  try {
    replayed = await readReplay(`/v1/events?phone=${encodeURIComponent(aor)}&replay=${RECENT_EVENTS}`, client.headers());
  } catch {
    historyAsked.delete(aor); // try again when the phone is opened next
    return;
  }
  const more = replayed.flatMap((e) => {
    const d = describe(e.type, e.data);
    return d === undefined || d.aor !== aor ? [] : [{ at: d.at, text: d.text, id: e.id }];
  });
  const merged = mergeEvents(recent.get(aor) ?? [], more);
  recent.set(aor, merged);
  if (detail.aor === aor) detail.setEvents(merged);
}

// ---- live events ----

function remember(aor: string, text: string, at: number, id: string): void {
  const e: PhoneEvent = id === '' ? { at, text } : { at, text, id };
  const events = recent.get(aor) ?? [];
  if (id !== '' && events.some((x) => x.id === id)) return;
  recent.delete(aor);
  events.unshift(e);
  if (events.length > RECENT_EVENTS) events.length = RECENT_EVENTS;
  recent.set(aor, events);
  if (recent.size > MAX_EVENT_PHONES) recent.delete(recent.keys().next().value!);
  if (aor === detail.aor) detail.addEvent(e);
}

/** The phone an event is about and its line in the phone's recent events; undefined for other events. */
function describe(type: string, data: unknown): { aor: string; text: string; at: number } | undefined {
  switch (type) {
    case 'registered': case 'refreshed': case 'restarted': case 'unregistered': case 'expired': {
      const e = data as RegistrationEventView;
      return { aor: `${e.user}@${e.domain}`, at: e.at, text: `${type}: ${e.address}:${e.port} (${e.transport})${e.userAgent == null ? '' : ` ${e.userAgent}`}` };
    }
    case 'keys': {
      const e = data as KeysEventView;
      return {
        aor: `${e.user}@${e.host}`, at: e.at,
        text: `keys set (${e.profile}): ${e.keys.map((k) => `key ${k.key} ${ledText(k.state.light, k.state.colour)}${k.state.label === undefined ? '' : ` “${k.state.label}”`}`).join('; ')}`,
      };
    }
    case 'delivery': {
      const e = data as DeliveryEventView;
      const why = e.reason ?? e.error;
      return {
        aor: `${e.user}@${e.host}`, at: e.at,
        text: `delivery ${e.status}: key ${e.keys.map((k) => `${k.key} v${k.version}`).join(', ')} to ${e.destination ?? e.contact}${e.sipStatus === undefined ? '' : ` (SIP ${e.sipStatus})`}${why === undefined ? '' : ` ${why}`}`,
      };
    }
    case 'button-press': {
      const e = data as { user?: string; domain: string; command: string; args: string; outcome: string; reply?: string; at: number };
      return e.user === undefined ? undefined
        : { aor: `${e.user}@${e.domain}`, at: e.at, text: `button press: ${e.command} ${e.args} → ${e.outcome}${e.reply === undefined ? '' : ` (${e.reply.trim()})`}` };
    }
    case 'action-url': {
      const e = data as { event: string; phone: { remoteAddress: string; user?: string; domain?: string }; at: number };
      return e.phone.user === undefined || e.phone.domain === undefined ? undefined
        : { aor: `${e.phone.user}@${e.phone.domain}`, at: e.at, text: `action URL: ${e.event} from ${e.phone.remoteAddress}` };
    }
    default:
      return undefined;
  }
}

let keysTimer: ReturnType<typeof setTimeout> | undefined;
function reloadSelectedKeys(): void {
  clearTimeout(keysTimer);
  keysTimer = setTimeout(() => void detail.reloadKeys(), 100);
}

/** Applies a live event to the list and the phone shown; a `history` event (replayed on the first connection) is only remembered. */
function onEvent(type: string, data: unknown, history: boolean, id: string): void {
  const d = describe(type, data);
  if (d !== undefined) remember(d.aor, d.text, d.at, id);
  if (history || d === undefined) return;
  switch (type) {
    case 'registered': case 'refreshed': case 'restarted': case 'unregistered': case 'expired': {
      if (!list.applyRegistration(data as RegistrationEventView)) scheduleReload();
      const row = list.get(d.aor);
      if (row !== undefined) detail.updateRow(row);
      scheduleRender();
      break;
    }
    case 'keys':
      if (d.aor === detail.aor) reloadSelectedKeys();
      break;
    case 'delivery':
      list.applyDelivery(data as DeliveryEventView);
      if (d.aor === detail.aor) reloadSelectedKeys();
      scheduleRender();
      break;
    default:
  }
}

/** Loads the list and the keys shown again (after a reset: events were missed). */
function reloadAll(): void {
  void loadPhones().then(() => detail.reloadKeys()).catch(showError);
}

function showState(state: StreamState, why?: string): void {
  const el = byId('connection', HTMLParagraphElement);
  el.dataset.state = state;
  el.textContent = state === 'live' ? 'Live: updates arrive as they happen'
    : state === 'connecting' ? 'Connecting…'
      : state === 'stopped' ? 'Stopped' : `Reconnecting${why === undefined ? '…' : `: ${why}`}`;
}

function showError(e: unknown): void {
  announce(`Error: ${e instanceof Error ? e.message : String(e)}`);
}

// ---- wiring ----

byId('filter', HTMLInputElement).addEventListener('input', (e) => {
  filter = (e.target as HTMLInputElement).value;
  page = 0;
  scheduleRender();
});
byId('prev-page', HTMLButtonElement).addEventListener('click', () => {
  page--;
  renderList();
});
byId('next-page', HTMLButtonElement).addEventListener('click', () => {
  page++;
  renderList();
});
window.addEventListener('hashchange', route);
// expiry countdowns: only the visible ones are touched
setInterval(() => {
  const now = Date.now();
  for (const el of document.querySelectorAll<HTMLElement>('[data-expires]')) el.textContent = expiryText(Number(el.dataset.expires), now);
}, 1000);

const stream = new EventStream({
  url: '/v1/events',
  headers: () => client.headers(),
  onEvent,
  onState: showState,
  // the first connection loads the list; a reconnection resumes after the last event id (no event lost)
  onOpen: (fresh) => {
    if (fresh) void loadPhones().catch(showError);
  },
  onReset: (reason) => {
    announce(`Events were missed (${reason === 'unknown-id' ? 'the service restarted' : 'away too long'}); reloading.`);
    reloadAll();
  },
  replay: REPLAY_EVENTS,
  onUnauthorized: (message) => {
    byId('connection', HTMLParagraphElement).textContent = 'Waiting for an API token';
    return client.askToken(message);
  },
});
renderList();
stream.start();
