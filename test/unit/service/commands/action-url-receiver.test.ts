import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ACTION_URL_EVENT_NAMES, parseActionUrlEventName } from '../../../../src/service/commands/action-url-events.js';
import { ActionUrlReceiver, decodeComponent, type ActionUrlResponse } from '../../../../src/service/commands/action-url-receiver.js';
import { InvalidOptionError } from '../../../../src/util/errors.js';

const AT = 1_700_000_000_000;
const receiver = new ActionUrlReceiver({ now: () => AT });

function rejected(r: ActionUrlResponse): [number, string, string] {
  assert.ok('error' in r, JSON.stringify(r));
  return [r.status, r.error.code, r.error.message];
}

test('event names: canonical, underscore, setting names, aliases, any case; others refused', () => {
  for (const name of ACTION_URL_EVENT_NAMES) assert.equal(parseActionUrlEventName(name), name);
  const cases: [string, string | undefined][] = [
    ['dnd_on', 'dnd-on'], ['DND-OFF', 'dnd-off'], ['action_dnd_on_url', 'dnd-on'], ['action_hold', 'hold'],
    ['action_reg_failed', 'registration-failed'], ['action_log_on_url', 'registration'], ['log-on', 'registration'],
    ['logon', 'registration'], ['log_off', 'log-off'], ['logoff', 'log-off'], ['registration_failed', 'registration-failed'],
    ['Incoming', 'incoming'], ['function_key', 'key'],
    ['', undefined], ['ringing', undefined], ['dnd on', undefined], ['dnd.on', undefined], ['action_', undefined],
    ['__proto__', undefined], ['constructor', undefined], ['x'.repeat(65), undefined], ['dnd-on\n', undefined],
  ];
  for (const [text, want] of cases) assert.equal(parseActionUrlEventName(text), want, text);
});

test('a phone’s request becomes a typed event with decoded variables', () => {
  const r = receiver.handle('GET', '/v1/action-url/incoming', 'local=100%40pbx.test&remote=%2B4930123&display_remote=Bob+B%C3%BCrger&call-id=a1b2%40h&empty=&flag', '192.0.2.7');
  assert.deepEqual(r, {
    status: 200,
    event: {
      event: 'incoming',
      phone: { remoteAddress: '192.0.2.7' },
      variables: { local: '100@pbx.test', remote: '+4930123', display_remote: 'Bob Bürger', 'call-id': 'a1b2@h', empty: '', flag: '' },
      at: AT,
    },
  });
});

test('the query may come with the path, or already decoded; empty segments are skipped', () => {
  const fromUrl = receiver.handle('GET', '/v1/action-url/dnd_on?&a=1&&b=2&', undefined, '::ffff:10.0.0.5');
  assert.deepEqual(fromUrl, { status: 200, event: { event: 'dnd-on', phone: { remoteAddress: '10.0.0.5' }, variables: { a: '1', b: '2' }, at: AT } });
  const decoded = receiver.handle('GET', '/v1/action-url/offhook', { remote: '200', local: '100@h' }, '2001:db8::7');
  assert.deepEqual(decoded, { status: 200, event: { event: 'offhook', phone: { remoteAddress: '2001:db8::7' }, variables: { remote: '200', local: '100@h' }, at: AT } });
  const none = receiver.handle('GET', '/v1/action-url/setup', undefined, '10.0.0.5');
  assert.deepEqual(none, { status: 200, event: { event: 'setup', phone: { remoteAddress: '10.0.0.5' }, variables: {}, at: AT } });
});

test('a variable named __proto__ is an own property, not a prototype change', () => {
  const r = receiver.handle('GET', '/v1/action-url/key', '__proto__=x&constructor=y', '10.0.0.5');
  assert.ok('event' in r);
  assert.deepEqual(Object.keys(r.event.variables), ['__proto__', 'constructor']);
  assert.equal(Object.getPrototypeOf(r.event.variables), Object.prototype);
  assert.equal(r.event.variables.__proto__, 'x');
});

test('the phone is identified by its address when identify knows it; a throwing identify counts as unknown', () => {
  const known = new ActionUrlReceiver({ now: () => AT, identify: (a) => (a === '10.0.0.5' ? { user: '2000', domain: 'pbx.test' } : undefined) });
  const a = known.handle('GET', '/v1/action-url/missed', 'remote=300', '10.0.0.5');
  assert.ok('event' in a);
  assert.deepEqual(a.event.phone, { remoteAddress: '10.0.0.5', user: '2000', domain: 'pbx.test' });
  const b = known.handle('GET', '/v1/action-url/missed', '', '10.0.0.6');
  assert.ok('event' in b);
  assert.deepEqual(b.event.phone, { remoteAddress: '10.0.0.6' });
  const throwing = new ActionUrlReceiver({ identify: () => { throw new Error('db down'); } });
  const c = throwing.handle('GET', '/v1/action-url/missed', '', '10.0.0.6');
  assert.ok('event' in c);
  assert.deepEqual(c.event.phone, { remoteAddress: '10.0.0.6' });
});

test('bad requests are refused with a specific status, code and reason', () => {
  const long = 'v'.repeat(1025);
  const cases: [Parameters<ActionUrlReceiver['handle']>, [number, string, string]][] = [
    [['POST', '/v1/action-url/incoming', '', '10.0.0.5'], [405, 'method-not-allowed', 'only GET is accepted']],
    [['get', '/v1/action-url/incoming', '', '10.0.0.5'], [405, 'method-not-allowed', 'only GET is accepted']],
    [['GET', '/v2/action-url/incoming', '', '10.0.0.5'], [404, 'bad-path', 'the path must start with /v1/action-url/']],
    [['GET', '/v1/action-url/incoming/x', '', '10.0.0.5'], [404, 'bad-path', 'the path must end in one event name']],
    [['GET', '/v1/action-url/', '', '10.0.0.5'], [404, 'bad-path', 'the path must end in one event name']],
    [['GET', '/v1/action-url/in%63oming', '', '10.0.0.5'], [404, 'bad-path', 'the path must end in one event name']],
    [['GET', `/v1/action-url/${'a'.repeat(300)}`, '', '10.0.0.5'], [404, 'bad-path', 'the path is longer than 256 characters']],
    [['GET', '/v1/action-url/ringing', '', '10.0.0.5'], [404, 'unknown-event', "unknown event 'ringing'"]],
    [['GET', '/v1/action-url/incoming', 'a=1', 'not-an-ip'], [400, 'bad-remote-address', 'the remote address is not an IP address']],
    [['GET', '/v1/action-url/incoming', 'a=1', ''], [400, 'bad-remote-address', 'the remote address is not an IP address']],
    [['GET', '/v1/action-url/incoming', `a=${'x'.repeat(4095)}`, '10.0.0.5'], [414, 'query-too-long', 'the query is longer than 4096 characters']],
    [['GET', '/v1/action-url/incoming', Array.from({ length: 33 }, (_, i) => `v${i}=1`).join('&'), '10.0.0.5'], [400, 'too-many-variables', 'more than 32 parameters']],
    [['GET', '/v1/action-url/incoming', 'a=1&b%20c=2', '10.0.0.5'], [400, 'bad-variable-name', 'parameter 2: a name is 1 to 64 of A-Z a-z 0-9 _ . -']],
    [['GET', '/v1/action-url/incoming', '=1', '10.0.0.5'], [400, 'bad-variable-name', 'parameter 1: a name is 1 to 64 of A-Z a-z 0-9 _ . -']],
    [['GET', '/v1/action-url/incoming', `${'n'.repeat(65)}=1`, '10.0.0.5'], [400, 'bad-variable-name', 'parameter 1: a name is 1 to 64 of A-Z a-z 0-9 _ . -']],
    [['GET', '/v1/action-url/incoming', 'remote=1&remote=2', '10.0.0.5'], [400, 'duplicate-variable', "parameter 2: 'remote' is given twice"]],
    [['GET', '/v1/action-url/incoming', `remote=${long}`, '10.0.0.5'], [400, 'value-too-long', "'remote' is longer than 1024 characters"]],
    [['GET', '/v1/action-url/incoming', 'remote=%ZZ', '10.0.0.5'], [400, 'bad-encoding', 'parameter 1: the value is not valid percent-encoded UTF-8']],
    [['GET', '/v1/action-url/incoming', 'remote=%C3', '10.0.0.5'], [400, 'bad-encoding', 'parameter 1: the value is not valid percent-encoded UTF-8']],
    [['GET', '/v1/action-url/incoming', 'a=1&re%FFmote=1', '10.0.0.5'], [400, 'bad-encoding', 'parameter 2: the name is not valid percent-encoded UTF-8']],
    [['GET', '/v1/action-url/incoming', 'remote=a%0D%0AX-Injected:1', '10.0.0.5'], [400, 'control-character', "'remote' contains CR at 1"]],
    [['GET', '/v1/action-url/incoming', 'remote=a%00', '10.0.0.5'], [400, 'control-character', "'remote' contains NUL at 1"]],
    [['GET', '/v1/action-url/incoming', 'remote=a\tb', '10.0.0.5'], [400, 'control-character', "'remote' contains TAB at 1"]],
    [['GET', '/v1/action-url/incoming', { remote: 42 }, '10.0.0.5'], [400, 'bad-encoding', 'parameter 1: the value is not a string']],
    [['GET', '/v1/action-url/incoming', { remote: ['1', '2'] }, '10.0.0.5'], [400, 'duplicate-variable', "parameter 2: 'remote' is given twice"]],
    [['GET', '/v1/action-url/incoming', { remote: 'x'.repeat(5000) }, '10.0.0.5'], [414, 'query-too-long', 'the query is longer than 4096 characters']],
  ];
  for (const [args, want] of cases) assert.deepEqual(rejected(receiver.handle(...args)), want, JSON.stringify(args).slice(0, 120));
});

test('a hostile decoded query (throwing getter) is refused, not thrown', () => {
  const hostile = Object.defineProperty({}, 'remote', { enumerable: true, get: () => { throw new Error('boom'); } });
  assert.deepEqual(rejected(receiver.handle('GET', '/v1/action-url/incoming', hostile, '10.0.0.5')), [400, 'bad-encoding', 'the query could not be read']);
});

test('options: base path, limits and functions are checked; a custom base path and limits apply', () => {
  assert.throws(() => new ActionUrlReceiver({ basePath: 'v1/' }), InvalidOptionError);
  assert.throws(() => new ActionUrlReceiver({ basePath: '/v1' }), InvalidOptionError);
  assert.throws(() => new ActionUrlReceiver({ basePath: '/a b/' }), InvalidOptionError);
  assert.throws(() => new ActionUrlReceiver({ limits: { maxVariables: 0 } }), InvalidOptionError);
  assert.throws(() => new ActionUrlReceiver({ now: 5 as unknown as () => number }), InvalidOptionError);
  assert.throws(() => new ActionUrlReceiver({ identify: 'x' as never }), InvalidOptionError);
  const small = new ActionUrlReceiver({ basePath: '/snom/', limits: { maxVariables: 1, maxValueLength: 3 }, now: () => 1 });
  assert.equal(small.handle('GET', '/snom/hold', 'a=abc', '10.0.0.1').status, 200);
  assert.deepEqual(rejected(small.handle('GET', '/snom/hold', 'a=abcd', '10.0.0.1')), [400, 'value-too-long', "'a' is longer than 3 characters"]);
  assert.deepEqual(rejected(small.handle('GET', '/snom/hold', 'a=1&b=2', '10.0.0.1')), [400, 'too-many-variables', 'more than 1 parameters']);
});

test('decodeComponent: + and %XX, strict UTF-8, lone surrogates refused', () => {
  assert.equal(decodeComponent('a+b%20c%2B'), 'a b c+');
  assert.equal(decodeComponent('%E2%82%AC'), '€');
  assert.equal(decodeComponent('€'), '€');
  assert.equal(decodeComponent('%e2%82%ac'), '€');
  assert.equal(decodeComponent('%'), undefined);
  assert.equal(decodeComponent('%4'), undefined);
  assert.equal(decodeComponent('%C0%AF'), undefined, 'overlong UTF-8');
  assert.equal(decodeComponent('\uD800'), undefined);
});

test('property: any input gives a well-formed answer, never an exception, never a control character in a variable', () => {
  const text = fc.string({ unit: 'binary', maxLength: 300 });
  fc.assert(
    fc.property(fc.constantFrom('GET', 'POST', 'HEAD', ''), fc.oneof(text, text.map((t) => `/v1/action-url/${t}`), fc.constantFrom(...ACTION_URL_EVENT_NAMES).map((e) => `/v1/action-url/${e}`)), fc.oneof(text, fc.constant(undefined), fc.array(fc.tuple(fc.stringMatching(/^[a-z_-]{1,8}$/), text), { maxLength: 8 }).map((kv) => kv.map(([k, v]) => `${k}=${encodeURIComponent(v.replace(/[\uD800-\uDFFF]/g, ''))}`).join('&'))), fc.oneof(text, fc.constantFrom('10.0.0.1', '::1')), (method, path, query, address) => {
      const r = receiver.handle(method, path, query, address);
      if ('event' in r) {
        assert.equal(r.status, 200);
        assert.ok(ACTION_URL_EVENT_NAMES.includes(r.event.event));
        for (const [name, value] of Object.entries(r.event.variables)) {
          assert.match(name, /^[A-Za-z0-9_.-]{1,64}$/);
          assert.ok(!/[\u0000-\u001f\u007f-\u009f]/.test(value) && value.length <= 1024);
        }
      } else {
        assert.ok([400, 404, 405, 414].includes(r.status));
      }
    }),
    { numRuns: 10000 },
  );
});
