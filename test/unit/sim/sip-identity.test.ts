import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  contactHeader, contactUri, identityNameAddr, instanceUrn, newLineId, parseHostPort, resolveIdentity, targetUri,
} from '../../../src/sim/sip-identity.js';
import { parseUri } from '../../../src/sip/uri.js';
import { parseNameAddr } from '../../../src/sip/name-addr.js';
import { InvalidOptionError } from '../../../src/util/errors.js';

test('parseHostPort reads hosts, ports and bracketed IPv6, and says what is wrong', () => {
  assert.deepEqual(parseHostPort('127.0.0.1:5070', 5060), { ok: true, value: { host: '127.0.0.1', port: 5070 } });
  assert.deepEqual(parseHostPort('pbx.example.com', 5060), { ok: true, value: { host: 'pbx.example.com', port: 5060 } });
  assert.deepEqual(parseHostPort('[::1]:5062', 5060), { ok: true, value: { host: '::1', port: 5062 } });
  assert.deepEqual(parseHostPort('[::1]', 5060), { ok: true, value: { host: '::1', port: 5060 } });
  assert.deepEqual(parseHostPort('::1', 5060), { ok: false, error: 'write an IPv6 address as [ADDRESS]:PORT' });
  assert.deepEqual(parseHostPort('host:70000', 5060), { ok: false, error: 'the port must be a number from 0 to 65535' });
  assert.deepEqual(parseHostPort('ho st:1', 5060), { ok: false, error: 'the host is not an IP address or host name' });
  assert.deepEqual(parseHostPort('', 5060), { ok: false, error: 'must be HOST or HOST:PORT' });
  assert.deepEqual(parseHostPort('[1.2.3.4]:1', 5060), { ok: false, error: 'not an IPv6 address in brackets' });
});

test('parseHostPort never throws', () => {
  fc.assert(fc.property(fc.string(), (s) => {
    const r = parseHostPort(s, 5060);
    assert.equal(typeof r.ok, 'boolean');
  }), { numRuns: 10000 });
});

test('resolveIdentity: defaults, AOR, one DigestClient, and errors that name the field', () => {
  const id = resolveIdentity({ registrar: '10.0.0.5', user: '2000', password: 'pw', lineId: 'abc12345' }, 1);
  assert.deepEqual(
    { line: id.line, user: id.user, domain: id.domain, registrar: id.registrar, expires: id.expires, lineId: id.lineId, aor: id.aor },
    { line: 1, user: '2000', domain: '10.0.0.5', registrar: { host: '10.0.0.5', port: 5060, transport: 'udp' }, expires: 600, lineId: 'abc12345', aor: 'sip:2000@10.0.0.5' },
  );
  assert.equal(id.credentials?.username, '2000');
  const v6 = resolveIdentity({ registrar: { host: '[::1]', port: 5070, transport: 'tcp' }, user: 'a b', authUser: 'auth', password: 'x' }, 2);
  assert.equal(v6.domain, '[::1]');
  assert.equal(v6.aor, 'sip:a%20b@[::1]');
  assert.equal(v6.credentials?.username, 'auth');
  assert.deepEqual(v6.registrar, { host: '::1', port: 5070, transport: 'tcp' });
  assert.match(newLineId(), /^[a-z0-9]{8}$/);
  assert.equal(resolveIdentity({ registrar: 'r', user: 'u' }, 1).credentials, undefined);
  const bad: [object, string][] = [
    [{ registrar: 'r:0', user: 'u' }, 'identities[0].registrar'],
    [{ registrar: 'r', user: '' }, 'identities[0].user'],
    [{ registrar: 'r', user: 'u\r\nX: y' }, 'identities[0].user'],
    [{ registrar: 'r', user: 'u', domain: 'bad domain' }, 'identities[0].domain'],
    [{ registrar: 'r', user: 'u', expires: 0 }, 'identities[0].expires'],
    [{ registrar: 'r', user: 'u', lineId: 'x;y' }, 'identities[0].lineId'],
    [{ registrar: { host: 'r', transport: 'tls' }, user: 'u' }, 'identities[0].registrar.transport'],
  ];
  for (const [options, name] of bad) {
    assert.throws(() => resolveIdentity(options as never, 1), (e: unknown) => e instanceof InvalidOptionError && e.option === name, name);
  }
  assert.throws(() => resolveIdentity({ registrar: 'r', user: 'u', password: 'Sekr1t', displayName: 'a\nb' }, 1), (e: unknown) => {
    return e instanceof InvalidOptionError && !e.message.includes('Sekr1t');
  });
});

test('Contact, REGISTER Contact value, From/To and instance URN as a Snom writes them', () => {
  const id = resolveIdentity({ registrar: 'pbx', user: '2000', displayName: 'Desk "A"', lineId: 'q1w2e3r4' }, 1);
  const uri = contactUri(id, { host: '192.0.2.7', port: 5062, transport: 'udp' });
  assert.equal(uri, 'sip:2000@192.0.2.7:5062;line=q1w2e3r4');
  assert.equal(contactUri(id, { host: '::1', port: 5062, transport: 'tcp' }), 'sip:2000@[::1]:5062;line=q1w2e3r4;transport=tcp');
  const urn = instanceUrn('00:04:13:AB:cd:EF');
  assert.equal(urn, 'urn:uuid:00000000-0000-1000-8000-000413abcdef');
  assert.equal(contactHeader(uri, urn), '<sip:2000@192.0.2.7:5062;line=q1w2e3r4>;q=1.0;+sip.instance="<urn:uuid:00000000-0000-1000-8000-000413abcdef>"');
  assert.match(contactHeader(uri, urn, 0), /;expires=0$/);
  const from = identityNameAddr(id);
  assert.equal(from, '"Desk \\"A\\"" <sip:2000@pbx>');
  const parsed = parseNameAddr(from);
  assert.ok(parsed.ok);
  assert.equal(parsed.value.displayName, 'Desk "A"');
});

test('targetUri escapes the number as a SIP user; URIs and user@host pass through', () => {
  assert.equal(targetUri('api+uuid_transfer abc 9001', 'example.com'), 'sip:api+uuid_transfer%20abc%209001@example.com');
  assert.equal(targetUri('a;b?c/d&e=f$g,h#', 'example.com'), 'sip:a%3Bb%3Fc%2Fd&e=f$g,h%23@example.com');
  assert.equal(targetUri('*97', 'example.com'), 'sip:*97@example.com');
  assert.equal(targetUri('sip:bob@pbx.example.com', 'example.com'), 'sip:bob@pbx.example.com');
  assert.equal(targetUri('bob@pbx.example.com', 'example.com'), 'sip:bob@pbx.example.com');
  assert.equal(targetUri('bob@not a host', 'example.com'), 'sip:bob%40not%20a%20host@example.com');
});

test('targetUri: any target without @ becomes a URI whose user decodes back to it', () => {
  fc.assert(fc.property(fc.string({ minLength: 1, unit: 'grapheme' }).filter((s) => !s.includes('@') && !/^sips?:/i.test(s)), (n) => {
    const uri = targetUri(n, 'example.com');
    assert.doesNotMatch(uri, /[\s<>"]/);
    const parsed = parseUri(uri);
    assert.ok(parsed.ok, uri);
    assert.equal(parsed.value.kind === 'sip' ? parsed.value.user : undefined, n);
  }), { numRuns: 10000 });
});
