// The exact sendevent SEND_MESSAGE for mod_snom's wiki examples (reference §1.3, §1.6): headers in
// mod_snom's order and case (user, host, profile, content-type), then content-length and the body.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { serializeEslCommand } from '../../../src/esl/esl-command.js';
import { buildSendMessageCommand, type SendButtonsInput } from '../../../src/esl/send-message.js';
import { parseModSnomCommand } from '../../../src/snom/mod-snom-command.js';
import { encodeModSnom } from '../../../src/snom/x-buttons.js';

const UUID = '8f2e4b1c-1111-2222-3333-444455556666';

function wireFor(line: string): Buffer {
  const parsed = parseModSnomCommand(line);
  assert.ok(parsed.ok && parsed.value.command === 'snom_bind_key');
  if (!parsed.ok || parsed.value.command !== 'snom_bind_key') throw new Error('unreachable');
  const r = parsed.value;
  const body = encodeModSnom(r.key, r.light, r.label, r.actionName, r.action);
  assert.ok(body.ok);
  if (!body.ok) throw new Error('unreachable');
  const command = buildSendMessageCommand({ profile: r.profile, user: r.user, host: r.host, body: body.value });
  assert.ok(command.ok);
  if (!command.ok) throw new Error('unreachable');
  const wire = serializeEslCommand(command.value);
  assert.ok(wire.ok);
  if (!wire.ok) throw new Error('unreachable');
  return wire.value;
}

describe('buildSendMessageCommand', () => {
  test('wiki demo 9000: key 2 on, DND, message api+uuid_transfer <uuid> 9001', () => {
    const body = `k=2\nc=on\nl=DND\nn=api+uuid_transfer ${UUID} 9001\na=message\n`;
    const expected =
      'sendevent SEND_MESSAGE\n' +
      'user: 2000\n' +
      'host: example.com\n' +
      'profile: internal\n' +
      'content-type: application/x-buttons\n' +
      `content-length: ${Buffer.byteLength(body)}\n` +
      '\n' +
      body;
    const wire = wireFor(`snom_bind_key 2 on DND 2000 example.com internal message api+uuid_transfer ${UUID} 9001`);
    assert.equal(wire.toString('hex'), Buffer.from(expected).toString('hex'));
    assert.equal(Buffer.byteLength(body), 87);
  });

  test('wiki demo 9001: key 2 off, DND, message notused', () => {
    const body = 'k=2\nc=off\nl=DND\nn=notused\na=message\n';
    const wire = wireFor('snom_bind_key 2 off DND 2000 example.com internal message notused');
    assert.equal(
      wire.toString('utf8'),
      `sendevent SEND_MESSAGE\nuser: 2000\nhost: example.com\nprofile: internal\ncontent-type: application/x-buttons\ncontent-length: 36\n\n${body}`,
    );
  });

  test('without an action: the body mod_snom sent (a blank line ends it)', () => {
    const wire = wireFor('snom_bind_key 3 on Busy 2000 example.com internal');
    assert.ok(wire.toString('utf8').endsWith('content-length: 17\n\nk=3\nc=on\nl=Busy\n\n'));
  });

  test('UTF-8 labels: content-length counts bytes', () => {
    const wire = wireFor("snom_bind_key 4 on 'Tür zu' 2000 example.com internal");
    assert.ok(wire.toString('utf8').endsWith('content-length: 20\n\nk=4\nc=on\nl=Tür zu\n\n'));
  });

  test('refused before anything is sent', () => {
    const base: SendButtonsInput = { profile: 'internal', user: '2000', host: 'example.com', body: 'k=1\nc=on\n' };
    const bad: Array<[Partial<SendButtonsInput>, RegExp]> = [
      [{ profile: 'in ternal' }, /profile/],
      [{ profile: '' }, /profile/],
      [{ user: '2000\nhost: evil' }, /user/],
      [{ user: '2000@other' }, /user/],
      [{ host: 'example.com:5060' }, /host/],
      [{ host: 'exa mple.com' }, /host/],
      [{ body: '' }, /non-empty/],
      [{ body: 'k=1\tc=on' }, /control character other than CR and LF \(TAB\)/],
      [{ body: 'k=1\u0000' }, /NUL/],
      [{ body: 'x'.repeat(16 * 1024 + 1) }, /larger than 16384 bytes/],
    ];
    for (const [change, message] of bad) {
      const r = buildSendMessageCommand({ ...base, ...change });
      assert.equal(r.ok, false, JSON.stringify(change).slice(0, 60));
      if (!r.ok) {
        assert.equal(r.error.code, 'SNOM_ERR_ESL_INVALID_COMMAND');
        assert.equal(r.error.outcome, 'not-sent');
        assert.match(r.error.message, message);
      }
    }
    assert.ok(buildSendMessageCommand({ ...base, host: '[2001:db8::5]' }).ok);
    assert.ok(buildSendMessageCommand({ ...base, host: '192.0.2.1', user: 'john.doe' }).ok);
  });
});
