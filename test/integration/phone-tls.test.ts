// PhoneClient over HTTPS with a self-signed certificate: refused unless configured insecure (per phone
// or globally) or trusted through `ca`; the result says which TLS mode was used.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { PhoneClient } from '../../src/phone/phone-client.js';
import { startTestServer, testCertificate, type TestServer } from '../helpers/http-test-server.js';

const HOST = '127.0.0.51';
let cert: { key: string; cert: string };
let server: TestServer;

before(async () => {
  cert = await testCertificate([HOST, '::1', 'localhost']);
  server = await startTestServer({ host: HOST, tls: cert, auth: { users: { admin: 'pw' }, digest: {} } });
});
after(async () => {
  await server.close();
});

const phone = (extra: object = {}) => ({ host: HOST, port: server.port, scheme: 'https' as const, username: 'admin', password: 'pw', ...extra });

test('a self-signed certificate is refused by default (tls, status 0), nothing is sent', async () => {
  const c = new PhoneClient();
  try {
    const before = server.requests.length;
    const r = await c.request(phone(), '/command.htm?key=ENTER');
    assert.ok(!r.ok);
    assert.deepEqual([r.code, r.status], ['tls', 0]);
    assert.match(r.message, /TLS failed \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\)/);
    assert.equal(server.requests.length, before);
  } finally {
    await c.close();
  }
});

test("insecureTls on the phone: accepted, tls 'insecure', Digest works over it", async () => {
  const c = new PhoneClient();
  try {
    const r = await c.request(phone({ insecureTls: true }), '/command.htm?key=ENTER');
    assert.ok(r.ok, JSON.stringify(r));
    assert.deepEqual([r.tls, r.auth], ['insecure', 'digest']);
    // The insecure socket is not reused for a request that wants verification.
    const strict = await c.request(phone(), '/command.htm?key=ENTER');
    assert.ok(!strict.ok);
    assert.equal(strict.code, 'tls');
  } finally {
    await c.close();
  }
});

test("the global insecureTls option: tls 'insecure' for every phone", async () => {
  const c = new PhoneClient({ insecureTls: true });
  try {
    const r = await c.request(phone(), '/command.htm?key=ENTER');
    assert.ok(r.ok);
    assert.equal(r.tls, 'insecure');
  } finally {
    await c.close();
  }
});

test("a certificate trusted through the ca option: tls 'verified'", async () => {
  const c = new PhoneClient({ ca: cert.cert });
  try {
    const r = await c.request(phone(), '/command.htm?key=ENTER');
    assert.ok(r.ok, JSON.stringify(r));
    assert.equal(r.tls, 'verified');
  } finally {
    await c.close();
  }
});

test('a plain-HTTP client talking to an HTTPS port, and HTTPS to an HTTP port, fail cleanly', async () => {
  const plain = await startTestServer({ host: HOST });
  const c = new PhoneClient({ insecureTls: true, timeoutMs: 2000 });
  try {
    const https = await c.request({ host: HOST, port: plain.port, scheme: 'https' }, '/');
    assert.ok(!https.ok);
    assert.deepEqual([https.code, https.status], ['tls', 0]);
    const http = await c.request({ host: HOST, port: server.port, scheme: 'http' }, '/');
    assert.ok(!http.ok);
    assert.deepEqual([http.code, http.status], ['unreachable', 0]); // the TLS server drops the connection
  } finally {
    await c.close();
    await plain.close();
  }
});

test("an http→https redirect on the phone's host uses the phone's insecureTls; credentials are not carried over", async () => {
  const plain = await startTestServer({ host: HOST, handler: () => ({ status: 301, headers: { location: `https://${HOST}:${server.port}/command.htm?key=ENTER` } }) });
  const open = await startTestServer({ host: HOST, tls: cert });
  const hop = await startTestServer({ host: HOST, handler: () => ({ status: 302, headers: { location: `https://${HOST}:${open.port}/x` } }) });
  const c = new PhoneClient();
  try {
    // The https origin differs from the phone's http origin: its Digest challenge meets no credentials.
    const r = await c.request({ host: HOST, port: plain.port, username: 'admin', password: 'pw', insecureTls: true }, '/command.htm?key=ENTER');
    assert.ok(!r.ok);
    assert.deepEqual([r.code, r.status], ['auth-failed', 401]);
    assert.equal(server.requests.at(-1)!.headers.authorization, undefined);
    const ok = await c.request({ host: HOST, port: hop.port, insecureTls: true }, '/');
    assert.ok(ok.ok);
    assert.deepEqual([ok.tls, ok.redirects], ['insecure', 1]);
  } finally {
    await c.close();
    await plain.close();
    await open.close();
    await hop.close();
  }
});
