// DeliveryLane on its own, with a fake clock and a route whose sends the test answers: every caller of
// every entry is answered exactly once, whatever enqueue/retry/re-sync/drop/close sequence happens.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DeliveryLane, markRecords, type DocumentMarks, type LaneHost } from '../../../src/service/delivery-lane.js';
import type { DeliveryCause, DeliveryEvent, DocumentOutcome, QueuedKey } from '../../../src/service/delivery-types.js';
import type { DeliverOptions, DeliveryBody, KeyTarget, Route, RouteContact, SendOutcome } from '../../../src/service/route.js';
import type { DeliveryRecord } from '../../../src/store/key-state-table.js';
import { FakeClock } from '../../helpers/fake-clock.js';

const CONTACT: RouteContact = { id: 'lane-1', uri: 'sip:200@192.0.2.5;line=x', destination: 'udp:192.0.2.5:5060' };
const TARGET: KeyTarget = { profile: 'internal', user: '200', host: 'pbx.test' };
const D = 'udp:192.0.2.5:5060';
const status = (s: number, reason: string): SendOutcome => ({ ok: true, status: s, reason, destination: D, latencyMs: 1 });
const ok200 = status(200, 'OK');
const timeout: SendOutcome = { ok: false, error: 'timeout', message: 'no answer', destination: D, latencyMs: 5 };

interface Call {
  readonly body: string;
  readonly signal: AbortSignal | undefined;
  readonly answer: (o: SendOutcome) => void;
  answered: boolean;
}

/** Sends wait until the test answers them; an abort answers `aborted`. */
class ScriptedRoute implements Route {
  readonly kind = 'embedded' as const;
  readonly calls: Call[] = [];
  contacts(): { contacts: RouteContact[] } {
    return { contacts: [CONTACT] };
  }
  deliver(_t: KeyTarget, _c: RouteContact, body: DeliveryBody, options: DeliverOptions): Promise<SendOutcome> {
    return new Promise((resolve) => {
      const call: Call = {
        body: body.body.toString(), signal: options.signal, answered: false,
        answer: (o) => {
          if (call.answered) return;
          call.answered = true;
          resolve(o);
        },
      };
      this.calls.push(call);
      options.signal?.addEventListener('abort', () => call.answer({ ok: false, error: 'aborted', message: 'aborted', destination: D, latencyMs: 0 }));
    });
  }
  /** Sends not answered yet. */
  get open(): Call[] {
    return this.calls.filter((c) => !c.answered);
  }
}

/** A LaneHost with `slots` send slots, a fake clock, and recorders. */
class Host implements LaneHost {
  readonly attemptTimeoutMs = 1000;
  readonly retryDelaysMs: readonly number[];
  readonly maxDocumentBytes = 1300;
  readonly clock = new FakeClock(1000);
  readonly timers = this.clock;
  readonly marks: DeliveryRecord[] = [];
  readonly events: DeliveryEvent[] = [];
  readonly waiting: Array<(ok: boolean) => void> = [];
  slots: number;
  inUse = 0;
  closing = false;

  constructor(retryDelaysMs: readonly number[] = [100, 200], slots = 10) {
    this.retryDelaysMs = retryDelaysMs;
    this.slots = slots;
  }
  now(): number {
    return this.clock.now();
  }
  acquire(): Promise<boolean> {
    if (this.closing) return Promise.resolve(false);
    if (this.inUse < this.slots) {
      this.inUse++;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    this.inUse--;
    this.#grant();
  }
  controller(): AbortController {
    return new AbortController();
  }
  recycle(): void {}
  /** More slots (after a test took them away). */
  free(slots: number): void {
    this.slots = slots;
    this.#grant();
  }
  /** As the deliverer's close: waiting acquirers get no slot. */
  stop(): void {
    this.closing = true;
    for (const w of this.waiting.splice(0)) w(false);
  }
  #grant(): void {
    while (this.inUse < this.slots && this.waiting.length > 0) {
      this.inUse++;
      this.waiting.shift()!(true);
    }
  }
  mark(marks: DocumentMarks): void {
    this.marks.push(...markRecords(marks));
  }
  emit(event: DeliveryEvent): void {
    this.events.push(event);
  }
  idle(): void {}
}

/** A queued key whose waiter records every call it gets. */
interface Tracked {
  readonly entry: QueuedKey;
  readonly key: string;
  readonly version: number;
  readonly calls: DocumentOutcome[];
}

function tracked(key: string, version: number, cause: DeliveryCause = 'bind'): Tracked {
  const calls: DocumentOutcome[] = [];
  const entry: QueuedKey = {
    target: TARGET, state: { key, label: `v${version}` }, version, format: 'x-buttons', cause, waiters: [(o) => calls.push(o)], supersededWaiters: [],
  };
  return { entry, key, version, calls };
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

function setup(retryDelaysMs?: readonly number[], slots?: number): { host: Host; route: ScriptedRoute; lane: DeliveryLane } {
  const host = new Host(retryDelaysMs, slots);
  const route = new ScriptedRoute();
  return { host, route, lane: new DeliveryLane(host, route, CONTACT, '200', 'pbx.test') };
}

/** `k@label` of each key in a document body. */
function keysOf(body: string): string[] {
  return body.split('\r\n\r\n').filter((b) => b !== '').map((b) => `${/k=([^\r]*)/.exec(b)![1]}@${/l=([^\r]*)/.exec(b)![1]}`);
}

test('re-sync of the same version while a bind is backing off: sent at once, both callers get its outcome', async () => {
  const { host, route, lane } = setup();
  const bind = tracked('2', 1, 'bind');
  lane.enqueue([bind.entry]);
  await tick();
  route.calls[0]!.answer(timeout);
  await tick();
  assert.deepEqual(host.events.map((e) => e.status), ['retrying']);
  // the phone re-registers: its desired set (same version) is queued again
  const resync = tracked('2', 1, 'resync');
  const other = tracked('3', 4, 'resync');
  lane.enqueue([resync.entry, other.entry]);
  await tick();
  assert.equal(route.calls.length, 2, 'the re-sync goes at once, without waiting for the backoff');
  assert.deepEqual(keysOf(route.calls[1]!.body), ['2@v1', '3@v4'], 'key 2 goes once');
  route.calls[1]!.answer(ok200);
  await tick();
  assert.deepEqual(bind.calls.map((o) => [o.status, o.superseded, o.attempts]), [[200, false, 1]], 'the bind caller is answered');
  assert.deepEqual(resync.calls.map((o) => [o.status, o.superseded]), [[200, false]]);
  assert.deepEqual(other.calls.map((o) => o.status), [200]);
  host.clock.advance(10_000);
  await tick();
  assert.equal(route.calls.length, 2, 'the cancelled backoff sends nothing');
  assert.deepEqual(host.marks.map((m) => `${m.key}@${m.version}:${m.status}`), ['2@1:pending', '2@1:delivered', '3@4:delivered']);
  assert.equal(lane.idle, true);
});

test('an idle lane: a batch with one key twice keeps the newer version (the older caller follows it); stored blocks go as they are', async () => {
  const { host, route, lane } = setup();
  const older = tracked('2', 1);
  const newer = tracked('2', 3);
  const other = tracked('4', 2);
  lane.enqueue([older.entry, other.entry, newer.entry]);
  await tick();
  assert.equal(route.calls.length, 1);
  assert.deepEqual(keysOf(route.calls[0]!.body), ['2@v3', '4@v2']);
  route.calls[0]!.answer(ok200);
  await tick();
  assert.deepEqual(older.calls.map((o) => [o.status, o.superseded]), [[200, true]]);
  assert.deepEqual(newer.calls.map((o) => [o.status, o.superseded]), [[200, false]]);
  assert.deepEqual(host.marks.map((m) => `${m.key}@${m.version}`), ['2@3', '4@2']);
  // a start-up re-sync queues blocks read from the store: sent byte for byte, events and marks name their keys
  const encoded: QueuedKey[] = ['5', '6'].map((key, i) => ({
    target: TARGET, state: { key, block: `k=${key}\r\nl=stored ${key}\r\n` }, version: 10 + i, format: 'x-buttons', cause: 'startup',
  }));
  lane.enqueue(encoded);
  await tick();
  assert.equal(route.calls[1]!.body, 'k=5\r\nl=stored 5\r\n\r\nk=6\r\nl=stored 6\r\n');
  route.calls[1]!.answer(ok200);
  await tick();
  assert.deepEqual(host.events.at(-1)!.keys, [{ profile: 'internal', key: '5', version: 10 }, { profile: 'internal', key: '6', version: 11 }]);
  assert.deepEqual(host.marks.slice(2).map((m) => `${m.key}@${m.version}:${m.status}`), ['5@10:delivered', '6@11:delivered']);
  assert.equal(lane.idle, true);
});

test('an idle lane: a batch over the size limit goes in several documents, in order, one at a time', async () => {
  const { route, lane } = setup();
  // 1300-byte documents, blocks of about 400 bytes: three per document at most
  const entries = Array.from({ length: 7 }, (_, i) => ({ ...tracked(String(i + 1), i + 1).entry, state: { key: String(i + 1), label: `v${i + 1}${'.'.repeat(390)}` } }));
  lane.enqueue(entries);
  for (let n = 1; n <= 3; n++) {
    await tick();
    assert.equal(route.calls.length, n);
    route.calls[n - 1]!.answer(ok200);
  }
  await tick();
  assert.deepEqual(route.calls.map((c) => keysOf(c.body).map((k) => k.split('@')[0])), [['1', '2', '3'], ['4', '5', '6'], ['7']]);
  assert.equal(lane.idle, true);
});

test('the same version again while its document is out is sent again after it; each caller gets its own send', async () => {
  const { route, lane } = setup();
  const a = tracked('2', 1);
  lane.enqueue([a.entry]);
  await tick();
  const b = tracked('2', 1, 'resync');
  lane.enqueue([b.entry]);
  assert.equal(route.calls[0]!.signal?.aborted, false);
  route.calls[0]!.answer(ok200);
  await tick();
  assert.deepEqual(a.calls.map((o) => o.status), [200]);
  assert.equal(b.calls.length, 0);
  assert.equal(route.calls.length, 2, 'the phone may have missed the first one (it re-registered): sent again');
  route.calls[1]!.answer(status(202, 'Accepted'));
  await tick();
  assert.deepEqual(b.calls.map((o) => [o.status, o.superseded]), [[202, false]]);
});

test('the same version again while its document waits for a send slot joins it (one send)', async () => {
  const { host, route, lane } = setup(undefined, 0);
  const a = tracked('2', 1);
  lane.enqueue([a.entry]);
  await tick();
  const b = tracked('2', 1, 'resync');
  lane.enqueue([b.entry]);
  host.free(1);
  await tick();
  assert.equal(route.calls.length, 1);
  route.calls[0]!.answer(ok200);
  await tick();
  assert.deepEqual([a.calls.map((o) => [o.status, o.superseded]), b.calls.map((o) => [o.status, o.superseded])], [[[200, false]], [[200, false]]]);
  await tick();
  assert.equal(route.calls.length, 1);
});

test('an older version arriving while a newer one is out follows the newer one and is never sent after it', async () => {
  const { route, lane } = setup();
  const v5 = tracked('2', 5);
  lane.enqueue([v5.entry]);
  await tick();
  const v4 = tracked('2', 4, 'resync');
  lane.enqueue([v4.entry]);
  route.calls[0]!.answer(ok200);
  await tick();
  await tick();
  assert.equal(route.calls.length, 1, 'v4 is not sent after v5');
  assert.deepEqual([v5.calls.map((o) => [o.status, o.superseded]), v4.calls.map((o) => [o.status, o.superseded])], [[[200, false]], [[200, true]]]);
});

test('a newer version during a backoff replaces the older one; its caller gets the newer outcome, superseded', async () => {
  const { host, route, lane } = setup();
  const v1 = tracked('2', 1);
  lane.enqueue([v1.entry]);
  await tick();
  route.calls[0]!.answer(timeout);
  await tick();
  const v2 = tracked('2', 2);
  lane.enqueue([v2.entry]);
  await tick();
  assert.deepEqual(keysOf(route.calls[1]!.body), ['2@v2']);
  route.calls[1]!.answer(status(486, 'Busy Here'));
  await tick();
  assert.deepEqual([v1.calls.map((o) => [o.status, o.superseded]), v2.calls.map((o) => [o.status, o.superseded])], [[[486, true]], [[486, false]]]);
  assert.deepEqual(host.marks.map((m) => `${m.version}:${m.status}`), ['1:pending', '2:failed']);
});

test('close: queued and backing-off keys end closed (marked pending), a document out finishes; enqueue after close ends closed', async () => {
  const { host, route, lane } = setup();
  const a = tracked('1', 1);
  lane.enqueue([a.entry]);
  await tick();
  route.calls[0]!.answer(timeout);
  await tick();
  const closed = lane.close();
  host.stop();
  await closed;
  assert.deepEqual(a.calls.map((o) => [o.error, o.superseded]), [['closed', false]]);
  const late = tracked('1', 2);
  lane.enqueue([late.entry]);
  assert.deepEqual(late.calls.map((o) => o.error), ['closed'], 'answered at once: nothing will ever send it');
  assert.equal(route.calls.length, 1);

  const s = setup();
  const out = tracked('1', 1);
  s.lane.enqueue([out.entry]);
  await tick();
  const queued = tracked('2', 2);
  s.lane.enqueue([queued.entry]);
  let done = false;
  const closing = s.lane.close().then(() => { done = true; });
  assert.deepEqual(queued.calls.map((o) => o.error), ['closed']);
  // a newer version of the key that is out, after close: ends closed, does not abort the send
  const newer = tracked('1', 3);
  s.lane.enqueue([newer.entry]);
  assert.deepEqual(newer.calls.map((o) => o.error), ['closed']);
  assert.equal(s.route.calls[0]!.signal?.aborted, false);
  await tick();
  assert.equal(done, false, 'close waits for the document out');
  s.lane.abort();
  await closing;
  assert.deepEqual(out.calls.map((o) => o.error), ['closed']);
});

test('drop ends queued and backing-off keys with the error; a document out still answers its callers', async () => {
  const { route, lane } = setup();
  const out = tracked('1', 1);
  lane.enqueue([out.entry]);
  await tick();
  const queued = tracked('2', 2);
  const replaced = tracked('3', 3);
  const newer = tracked('3', 4);
  lane.enqueue([queued.entry, replaced.entry]);
  lane.enqueue([newer.entry]);
  lane.drop('unregistered', 'gone');
  assert.deepEqual([queued, replaced, newer].map((t) => t.calls.map((o) => [o.error, o.superseded])), [[['unregistered', false]], [['unregistered', true]], [['unregistered', false]]]);
  assert.equal(out.calls.length, 0);
  route.calls[0]!.answer(timeout);
  await tick();
  assert.equal(out.calls.length, 0, 'backing off');
  lane.drop('unregistered', 'gone');
  assert.deepEqual(out.calls.map((o) => o.error), ['unregistered']);
  assert.equal(lane.idle, true);
});

// ---- random sequences ----

type Op =
  | { readonly op: 'enqueue'; readonly keys: ReadonlyArray<{ readonly key: number; readonly kind: 'new' | 'same' | 'stale' }>; readonly cause: DeliveryCause }
  | { readonly op: 'answer'; readonly index: number; readonly outcome: 'ok' | '503' | '486' | 'timeout' | 'unregistered' }
  | { readonly op: 'advance'; readonly ms: number }
  | { readonly op: 'slots'; readonly slots: number }
  | { readonly op: 'drop' }
  | { readonly op: 'close' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      op: fc.constant('enqueue' as const),
      keys: fc.uniqueArray(fc.record({ key: fc.integer({ min: 0, max: 2 }), kind: fc.constantFrom('new' as const, 'same' as const, 'same' as const, 'stale' as const) }), { minLength: 1, maxLength: 3, selector: (k) => k.key }),
      cause: fc.constantFrom<DeliveryCause>('bind', 'resync', 'startup'),
    }),
  },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('answer' as const), index: fc.nat(3), outcome: fc.constantFrom('ok' as const, 'ok' as const, '503' as const, '486' as const, 'timeout' as const, 'unregistered' as const) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.constantFrom(0, 50, 100, 200, 1000) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('slots' as const), slots: fc.integer({ min: 0, max: 1 }) }) },
  { weight: 1, arbitrary: fc.constant({ op: 'drop' as const }) },
  { weight: 1, arbitrary: fc.constant({ op: 'close' as const }) },
);

function outcomeOf(o: Extract<Op, { op: 'answer' }>['outcome']): SendOutcome {
  switch (o) {
    case 'ok': return ok200;
    case '503': return status(503, 'Service Unavailable');
    case '486': return status(486, 'Busy Here');
    case 'timeout': return timeout;
    case 'unregistered': return { ok: false, error: 'unregistered', message: 'gone', destination: D, latencyMs: 0 };
  }
}

test('random enqueue/answer/retry/re-sync/drop/close sequences: every caller is answered exactly once, versions in order', async () => {
  await fc.assert(fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 25 }), async (ops) => {
    const { host, route, lane } = setup([100, 200], 1);
    const all: Tracked[] = [];
    const latest = new Map<string, number>();
    let version = 0;
    let stale = false;
    let closing: Promise<void> | undefined;
    for (const step of ops) {
      switch (step.op) {
        case 'enqueue': {
          const batch = step.keys.map(({ key, kind }) => {
            const k = String(key);
            const last = latest.get(k);
            let v: number;
            if (kind === 'same' && last !== undefined) v = last;
            else if (kind === 'stale' && last !== undefined && last > 1) {
              v = last - 1;
              stale = true;
            } else v = ++version;
            if (v > (last ?? 0)) latest.set(k, v);
            return tracked(k, v, step.cause);
          });
          all.push(...batch);
          lane.enqueue(batch.map((t) => t.entry));
          break;
        }
        case 'answer': {
          const open = route.open;
          if (open.length > 0) open[step.index % open.length]!.answer(outcomeOf(step.outcome));
          break;
        }
        case 'advance':
          host.clock.advance(step.ms);
          break;
        case 'slots':
          host.free(step.slots);
          break;
        case 'drop':
          lane.drop('unregistered', 'gone');
          break;
        case 'close':
          closing ??= lane.close();
          host.stop();
          break;
      }
      await tick();
      assert.ok(route.open.length <= 1, 'one document out at a time');
    }
    // wind down: close, then answer whatever is still out and let every timer run
    closing ??= lane.close();
    host.stop();
    let closed = false;
    void closing.then(() => { closed = true; });
    for (let i = 0; i < 20 && !closed; i++) {
      for (const c of route.open) c.answer(ok200);
      host.clock.advance(10_000);
      await tick();
    }
    assert.equal(closed, true, 'close resolves');
    assert.equal(host.inUse, 0, 'every send slot was released');
    assert.equal(route.open.length, 0);
    for (const t of all) {
      assert.equal(t.calls.length, 1, `key ${t.key}@${t.version} answered ${t.calls.length} times`);
      const o = t.calls[0]!;
      if (o.superseded) assert.ok(t.version < latest.get(t.key)!, 'only older versions are superseded');
      if (!o.superseded && o.status === 200) {
        assert.ok(host.marks.some((m) => m.key === t.key && m.version === t.version && m.status === 'delivered'), 'a plain 200 means that version was recorded delivered');
      }
    }
    // a lane keeps no history once idle: a stale version queued after its newer one finished is sent
    if (!stale) {
      // no version of a key is marked delivered after a newer one of it was
      const best = new Map<string, number>();
      for (const m of host.marks.filter((x) => x.status === 'delivered')) {
        assert.ok(m.version >= (best.get(m.key) ?? 0), `delivered ${m.key}@${m.version} after @${best.get(m.key)}`);
        best.set(m.key, m.version);
      }
      // the phone never sees an older version of a key after a newer one
      const seen = new Map<string, number>();
      for (const c of route.calls) {
        for (const kv of keysOf(c.body)) {
          const [k, label] = kv.split('@') as [string, string];
          const v = Number(label.slice(1));
          assert.ok(v >= (seen.get(k) ?? 0), `sent ${k}@${v} after @${seen.get(k)}`);
          seen.set(k, v);
        }
      }
    }
  }), { numRuns: 10000 });
});
