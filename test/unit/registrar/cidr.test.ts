import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { cidrContains, inNetworks, parseCidr, parseIp } from '../../../src/registrar/cidr.js';

const hex = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : Buffer.from(b).toString('hex'));

test('parseIp reads IPv4, IPv6 (compressed, with an IPv4 tail or a zone) and maps ::ffff:a.b.c.d to IPv4', () => {
  assert.deepEqual([parseIp('192.0.2.1')?.family, hex(parseIp('192.0.2.1')?.bytes)], [4, 'c0000201']);
  assert.equal(hex(parseIp('2001:db8::1')?.bytes), '20010db8000000000000000000000001');
  assert.equal(hex(parseIp('::')?.bytes), '00000000000000000000000000000000');
  assert.equal(hex(parseIp('1:2:3:4:5:6:7:8')?.bytes), '00010002000300040005000600070008');
  assert.equal(hex(parseIp('::1.2.3.4')?.bytes), '00000000000000000000000001020304');
  assert.equal(hex(parseIp('fe80::1%eth0')?.bytes), 'fe800000000000000000000000000001');
  assert.deepEqual([parseIp('::ffff:192.0.2.1')?.family, hex(parseIp('::FFFF:192.0.2.1')?.bytes)], [4, 'c0000201']);
  for (const bad of ['', '1.2.3', '1.2.3.4.5', '256.1.1.1', '01.2.3.4', '1::2::3', '1:2:3:4:5:6:7:8:9', ':1::', '12345::', 'g::1', '1:2:3:4:5:6:7::8', 'localhost']) {
    assert.equal(parseIp(bad), undefined, bad);
  }
});

test('parseCidr accepts networks and bare addresses and refuses host bits, bad prefixes and junk', () => {
  assert.deepEqual(parseCidr('10.0.0.0/8'), { family: 4, bytes: new Uint8Array([10, 0, 0, 0]), prefix: 8 });
  assert.equal(parseCidr('192.0.2.7')?.prefix, 32);
  assert.equal(parseCidr('2001:db8::/32')?.prefix, 32);
  assert.equal(parseCidr('::ffff:10.0.0.0/104')?.prefix, 8);
  assert.equal(parseCidr('0.0.0.0/0')?.prefix, 0);
  for (const bad of ['10.1.2.3/8', '10.0.0.0/33', '10.0.0.0/', '10.0.0.0/-1', '2001:db8::1/32', '::/129', 'x/8', '10.0.0.0/8/8']) {
    assert.equal(parseCidr(bad), undefined, bad);
  }
});

test('cidrContains and inNetworks', () => {
  const net = parseCidr('192.0.2.0/25')!;
  assert.equal(cidrContains(net, '192.0.2.127'), true);
  assert.equal(cidrContains(net, '192.0.2.128'), false);
  assert.equal(cidrContains(net, '::ffff:192.0.2.1'), true);
  assert.equal(cidrContains(net, '2001:db8::1'), false);
  assert.equal(cidrContains(parseCidr('2001:db8:8000::/33')!, '2001:db8:ffff::1'), true);
  assert.equal(cidrContains(parseCidr('2001:db8:8000::/33')!, '2001:db8:7fff::1'), false);
  assert.equal(inNetworks(['bogus', '10.0.0.0/8'], '10.200.3.4'), true);
  assert.equal(inNetworks([], '10.200.3.4'), false);
  assert.equal(inNetworks(['10.0.0.0/8'], 'not an address'), false);
});

test('an IPv4 network holds exactly the addresses whose first prefix bits agree', () => {
  fc.assert(fc.property(fc.ipV4(), fc.ipV4(), fc.integer({ min: 0, max: 32 }), (a, b, prefix) => {
    const toInt = (s: string): number => s.split('.').reduce((n, p) => n * 256 + Number(p), 0);
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    const base = (toInt(a) & mask) >>> 0;
    const network = [24, 16, 8, 0].map((s) => (base >>> s) & 255).join('.');
    const cidr = parseCidr(`${network}/${prefix}`);
    assert.ok(cidr);
    assert.equal(cidrContains(cidr, b), ((toInt(b) & mask) >>> 0) === base);
    assert.equal(cidrContains(cidr, a), true);
  }), { numRuns: 10000 });
});
