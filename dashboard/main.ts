// The dashboard page: phones list, the selected phone, the token prompt and the live event stream.
import { ApiClient } from './api-client.js';
import type { DeliveryEventView, KeysEventView, PhoneView, RegistrationEventView } from './api-types.js';
import { byId, h, replaceChildren, timeText } from './dom.js';
import { EventStream, type StreamState } from './event-stream.js';
import { ledText } from './leds.js';
import { expiryText, PhoneList, registrationText, type PhoneRow } from './phone-list.js';
import { PhoneDetail, RECENT_EVENTS, type PhoneEvent } from './phone-view.js';

const PAGE_SIZE = 50;
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
    h('td', {}, r.profile ?? '—'),
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
}

// ---- live events ----

function remember(aor: string, text: string, at: number): void {
  const e = { at, text };
  const events = recent.get(aor) ?? [];
  recent.delete(aor);
  events.unshift(e);
  if (events.length > RECENT_EVENTS) events.length = RECENT_EVENTS;
  recent.set(aor, events);
  if (recent.size > MAX_EVENT_PHONES) recent.delete(recent.keys().next().value!);
  if (aor === detail.aor) detail.addEvent(e);
}

let keysTimer: ReturnType<typeof setTimeout> | undefined;
function reloadSelectedKeys(): void {
  clearTimeout(keysTimer);
  keysTimer = setTimeout(() => void detail.reloadKeys(), 100);
}

function onEvent(type: string, data: unknown): void {
  switch (type) {
    case 'registered': case 'refreshed': case 'restarted': case 'unregistered': case 'expired': {
      const e = data as RegistrationEventView;
      const aor = `${e.user}@${e.domain}`;
      if (!list.applyRegistration(e)) scheduleReload();
      remember(aor, `${type}: ${e.address}:${e.port} (${e.transport})${e.userAgent == null ? '' : ` ${e.userAgent}`}`, e.at);
      const row = list.get(aor);
      if (row !== undefined) detail.updateRow(row);
      scheduleRender();
      break;
    }
    case 'keys': {
      const e = data as KeysEventView;
      const aor = `${e.user}@${e.host}`;
      remember(aor, `keys set (${e.profile}): ${e.keys.map((k) => `key ${k.key} ${ledText(k.state.light, k.state.colour)}${k.state.label === undefined ? '' : ` “${k.state.label}”`}`).join('; ')}`, e.at);
      if (aor === detail.aor) reloadSelectedKeys();
      break;
    }
    case 'delivery': {
      const e = data as DeliveryEventView;
      const aor = `${e.user}@${e.host}`;
      list.applyDelivery(e);
      const why = e.reason ?? e.error;
      remember(aor, `delivery ${e.status}: key ${e.keys.map((k) => `${k.key} v${k.version}`).join(', ')} to ${e.destination ?? e.contact}${e.sipStatus === undefined ? '' : ` (SIP ${e.sipStatus})`}${why === undefined ? '' : ` ${why}`}`, e.at);
      if (aor === detail.aor) reloadSelectedKeys();
      scheduleRender();
      break;
    }
    case 'button-press': {
      const e = data as { user?: string; domain: string; command: string; args: string; outcome: string; reply?: string; at: number };
      if (e.user !== undefined) remember(`${e.user}@${e.domain}`, `button press: ${e.command} ${e.args} → ${e.outcome}${e.reply === undefined ? '' : ` (${e.reply.trim()})`}`, e.at);
      break;
    }
    case 'action-url': {
      const e = data as { event: string; phone: { remoteAddress: string; user?: string; domain?: string }; at: number };
      if (e.phone.user !== undefined && e.phone.domain !== undefined) remember(`${e.phone.user}@${e.phone.domain}`, `action URL: ${e.event} from ${e.phone.remoteAddress}`, e.at);
      break;
    }
    default:
  }
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

let opened = false;
const stream = new EventStream({
  url: '/v1/events',
  headers: () => client.headers(),
  onEvent,
  onState: showState,
  onOpen: () => {
    // after a reconnect, events may have been missed: reload the list and the keys shown
    const reconnect = opened;
    opened = true;
    void loadPhones().then(() => (reconnect ? detail.reloadKeys() : undefined)).catch(showError);
  },
  onUnauthorized: (message) => {
    byId('connection', HTMLParagraphElement).textContent = 'Waiting for an API token';
    return client.askToken(message);
  },
});
renderList();
stream.start();
