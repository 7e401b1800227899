// KeyDeliverer and its DeliveryLanes against a scripted route: order, coalescing, retries, close.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DeliveryEvent, DocumentOutcome, QueuedKey } from '../../../src/service/delivery-types.js';
import { KeyDeliverer } from '../../../src/service/key-deliverer.js';
import { isRetryable, type DeliverOptions, type DeliveryBody, type KeyTarget, type Route, type RouteContact, type SendOutcome } from '../../../src/service/route.js';
import type { KeyState } from '../../../src/snom/key-state.js';
import type { DeliveryRecord } from '../../../src/store/key-state-table.js';

interface Call {
  readonly body: string;
  readonly signal: AbortSignal | undefined;
  readonly answer: (o: SendOutcome) => void;
  readonly at: number;
}

/** A route whose sends wait until the test answers them (or auto-answers with `auto`). */
class ScriptedRoute implements Route {
  readonly kind = 'embedded' as const;
  readonly calls: Call[] = [];
  auto: ((body: string, n: number) => SendOutcome) | undefined;
  contacts(): { contacts: RouteContact[] } {
    return { contacts: [CONTACT] };
  }
  deliver(_t: KeyTarget, _c: RouteContact, body: DeliveryBody, options: DeliverOptions): Promise<SendOutcome> {
    return new Promise((resolve) => {
      const text = body.body.toString();
      const call: Call = { body: text, signal: options.signal, answer: resolve, at: performance.now() };
      this.calls.push(call);
      options.signal?.addEventListener('abort', () => resolve({ ok: false, error: 'aborted', message: 'aborted', destination: 'd', latencyMs: 0 }));
      if (this.auto) {
        const auto = this.auto;
        const n = this.calls.length;
        setImmediate(() => resolve(auto(text, n)));
      }
    });
  }
}

const CONTACT: RouteContact = { id: 'lane-1', uri: 'sip:200@192.0.2.5;line=x', destination: 'udp:192.0.2.5:5060' };
const TARGET = { profile: 'internal', user: '200', host: 'pbx.test' };
const ok200: SendOutcome = { ok: true, status: 200, reason: 'OK', destination: 'udp:192.0.2.5:5060', latencyMs: 1 };
const status = (s: number): SendOutcome => ({ ok: true, status: s, reason: `R${s}`, destination: 'udp:192.0.2.5:5060', latencyMs: 1 });
const timeout: SendOutcome = { ok: false, error: 'timeout', message: 'no answer', destination: 'udp:192.0.2.5:5060', latencyMs: 5 };

function setup(options: { retryDelaysMs?: number[]; maxInFlight?: number } = {}): {
  deliverer: KeyDeliverer; route: ScriptedRoute; marks: DeliveryRecord[]; events: DeliveryEvent[];
} {
  const marks: DeliveryRecord[] = [];
  const events: DeliveryEvent[] = [];
  const deliverer = new KeyDeliverer({
    keys: { recordDeliveries: (m) => { marks.push(...m); } },
    attemptTimeoutMs: 1000, retryDelaysMs: options.retryDelaysMs ?? [10, 20], maxDocumentBytes: 1300,
    maxInFlight: options.maxInFlight ?? 10, now: () => 1000, emit: (e) => events.push(e), onStoreError: (e) => { throw e; },
  });
  return { deliverer, route: new ScriptedRoute(), marks, events };
}

function entry(state: KeyState, version: number): { entry: QueuedKey; outcome: Promise<DocumentOutcome> } {
  const e: QueuedKey = { target: TARGET, state, version, format: 'x-buttons', cause: 'bind', waiters: [], supersededWaiters: [] };
  return { entry: e, outcome: new Promise((resolve) => e.waiters!.push(resolve)) };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

test('isRetryable: timeouts, transport errors, 408 and 5xx; not 4xx, 6xx or aborts', () => {
  assert.deepEqual([200, 404, 408, 486, 500, 503, 603].map((s) => isRetryable(status(s))), [false, false, true, false, true, true, false]);
  const e = (error: 'timeout' | 'transport' | 'aborted' | 'closed' | 'unregistered'): SendOutcome => ({ ok: false, error, message: '', destination: '', latencyMs: 0 });
  assert.deepEqual((['timeout', 'transport', 'aborted', 'closed', 'unregistered'] as const).map((x) => isRetryable(e(x))), [true, true, false, false, false]);
});

test('one document at a time per contact; keys queued meanwhile go out together in the next one', async () => {
  const { deliverer, route, marks } = setup();
  const a = entry({ key: '1', light: 'on' }, 1);
  deliverer.enqueue(route, CONTACT, '200', 'pbx.test', [a.entry]);
  await tick();
  const b = entry({ key: '2', light: 'on' }, 2);
  const c = entry({ key: '3', light: 'off' }, 3);
  deliverer.enqueue(route, CONTACT, '200', 'pbx.test', [b.entry]);
  deliverer.enqueue(route, CONTACT, '200', 'pbx.test', [c.entry]);
  await tick();
  assert.deepEqual(route.calls.map((x) => x.body), ['k=1\r\nc=on\r\n']);
  route.calls[0]!.answer(ok200);
  assert.equal((await a.outcome).status, 200);
  await tick();
  assert.deepEqual(route.calls.map((x) => x.body), ['k=1\r\nc=on\r\n', 'k=2\r\nc=on\r\n\r\nk=3\r\nc=off\r\n']);
  route.calls[1]!.answer(ok200);
  const [ob, oc] = await Promise.all([b.outcome, c.outcome]);
  assert.deepEqual([ob.status, oc.status, ob.superseded], [200, 200, false]);
  deliverer.flushMarks();
  assert.deepEqual(marks.map((m) => `${m.key}@${m.version}:${m.status}`), ['1@1:delivered', '2@2:delivered', '3@3:delivered']);
  await tick();
  assert.equal(deliverer.activeLanes, 0, 'an idle lane is forgotten');
});

test('coalescing: a queued older version is replaced; an older one answered while a newer is queued is not marked', async () => {
  const { deliverer, route, marks, events } = setup();
  const v1 = entry({ key: '2', label: 'v1' }, 1);
  const seven = entry({ key: '7', label: 's' }, 2);
  deliverer.enqueue(route, CONTACT, '200', 'pbx.test', [v1.entry, seven.entry]);
  await tick();
  const v2 = entry({ key: '2', label: 'v2' }, 3);
  const v3 = entry({ key: '2', label: 'v3' }, 4);
  const other = entry({ key: '5', label: 'o' }, 5);
  deliverer.enqueue(route, CONTACT, '200', 'pbx.test', [v2.entry]);
  deliverer.enqueue(route, CONTACT, '200', 'pbx.test', [v3.entry, other.entry]);
  // an older version arriving late never replaces a newer queued one
  const stale = entry({ key: '2', label: 'v0' }, 0);
  deliverer.enqueue(route, CONTACT, '200', 'pbx.test', [stale.entry]);
  assert.equal(route.calls[0]!.signal?.aborted, false, 'key 7 still needs the document out');
  route.calls[0]!.answer(ok200);
  await tick();
  await tick();
  assert.deepEqual(route.calls.map((x) => x.body), ['k=2\r\nl=v1\r\n\r\nk=7\r\nl=s\r\n', 'k=2\r\nl=v3\r\n\r\nk=5\r\nl=o\r\n']);
  route.calls[1]!.answer(ok200);
  const outcomes = await Promise.all([v1.outcome, seven.outcome, v2.outcome, v3.outcome, stale.outcome, other.outcome]);
  assert.deepEqual(outcomes.map((o) => [o.status, o.superseded]), [[200, true], [200, false], [200, true], [200, false], [200, true], [200, false]]);
  deliverer.flushMarks();
  assert.deepEqual(marks.map((m) => `${m.key}@${m.version}`), ['7@2', '2@4', '5@5'], 'v1 was answered 200 while v3 was queued: no mark for it');
  assert.deepEqual(events.map((e) => e.status), ['delivered', 'delivered']);
});

test('a document whose every key was replaced while out is aborted at once', async () => {
  const { deliverer, route } = setup();
  const v1 = entry({ key: '2', label: 'v1' }, 1);
  deliverer.enqueue(route, CONTACT, '200', 'pbx.test', [v1.entry]);
  await tick();
  const v2 = entry({ key: '2', label: 'v2' }, 2);
  deliverer.enqueue(route, CONTACT, '200', 'pbx.test', [v2.entry]);
  assert.equal(route.calls[0]!.signal?.aborted, true);
  await tick();
  await tick();
  assert.equal(route.calls.length, 2);
  route.calls[1]!.answer(ok200);
  assert.deepEqual([(await v1.outcome).superseded, (await v2.outcome).status], [true, 200]);
});

test('retries after each delay on timeout/5xx, then fails with the reason; 4xx ends at once', async () => {
  const { deliverer, route, marks, events } = setup({ retryDelaysMs: [30, 60] });
  route.auto = () => timeout;
  const a = entry({ key: '1' }, 1);
  const t0 = performance.now();
  deliverer.enqueue(route, CONTACT, '200', 'pbx.test', [a.entry]);
  const out = await a.outcome;
  assert.deepEqual([out.error, out.attempts], ['timeout', 3]);
  const gaps = route.calls.slice(1).map((c, i) => c.at - route.calls[i]!.at);
  assert.ok(gaps[0]! >= 29 && gaps[1]! >= 59, `gaps ${gaps.join(', ')}`);
  assert.ok(performance.now() - t0 >= 89);
  deliverer.flushMarks();
  assert.deepEqual(marks.map((m) => [m.status, m.reason]), [['pending', undefined], ['failed', 'timeout: no answer (after 3 attempts)']]);
  assert.deepEqual(events.map((e) => `${e.status}:${e.attempt}`), ['retrying:1', 'retrying:2', 'failed:3']);

  route.calls.length = 0;
  route.auto = (_b, n) => (n === 1 ? status(503) : ok200);
  const b = entry({ key: '1' }, 2);
  deliverer.enqueue(route, CONTACT, '200', 'pbx.test', [b.entry]);
  assert.deepEqual([(await b.outcome).status, (await b.outcome).attempts], [200, 2]);

  route.calls.length = 0;
  route.auto = () => status(486);
  const c = entry({ key: '1' }, 3);
  deliverer.enqueue(route, CONTACT, '200', 'pbx.test', [c.entry]);
  assert.deepEqual([(await c.outcome).status, (await c.outcome).attempts, route.calls.length], [486, 1, 1]);
});

test('a new key during a backoff goes out at once, with the waiting keys', async () => {
  const { deliverer, route } = setup({ retryDelaysMs: [10_000] });
  route.auto = (_b, n) => (n === 1 ? timeout : ok200);
  const a = entry({ key: '1' }, 1);
  deliverer.enqueue(route, CONTACT, '200', 'pbx.test', [a.entry]);
  while (route.calls.length < 1) await tick();
  await tick();
  await tick();
  const b = entry({ key: '2' }, 2);
  deliverer.enqueue(route, CONTACT, '200', 'pbx.test', [b.entry]);
  const [oa, ob] = await Promise.all([a.outcome, b.outcome]);
  assert.deepEqual([oa.status, ob.status], [200, 200]);
  assert.deepEqual(route.calls.map((c) => c.body), ['k=1\r\n', 'k=2\r\n\r\nk=1\r\n']);
});

test('maxInFlight bounds concurrent sends over all lanes', async () => {
  const { deliverer, route } = setup({ maxInFlight: 2 });
  const outs = [];
  for (let i = 0; i < 5; i++) {
    const e = entry({ key: '1' }, i + 1);
    outs.push(e.outcome);
    deliverer.enqueue(route, { ...CONTACT, id: `lane-${i}` }, '200', 'pbx.test', [e.entry]);
  }
  await tick();
  assert.equal(route.calls.length, 2);
  route.calls[0]!.answer(ok200);
  await tick();
  assert.equal(route.calls.length, 3);
  route.auto = () => ok200;
  for (const c of route.calls.slice(1)) c.answer(ok200);
  await Promise.all(outs);
  assert.equal(route.calls.length, 5);
});

test('room(n) resolves once fewer than n documents wait for a send slot, at once when already so, and at close', async () => {
  const { deliverer, route } = setup({ maxInFlight: 2 });
  await deliverer.room(1);
  for (let i = 0; i < 5; i++) deliverer.enqueue(route, { ...CONTACT, id: `lane-${i}` }, '200', 'pbx.test', [entry({ key: '1' }, i + 1).entry]);
  await tick();
  // 2 sent, 3 waiting for a slot
  let roomy = false;
  void deliverer.room(2).then(() => (roomy = true));
  route.calls[0]!.answer(ok200);
  await tick();
  assert.equal(roomy, false, '2 still wait');
  route.calls[1]!.answer(ok200);
  await tick();
  assert.equal(roomy, true, '1 waits');
  let closed = false;
  void deliverer.room(1).then(() => (closed = true));
  await tick();
  assert.equal(closed, false);
  assert.equal(deliverer.closing, false);
  await deliverer.close(0);
  assert.equal(closed, true);
  assert.equal(deliverer.closing, true);
});

test('drop ends queued work of a contact that went away; close marks unsent keys pending and aborts after the grace', async () => {
  const { deliverer, route, marks } = setup();
  const a = entry({ key: '1' }, 1);
  const b = entry({ key: '2' }, 2);
  deliverer.enqueue(route, CONTACT, '200', 'pbx.test', [a.entry]);
  await tick();
  deliverer.enqueue(route, CONTACT, '200', 'pbx.test', [b.entry]);
  deliverer.drop(CONTACT.id, 'unregistered', 'gone');
  assert.deepEqual([(await b.outcome).error, (await b.outcome).message], ['unregistered', 'gone']);
  route.calls[0]!.answer(ok200);
  assert.equal((await a.outcome).status, 200);

  const c = entry({ key: '3' }, 3);
  const d = entry({ key: '4' }, 4);
  deliverer.enqueue(route, CONTACT, '200', 'pbx.test', [c.entry]);
  await tick();
  deliverer.enqueue(route, CONTACT, '200', 'pbx.test', [d.entry]);
  deliverer.flushMarks();
  marks.length = 0;
  await deliverer.close(30);
  assert.deepEqual([(await c.outcome).error, (await d.outcome).error], ['closed', 'closed']);
  assert.equal(route.calls.at(-1)!.signal?.aborted, true);
  assert.deepEqual(marks.map((m) => `${m.key}:${m.status}`).sort(), ['3:pending', '4:pending']);
  const late = entry({ key: '5' }, 5);
  deliverer.enqueue(route, CONTACT, '200', 'pbx.test', [late.entry]);
  assert.equal((await late.outcome).error, 'closed');
});

test('a contact gone before the send ends "unregistered" with no record; drop also ends a document waiting for a slot', async () => {
  const { deliverer, route, marks } = setup({ maxInFlight: 1 });
  route.auto = () => ({ ok: false, error: 'unregistered', message: 'gone', destination: 'd', latencyMs: 0 });
  const a = entry({ key: '1' }, 1);
  deliverer.enqueue(route, CONTACT, '200', 'pbx.test', [a.entry]);
  assert.deepEqual([(await a.outcome).error, (await a.outcome).attempts], ['unregistered', 1]);
  deliverer.flushMarks();
  assert.deepEqual(marks, []);

  route.auto = undefined;
  const busy = entry({ key: '1' }, 2);
  deliverer.enqueue(route, { ...CONTACT, id: 'other' }, '200', 'pbx.test', [busy.entry]);
  await tick();
  const waiting = entry({ key: '2' }, 3);
  deliverer.enqueue(route, CONTACT, '200', 'pbx.test', [waiting.entry]);
  await tick();
  assert.equal(route.calls.length, 2, 'the second lane waits for the only slot');
  deliverer.drop(CONTACT.id, 'unregistered', 'gone');
  assert.equal((await waiting.outcome).error, 'unregistered');
  route.calls[1]!.answer(ok200);
  assert.equal((await busy.outcome).status, 200);
  await tick();
  await tick();
  assert.equal(route.calls.length, 2, 'the dropped document was never sent');
});

test('delivery records: a large backlog is written in bounded store batches, each record once', async () => {
  const batches: number[] = [];
  const marks: DeliveryRecord[] = [];
  const deliverer = new KeyDeliverer({
    keys: { recordDeliveries: (m) => { batches.push(m.length); marks.push(...m); } },
    attemptTimeoutMs: 1000, retryDelaysMs: [], maxDocumentBytes: 1300, maxInFlight: 2000, now: () => 1000, emit: () => {},
    onStoreError: (e) => { throw e; },
  });
  const route = new ScriptedRoute();
  route.auto = () => ok200;
  const outcomes: Array<Promise<DocumentOutcome>> = [];
  for (let i = 0; i < 1300; i++) {
    const e = entry({ key: String(i % 12), light: 'on' }, i + 1);
    deliverer.enqueue(route, { ...CONTACT, id: `lane-${i}`, uri: `sip:${i}@192.0.2.5` }, '200', 'pbx.test', [e.entry]);
    outcomes.push(e.outcome);
  }
  await Promise.all(outcomes);
  // records written while the deliverer works, the rest now
  await new Promise((r) => setTimeout(r, 30));
  deliverer.flushMarks();
  assert.equal(deliverer.pendingMarks, 0);
  assert.equal(marks.length, 1300);
  assert.ok(batches.every((n) => n > 0 && n <= 512), JSON.stringify(batches));
  assert.deepEqual(marks.map((m) => m.version).sort((a, b) => a - b), Array.from({ length: 1300 }, (_, i) => i + 1));
  deliverer.flushMarks();
  assert.equal(marks.length, 1300, 'nothing is written twice');
  await deliverer.close(0);
});

test('send controllers: reused after a send when the route left no listener on the signal; never when it did or after an abort', async () => {
  const { deliverer, route } = setup();
  const signals: AbortSignal[] = [];
  // a route that removes its abort listener when the send ends (as the SIP endpoint does)
  const clean: Route = {
    kind: 'embedded',
    contacts: () => ({ contacts: [CONTACT] }),
    deliver: (_t, _c, _b, options) => new Promise((resolve) => {
      const signal = options.signal!;
      signals.push(signal);
      const onAbort = (): void => resolve({ ok: false, error: 'aborted', message: 'aborted', destination: 'd', latencyMs: 0 });
      signal.addEventListener('abort', onAbort, { once: true });
      setImmediate(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(ok200);
      });
    }),
  };
  for (let i = 1; i <= 3; i++) {
    const a = entry({ key: String(i), label: 'x' }, i);
    deliverer.enqueue(clean, CONTACT, '200', 'pbx.test', [a.entry]);
    assert.equal((await a.outcome).status, 200);
  }
  assert.equal(signals.length, 3);
  assert.equal(new Set(signals).size, 1, 'one controller serves the sequential sends');
  // ScriptedRoute leaves its listener behind: each of its sends gets a new controller
  route.auto = () => ok200;
  for (let i = 4; i <= 5; i++) {
    const a = entry({ key: String(i), label: 'x' }, i);
    deliverer.enqueue(route, CONTACT, '200', 'pbx.test', [a.entry]);
    await a.outcome;
  }
  // the first of them got the spare controller; its listener stays, so the second gets a new one
  assert.equal(route.calls[0]!.signal, signals[0]);
  assert.notEqual(route.calls[1]!.signal, route.calls[0]!.signal);
  // an aborted controller (a document superseded while out) is not used again
  route.auto = undefined;
  const old = entry({ key: '9', label: 'old' }, 20);
  deliverer.enqueue(route, CONTACT, '200', 'pbx.test', [old.entry]);
  await tick();
  const out = route.calls.at(-1)!;
  deliverer.enqueue(route, CONTACT, '200', 'pbx.test', [entry({ key: '9', label: 'new' }, 21).entry]);
  await tick();
  assert.equal(out.signal!.aborted, true);
  const next = entry({ key: '10', label: 'x' }, 30);
  deliverer.enqueue(clean, { ...CONTACT, id: 'lane-2' }, '200', 'pbx.test', [next.entry]);
  await tick();
  assert.ok(![out.signal, route.calls[0]!.signal, route.calls[1]!.signal].includes(signals.at(-1)), 'a controller with listeners or aborted is not reused');
  await deliverer.close(0);
});

test('delivery records of several-key documents: split across store batches, each once, with contact, status and reason', async () => {
  const batches: number[] = [];
  const marks: DeliveryRecord[] = [];
  const deliverer = new KeyDeliverer({
    keys: { recordDeliveries: (m) => { batches.push(m.length); marks.push(...m); } },
    attemptTimeoutMs: 1000, retryDelaysMs: [], maxDocumentBytes: 1300, maxInFlight: 500, now: () => 1000, emit: () => {},
    onStoreError: (e) => { throw e; },
  });
  const route = new ScriptedRoute();
  route.auto = (body) => (body.includes('l=refused') ? status(404) : ok200);
  const outcomes: Array<Promise<DocumentOutcome>> = [];
  for (let i = 0; i < 100; i++) {
    const entries = Array.from({ length: 7 }, (_, k) => entry({ key: String(k + 1), label: i === 5 ? 'refused' : 'x' }, i * 7 + k + 1));
    deliverer.enqueue(route, { ...CONTACT, id: `lane-${i}`, uri: `sip:${i}@192.0.2.5` }, '200', 'pbx.test', entries.map((e) => e.entry));
    outcomes.push(...entries.map((e) => e.outcome));
  }
  await Promise.all(outcomes);
  deliverer.flushMarks();
  assert.equal(deliverer.pendingMarks, 0);
  assert.ok(batches.every((n) => n > 0 && n <= 512), JSON.stringify(batches));
  assert.equal(marks.length, 700);
  assert.deepEqual(marks.map((m) => m.version).sort((a, b) => a - b), Array.from({ length: 700 }, (_, i) => i + 1));
  for (const m of marks) {
    const i = Math.floor((m.version - 1) / 7);
    assert.deepEqual(m, {
      profile: 'internal', user: '200', host: 'pbx.test', key: String(((m.version - 1) % 7) + 1), contact: `sip:${i}@192.0.2.5`,
      version: m.version, at: 1000, ...(i === 5 ? { status: 'failed', reason: '404 R404' } : { status: 'delivered' }),
    });
  }
  await deliverer.close(0);
});
