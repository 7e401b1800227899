// `/`: the simulator's own page: the key panel with LEDs in their colours and blink patterns, the phone's
// status and its last key presses, refreshed live from `/events` and `/state.json`. Inline, no build step.
import { createHash } from 'node:crypto';

const STYLE = `
:root { color-scheme: light; font-family: system-ui, sans-serif; color: #111; background: #fff; }
main { max-width: 60rem; margin: 1rem auto; padding: 0 1rem; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 1.5rem; }
#status { margin: .5rem 0; } #conn { font-size: .9rem; color: #444; }
ul.keys { list-style: none; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(17rem, 1fr)); gap: .5rem; }
ul.keys li { display: flex; align-items: center; gap: .6rem; border: 1px solid #555; border-radius: .4rem; padding: .45rem .6rem; }
.led { flex: none; width: 1rem; height: 1rem; border-radius: 50%; border: 1px solid #222; background: #3c3c3c; }
.name { font-weight: 700; min-width: 2.5rem; } .label { flex: 1; overflow-wrap: anywhere; } .light { font-size: .85rem; color: #333; }
.c-red { background: #d01818; } .c-green { background: #10a040; } .c-orange { background: #f08c00; } .c-grey { background: #8a8a8a; }
.b-fast { animation: blink .25s steps(1) infinite; } .b-slow { animation: blink 1s steps(1) infinite; }
.b-pulse { animation: blink 2s steps(1) infinite; }
@keyframes blink { 50% { background: #3c3c3c; } }
@media (prefers-reduced-motion: reduce) { .led { animation: none !important; } }
table { border-collapse: collapse; } td, th { border: 1px solid #888; padding: .2rem .5rem; text-align: left; }
`;

const SCRIPT = `
'use strict';
const PATTERNS = {
  off: ['', 'off'], on: ['', 'on (steady)'], seized: ['', 'seized (steady)'], record: ['', 'recording (steady)'],
  pickup: ['b-fast', 'pickup (blinking fast)'], error: ['b-fast', 'error (blinking fast)'],
  hold: ['b-slow', 'hold (blinking slowly)'], park: ['b-slow', 'park (blinking slowly)'],
  message: ['b-pulse', 'message waiting (flashing)'], offline: ['', 'offline (steady grey)'],
};
const COLOURS = { red: 'c-red', green: 'c-green', orange: 'c-orange', local: 'c-green', remote: 'c-red' };
function el(tag, cls, text) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}
function render(s) {
  const status = document.getElementById('status');
  const text = s.model + ', ' + (s.hook === 'offhook' ? 'off hook' : 'on hook') + ', DND ' + (s.dnd ? 'on' : 'off') + ', boot ' + s.boots;
  if (status.textContent !== text) status.textContent = text;
  const list = document.getElementById('keys');
  list.replaceChildren();
  for (const k of s.functionKeys) {
    const st = k.state;
    const light = st ? st.light : 'off';
    const [blink, words] = PATTERNS[light] || ['', light];
    const colour = light === 'off' ? '' : light === 'offline' ? 'c-grey' : COLOURS[st && st.colour] || (light === 'message' ? 'c-orange' : 'c-red');
    const li = el('li');
    const led = el('span', ['led', colour, blink].filter(Boolean).join(' '));
    led.setAttribute('aria-hidden', 'true');
    const type = k.type === 'button' ? 'button ' + k.value : k.type;
    const label = st && st.label ? st.label : '(' + type + ')';
    li.append(led, el('span', 'name', k.name), el('span', 'label', label), el('span', 'light', 'light: ' + words));
    if (st && st.number) li.title = (st.action === 'message' ? 'message to ' : 'calls ') + st.number;
    list.append(li);
  }
  const body = document.getElementById('presses');
  body.replaceChildren();
  for (const p of s.presses.slice(-10).reverse()) {
    const tr = el('tr');
    tr.append(el('td', '', p.name), el('td', '', String(p.holdMs)), el('td', '', String(p.pauseMs)), el('td', '', p.source));
    body.append(tr);
  }
}
let loading = false, again = false;
async function refresh() {
  if (loading) { again = true; return; }
  loading = true;
  try {
    const r = await fetch('state.json', { cache: 'no-store' });
    if (r.ok) render(await r.json());
  } catch (e) {
    document.getElementById('conn').textContent = 'State could not be loaded; retrying.';
  } finally {
    loading = false;
    if (again) { again = false; refresh(); }
  }
}
const events = new EventSource('events');
events.addEventListener('hello', () => { document.getElementById('conn').textContent = 'Live.'; refresh(); });
events.addEventListener('changed', refresh);
events.onerror = () => { document.getElementById('conn').textContent = 'Connection lost; reconnecting…'; };
refresh();
`;

const hash = (text: string): string => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** The Content-Security-Policy for the page: only its own inline style and script, fetches to itself. */
export const PAGE_CSP = `default-src 'none'; style-src ${hash(STYLE)}; script-src ${hash(SCRIPT)}; connect-src 'self'; img-src 'self'`;

/** The page's HTML. Data reaches the DOM only through textContent, so labels cannot inject markup. */
export function renderPhonePage(): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Virtual Snom phone</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>Virtual Snom phone</h1>
<p id="status" aria-live="polite">Loading…</p>
<p id="conn" role="status"></p>
<h2 id="keys-title">Function keys</h2>
<ul id="keys" class="keys" aria-labelledby="keys-title"></ul>
<h2 id="presses-title">Last key presses</h2>
<table aria-labelledby="presses-title">
<thead><tr><th scope="col">Key</th><th scope="col">Hold (ms)</th><th scope="col">Pause (ms)</th><th scope="col">Source</th></tr></thead>
<tbody id="presses"></tbody>
</table>
<p><a href="state.json">state.json</a> · <a href="screen.bmp">screen.bmp</a></p>
</main>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
