import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DeadlineQueue, type DeadlineEntry, type DeadlineList } from '../../../src/phone/deadline-queue.js';

class Entry implements DeadlineEntry {
  deadline = 0;
  deadlinePrev: DeadlineEntry | undefined = undefined;
  deadlineNext: DeadlineEntry | undefined = undefined;
  deadlineList: DeadlineList | undefined = undefined;
  expiredAt: number | undefined;

  constructor(
    readonly name: string,
    readonly log: string[],
  ) {}

  expire(): void {
    this.expiredAt = performance.now();
    this.log.push(this.name);
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('entries expire in deadline order, across durations, not before their deadline; removed ones never', async () => {
  const q = new DeadlineQueue();
  const log: string[] = [];
  const now = performance.now();
  const slow = new Entry('slow', log);
  const fast = new Entry('fast', log);
  const gone = new Entry('gone', log);
  const mid = new Entry('mid', log);
  q.add(slow, 120, now);
  q.add(gone, 40, now);
  q.add(fast, 30, now);
  q.add(mid, 60, now);
  assert.equal(q.size, 4);
  q.remove(gone);
  q.remove(gone); // twice: no effect
  assert.equal(q.size, 3);
  await sleep(200);
  assert.deepEqual(log, ['fast', 'mid', 'slow']);
  for (const e of [fast, mid, slow]) assert.ok(e.expiredAt! >= e.deadline, `${e.name} expired ${e.deadline - e.expiredAt!} ms early`);
  assert.equal(fast.deadline, now + 30);
  assert.equal(q.size, 0);
  assert.deepEqual(q.entries(), []);
});

test('an entry added with an earlier deadline than the armed one re-arms the timer', async () => {
  const q = new DeadlineQueue();
  const log: string[] = [];
  q.add(new Entry('late', log), 5000, performance.now());
  const early = new Entry('early', log);
  q.add(early, 20, performance.now());
  await sleep(80);
  assert.deepEqual(log, ['early']);
  assert.equal(q.size, 1);
  for (const e of q.entries()) q.remove(e);
  assert.equal(q.size, 0);
});

test('expire() may add and remove entries; entries() is a snapshot', async () => {
  const q = new DeadlineQueue();
  const log: string[] = [];
  const second = new Entry('second', log);
  const first = new (class extends Entry {
    override expire(): void {
      super.expire();
      q.add(second, 10, performance.now());
    }
  })('first', log);
  q.add(first, 10, performance.now());
  await sleep(60);
  assert.deepEqual(log, ['first', 'second']);
  const a = new Entry('a', log);
  const b = new Entry('b', log);
  q.add(a, 1000, performance.now());
  q.add(b, 2000, performance.now());
  const all = q.entries();
  assert.deepEqual(all, [a, b]);
  for (const e of all) q.remove(e);
  assert.equal(q.size, 0);
});

test('the timer does not keep the process alive once no entry is queued', async () => {
  const q = new DeadlineQueue();
  const e = new Entry('x', []);
  q.add(e, 60_000, performance.now());
  q.remove(e);
  // Only the unreferenced timer is left: the event loop would end; nothing to assert but no hang.
  assert.equal(q.size, 0);
});

test('lists stay consistent under any interleaving of adds and removes (property)', () => {
  fc.assert(
    fc.property(
      fc.array(fc.record({ add: fc.boolean(), duration: fc.constantFrom(100_000, 200_000, 300_000), pick: fc.nat() }), { maxLength: 60 }),
      (ops) => {
        const q = new DeadlineQueue();
        const queued: Entry[] = [];
        let now = performance.now();
        for (const op of ops) {
          now += 1;
          if (op.add || queued.length === 0) {
            const e = new Entry(String(queued.length), []);
            q.add(e, op.duration, now);
            queued.push(e);
          } else {
            const [e] = queued.splice(op.pick % queued.length, 1);
            q.remove(e!);
          }
          assert.equal(q.size, queued.length);
          const listed = q.entries();
          assert.equal(listed.length, queued.length);
          assert.deepEqual(new Set(listed), new Set(queued));
        }
        for (const e of queued) q.remove(e);
        assert.equal(q.size, 0);
      },
    ),
    { numRuns: 10000 },
  );
});

test('a deadline beyond the longest Node timer delay does not expire early', async () => {
  const q = new DeadlineQueue();
  const log: string[] = [];
  const e = new Entry('far', log);
  q.add(e, 3_000_000_000, performance.now());
  await sleep(30);
  assert.deepEqual(log, []);
  q.remove(e);
});
