// RFC 4475 torture messages, read as bytes from ../shared/rfc4475 (one test per file; see its INDEX.md).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseMessage } from '../../../src/sip/parse.js';
import type { SipMessage, SipRequest, SipResponse } from '../../../src/sip/message.js';
import {
  getCallId, getContacts, getCSeq, getFrom, getMaxForwards, getRequestUri, getTo, getVias,
} from '../../../src/sip/accessors.js';
import { checkMaxForwards, validateRequest } from '../../../src/sip/validate.js';
import type { SipUri } from '../../../src/sip/uri.js';
import type { ContactEntry } from '../../../src/sip/header-values.js';

const DIR = path.resolve(import.meta.dirname, '../../../../shared/rfc4475');
const METHODS = ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'REGISTER', 'MESSAGE'];

function read(name: string): Buffer {
  return readFileSync(path.join(DIR, name));
}

function parsed(name: string): SipMessage {
  const r = parseMessage(read(name));
  assert.ok(r.ok, r.ok ? '' : `${name}: ${r.error.status} ${r.error.reason}`);
  return r.value;
}

function request(name: string): SipRequest {
  const m = parsed(name);
  assert.equal(m.kind, 'request');
  return m as SipRequest;
}

function response(name: string): SipResponse {
  const m = parsed(name);
  assert.equal(m.kind, 'response');
  return m as SipResponse;
}

function parseError(name: string, status: number, reason: string, data = read(name)): void {
  const r = parseMessage(data);
  assert.equal(r.ok, false, `${name} must not parse`);
  if (r.ok) return;
  assert.equal(r.error.status, status);
  assert.equal(r.error.reason, reason);
}

function rejected(name: string, status: number, reason: string): SipRequest {
  const req = request(name);
  const v = validateRequest(req, { methods: METHODS });
  assert.equal(v?.status, status);
  assert.equal(v?.reason, reason);
  return req;
}

function accepted(name: string): SipRequest {
  const req = request(name);
  assert.equal(validateRequest(req, { methods: METHODS }), undefined);
  return req;
}

function sip(uri: unknown): SipUri {
  assert.equal((uri as SipUri).kind, 'sip');
  return uri as SipUri;
}

function contacts(m: SipMessage): readonly ContactEntry[] {
  const c = getContacts(m);
  assert.ok(Array.isArray(c));
  return c as readonly ContactEntry[];
}

const CASES: Record<string, () => void> = {
  // ---- 3.1.1 valid ----
  'wsinv.dat': () => {
    const m = accepted('wsinv.dat');
    assert.equal(m.method, 'INVITE');
    assert.equal(m.uri, 'sip:vivekg@chair-dnrc.example.com;unknownparam');
    assert.deepEqual([...sip(getRequestUri(m)).params], [['unknownparam', undefined]]);
    assert.equal(getMaxForwards(m), 68);
    assert.deepEqual(getCSeq(m), { seq: 9, method: 'INVITE' });
    const vias = getVias(m)!;
    assert.deepEqual(vias.map((v) => [v.protocol, v.transport, v.host, v.branch]), [
      ['SIP/2.0', 'UDP', '192.0.2.2', '390skdjuw'],
      ['SIP/2.0', 'TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
      ['SIP/2.0', 'UDP', '192.168.255.111', 'z9hG4bK30239'],
    ]);
    assert.equal(getTo(m)!.params.get('tag'), '1918181833n');
    assert.equal(sip(getTo(m)!.uri).host, 'chair-dnrc.example.com');
    assert.equal(getFrom(m)!.displayName, 'J Rosenberg \\"');
    assert.equal(getFrom(m)!.params.get('tag'), '98asjd8');
    assert.equal(getCallId(m), 'wsinv.ndaksdj@192.0.2.1');
    assert.equal(m.headers.get('UnknownHeaderWithUnusualValue'), ';;,,;;,;');
    assert.equal(m.headers.get('NewFangledHeader'), 'newfangled value continued newfangled value');
    assert.equal(m.headers.get('Subject'), '');
    assert.equal(m.headers.get('Route'), '<sip:services.example.com;lr;unknownwith=value;unknown-no-value>');
    const [c] = contacts(m);
    assert.equal(c!.displayName, 'Quoted string ""');
    assert.deepEqual([...c!.params], [['newparam', 'newvalue'], ['secondparam', undefined], ['q', '0.33']]);
    assert.equal(c!.q, 0.33);
    assert.equal(m.body.length, 150);
  },
  'intmeth.dat': () => {
    const m = request('intmeth.dat');
    assert.equal(m.method, "!interesting-Method0123456789_*+`.%indeed'~");
    const uri = sip(getRequestUri(m));
    assert.equal(uri.user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    assert.equal(uri.password, "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)");
    assert.equal(uri.host, 'example.com');
    assert.equal(getTo(m)!.displayName, 'BEL:\x07 NUL:\x00 DEL:\x7f');
    assert.equal(sip(getTo(m)!.uri).user, "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*");
    const from = getFrom(m)!;
    assert.equal(from.displayName, "token1~` token2'+_ token3*%!.-");
    assert.equal(from.params.get("fromparam''~+*_!.-%"), '"работающий"');
    assert.equal(from.params.get('tag'), "_token~1'+`*%!-.");
    assert.equal(getCallId(m), "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{");
    assert.deepEqual(getCSeq(m), { seq: 139122385, method: "!interesting-Method0123456789_*+`.%indeed'~" });
    assert.equal(getMaxForwards(m), 255);
    assert.equal(m.headers.get("extensionHeader-!.%*+_`'~"), '\ufeff大停電');
    assert.equal(getVias(m)![0]!.branch, "z9hG4bK-.!%66*_+`'~");
    // an element that does not implement the method answers 501, it never fails to parse
    assert.equal(validateRequest(m, { methods: METHODS })?.status, 501);
  },
  'esc01.dat': () => {
    const m = accepted('esc01.dat');
    const ruri = sip(getRequestUri(m));
    assert.equal(ruri.user, 'sips:user@example.com');
    assert.equal(ruri.host, 'example.net');
    assert.equal(sip(getTo(m)!.uri).user, 'user');
    assert.equal(sip(getFrom(m)!.uri).user, 'I have spaces');
    const [c] = contacts(m);
    const cu = sip(c!.uri);
    assert.equal(cu.user, 'caller');
    assert.deepEqual([...cu.params], [['lr', undefined], ['name', 'value%41']]);
    assert.equal(m.headers.get('Content-Type'), 'application/sdp');
  },
  'escnull.dat': () => {
    const m = accepted('escnull.dat');
    assert.equal(sip(getTo(m)!.uri).user, 'null-\0-null');
    assert.equal(sip(getFrom(m)!.uri).user, 'null-\0-null');
    const cs = contacts(m);
    assert.deepEqual(cs.map((c) => sip(c.uri).user), ['\0', '\0\0']);
    assert.notEqual(sip(cs[0]!.uri).user, sip(cs[1]!.uri).user);
  },
  'esc02.dat': () => {
    const m = request('esc02.dat');
    assert.equal(m.method, 'RE%47IST%45R');
    assert.deepEqual(getCSeq(m), { seq: 29344, method: 'RE%47IST%45R' });
    assert.equal(getTo(m)!.displayName, '%Z%45');
    assert.equal(getFrom(m)!.displayName, '%Z%45');
    assert.equal(getVias(m)![0]!.branch, 'z9hG4bK209%fzsnel234');
    assert.deepEqual(contacts(m).map((c) => c.rawUri), ['sip:alias1@host1.example.com', 'sip:alias3@host3.example.com']);
    assert.equal(m.headers.get('C%6Fntact'), '<sip:alias2@host2.example.com>');
    assert.equal(validateRequest(m, { methods: METHODS })?.status, 501);
  },
  'lwsdisp.dat': () => {
    const m = accepted('lwsdisp.dat');
    assert.equal(getFrom(m)!.displayName, 'caller');
    assert.equal(getFrom(m)!.rawUri, 'sip:caller@example.com');
    assert.equal(getFrom(m)!.params.get('tag'), '323');
  },
  'longreq.dat': () => {
    const m = accepted('longreq.dat');
    const vias = getVias(m)!;
    assert.equal(vias.length, 34);
    assert.deepEqual(vias.slice(0, 33).map((v) => v.host), Array.from({ length: 33 }, (_, i) => `sip${33 - i}.example.com`));
    const last = vias[33]!;
    assert.equal(last.received, '192.0.2.5');
    assert.equal(last.branch, `very${'long'.repeat(50)}branchvalue`);
    const to = getTo(m)!;
    assert.equal(to.displayName, `I have a user name of ${'extreme'.repeat(10)} proportion`);
    const toUri = sip(to.uri);
    assert.equal(toUri.port, 6000);
    assert.equal(toUri.params.get('unknownparam1'), `very${'long'.repeat(20)}value`);
    assert.equal(toUri.params.get(`longparam${'name'.repeat(25)}`), 'shortvalue');
    assert.ok(toUri.params.has(`very${'long'.repeat(25)}parameternamewithnovalue`));
    const from = getFrom(m)!;
    assert.equal(sip(from.uri).user, 'amazinglylongcallername'.repeat(5));
    assert.equal(from.params.get('tag'), `12${'982'.repeat(50)}424`);
    assert.equal(getCallId(m), `longreq.one${'really'.repeat(20)}longcallid`);
    const unknown = `Unknown-${'Long'.repeat(20)}-Name`;
    const ll = 'long'.repeat(20);
    assert.equal(m.headers.get(unknown), `unknown-${ll}-value; unknown-${ll}-parameter-name = unknown-${ll}-parameter-value`);
    assert.equal(m.body.length, 150);
  },
  'dblreq.dat': () => {
    const m = accepted('dblreq.dat');
    assert.equal(m.method, 'REGISTER');
    assert.equal(m.body.length, 0);
    assert.equal(getCallId(m), 'dblreq.0ha0isndaksdj99sdfafnl3lk233412');
    assert.equal(m.headers.count('Via'), 1);
  },
  'semiuri.dat': () => {
    const m = accepted('semiuri.dat');
    const uri = sip(getRequestUri(m));
    assert.equal(uri.user, 'user;par=u@example.net');
    assert.equal(uri.host, 'example.com');
    assert.equal(uri.params.size, 0);
    assert.equal(m.headers.get('Accept'),
      'application/sdp, application/pkcs7-mime, multipart/mixed, multipart/signed, message/sip, message/sipfrag');
  },
  'transports.dat': () => {
    const m = accepted('transports.dat');
    assert.deepEqual(getVias(m)!.map((v) => [v.transport, v.host]), [
      ['UDP', 't1.example.com'], ['SCTP', 't2.example.com'], ['TLS', 't3.example.com'],
      ['UNKNOWN', 't4.example.com'], ['TCP', 't5.example.com'],
    ]);
    assert.equal(getCallId(m), 'transports.kijh4akdnaqjkwendsasfdj');
  },
  'mpart01.dat': () => {
    const data = read('mpart01.dat');
    const m = accepted('mpart01.dat');
    assert.equal(m.body.length, 553);
    assert.ok(m.body.equals(data.subarray(data.length - 553)));
    assert.equal(m.headers.get('Content-Type'), 'multipart/mixed;boundary=7a9cbec02ceef655');
    assert.equal(getVias(m)![0]!.rport, true);
  },
  'unreason.dat': () => {
    const m = response('unreason.dat');
    assert.equal(m.status, 200);
    assert.equal(m.reason, '= 2**3 * 5**2 но сто девяносто девять - простое');
    assert.equal(m.body.length, 154);
  },
  'noreason.dat': () => {
    const m = response('noreason.dat');
    assert.equal(m.status, 100);
    assert.equal(m.reason, '');
    assert.equal(getCSeq(m)!.seq, 35);
  },

  // ---- 3.1.2 invalid ----
  'badinv01.dat': () => parseError('badinv01.dat', 400, 'Invalid Via header'),
  'clerr.dat': () => parseError('clerr.dat', 400, 'Content-Length exceeds message'),
  'ncl.dat': () => parseError('ncl.dat', 400, 'Invalid Content-Length header'),
  'scalar02.dat': () => parseError('scalar02.dat', 400, 'Invalid CSeq header'),
  'scalarlg.dat': () => parseError('scalarlg.dat', 400, 'Invalid CSeq header'),
  'quotbal.dat': () => parseError('quotbal.dat', 400, 'Invalid To header'),
  'ltgtruri.dat': () => parseError('ltgtruri.dat', 400, 'Invalid Request-URI'),
  'lwsruri.dat': () => parseError('lwsruri.dat', 400, 'Invalid request line'),
  'lwsstart.dat': () => parseError('lwsstart.dat', 400, 'Invalid request line'),
  'trws.dat': () => parseError('trws.dat', 400, 'Invalid request line'),
  'escruri.dat': () => {
    const m = rejected('escruri.dat', 400, 'Headers in Request-URI');
    assert.deepEqual(sip(getRequestUri(m)).headers, [['Route', '<sip:example.com>']]);
  },
  'baddate.dat': () => {
    // we do not use Date, so a non-GMT zone is accepted (RFC 4475 §3.1.2.12 allows it)
    const m = accepted('baddate.dat');
    assert.equal(m.headers.get('Date'), 'Fri, 01 Jan 2010 16:00:00 EST');
  },
  'regbadct.dat': () => parseError('regbadct.dat', 400, 'Invalid Contact header'),
  'badaspec.dat': () => parseError('badaspec.dat', 400, 'Invalid To header'),
  'baddn.dat': () => {
    parseError('baddn.dat', 400, 'Invalid From header');
    parseError('baddn.dat', 400, 'Invalid From header', read('extra/baddn.with-final-crlf.dat'));
  },
  'badvers.dat': () => {
    const m = rejected('badvers.dat', 505, 'Version Not Supported');
    assert.equal(m.version, 'SIP/7.0');
    assert.equal(getVias(m)![0]!.protocol, 'SIP/7.0');
  },
  'mismatch01.dat': () => {
    rejected('mismatch01.dat', 400, 'CSeq method does not match');
  },
  'mismatch02.dat': () => {
    rejected('mismatch02.dat', 501, 'Not Implemented');
  },
  'bigcode.dat': () => parseError('bigcode.dat', 400, 'Invalid status line'),

  // ---- 3.2 transaction layer ----
  'badbranch.dat': () => {
    const m = rejected('badbranch.dat', 400, 'Invalid Via branch');
    assert.equal(getVias(m)![0]!.branch, 'z9hG4bK');
  },

  // ---- 3.3 application layer ----
  'insuf.dat': () => {
    rejected('insuf.dat', 400, 'Missing To header');
  },
  'unkscm.dat': () => {
    const m = rejected('unkscm.dat', 416, 'Unsupported URI Scheme');
    assert.deepEqual(getRequestUri(m), { kind: 'absolute', scheme: 'nobodyknowsthisscheme', opaque: 'totallyopaquecontent' });
  },
  'novelsc.dat': () => {
    const m = rejected('novelsc.dat', 416, 'Unsupported URI Scheme');
    assert.deepEqual(getRequestUri(m), { kind: 'absolute', scheme: 'soap.beep', opaque: '//192.0.2.103:3002' });
  },
  'unksm2.dat': () => {
    const m = accepted('unksm2.dat');
    assert.deepEqual(getTo(m)!.uri, { kind: 'absolute', scheme: 'isbn', opaque: '2983792873' });
    assert.deepEqual(getFrom(m)!.uri, { kind: 'absolute', scheme: 'http', opaque: '//www.example.com' });
    assert.deepEqual(contacts(m)[0]!.uri, { kind: 'absolute', scheme: 'name', opaque: 'John_Smith' });
  },
  'bext01.dat': () => {
    const m = request('bext01.dat');
    assert.deepEqual(validateRequest(m, { methods: METHODS }), {
      status: 420,
      reason: 'Bad Extension',
      headers: [['Unsupported', 'nothingSupportsThis, nothingSupportsThisEither']],
    });
    // with both tags supported the request passes (Proxy-Require is ignored by a UAS)
    assert.equal(validateRequest(m, { methods: METHODS, extensions: ['nothingsupportsthis', 'nothingSupportsThisEither'] }), undefined);
  },
  'invut.dat': () => {
    const m = accepted('invut.dat');
    assert.equal(m.headers.get('Content-Type'), 'application/unknownformat');
    assert.equal(m.body.length, 40);
  },
  'regaut01.dat': () => {
    const m = accepted('regaut01.dat');
    assert.equal(m.headers.get('Authorization'), 'NoOneKnowsThisScheme opaque-data=here');
  },
  'multi01.dat': () => {
    const m = rejected('multi01.dat', 400, 'Multiple To headers');
    assert.equal(m.headers.count('Call-ID'), 2);
  },
  'mcl01.dat': () => parseError('mcl01.dat', 400, 'Conflicting Content-Length headers'),
  'bcast.dat': () => {
    const m = response('bcast.dat');
    assert.deepEqual(getVias(m)!.map((v) => v.host), ['192.0.2.198', '255.255.255.255']);
  },
  'zeromf.dat': () => {
    const m = accepted('zeromf.dat');
    assert.equal(getMaxForwards(m), 0);
    assert.deepEqual(checkMaxForwards(m), { status: 483, reason: 'Too Many Hops' });
  },
  'cparam01.dat': () => {
    const [c] = contacts(accepted('cparam01.dat'));
    assert.equal(c!.rawUri, 'sip:+19725552222@gw1.example.net');
    assert.equal(sip(c!.uri).params.size, 0);
    assert.deepEqual([...c!.params], [['unknownparam', undefined]]);
  },
  'cparam02.dat': () => {
    const [c] = contacts(accepted('cparam02.dat'));
    assert.equal(c!.rawUri, 'sip:+19725552222@gw1.example.net;unknownparam');
    assert.deepEqual([...sip(c!.uri).params], [['unknownparam', undefined]]);
    assert.equal(c!.params.size, 0);
  },
  'regescrt.dat': () => {
    const [c] = contacts(accepted('regescrt.dat'));
    assert.equal(c!.rawUri, 'sip:user@example.com?Route=%3Csip:sip.example.com%3E');
    assert.deepEqual(sip(c!.uri).headers, [['Route', '<sip:sip.example.com>']]);
  },
  'sdp01.dat': () => {
    const m = accepted('sdp01.dat');
    assert.equal(m.headers.get('Accept'), 'text/nobodyKnowsThis');
    assert.equal(m.body.length, 150);
  },

  // ---- 3.4 backward compatibility ----
  'inv2543.dat': () => {
    const m = accepted('inv2543.dat');
    assert.equal(m.body.length, 105);
    assert.equal(getMaxForwards(m), undefined);
    assert.equal(getVias(m)![0]!.branch, undefined);
    assert.equal(getFrom(m)!.params.has('tag'), false);
  },
};

if (!existsSync(DIR)) {
  test('RFC 4475 corpus', { skip: `corpus not found at ${DIR}` }, () => {});
} else {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.dat')).sort();
  test('RFC 4475: every corpus file has a case and every case a file', () => {
    assert.equal(files.length, 49);
    assert.deepEqual(files, Object.keys(CASES).sort());
  });
  for (const file of files) {
    const run = CASES[file];
    test(`RFC 4475 ${file}`, () => {
      assert.ok(run, `no case for ${file}`);
      run();
    });
  }
}
