// Robustness: arbitrary bytes and mutations of the RFC 4475 corpus only ever give a message or a
// SipParseError — never an exception, never a hang (fast-check, 30000 runs in total).
import { test } from 'node:test';
import fc from 'fast-check';
import { checkAnyInput, CORPUS_DIR, loadCorpus, mutate } from './corpus-mutations.js';

const corpus = loadCorpus();

test('property: arbitrary bytes', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (bytes) => checkAnyInput(Buffer.from(bytes))), { numRuns: 8000 });
});

test('property: arbitrary SIP-ish text', () => {
  const pieces = fc.constantFrom('INVITE ', 'SIP/2.0', ' ', '\r\n', ':', ';', ',', '"', '<', '>', 'sip:', '@', 'Via', 'v:',
    'Content-Length', 'l:', 'To', 'From', 'Contact', 'm:', 'CSeq', '1 ', 'Call-ID', 'tag=', 'branch=z9hG4bK', '%00', '\\', '\t',
    '0', '99999999999', 'example.com', '[::1]', '*', '\r\n ', '\r\n\r\n', 'x');
  fc.assert(fc.property(fc.array(pieces, { maxLength: 60 }), (parts) => checkAnyInput(Buffer.from(parts.join(''), 'latin1'))),
    { numRuns: 6000 });
});

test('property: mutations of the RFC 4475 corpus', { skip: corpus.length === 0 ? `corpus not found at ${CORPUS_DIR}` : false }, () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => checkAnyInput(mutate(corpus, seed).data)), { numRuns: 16000 });
});
