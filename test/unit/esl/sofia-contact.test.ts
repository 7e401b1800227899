import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { contactUrl, parseSofiaContactReply, sofiaContactSpec, withoutFsParams } from '../../../src/esl/sofia-contact.js';
import { parseCommandTarget } from '../../../src/snom/command-target.js';

describe('parseSofiaContactReply', () => {
  test('one contact', () => {
    const r = parseSofiaContactReply('sofia/internal/sip:2000@192.0.2.10:5060;line=kq3fz1');
    assert.deepEqual(r, {
      ok: true,
      value: { registered: true, contacts: [{ profile: 'internal', uri: 'sip:2000@192.0.2.10:5060;line=kq3fz1', dialString: 'sofia/internal/sip:2000@192.0.2.10:5060;line=kq3fz1' }] },
    });
  });

  test('several contacts, every one in order, fs_ parameters kept', () => {
    const reply = 'sofia/internal/sip:2000@192.0.2.10:5060;line=a1,sofia/external/sip:2000@10.1.2.3:5062;transport=tcp;fs_nat=yes;fs_path=%3Csip%3A2000%40198.51.100.7%3A40312%3E\n';
    const r = parseSofiaContactReply(reply);
    assert.ok(r.ok && r.value.registered);
    if (!r.ok || !r.value.registered) return;
    assert.deepEqual(r.value.contacts.map((c) => [c.profile, c.uri]), [
      ['internal', 'sip:2000@192.0.2.10:5060;line=a1'],
      ['external', 'sip:2000@10.1.2.3:5062;transport=tcp;fs_nat=yes;fs_path=%3Csip%3A2000%40198.51.100.7%3A40312%3E'],
    ]);
  });

  test('error/user_not_registered, in any case and with blanks, is not registered', () => {
    assert.deepEqual(parseSofiaContactReply('error/user_not_registered'), { ok: true, value: { registered: false } });
    assert.deepEqual(parseSofiaContactReply(' ERROR/USER_NOT_REGISTERED\n'), { ok: true, value: { registered: false } });
  });

  test('-ERR is rejected; anything else is a bad reply', () => {
    const rejected = parseSofiaContactReply('-ERR sofia_contact Command not found!\n');
    assert.equal(!rejected.ok && rejected.error.code, 'rejected');
    for (const text of ['', 'error/facility_not_subscribed', 'sofia/internal/2000@host', 'user/2000@example.com', 'sofia/internal/sip:a,']) {
      const r = parseSofiaContactReply(text);
      assert.equal(!r.ok && r.error.code, 'bad-reply', text);
    }
  });

  test('property: never throws', () => {
    fc.assert(fc.property(fc.string(), (s) => assert.equal(typeof parseSofiaContactReply(s).ok, 'boolean')), { numRuns: 10000 });
  });
});

describe('sofiaContactSpec', () => {
  test('mod_snom target forms', () => {
    assert.deepEqual(sofiaContactSpec('*/2000'), { ok: true, value: '*/2000' });
    assert.deepEqual(sofiaContactSpec('*/2000@example.com'), { ok: true, value: '*/2000@example.com' });
    assert.deepEqual(sofiaContactSpec('internal/2000@example.com'), { ok: true, value: 'internal/2000@example.com' });
    assert.deepEqual(sofiaContactSpec('2000'), { ok: true, value: '2000' });
    const parsed = parseCommandTarget('*/2000@example.com');
    assert.ok(parsed.ok);
    if (parsed.ok) assert.deepEqual(sofiaContactSpec(parsed.value), { ok: true, value: '*/2000@example.com' });
  });

  test('nothing else can ride on the api line', () => {
    for (const bad of ['*/2000 status', '*/2000\napi hupall', '*/2000\t', '192.0.2.7', 'phone.example.com', '', 'a/b/c']) {
      const r = sofiaContactSpec(bad);
      assert.equal(!r.ok && r.error.code, 'bad-spec', JSON.stringify(bad));
    }
    assert.equal(sofiaContactSpec({ kind: 'user', profile: undefined, user: '2000 x', domain: undefined, spec: '2000' }).ok, false);
  });
});

describe('contactUrl / withoutFsParams', () => {
  test('display name and brackets removed, as sofia_glue_get_url_from_contact', () => {
    assert.equal(contactUrl('"Front Desk" <sip:2000@192.0.2.10:5060;line=kq3fz1>;expires=3600'), 'sip:2000@192.0.2.10:5060;line=kq3fz1');
    assert.equal(contactUrl('<sip:2000@192.0.2.10>'), 'sip:2000@192.0.2.10');
    assert.equal(contactUrl('sip:2000@192.0.2.10;line=x'), 'sip:2000@192.0.2.10;line=x');
    assert.equal(contactUrl('"a<b" <sip:x@y>'), 'sip:x@y');
    assert.equal(contactUrl('<sip:2000@10.0.0.5;fs_nat=yes;fs_path=<sip:2000@198.51.100.9:1024>>'), 'sip:2000@10.0.0.5;fs_nat=yes;fs_path=<sip:2000@198.51.100.9:1024>');
    assert.equal(contactUrl('<sip:unclosed@x'), 'sip:unclosed@x');
  });

  test('cut at ;fs_ (mod_sofia before sending the MESSAGE)', () => {
    assert.equal(withoutFsParams('sip:2000@10.0.0.5:5060;line=a;fs_nat=yes;fs_path=%3Csip%3Ax%3E'), 'sip:2000@10.0.0.5:5060;line=a');
    assert.equal(withoutFsParams('sip:2000@10.0.0.5'), 'sip:2000@10.0.0.5');
  });
});
