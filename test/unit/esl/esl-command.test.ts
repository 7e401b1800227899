import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { serializeEslCommand, type EslCommandInput } from '../../../src/esl/esl-command.js';
import { commandLabel } from '../../../src/esl/esl-errors.js';

function wire(input: EslCommandInput): string {
  const r = serializeEslCommand(input);
  if (!r.ok) assert.fail(r.error.message);
  return r.value.toString('utf8');
}

function refusal(input: EslCommandInput): string {
  const r = serializeEslCommand(input);
  assert.equal(r.ok, false);
  if (r.ok) throw new Error('unreachable');
  assert.equal(r.error.code, 'SNOM_ERR_ESL_INVALID_COMMAND');
  assert.equal(r.error.outcome, 'not-sent');
  return r.error.message;
}

describe('serializeEslCommand', () => {
  test('a bare command ends with an empty line', () => {
    assert.equal(wire({ line: 'api sofia_contact */2000' }), 'api sofia_contact */2000\n\n');
  });

  test('headers in order, then content-length and the body bytes', () => {
    assert.equal(
      wire({ line: 'sendevent CUSTOM', headers: [{ name: 'Event-Subclass', value: 'snom::api-result' }], body: 'Tür\n' }),
      'sendevent CUSTOM\nEvent-Subclass: snom::api-result\ncontent-length: 5\n\nTür\n',
    );
  });

  test('an empty body adds no content-length', () => {
    assert.equal(wire({ line: 'sendevent CUSTOM', body: '' }), 'sendevent CUSTOM\n\n');
  });

  test('refusals name the header, never its value', () => {
    assert.match(refusal({ line: 'sendevent X', headers: [{ name: 'user', value: 'a\nb: secret' }] }), /^header user contains a control character \(LF\)$/);
    assert.doesNotMatch(refusal({ line: 'sendevent X', headers: [{ name: 'pw', value: 'hunter2\r' }] }), /hunter2/);
    assert.match(refusal({ line: 'api status\napi hupall' }), /control character \(LF\)/);
    assert.match(refusal({ line: '   ' }), /empty/);
    assert.match(refusal({ line: ' api status' }), /starts with a space/);
    assert.match(refusal({ line: 'sendevent X', headers: [{ name: 'a:b', value: 'x' }] }), /colon/);
    assert.match(refusal({ line: 'sendevent X', headers: [{ name: 'Content-Length', value: '3' }] }), /computed/);
    assert.match(refusal({ line: 'sendevent X', headers: [{ name: 'host', value: ' x' }] }), /starts with a space/);
    assert.match(refusal({ line: 'sendevent X', body: 'a\u0000b' }), /NUL/);
  });

  test('property: a value with CR or LF never reaches the wire; others always do, one line each', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (value) => {
        const r = serializeEslCommand({ line: 'sendevent CUSTOM', headers: [{ name: 'x', value }] });
        if (/[\u0000-\u001f\u007f-\u009f]/.test(value) || value.startsWith(' ')) {
          assert.equal(r.ok, false);
        } else {
          assert.ok(r.ok);
          if (r.ok) assert.equal(r.value.toString('utf8'), `sendevent CUSTOM\nx: ${value}\n\n`);
        }
      }),
      { numRuns: 10000 },
    );
  });
});

describe('commandLabel', () => {
  test('keeps the verb and the API name, drops the arguments', () => {
    assert.equal(commandLabel('api sofia_contact */2000@example.com'), 'api sofia_contact');
    assert.equal(commandLabel('auth ClueCon'), 'auth');
    assert.equal(commandLabel('sendevent SEND_MESSAGE'), 'sendevent SEND_MESSAGE');
  });
});
