import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { findCoreRegistration, parseShowRegistrations } from '../../../src/esl/core-registrations.js';
import type { SofiaContact } from '../../../src/esl/sofia-contact.js';

/** `show registrations as json` for two phones of user 2000 (cJSON_PrintUnformatted, all values strings). */
const TWO_ROWS = JSON.stringify({
  row_count: 2,
  rows: [
    { reg_user: '2000', realm: 'example.com', token: 'c1', url: 'sofia/internal/sip:2000@192.0.2.10:5060;line=a1', expires: '1714648272', network_ip: '198.51.100.7', network_port: '40312', network_proto: 'udp', hostname: 'pbx1', metadata: '' },
    { reg_user: '2000', realm: 'example.com', token: 'c2', url: 'sofia/internal/sips:2000@192.0.2.11:5061;transport=tls', expires: '1714648290', network_ip: '198.51.100.8', network_port: '5061', network_proto: 'tls', hostname: 'pbx1', metadata: '' },
  ],
});

const contact = (dialString: string): SofiaContact => ({ profile: 'internal', uri: dialString.replace(/^sofia\/internal\//, ''), dialString });

describe('parseShowRegistrations', () => {
  test('rows with every column typed', () => {
    const r = parseShowRegistrations(TWO_ROWS);
    assert.ok(r.ok);
    if (!r.ok) return;
    assert.deepEqual(r.value[0], {
      user: '2000', realm: 'example.com', token: 'c1', url: 'sofia/internal/sip:2000@192.0.2.10:5060;line=a1', expires: 1714648272,
      networkIp: '198.51.100.7', networkPort: 40312, networkProto: 'udp', hostname: 'pbx1',
    });
    assert.equal(r.value.length, 2);
  });

  test('no registrations: {"row_count": 0}', () => {
    assert.deepEqual(parseShowRegistrations('{"row_count": 0}\n'), { ok: true, value: [] });
  });

  test('SQL disabled is rejected; other text is a bad reply', () => {
    const r = parseShowRegistrations('-ERR SQL DISABLED NO DATA AVAILABLE!\n');
    assert.equal(!r.ok && r.error.code, 'rejected');
    for (const t of ['reg_user,realm\n\n0 total.\n', '[]', '{"rows":[]}', '{"row_count":1}', '{"row_count":1,"rows":{}}']) {
      const b = parseShowRegistrations(t);
      assert.equal(!b.ok && b.error.code, 'bad-reply', t);
    }
  });

  test('rows without url or network_ip are skipped', () => {
    const r = parseShowRegistrations(JSON.stringify({ row_count: 2, rows: [{ url: 'x' }, { url: 'y', network_ip: '192.0.2.1', network_port: 'abc' }] }));
    assert.ok(r.ok);
    if (r.ok) assert.deepEqual(r.value.map((x) => [x.url, x.networkPort]), [['y', undefined]]);
  });

  test('property: never throws', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.json()), (s) => assert.equal(typeof parseShowRegistrations(s).ok, 'boolean')), { numRuns: 10000 });
  });
});

describe('findCoreRegistration', () => {
  test('matches each contact by url (mod_snom compared the whole reply, so two contacts found nothing)', () => {
    const rows = parseShowRegistrations(TWO_ROWS);
    assert.ok(rows.ok);
    if (!rows.ok) return;
    assert.equal(findCoreRegistration(contact('sofia/internal/sip:2000@192.0.2.10:5060;line=a1'), rows.value)?.networkIp, '198.51.100.7');
    assert.equal(findCoreRegistration(contact('sofia/internal/sip:2000@192.0.2.11:5061;transport=tls'), rows.value)?.networkIp, '198.51.100.8');
    assert.equal(findCoreRegistration(contact('sofia/internal/sip:2000@192.0.2.99'), rows.value), undefined);
  });
});
