// RFC 4475 REGISTER torture messages run through the registrar (see ../shared/rfc4475/INDEX.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Registrar } from '../../../src/registrar/registrar.js';
import type { RegisterSource } from '../../../src/registrar/binding.js';
import { parseMessage } from '../../../src/sip/parse.js';
import type { SipRequest } from '../../../src/sip/message.js';
import { DigestClient } from '../../../src/util/digest-client.js';
import { challenges } from './register-fixtures.js';

const DIR = path.resolve(import.meta.dirname, '../../../../shared/rfc4475');
const SOURCE: RegisterSource = { transport: 'udp', address: '192.0.2.1', port: 5060 };
const PASSWORDS: Record<string, string> = { user: 'pw-user', watson: 'pw-watson', 'j.user': 'pw-j' };

function request(name: string): SipRequest {
  const r = parseMessage(readFileSync(path.join(DIR, name)));
  assert.ok(r.ok, `${name} must parse`);
  assert.equal(r.value.kind, 'request');
  return r.value as SipRequest;
}

function registrar(): Registrar {
  return new Registrar({
    domains: ['example.com'],
    users: (user) => (PASSWORDS[user] === undefined ? undefined : { password: PASSWORDS[user] }),
    now: () => 1_700_000_000_000,
  });
}

/** Sends the file as is (401), then the same request with Digest credentials added. */
async function authenticated(r: Registrar, name: string, user: string) {
  const first = await r.handleRegister(request(name), SOURCE);
  const req = request(name);
  const auth = new DigestClient({ username: user, password: PASSWORDS[user]! }).respond(challenges(first.response), 'REGISTER', req.uri);
  assert.ok(auth.ok);
  req.headers.append('Authorization', auth.value);
  return r.handleRegister(req, SOURCE);
}

test('regescrt: a Contact URI with an escaped header is accepted and kept in the binding as written', async () => {
  const r = registrar();
  const out = await authenticated(r, 'regescrt.dat', 'user');
  assert.equal(out.response.status, 200);
  assert.deepEqual(out.response.headers.getAll('Contact'), ['<sip:user@example.com?Route=%3Csip:sip.example.com%3E>;expires=600']);
  assert.deepEqual(r.contactsOf('user', 'example.com').map((b) => b.contact), ['sip:user@example.com?Route=%3Csip:sip.example.com%3E']);
  assert.deepEqual(out.events.map((e) => e.type), ['registered']);
});

test('cparam01: `;unknownparam` after a bare addr-spec is a contact parameter: the bound URI is without it', async () => {
  const r = registrar();
  const out = await authenticated(r, 'cparam01.dat', 'watson');
  assert.equal(out.response.status, 200);
  assert.deepEqual(r.contactsOf('watson', 'example.com').map((b) => b.contact), ['sip:+19725552222@gw1.example.net']);
  assert.deepEqual(out.response.headers.getAll('Contact'), ['<sip:+19725552222@gw1.example.net>;expires=600']);
});

test('cparam02: `;unknownparam` inside <> is a URI parameter and stays part of the bound URI', async () => {
  const r = registrar();
  const out = await authenticated(r, 'cparam02.dat', 'watson');
  assert.equal(out.response.status, 200);
  assert.deepEqual(r.contactsOf('watson', 'example.com').map((b) => b.contact), ['sip:+19725552222@gw1.example.net;unknownparam']);
  assert.deepEqual(out.response.headers.getAll('Contact'), ['<sip:+19725552222@gw1.example.net;unknownparam>;expires=600']);
});

test('cparam01 then cparam02: the URIs are equivalent (§19.1.4 ignores a parameter in only one), so the new Call-ID replaces the binding', async () => {
  const r = registrar();
  await authenticated(r, 'cparam01.dat', 'watson');
  const out = await authenticated(r, 'cparam02.dat', 'watson');
  assert.deepEqual(out.events.map((e) => [e.type, e.binding.contact]), [['restarted', 'sip:+19725552222@gw1.example.net;unknownparam']]);
  assert.equal(r.contactsOf('watson', 'example.com').length, 1);
});

test('unksm2: a To that is not a SIP URI is refused with 400, without a challenge', async () => {
  const r = registrar();
  const out = await r.handleRegister(request('unksm2.dat'), SOURCE);
  assert.equal(out.response.status, 400);
  assert.equal(out.response.reason, 'Address-of-record is not a SIP URI');
  assert.deepEqual(out.response.headers.getAll('WWW-Authenticate'), []);
  assert.equal(r.size, 0);
});

test('regaut01: an unknown authorization scheme is challenged with Digest', async () => {
  const r = registrar();
  const out = await r.handleRegister(request('regaut01.dat'), SOURCE);
  assert.equal(out.response.status, 401);
  assert.equal(challenges(out.response).length, 2);
  assert.ok(challenges(out.response).every((c) => c.startsWith('Digest ')));
});
