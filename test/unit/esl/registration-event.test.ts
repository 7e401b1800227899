import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePlainEvent, type EslEvent } from '../../../src/esl/esl-event.js';
import { EslHeaders } from '../../../src/esl/esl-headers.js';
import { parseRegistrationEvent } from '../../../src/esl/registration-event.js';
import { EXPIRE_PLAIN, REGISTER_PLAIN, UNREGISTER_PLAIN } from './fixtures.js';

function event(text: string): EslEvent {
  const r = parsePlainEvent(Buffer.from(text));
  if (!r.ok) assert.fail(r.error.message);
  return r.value;
}

describe('parseRegistrationEvent', () => {
  test('sofia::register: every field the service needs', () => {
    assert.deepEqual(parseRegistrationEvent(event(REGISTER_PLAIN)), {
      ok: true,
      value: {
        kind: 'register',
        profile: 'internal',
        user: '2000',
        host: 'example.com',
        contact: '"Front Desk" <sip:2000@192.0.2.10:5060;line=kq3fz1>',
        contactUri: 'sip:2000@192.0.2.10:5060;line=kq3fz1',
        networkIp: '198.51.100.7',
        networkPort: 40312,
        userAgent: 'snomD785/10.1.54.13',
        callId: '3c26700b1f9e-mq7r1c8k4w2x',
        expires: 3600,
        username: '2000',
        realm: 'example.com',
        refresh: false,
      },
    });
  });

  test('update-reg: true marks a refresh', () => {
    const r = parseRegistrationEvent(event(REGISTER_PLAIN.replace(/\n\n$/, '\nupdate-reg: true\n\n')));
    assert.equal(r.ok && r.value.refresh, true);
  });

  test('sofia::unregister', () => {
    const r = parseRegistrationEvent(event(UNREGISTER_PLAIN));
    assert.ok(r.ok);
    if (!r.ok) return;
    assert.deepEqual([r.value.kind, r.value.user, r.value.host, r.value.contactUri, r.value.expires, r.value.networkIp], [
      'unregister', '2000', 'example.com', 'sip:2000@192.0.2.10:5060;line=kq3fz1', 0, undefined,
    ]);
  });

  test('sofia::expire uses user/host', () => {
    const r = parseRegistrationEvent(event(EXPIRE_PLAIN));
    assert.ok(r.ok);
    if (!r.ok) return;
    assert.deepEqual([r.value.kind, r.value.user, r.value.host, r.value.contactUri, r.value.userAgent], [
      'expire', '2000', 'example.com', 'sip:2000@192.0.2.10:5060;line=kq3fz1;fs_nat=yes', 'snomD785/10.1.54.13',
    ]);
  });

  test('other events and events missing a needed header are refused', () => {
    const other = parseRegistrationEvent({ name: 'CUSTOM', subclass: 'sofia::gateway_state', headers: new EslHeaders([]), body: undefined });
    assert.equal(!other.ok && other.error.code, 'not-registration');
    const heartbeat = parseRegistrationEvent({ name: 'HEARTBEAT', subclass: undefined, headers: new EslHeaders([]), body: undefined });
    assert.equal(!heartbeat.ok && heartbeat.error.code, 'not-registration');
    const missing = parseRegistrationEvent(event(REGISTER_PLAIN.replace(/from-host: example.com\n/, '')));
    assert.ok(!missing.ok);
    if (!missing.ok) assert.deepEqual([missing.error.code, missing.error.message], ['missing-header', 'sofia::register event without from-host']);
    const bad = parseRegistrationEvent(event(REGISTER_PLAIN.replace('network-port: 40312', 'network-port: 99999').replace('expires: 3600', 'expires: soon')));
    assert.ok(bad.ok);
    if (bad.ok) assert.deepEqual([bad.value.networkPort, bad.value.expires], [undefined, undefined]);
  });
});
