import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aorOf, deliveryTarget, type Binding } from '../../../src/registrar/binding.js';

function binding(contact: string, source: Partial<Binding> = {}): Binding {
  return {
    aor: 'alice@example.com', user: 'alice', domain: 'example.com', contact, callId: 'c', cseq: 1, expiresAt: 1, q: undefined,
    transport: 'udp', address: '192.0.2.10', port: 5060, localAddress: '192.0.2.1', localPort: 5060, userAgent: undefined,
    instance: undefined, regId: undefined, firstRegistered: 0, lastRefreshed: 0, ...source,
  };
}

test('deliveryTarget: a phone not behind NAT is reached at its Contact', () => {
  assert.deepEqual(deliveryTarget(binding('sip:alice@192.0.2.10:5060;line=kx7')), {
    transport: 'udp', address: '192.0.2.10', port: 5060, viaSource: false, localAddress: '192.0.2.1', localPort: 5060,
  });
  // default port, IPv4-mapped source, IPv6 contact
  assert.equal(deliveryTarget(binding('sip:alice@192.0.2.10', { address: '::ffff:192.0.2.10' })).viaSource, false);
  assert.deepEqual(deliveryTarget(binding('sip:alice@[2001:DB8::7]:5062', { address: '2001:db8::7', port: 5062 })), {
    transport: 'udp', address: '2001:DB8::7', port: 5062, viaSource: false, localAddress: '192.0.2.1', localPort: 5060,
  });
});

test('deliveryTarget: behind NAT (another address or port), over TCP, or with a transport we lack, the REGISTER source is used', () => {
  const source = { transport: 'udp' as const, address: '203.0.113.7', port: 40123 };
  const natted = { transport: 'udp', address: '203.0.113.7', port: 40123, viaSource: true, localAddress: '192.0.2.1', localPort: 5060 };
  assert.deepEqual(deliveryTarget(binding('sip:alice@192.168.1.10:5060;line=kx7', source)), natted);
  assert.deepEqual(deliveryTarget(binding('sip:alice@203.0.113.7:5060', source)), natted, 'same address, mapped port');
  assert.deepEqual(deliveryTarget(binding('sip:alice@192.0.2.10;transport=tcp')), {
    transport: 'udp', address: '192.0.2.10', port: 5060, viaSource: true, localAddress: '192.0.2.1', localPort: 5060,
  });
  const tcp = deliveryTarget(binding('sip:alice@192.0.2.10:5060;transport=tcp', { transport: 'tcp' }));
  assert.equal(tcp.viaSource, true, 'a TCP registration is reached over its connection');
  assert.equal(deliveryTarget(binding('sips:alice@192.0.2.10')).viaSource, true);
  assert.equal(deliveryTarget(binding('sip:alice@phone.example.com')).viaSource, true, 'a host name is not the source address');
  assert.equal(deliveryTarget(binding('sip:alice@192.0.2.10;transport=sctp')).viaSource, true);
});

test('aorOf lowercases the domain only', () => {
  assert.equal(aorOf('Alice', 'Example.COM'), 'Alice@example.com');
});
