import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalHost, isRequestTarget, resolvePhone, type PhoneAddress } from '../../../src/phone/phone-address.js';

test('canonicalHost: IP literals and host names as a URL writes them; everything else refused', () => {
  const good: [string, string][] = [
    ['192.0.2.7', '192.0.2.7'],
    ['::1', '[::1]'],
    ['[::1]', '[::1]'],
    ['0:0:0:0:0:0:0:1', '[::1]'],
    ['2001:DB8::A', '[2001:db8::a]'],
    ['::ffff:192.0.2.1', '[::ffff:c000:201]'],
    ['Phone-12.Example.COM', 'phone-12.example.com'],
    ['localhost', 'localhost'],
    ['snom_d785.lan', 'snom_d785.lan'],
    ['phone.example.com.', 'phone.example.com.'],
  ];
  for (const [input, expected] of good) assert.equal(canonicalHost(input), expected, input);
  const bad = [
    '', ' ', 'a b', 'a@b', 'user:pw@host', 'host/path', 'host?q', 'host#f', 'host:80', '[host]', '[192.0.2.1]',
    '1.2.3', '192.0.2.256', '0x7f.1', '10.0.0.012', 'fe80::1%eth0', '[fe80::1%25eth0]', '-a.example', 'a-.example',
    'a..b', '.a', 'ex\u00e4mple.com', 'a\r\nb', 'a\tb', 'x'.repeat(64) + '.com', `${'a.'.repeat(127)}a`, 42, null, undefined,
  ];
  for (const input of bad) assert.equal(canonicalHost(input), undefined, JSON.stringify(input));
});

test('resolvePhone: defaults, origin with the port always written, credentials, insecureTls', () => {
  const plain = resolvePhone({ host: '192.0.2.7' });
  assert.ok(plain.ok);
  assert.deepEqual(plain.value, {
    scheme: 'http',
    host: '192.0.2.7',
    port: 80,
    origin: 'http://192.0.2.7:80',
    credentials: undefined,
    insecureTls: false,
  });
  const secure = resolvePhone({ host: '::1', scheme: 'https', username: 'admin' }, { insecureTls: true });
  assert.ok(secure.ok);
  assert.deepEqual([secure.value.origin, secure.value.credentials, secure.value.insecureTls], ['https://[::1]:443', { username: 'admin', password: '' }, true]);
  const explicit = resolvePhone({ host: 'P.example', port: 8443, scheme: 'https', username: 'u', password: 'p w', insecureTls: false }, { insecureTls: true });
  assert.ok(explicit.ok);
  assert.deepEqual([explicit.value.origin, explicit.value.insecureTls, explicit.value.credentials?.password], ['https://p.example:8443', false, 'p w']);
});

test('resolvePhone: refusals name the field, never the password', () => {
  const cases: [unknown, RegExp][] = [
    [null, /object/],
    [{ host: 'a b' }, /host/],
    [{ host: 'h', scheme: 'ftp' }, /scheme/],
    [{ host: 'h', port: 0 }, /port/],
    [{ host: 'h', port: 65536 }, /port/],
    [{ host: 'h', port: '80' }, /port/],
    [{ host: 'h', insecureTls: 'yes' }, /insecureTls/],
    [{ host: 'h', username: '', password: 'Secret1' }, /username/],
    [{ host: 'h', username: 'a:b', password: 'Secret1' }, /username/],
    [{ host: 'h', username: 'a\u0000', password: 'Secret1' }, /username contains NUL/],
    [{ host: 'h', username: 'a', password: 'Secret1\n' }, /password contains a control character/],
    [{ host: 'h', username: 'a', password: 5 }, /password/],
    [{ host: 'h', username: 'a', password: 'x'.repeat(1025) }, /password/],
    [{ host: 'h', password: 'Secret1' }, /needs a username/],
  ];
  for (const [phone, pattern] of cases) {
    const r = resolvePhone(phone as PhoneAddress);
    assert.ok(!r.ok, JSON.stringify(phone));
    assert.match(r.error, pattern);
    assert.doesNotMatch(r.error, /Secret1/);
  }
});

test('isRequestTarget: a path with query of visible ASCII, no #', () => {
  for (const ok of ['/', '/command.htm?key=%23', '/line_login.htm?PLAY_RINGER:4=+Ringer', '/a?b=c&d="e"']) assert.equal(isRequestTarget(ok), true, ok);
  for (const bad of ['', 'x', 'http://h/', '/a b', '/a#b', '/a\r\n', '/\u00e4', '/\u007f', `/${'a'.repeat(8192)}`, 7, undefined]) {
    assert.equal(isRequestTarget(bad), false, JSON.stringify(bad));
  }
});

test('property: resolvePhone never throws; an accepted host gives an origin a URL reads back unchanged, without userinfo', () => {
  const hostArb = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.string({ unit: fc.constantFrom(...'ab9-_.:[]%@/?#x '), maxLength: 30 }),
    fc.ipV4(),
    fc.ipV6(),
    fc.domain(),
  );
  fc.assert(
    fc.property(hostArb, fc.integer({ min: -5, max: 70_000 }), fc.constantFrom('http', 'https', 'ftp'), (host, port, scheme) => {
      const r = resolvePhone({ host, port, scheme: scheme as 'http' });
      if (!r.ok) return;
      const url = new URL(`${r.value.origin}/`);
      assert.equal(url.username + url.password, '');
      assert.equal(url.hostname, r.value.host);
      assert.equal(url.pathname, '/');
      assert.equal(`${url.protocol}//${url.hostname}:${url.port || (scheme === 'https' ? 443 : 80)}`, r.value.origin);
    }),
    { numRuns: 10000 },
  );
});
