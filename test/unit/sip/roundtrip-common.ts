// Shared by the round-trip property tests: generated message parts and the checks on the parsed result.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { SipMessage } from '../../../src/sip/message.js';
import { formatNameAddr } from '../../../src/sip/name-addr.js';
import { formatVia } from '../../../src/sip/via.js';
import { getCallId, getContacts, getCSeq, getFrom, getMaxForwards, getTo, getVias } from '../../../src/sip/accessors.js';
import { extensionName, extensionValue, host, printable, sipUri, token } from './arbitraries.js';

export const via = fc.record({
  transport: fc.constantFrom('UDP', 'TCP', 'TLS', 'SCTP', 'WS'),
  host,
  port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
  branch: token(20).map((t) => `z9hG4bK${t}`),
  rport: fc.boolean(),
});

export const nameAddr = fc.record({
  displayName: fc.option(printable(0, 12), { nil: undefined }),
  uri: sipUri(false),
  tag: fc.option(token(10), { nil: undefined }),
});

export const common = fc.record({
  vias: fc.array(via, { minLength: 1, maxLength: 3 }),
  from: nameAddr,
  to: nameAddr,
  callId: fc.tuple(token(20), fc.option(host, { nil: undefined })).map(([a, h]) => (h === undefined ? a : `${a}@${h}`)),
  seq: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  maxForwards: fc.integer({ min: 0, max: 255 }),
  contacts: fc.array(fc.record({ uri: sipUri(true), expires: fc.option(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { nil: undefined }) }), { maxLength: 2 }),
  extensions: fc.array(fc.tuple(extensionName, extensionValue), { maxLength: 4 }),
  body: fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
});

export type Common = typeof common extends fc.Arbitrary<infer T> ? T : never;

export function headersOf(c: Common, method: string): Array<[string, string]> {
  const h: Array<[string, string]> = [];
  for (const v of c.vias) {
    const p: Array<[string, string | undefined]> = [['branch', v.branch]];
    if (v.rport) p.push(['rport', undefined]);
    h.push(['Via', formatVia({ transport: v.transport, host: v.host, port: v.port, params: p })]);
  }
  const na = (n: Common['from']): string =>
    formatNameAddr({ displayName: n.displayName, uri: n.uri, params: n.tag === undefined ? [] : [['tag', n.tag]] });
  h.push(['From', na(c.from)], ['To', na(c.to)], ['Call-ID', c.callId], ['CSeq', `${c.seq} ${method}`],
    ['Max-Forwards', String(c.maxForwards)]);
  for (const ct of c.contacts) {
    h.push(['Contact', formatNameAddr({ uri: ct.uri, params: ct.expires === undefined ? [] : [['expires', String(ct.expires)]] })]);
  }
  h.push(...c.extensions);
  return h;
}

export function checkCommon(m: SipMessage, c: Common, method: string, sent: Array<[string, string]>): void {
  assert.deepEqual([...m.headers].filter((f) => f.key !== 'content-length').map((f) => [f.name, f.value]), sent);
  assert.equal(m.headers.get('Content-Length'), String(c.body.length));
  assert.ok(m.body.equals(c.body));
  assert.deepEqual(getVias(m)!.map((v) => [v.transport, v.host, v.port, v.branch, v.rport]),
    c.vias.map((v) => [v.transport, v.host, v.port, v.branch, v.rport ? true : undefined]));
  for (const [got, want] of [[getFrom(m), c.from], [getTo(m), c.to]] as const) {
    assert.equal(got!.displayName, want.displayName === undefined || want.displayName === '' ? undefined : want.displayName);
    assert.deepEqual(got!.uri, want.uri);
    assert.equal(got!.params.get('tag'), want.tag);
  }
  assert.equal(getCallId(m), c.callId);
  assert.deepEqual(getCSeq(m), { seq: c.seq, method });
  assert.equal(getMaxForwards(m), c.maxForwards);
  const contacts = getContacts(m);
  assert.ok(Array.isArray(contacts));
  assert.deepEqual(contacts.map((x) => [x.uri, x.expires]), c.contacts.map((x) => [x.uri, x.expires]));
}

