import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Dispatcher } from 'undici';
import { AbortFlag } from '../../../src/phone/abort-flag.js';
import { exchange } from '../../../src/phone/http-exchange.js';

/** A dispatcher that hands the handler to the test, plus a controller recording aborts. */
function fakeDispatcher(): {
  dispatcher: Dispatcher;
  handler(): Dispatcher.DispatchHandler;
  controller: Dispatcher.DispatchController & { aborts: Error[] };
  sent: Dispatcher.DispatchOptions[];
} {
  let current: Dispatcher.DispatchHandler | undefined;
  const sent: Dispatcher.DispatchOptions[] = [];
  const aborts: Error[] = [];
  const controller = {
    aborts,
    aborted: false,
    paused: false,
    reason: null,
    abort: (e: Error) => aborts.push(e),
    pause: () => undefined,
    resume: () => undefined,
  };
  const dispatcher = {
    dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler) {
      sent.push(options);
      current = handler;
      return true;
    },
  } as unknown as Dispatcher;
  return { dispatcher, handler: () => current!, controller, sent };
}

test('sends GET with the path and headers; skips 1xx; resolves with the final status, headers and kept body', async () => {
  const f = fakeDispatcher();
  const flag = new AbortFlag();
  const p = exchange(f.dispatcher, '/command.htm?key=%23', { accept: '*/*' }, flag, { keep: true, limit: 10 });
  assert.deepEqual(f.sent, [{ path: '/command.htm?key=%23', method: 'GET', headers: { accept: '*/*' } }]);
  const h = f.handler();
  h.onRequestStart!(f.controller, {});
  h.onResponseStart!(f.controller, 100, {}, 'Continue');
  h.onResponseStart!(f.controller, 200, { 'content-type': 'image/bmp' }, 'OK');
  h.onResponseData!(f.controller, Buffer.from('BM'));
  h.onResponseData!(f.controller, Buffer.from('1234'));
  assert.notEqual(flag.watcher, undefined);
  h.onResponseEnd!(f.controller, {});
  assert.deepEqual(await p, { status: 200, headers: { 'content-type': 'image/bmp' }, body: Buffer.from('BM1234'), bodyTooLarge: false });
  assert.equal(flag.listenerCount('abort'), 0);
  assert.equal(flag.watcher, undefined);
});

test('a body over the limit stops reading and drops the connection; an unkept body is not returned', async () => {
  const f = fakeDispatcher();
  const p = exchange(f.dispatcher, '/', {}, new AbortFlag(), { keep: true, limit: 3 });
  const h = f.handler();
  h.onRequestStart!(f.controller, {});
  h.onResponseStart!(f.controller, 200, {}, 'OK');
  h.onResponseData!(f.controller, Buffer.from('abcd'));
  assert.deepEqual(await p, { status: 200, headers: {}, body: undefined, bodyTooLarge: true });
  assert.equal(f.controller.aborts.length, 1);
  h.onResponseError!(f.controller, f.controller.aborts[0]!); // undici reports the abort: ignored
  const g = fakeDispatcher();
  const q = exchange(g.dispatcher, '/', {}, new AbortFlag(), { keep: false, limit: 100 });
  g.handler().onResponseStart!(g.controller, 404, {}, 'Not Found');
  g.handler().onResponseData!(g.controller, Buffer.from('gone'));
  g.handler().onResponseEnd!(g.controller, {});
  assert.deepEqual(await q, { status: 404, headers: {}, body: undefined, bodyTooLarge: false });
});

test('an abort before the connection exists settles at once; undici is told when it gets there', async () => {
  const f = fakeDispatcher();
  const flag = new AbortFlag();
  const p = exchange(f.dispatcher, '/', {}, flag, { keep: false, limit: 100 });
  flag.abort(new Error('timeout'));
  await assert.rejects(p, /timeout/);
  f.handler().onRequestStart!(f.controller, {});
  assert.deepEqual(f.controller.aborts.map((e) => e.message), ['timeout']);
});

test('an abort in flight aborts the controller; errors reject; an aborted flag sends nothing', async () => {
  const f = fakeDispatcher();
  const flag = new AbortFlag();
  const p = exchange(f.dispatcher, '/', {}, flag, { keep: false, limit: 100 });
  f.handler().onRequestStart!(f.controller, {});
  flag.abort(new Error('aborted by caller'));
  await assert.rejects(p, /aborted by caller/);
  assert.equal(f.controller.aborts.length, 1);
  const g = fakeDispatcher();
  const q = exchange(g.dispatcher, '/', {}, new AbortFlag(), { keep: false, limit: 100 });
  g.handler().onResponseError!(g.controller, Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }));
  await assert.rejects(q, { code: 'ECONNREFUSED' });
  const h = fakeDispatcher();
  const early = new AbortFlag();
  early.abort(new Error('before'));
  await assert.rejects(exchange(h.dispatcher, '/', {}, early, { keep: false, limit: 1 }), /before/);
  assert.equal(h.sent.length, 0);
  const throwing = { dispatch: () => { throw new Error('bad dispatch'); } } as unknown as Dispatcher;
  await assert.rejects(exchange(throwing, '/', {}, new AbortFlag(), { keep: false, limit: 1 }), /bad dispatch/);
});
