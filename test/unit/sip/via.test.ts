import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatVia, parseVia, type Via } from '../../../src/sip/via.js';
import { InvalidHeaderError } from '../../../src/sip/headers.js';

function ok(v: string): Via[] {
  const r = parseVia(v);
  assert.ok(r.ok, `${JSON.stringify(v)} should parse`);
  return r.value;
}

test('parseVia: a typical value with rport (RFC 3581)', () => {
  assert.deepEqual(ok('SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;rport'), [{
    protocol: 'SIP/2.0', transport: 'UDP', host: '192.0.2.10', port: 5060, branch: 'z9hG4bK776asdhds', rport: true,
    params: new Map([['branch', 'z9hG4bK776asdhds'], ['rport', undefined]]),
  }]);
  const [v] = ok('SIP/2.0/UDP h;received=192.0.2.1;rport=5062;ttl=16;maddr=224.2.0.1;x=y');
  assert.equal(v!.received, '192.0.2.1');
  assert.equal(v!.rport, 5062);
  assert.equal(v!.ttl, 16);
  assert.equal(v!.maddr, '224.2.0.1');
  assert.equal(v!.params.get('x'), 'y');
});

test('parseVia: LWS around / : ; = and commas (RFC 4475 wsinv)', () => {
  const vias = ok('SIP  / 2.0  / TCP     spindle.example.com   ; branch  =   z9hG4bK9ikj8  , SIP  /    2.0   / UDP  192.168.255.111   ; branch= z9hG4bK30239');
  assert.deepEqual(vias.map((v) => [v.protocol, v.transport, v.host, v.branch]), [
    ['SIP/2.0', 'TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
    ['SIP/2.0', 'UDP', '192.168.255.111', 'z9hG4bK30239'],
  ]);
  assert.equal(ok('SIP/2.0/UDP host : 5070')[0]!.port, 5070);
});

test('parseVia: transports are uppercased; unknown ones are legal (RFC 4475 transports)', () => {
  assert.deepEqual(['udp', 'Tcp', 'TLS', 'SCTP', 'ws', 'UNKNOWN'].map((t) => ok(`SIP/2.0/${t} h`)[0]!.transport),
    ['UDP', 'TCP', 'TLS', 'SCTP', 'WS', 'UNKNOWN']);
  assert.equal(ok('sip/2.0/udp h')[0]!.protocol, 'SIP/2.0');
});

test('parseVia: IPv6 sent-by and received', () => {
  const [v] = ok('SIP/2.0/UDP [2001:db8::9:1]:5060;received=2001:db8::9:255;branch=z9hG4bKas3-111');
  assert.equal(v!.host, '[2001:db8::9:1]');
  assert.equal(v!.port, 5060);
  assert.equal(v!.received, '2001:db8::9:255');
});

test('parseVia: the bare magic cookie parses (RFC 4475 badbranch; validateRequest flags it)', () => {
  assert.equal(ok('SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK')[0]!.branch, 'z9hG4bK');
});

test('parseVia: malformed values', () => {
  for (const v of [
    '192.0.2.15;;,;,,', 'SIP/2.0/UDP 192.0.2.15;;,;,,', 'SIP/2.0/UDP', 'SIP/2.0 h', 'SIP/2.0/UDP h,', 'SIP/2.0/UDP h,,',
    'SIP/2.0/UDPh', 'SIP/2.0/UDP h:', 'SIP/2.0/UDP h:99999', 'SIP/2.0/UDP h;branch', 'SIP/2.0/UDP h;branch="x"',
    'SIP/2.0/UDP h;rport=x', 'SIP/2.0/UDP h;rport=70000', 'SIP/2.0/UDP h;ttl=256', 'SIP/2.0/UDP h;ttl',
    'SIP/2.0/UDP h;received', 'SIP/2.0/UDP h junk', 'SIP/2.0/UDP [::1', 'SIP/2.0/UDP h;a=1;a=2', '', 'SIP//UDP h',
  ]) assert.equal(parseVia(v).ok, false, v);
});

test('formatVia: writes a via-parm and refuses unsafe parts', () => {
  assert.equal(formatVia({ transport: 'udp', host: '192.0.2.1', port: 5060, params: [['branch', 'z9hG4bKabc'], ['rport', undefined]] }),
    'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc;rport');
  assert.equal(formatVia({ transport: 'TCP', host: '[::1]' }), 'SIP/2.0/TCP [::1]');
  const back = ok(formatVia({ transport: 'TLS', host: 'h.example.com', port: 5061, params: [['branch', 'z9hG4bK1'], ['received', '::1']] }));
  assert.equal(back[0]!.received, '::1');
  assert.throws(() => formatVia({ transport: 'UDP', host: 'h;branch=x' }), InvalidHeaderError);
  assert.throws(() => formatVia({ transport: 'U DP', host: 'h' }), InvalidHeaderError);
  assert.throws(() => formatVia({ transport: 'UDP', host: 'h', params: [['branch', 'a,b']] }), InvalidHeaderError);
  assert.throws(() => formatVia({ transport: 'UDP', host: 'h', port: -1 }), InvalidHeaderError);
  assert.throws(() => formatVia({ protocol: 'SIP', transport: 'UDP', host: 'h' }), InvalidHeaderError);
});

test('parseVia: parameter names in any case are the same parameter; look-alike names stay distinct', () => {
  const [v] = ok('SIP/2.0/UDP 192.0.2.1:5060;BRANCH=z9hG4bKx;RPort;Received=192.0.2.9;branches=1;tags;Tag=A');
  assert.equal(v!.branch, 'z9hG4bKx');
  assert.equal(v!.rport, true);
  assert.equal(v!.received, '192.0.2.9');
  assert.deepEqual([...v!.params], [
    ['branch', 'z9hG4bKx'], ['rport', undefined], ['received', '192.0.2.9'], ['branches', '1'], ['tags', undefined], ['tag', 'A'],
  ]);
  // a repeated name is malformed whatever its case
  assert.equal(parseVia('SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKa;Branch=z9hG4bKb').ok, false);
});
