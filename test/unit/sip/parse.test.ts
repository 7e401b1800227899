import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_PARSE_LIMITS, parseMessage, SipParseError } from '../../../src/sip/parse.js';
import type { SipRequest, SipResponse } from '../../../src/sip/message.js';
import { getCSeq, getVias } from '../../../src/sip/accessors.js';

const HEAD = [
  'OPTIONS sip:bob@example.com SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc',
  'Max-Forwards: 70',
  'From: <sip:alice@example.com>;tag=1',
  'To: <sip:bob@example.com>',
  'Call-ID: c1@192.0.2.1',
  'CSeq: 1 OPTIONS',
];

function msg(lines: string[], body = '', contentLength: number | null = Buffer.byteLength(body)): Buffer {
  const cl = contentLength === null ? [] : [`Content-Length: ${contentLength}`];
  return Buffer.from(`${[...lines, ...cl].join('\r\n')}\r\n\r\n${body}`, 'utf8');
}

function req(data: Buffer, stream = false): SipRequest {
  const r = parseMessage(data, { stream });
  assert.ok(r.ok, r.ok ? '' : r.error.reason);
  assert.equal(r.value.kind, 'request');
  return r.value as SipRequest;
}

function error(data: Buffer, options?: Parameters<typeof parseMessage>[1]): SipParseError {
  const r = parseMessage(data, options);
  assert.equal(r.ok, false);
  assert.ok(!r.ok);
  assert.ok(r.error instanceof SipParseError);
  assert.equal(r.error.code, 'SNOM_ERR_SIP_PARSE');
  return r.error;
}

test('parseMessage: request line, headers and body', () => {
  const m = req(msg(HEAD, 'hello'));
  assert.equal(m.method, 'OPTIONS');
  assert.equal(m.uri, 'sip:bob@example.com');
  assert.equal(m.version, 'SIP/2.0');
  assert.equal(m.headers.size, 7);
  assert.equal(m.headers.get('call-id'), 'c1@192.0.2.1');
  assert.equal(m.body.toString(), 'hello');
});

test('parseMessage: the body is a copy, so the datagram can be reused', () => {
  const data = msg(HEAD, 'hello');
  const m = req(data);
  data.fill(0);
  assert.equal(m.body.toString(), 'hello');
});

test('parseMessage: compact forms, name case and LWS around the colon', () => {
  const m = req(msg([HEAD[0]!, 'v : SIP/2.0/UDP h;branch=z9hG4bK1', 'f:<sip:a@b>;tag=1', 'T  :\t<sip:b@c>', 'i:x', 'CSEQ: 2 OPTIONS', 'mAx-FoRwArDs:1']));
  assert.equal(getVias(m)![0]!.host, 'h');
  assert.equal(m.headers.get('From'), '<sip:a@b>;tag=1');
  assert.equal(m.headers.get('to'), '<sip:b@c>');
  assert.equal(m.headers.get('Call-ID'), 'x');
  assert.equal(getCSeq(m)!.seq, 2);
  const names = [...m.headers].map((f) => [f.name, f.key]);
  assert.deepEqual(names.slice(0, 3), [['v', 'via'], ['f', 'from'], ['T', 'to']]);
});

test('parseMessage: line folding becomes one SP (§7.3.1)', () => {
  const m = req(msg([...HEAD, 'Subject: first  \r\n   second\r\n\tthird', 'X-Empty:', 'X-Fold:\r\n value']));
  assert.equal(m.headers.get('Subject'), 'first second third');
  assert.equal(m.headers.get('X-Empty'), '');
  assert.equal(m.headers.get('X-Fold'), 'value');
});

test('parseMessage: UDP without Content-Length takes the rest of the datagram (§18.3)', () => {
  const m = req(msg(HEAD, 'v=0\r\n', null));
  assert.equal(m.body.toString(), 'v=0\r\n');
});

test('parseMessage: UDP ignores bytes after Content-Length; too few bytes is 400', () => {
  const data = Buffer.concat([msg(HEAD, 'abc'), Buffer.from('garbage')]);
  assert.equal(req(data).body.toString(), 'abc');
  const e = error(msg(HEAD, 'abc', 10));
  assert.equal(e.status, 400);
  assert.equal(e.reason, 'Content-Length exceeds message');
  assert.equal(e.partial?.method, 'OPTIONS');
});

test('parseMessage: stream mode needs Content-Length and exactly one message', () => {
  assert.equal(req(msg(HEAD, 'abc'), true).body.toString(), 'abc');
  assert.equal(error(msg(HEAD, 'abc', null), { stream: true }).reason, 'Missing Content-Length header');
  assert.equal(error(Buffer.concat([msg(HEAD, 'abc'), Buffer.from('x')]), { stream: true }).reason, 'Bytes after message');
  assert.equal(error(msg(HEAD).subarray(0, -2), { stream: true }).reason, 'Incomplete header section');
});

test('parseMessage: leading CRLFs are skipped; a lone keep-alive is an error without partial', () => {
  assert.equal(req(Buffer.concat([Buffer.from('\r\n\r\n'), msg(HEAD)])).method, 'OPTIONS');
  const e = error(Buffer.from('\r\n\r\n'));
  assert.equal(e.reason, 'Empty message');
  assert.equal(e.partial, undefined);
  assert.equal(error(Buffer.alloc(0)).reason, 'Empty message');
});

test('parseMessage: a datagram ending after the last header line without the empty line is complete', () => {
  const data = Buffer.from(`${[...HEAD, 'l: 0'].join('\r\n')}\r\n`);
  assert.equal(req(data).headers.size, 7);
  assert.equal(error(Buffer.from(HEAD.join('\r\n'))).reason, 'Incomplete header section');
});

test('parseMessage: responses, empty and UTF-8 reasons, and bad status lines', () => {
  const ok = parseMessage(msg(['SIP/2.0 180 Ringing', ...HEAD.slice(1)]));
  assert.ok(ok.ok);
  const res = ok.value as SipResponse;
  assert.deepEqual([res.kind, res.status, res.reason], ['response', 180, 'Ringing']);
  const empty = parseMessage(msg(['SIP/2.0 100', ...HEAD.slice(1)]));
  assert.ok(empty.ok && (empty.value as SipResponse).reason === '');
  const utf8 = parseMessage(msg(['SIP/2.0 200 Très bien', ...HEAD.slice(1)]));
  assert.ok(utf8.ok && (utf8.value as SipResponse).reason === 'Très bien');
  for (const line of ['SIP/2.0 4294967301 x', 'SIP/2.0 099 x', 'SIP/2.0 700 x', 'SIP/2.0 20 x', 'SIP/2.0  200 OK',
    'SIP/2.0 2000 OK', 'SIP/2.0 200 a\x01b', 'SIP/2 200 OK', 'SIP/2.0200 OK', 'SIP/x.0 200 OK']) {
    const e = error(msg([line, ...HEAD.slice(1)]));
    assert.equal(e.reason, 'Invalid status line', line);
    assert.equal(e.partial?.kind, 'response');
  }
});

test('parseMessage: strict request line (§7.1)', () => {
  for (const [line, reason] of [
    ['OPTIONS  sip:a@b SIP/2.0', 'Invalid request line'],
    ['OPTIONS sip:a@b  SIP/2.0', 'Invalid request line'],
    ['OPTIONS sip:a@b SIP/2.0 ', 'Invalid request line'],
    ['OPTIONS sip:a@b; lr SIP/2.0', 'Invalid request line'],
    ['OPTIONS <sip:a@b> SIP/2.0', 'Invalid Request-URI'],
    ['OPTIONS sip:a b@c SIP/2.0', 'Invalid request line'],
    ['OPTIONS sip:a@b\x00 SIP/2.0', 'Invalid Request-URI'],
  ] as const) {
    const e = error(msg([line, ...HEAD.slice(1)]));
    assert.equal(e.reason, reason, line);
    assert.equal(e.partial?.method, 'OPTIONS');
    assert.equal(e.partial?.headers.get('Call-ID'), 'c1@192.0.2.1');
  }
  // the version is checked by validateRequest (505), not here; "SIP" is case-insensitive
  assert.equal(req(msg(['OPTIONS sip:a@b SIP/3.1', ...HEAD.slice(1)])).version, 'SIP/3.1');
  assert.equal(req(msg(['OPTIONS sip:a@b sip/2.0', ...HEAD.slice(1)])).version, 'SIP/2.0');
});

test('parseMessage: garbage that is not a start line has no partial', () => {
  for (const s of ['\x16\x03\x01\x02\x00\r\n\r\n', 'hello world\r\n\r\n', ' OPTIONS sip:a@b SIP/2.0\r\n\r\n', 'BAD\r\n\r\n',
    'INVITE sip:alan@jasomi.com\r\nVia: x\r\n\r\n', 'GET / HTTP/1.1\r\nHost: x\r\n\r\n']) {
    const e = error(Buffer.from(s, 'latin1'));
    assert.equal(e.partial, undefined, JSON.stringify(s));
    assert.equal(e.status, 400);
  }
});

test('parseMessage: each validated header names itself in the reason, with a partial', () => {
  const cases: Array<[string, string, string]> = [
    ['Via', 'SIP/2.0/UDP 192.0.2.15;;,;,,', 'Invalid Via header'],
    ['From', 'Bell, Alexander <sip:a@b>', 'Invalid From header'],
    ['To', '"unterminated <sip:a@b>', 'Invalid To header'],
    ['Call-ID', 'a b', 'Invalid Call-ID header'],
    ['CSeq', '36893488147419103232 OPTIONS', 'Invalid CSeq header'],
    ['Max-Forwards', '300', 'Invalid Max-Forwards header'],
    ['Contact', '<sip:a@b>;;', 'Invalid Contact header'],
  ];
  for (const [name, value, reason] of cases) {
    const lines = HEAD.filter((l) => !l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
    const e = error(msg([...lines, `${name}: ${value}`]));
    assert.equal(e.status, 400);
    assert.equal(e.reason, reason);
    assert.equal(e.message, `400 ${reason}`);
    assert.equal(e.partial?.headers.get(name), value);
  }
  assert.equal(error(msg([...HEAD, 'Contact: *', 'Contact: <sip:a@b>'])).reason, 'Invalid Contact header');
  assert.equal(error(msg([...HEAD, 'Content-Length: 5'], '', 0)).reason, 'Conflicting Content-Length headers');
  assert.equal(req(msg([...HEAD, 'Content-Length: 0'], '', 0)).body.length, 0);
});

test('parseMessage: header lines that cannot be split give 400 with the other lines in the partial', () => {
  for (const bad of ['No colon here', ': empty name', 'Bad Name: x', '\tcontinuation-first']) {
    const lines = bad.startsWith('\t') ? [HEAD[0]!, bad, ...HEAD.slice(1)] : [...HEAD, bad];
    const e = error(msg(lines));
    assert.equal(e.reason, 'Malformed header line', bad);
    assert.equal(e.partial?.headers.size, 7);
  }
});

test('parseMessage: control characters only inside quoted strings as quoted-pairs; bare CR/LF rejected', () => {
  const m = req(msg([...HEAD, 'X-Q: "a\\\x00b\\\x07" x']));
  assert.equal(m.headers.get('X-Q'), '"a\\\x00b\\\x07" x');
  for (const v of ['a\x00b', 'a\x07', '"a\x00"', 'x\x7f', 'a\rb', 'a\nb', '"a\\\rb"']) {
    const e = error(msg([...HEAD, `X-Bad: ${v}`]));
    assert.equal(e.reason, 'Invalid header value', JSON.stringify(v));
    assert.equal(e.partial?.headers.get('X-Bad'), undefined);
  }
  assert.equal(error(msg([...HEAD.slice(0, 4), 'To: "a\x00" <sip:b@c>', ...HEAD.slice(5)])).reason, 'Invalid To header');
  assert.equal(error(Buffer.from(`${HEAD.join('\n')}\n\n`)).status, 400);
});

test('parseMessage: UTF-8 header values; invalid UTF-8 decodes to U+FFFD', () => {
  assert.equal(req(msg([...HEAD, 'Subject: Grüße'])).headers.get('Subject'), 'Grüße');
  const data = Buffer.concat([msg(HEAD.slice(0, 1)).subarray(0, -2), Buffer.from('Subject: M\xfcller\r\n', 'latin1'),
    Buffer.from(`${HEAD.slice(1).join('\r\n')}\r\nContent-Length: 0\r\n\r\n`)]);
  assert.equal(req(data).headers.get('Subject'), 'M\ufffdller');
});

test('parseMessage: binary bodies framed by Content-Length', () => {
  const body = Buffer.from([0, 1, 2, 10, 13, 10, 13, 255, 0]);
  const data = Buffer.concat([Buffer.from(`${[...HEAD, `Content-Length: ${body.length}`].join('\r\n')}\r\n\r\n`), body]);
  assert.ok(req(data).body.equals(body));
});

test('parseMessage: limits give 513 (§21.5.14) and are documented defaults', () => {
  assert.deepEqual({ ...DEFAULT_PARSE_LIMITS }, { maxMessageBytes: 65535, maxHeaders: 256, maxLineBytes: 16384 });
  const big = msg(HEAD, 'x'.repeat(2000));
  assert.equal(error(big, { limits: { maxMessageBytes: 1000 } }).status, 513);
  assert.equal(error(big, { limits: { maxMessageBytes: 1000 } }).reason, 'Message Too Large');
  assert.equal(error(msg(HEAD.concat(Array.from({ length: 10 }, (_, i) => `X-${i}: ${i}`))), { limits: { maxHeaders: 12 } }).reason,
    'Too Many Header Fields');
  const longLine = error(msg([...HEAD, `X-Long: ${'a'.repeat(200)}`]), { limits: { maxLineBytes: 100 } });
  assert.equal(longLine.status, 513);
  assert.equal(longLine.reason, 'Header Line Too Long');
  assert.equal(longLine.partial?.headers.size, 6);
  const longFolded = error(msg([...HEAD, `X-Long: a${'\r\n b'.repeat(60)}`]), { limits: { maxLineBytes: 100 } });
  assert.equal(longFolded.reason, 'Header Line Too Long');
  assert.equal(error(msg([`OPTIONS sip:${'a'.repeat(200)}@b SIP/2.0`, ...HEAD.slice(1)]), { limits: { maxLineBytes: 100 } }).status, 513);
  const unterminated = Buffer.from(`OPTIONS sip:a@b SIP/2.0\r\nX: ${'a'.repeat(70000)}`);
  assert.equal(error(unterminated).status, 513);
  // invalid limit values fall back to the defaults
  assert.equal(req(msg(HEAD), false).headers.size, 7);
  assert.ok(parseMessage(msg(HEAD), { limits: { maxHeaders: -1, maxLineBytes: Number.NaN } }).ok);
});

test('parseMessage: the reason phrase never contains input bytes', () => {
  const e = error(msg([...HEAD, 'CSeq: <script>alert(1)</script>']));
  assert.equal(e.reason, 'Invalid CSeq header');
  assert.doesNotMatch(e.message, /script/);
});
