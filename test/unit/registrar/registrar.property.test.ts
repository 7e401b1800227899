// Property: after any sequence of REGISTERs, refreshes, unregistrations, sweeps and clock jumps, the
// registrar's in-memory bindings equal what a fresh registrar loads from the (SQLite) store.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Registrar } from '../../../src/registrar/registrar.js';
import { bindingKey } from '../../../src/registrar/registration-store.js';
import type { Binding, RegisterSource } from '../../../src/registrar/binding.js';
import { openStore } from '../../../src/store/sqlite-store.js';
import { register } from './register-fixtures.js';

const CONTACTS = [
  '<sip:u@192.0.2.1>',
  '<SIP:u@192.0.2.1;transport=udp>', // not equivalent to the first (transport appears in one only)
  '<sip:u@192.0.2.1;line=x>', // equivalent to the first (line only in one)
  '<sip:u@192.0.2.2>;+sip.instance="<urn:uuid:1>"',
  '<sip:u@192.0.2.3>;+sip.instance="<urn:uuid:1>"',
  '<sip:u@192.0.2.3>;+sip.instance="<urn:uuid:2>";reg-id=1',
];
const EXPIRES = [undefined, 0, 30, 60, 600, 7200] as const;
const SOURCES: RegisterSource[] = [
  { transport: 'udp', address: '192.0.2.1', port: 5060 },
  { transport: 'tcp', address: '203.0.113.5', port: 40000, localAddress: '192.0.2.100', localPort: 5060 },
];

const registerOp = fc.record({
  kind: fc.constant('register' as const),
  user: fc.constantFrom('a', 'b'),
  callId: fc.constantFrom('c1', 'c2', 'c3'),
  cseq: fc.integer({ min: 1, max: 12 }),
  contacts: fc.array(fc.record({ index: fc.nat(CONTACTS.length - 1), expires: fc.constantFrom(...EXPIRES) }), { maxLength: 3 }),
  header: fc.constantFrom(...EXPIRES),
  star: fc.boolean(),
  source: fc.nat(SOURCES.length - 1),
});
type RegisterOp = typeof registerOp extends fc.Arbitrary<infer T> ? T : never;
const op = fc.oneof(
  { weight: 6, arbitrary: registerOp },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('pair' as const), first: registerOp, second: registerOp }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 700_000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('sweep' as const) }) },
);

function request(o: RegisterOp) {
  const contacts = o.star ? ['*'] : o.contacts.map((c) => CONTACTS[c.index]! + (c.expires === undefined ? '' : `;expires=${c.expires}`));
  return register({
    user: o.user, callId: o.callId, cseq: o.cseq, contacts,
    ...(o.star ? { expires: 0 } : o.header === undefined ? {} : { expires: o.header }),
  });
}

const sorted = (bs: Iterable<Binding>): Binding[] => [...bs].sort((x, y) => bindingKey(x).localeCompare(bindingKey(y)));

test('the in-memory bindings always equal a reload from the store', async () => {
  await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
    const clock = { t: 1_700_000_000_000 };
    const store = openStore({ path: ':memory:', now: () => clock.t });
    const options = {
      domains: ['example.com'], now: () => clock.t, store: store.registrations, maxContacts: 4,
      users: () => ({ trustedNetworks: ['0.0.0.0/0'] }),
    };
    const registrar = new Registrar(options);
    try {
      for (const o of ops) {
        if (o.kind === 'advance') clock.t += o.ms;
        else if (o.kind === 'sweep') registrar.sweep();
        else if (o.kind === 'register') {
          const out = await registrar.handleRegister(request(o), SOURCES[o.source]!);
          assert.ok([200, 400, 423, 500, 503].includes(out.response.status), String(out.response.status));
        } else {
          await Promise.all([o.first, o.second].map((r) => registrar.handleRegister(request(r), SOURCES[r.source]!)));
        }
        await registrar.flush(); // a sweep's deletes are queued, not awaited
        const reloaded = new Registrar(options);
        await reloaded.load();
        assert.deepEqual(sorted(reloaded.bindings()), sorted(registrar.bindings()));
      }
    } finally {
      store.close();
    }
  }), { numRuns: 2000 });
});

const headerText = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('*', '<sip:a@192.0.2.1>;expires=0', '<sip:a@192.0.2.1>;expires=abc', '<tel:+1555>', '"x" <sip:%00@h>',
    '<sip:a@h>;+sip.instance="<urn:uuid:1>";reg-id=0', '<sip:a@h>;q=2', 'sip:a@h;expires=99999999999', '<isbn:123>'),
);

test('any REGISTER that parses gets a response, never an exception', async () => {
  const registrar = new Registrar({ domains: ['example.com'], users: () => ({ trustedNetworks: ['192.0.2.0/24'] }), now: () => 1_700_000_000_000 });
  await fc.assert(fc.asyncProperty(
    fc.array(headerText, { maxLength: 3 }), fc.option(headerText), fc.option(headerText), fc.option(headerText),
    async (contacts, expires, to, ua) => {
      let req;
      try {
        req = register({ contacts, ...(expires === null ? {} : { expires }), ...(ua === null ? {} : { userAgent: ua }) });
        if (to !== null) req.headers.set('To', to);
      } catch {
        return; // the text does not make a parsable request (or a writable header): nothing to send
      }
      const out = await registrar.handleRegister(req, { transport: 'udp', address: '192.0.2.9', port: 5060 });
      assert.ok([200, 400, 404, 423, 500, 503].includes(out.response.status), `${out.response.status} ${out.response.reason}`);
    },
  ), { numRuns: 3000 });
});
