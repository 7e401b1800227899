import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  isHostName,
  isIpv6Address,
  parseCommandTarget,
  type CommandTarget,
  type CommandTargetErrorCode,
} from '../../../src/snom/command-target.js';

function target(spec: string): CommandTarget {
  const r = parseCommandTarget(spec);
  assert.ok(r.ok, `expected ${JSON.stringify(spec)} to parse: ${r.ok ? '' : r.error.message}`);
  return r.value;
}

function refused(spec: string): CommandTargetErrorCode {
  const r = parseCommandTarget(spec);
  assert.ok(!r.ok, `expected ${JSON.stringify(spec)} to be refused, got ${JSON.stringify(r.ok && r.value)}`);
  assert.equal(r.error.spec, spec);
  return r.error.code;
}

describe('parseCommandTarget: IP literals', () => {
  test('IPv4 dotted quads, as inet_pton accepts them', () => {
    assert.deepEqual(target('192.168.1.20'), { kind: 'ip', family: 4, address: '192.168.1.20', spec: '192.168.1.20' });
    assert.deepEqual(target('0.0.0.0'), { kind: 'ip', family: 4, address: '0.0.0.0', spec: '0.0.0.0' });
    assert.deepEqual(target('255.255.255.255'), { kind: 'ip', family: 4, address: '255.255.255.255', spec: '255.255.255.255' });
  });

  test('not IPv4: leading zeros, out of range, too few or many parts', () => {
    assert.equal(refused('192.168.1.256'), 'bad-ipv4');
    assert.equal(refused('010.0.0.1'), 'bad-ipv4');
    assert.equal(refused('10.0.1'), 'bad-ipv4');
    assert.equal(refused('10.0.0.1.2'), 'bad-ipv4');
    assert.equal(refused('10..0.1'), 'bad-ipv4');
  });

  test('IPv6 with or without brackets; the address is kept without brackets', () => {
    assert.deepEqual(target('2001:db8::5'), { kind: 'ip', family: 6, address: '2001:db8::5', spec: '2001:db8::5' });
    assert.deepEqual(target('[2001:db8::5]'), { kind: 'ip', family: 6, address: '2001:db8::5', spec: '[2001:db8::5]' });
    assert.deepEqual(target('::1'), { kind: 'ip', family: 6, address: '::1', spec: '::1' });
    assert.deepEqual(target('::ffff:192.0.2.1'), { kind: 'ip', family: 6, address: '::ffff:192.0.2.1', spec: '::ffff:192.0.2.1' });
  });

  test('IPv6 zone ids and ports are refused with their own codes', () => {
    assert.equal(refused('fe80::1%eth0'), 'ipv6-zone');
    assert.equal(refused('[fe80::1%25eth0]'), 'ipv6-zone');
    assert.equal(refused('[2001:db8::5]:80'), 'port-unsupported');
    assert.equal(refused('192.0.2.1:8080'), 'port-unsupported');
    assert.equal(refused('phone.example:80'), 'port-unsupported');
  });

  test('malformed IPv6', () => {
    for (const bad of ['1:2:3:4:5:6:7', '1:2:3:4:5:6:7:8:9', '1::2::3', ':::', '12345::', 'g::1', '[::1', '1:2:3:4:5:6:7:8::', ':1::']) {
      assert.equal(refused(bad), 'bad-ipv6', bad);
    }
  });
});

describe('isIpv6Address', () => {
  test('RFC 4291 text forms', () => {
    for (const good of ['::', '::1', '1::', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7::', '::2:3:4:5:6:7:8', 'FE80::abcd', '1:2:3:4:5:6:1.2.3.4', '::1.2.3.4']) {
      assert.equal(isIpv6Address(good), true, good);
    }
    for (const bad of ['', ':', '1:2:3:4:5:6:7:1.2.3.4', '1.2.3.4::', '1:2:3:4:5:6:7:8:', '::1.2.3', '0000a::']) {
      assert.equal(isIpv6Address(bad), false, bad);
    }
  });
});

describe('parseCommandTarget: host names', () => {
  test('dotted RFC 1123 names are hosts', () => {
    assert.deepEqual(target('phone7.office.example'), { kind: 'host', host: 'phone7.office.example', spec: 'phone7.office.example' });
    assert.deepEqual(target('3com.example'), { kind: 'host', host: '3com.example', spec: '3com.example' });
  });

  test('a single label stays a user name, as in mod_snom', () => {
    assert.deepEqual(target('localhost'), { kind: 'user', profile: undefined, user: 'localhost', domain: undefined, spec: 'localhost' });
  });

  test('isHostName', () => {
    assert.equal(isHostName('a.b'), true);
    assert.equal(isHostName('a-b.c-d.example'), true);
    assert.equal(isHostName('example'), false);
    assert.equal(isHostName('-a.example'), false);
    assert.equal(isHostName('a-.example'), false);
    assert.equal(isHostName('a..example'), false);
    assert.equal(isHostName('a.123'), false);
    assert.equal(isHostName(`${'a'.repeat(64)}.example`), false);
    assert.equal(isHostName(`${'a'.repeat(63)}.example`), true);
    assert.equal(isHostName(Array.from({ length: 130 }, () => 'a').join('.')), false);
  });
});

describe('parseCommandTarget: user specs (what mod_snom gave sofia_contact)', () => {
  test('*/user: every profile, default domain', () => {
    assert.deepEqual(target('*/2000'), { kind: 'user', profile: '*', user: '2000', domain: undefined, spec: '*/2000' });
  });

  test('*/user@domain', () => {
    assert.deepEqual(target('*/2000@pbx.example'), {
      kind: 'user', profile: '*', user: '2000', domain: 'pbx.example', spec: '*/2000@pbx.example',
    });
  });

  test('profile/user@domain and profile/user', () => {
    assert.deepEqual(target('internal/2000@10.0.0.1'), {
      kind: 'user', profile: 'internal', user: '2000', domain: '10.0.0.1', spec: 'internal/2000@10.0.0.1',
    });
    assert.deepEqual(target('internal/2000'), {
      kind: 'user', profile: 'internal', user: '2000', domain: undefined, spec: 'internal/2000',
    });
  });

  test('user@domain without profile, and a bare user (sofia_contact 2000: the default domain)', () => {
    assert.deepEqual(target('2000@pbx'), { kind: 'user', profile: undefined, user: '2000', domain: 'pbx', spec: '2000@pbx' });
    assert.deepEqual(target('2000'), { kind: 'user', profile: undefined, user: '2000', domain: undefined, spec: '2000' });
  });

  test('users may use the characters SIP allows in a user part', () => {
    assert.equal((target("*/o'neil.j_x-1!(ext)&a=b+c$d,e;f?g%20h") as { user: string }).user, "o'neil.j_x-1!(ext)&a=b+c$d,e;f?g%20h");
    assert.equal((target('*/john.doe') as { user: string }).user, 'john.doe');
    assert.equal((target('*/*97') as { user: string }).user, '*97');
  });

  test('domains: host names, IPv4, bracketed IPv6', () => {
    assert.equal((target('*/2000@[2001:db8::1]') as { domain: string }).domain, '[2001:db8::1]');
    assert.equal((target('*/2000@Pbx.Example') as { domain: string }).domain, 'Pbx.Example');
  });

  test('bad profiles', () => {
    assert.equal(refused('/2000'), 'bad-profile');
    assert.equal(refused('in ternal/2000'), 'bad-char');
    assert.equal(refused('-x/2000'), 'bad-profile');
    assert.equal(refused('**/2000'), 'bad-profile');
  });

  test('bad users: empty, /, ~, bad escapes, non-ASCII, too long', () => {
    assert.equal(refused('*/'), 'bad-user');
    assert.equal(refused('*/@pbx'), 'bad-user');
    assert.equal(refused('*/a/b'), 'bad-user');
    assert.equal(refused('*/2000@pbx/concat'), 'bad-domain');
    assert.equal(refused('internal~snom/2000'), 'bad-user');
    assert.equal(refused('2000~x'), 'bad-user');
    assert.equal(refused('*/20%2'), 'bad-user');
    assert.equal(refused('*/müller'), 'bad-user');
    assert.equal(refused('*/<2000>'), 'bad-user');
    assert.equal(refused('*/"2000"'), 'bad-user');
    assert.equal(refused(`*/${'1'.repeat(257)}`), 'bad-user');
    assert.equal(refused('müller'), 'bad-user');
  });

  test('bad domains', () => {
    assert.equal(refused('*/2000@'), 'bad-domain');
    assert.equal(refused('*/2000@a@b'), 'bad-domain');
    assert.equal(refused('*/2000@pbx:5060'), 'bad-domain');
    assert.equal(refused('*/2000@10.0.0.300'), 'bad-domain');
    assert.equal(refused('*/2000@[::1'), 'bad-domain');
    assert.equal(refused('*/2000@-pbx'), 'bad-domain');
  });
});

describe('parseCommandTarget: refused for any kind', () => {
  test('empty, too long, control characters, white space', () => {
    assert.equal(refused(''), 'empty');
    assert.equal(refused('a'.repeat(513)), 'too-long');
    assert.equal(refused('*/20\n00'), 'bad-char');
    assert.equal(refused('10.0.0.1\r'), 'bad-char');
    assert.equal(refused('\u0000'), 'bad-char');
    assert.equal(refused('*/2000\u0085'), 'bad-char');
    assert.equal(refused('*/2000\u00a0'), 'bad-char');
    assert.equal(refused('*/20 00'), 'bad-char');
  });

  test('the error names the control character without echoing it raw in the message', () => {
    const r = parseCommandTarget('*/20\t00');
    assert.ok(!r.ok);
    assert.equal(r.error.message, 'target contains a control character (TAB)');
  });

  test('never throws; accepted user targets never contain control characters, blanks or /', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 40 }), (spec) => {
        const r = parseCommandTarget(spec);
        if (r.ok && r.value.kind === 'user') assert.ok(!/[\s\u0000-\u001f\u007f-\u009f/~]/u.test(r.value.user));
        if (!r.ok) assert.equal(r.error.spec, spec);
      }),
      { numRuns: 10000 },
    );
  });
});
