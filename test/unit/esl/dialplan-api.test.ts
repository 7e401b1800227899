import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { buildDialplanReply, parseDialplanRequest } from '../../../src/esl/dialplan-api.js';
import { serializeEslCommand } from '../../../src/esl/esl-command.js';
import { parsePlainEvent, type EslEvent } from '../../../src/esl/esl-event.js';
import { EslHeaders } from '../../../src/esl/esl-headers.js';
import { DIALPLAN_PLAIN } from './fixtures.js';

const UUID = '8f2e4b1c-1111-2222-3333-444455556666';

function event(name: string, subclass: string | undefined, headers: Array<[string, string]>): EslEvent {
  return { name, subclass, headers: new EslHeaders(headers.map(([n, value]) => ({ name: n, value }))), body: undefined };
}

describe('parseDialplanRequest', () => {
  test('the line from the channel variable, quotes and all; the id from snom-request-id', () => {
    const parsed = parsePlainEvent(Buffer.from(DIALPLAN_PLAIN));
    assert.ok(parsed.ok);
    if (!parsed.ok) return;
    assert.equal(parsed.value.subclass, undefined); // recent FreeSWITCH: no Event-Subclass header
    assert.deepEqual(parseDialplanRequest(parsed.value), {
      ok: true,
      value: {
        requestId: '5b3e2f9a-0d4c-4e1b-8a77-4c2d1e0f9a10',
        commandLine: `snom_bind_key 2 on 'Do not disturb' 2000 example.com internal message api+uuid_transfer ${UUID} 9001`,
        channelUuid: UUID,
        source: 'channel-variable',
      },
    });
  });

  test('the snom-command header wins; ids fall back to Event-UUID, then Unique-ID', () => {
    const r = parseDialplanRequest(event('CUSTOM', 'snom::api', [
      ['snom-command', 'snom_command */2000 key enter,50,5000;cancel,50,1000'], ['Event-UUID', 'e1'], ['variable_snom_api_command', 'ignored'],
    ]));
    assert.deepEqual(r, { ok: true, value: { requestId: 'e1', commandLine: 'snom_command */2000 key enter,50,5000;cancel,50,1000', channelUuid: undefined, source: 'header' } });
    const byChannel = parseDialplanRequest(event('CUSTOM', 'snom::api', [['Unique-ID', UUID], ['variable_snom_api_command', 'snom_url']]));
    assert.equal(byChannel.ok && byChannel.value.requestId, UUID);
  });

  test('not a request: other events, other subclasses, an unlabelled CUSTOM event without our headers', () => {
    for (const e of [
      event('CHANNEL_CREATE', undefined, [['snom-command', 'x']]),
      event('CUSTOM', 'sofia::register', [['snom-request-id', 'x']]),
      event('CUSTOM', undefined, [['Unique-ID', UUID]]),
    ]) {
      const r = parseDialplanRequest(e);
      assert.equal(!r.ok && r.error.code, 'not-request');
    }
  });

  test('refusals keep the request id so they can be answered', () => {
    const noCommand = parseDialplanRequest(event('CUSTOM', 'snom::api', [['snom-request-id', 'r1'], ['Unique-ID', UUID]]));
    assert.ok(!noCommand.ok);
    if (!noCommand.ok) assert.deepEqual([noCommand.error.code, noCommand.error.requestId, noCommand.error.channelUuid], ['no-command', 'r1', UUID]);
    const badLine = parseDialplanRequest(event('CUSTOM', 'snom::api', [['snom-request-id', 'r2'], ['snom-command', 'snom_url\napi hupall']]));
    assert.equal(!badLine.ok && badLine.error.code, 'bad-command');
    const noId = parseDialplanRequest(event('CUSTOM', 'snom::api', [['snom-command', 'snom_url']]));
    assert.equal(!noId.ok && noId.error.code, 'no-request-id');
    const badId = parseDialplanRequest(event('CUSTOM', 'snom::api', [['snom-request-id', 'a\u0007'], ['snom-command', 'snom_url']]));
    assert.equal(!badId.ok && badId.error.code, 'bad-request-id');
    const long = parseDialplanRequest(event('CUSTOM', 'snom::api', [['snom-request-id', 'r'], ['snom-command', 'x'.repeat(8193)]]));
    assert.equal(!long.ok && long.error.code, 'bad-command');
  });

  test('a TAB in the line is accepted (mod_snom treats it as an ordinary character)', () => {
    const r = parseDialplanRequest(event('CUSTOM', 'snom::api', [['snom-request-id', 'r'], ['snom-command', 'snom_url\tx']]));
    assert.equal(r.ok, true);
  });

  test('property: never throws', () => {
    const pair = fc.tuple(fc.constantFrom('snom-command', 'snom-request-id', 'Unique-ID', 'Event-UUID', 'variable_snom_api_command', 'x'), fc.string());
    fc.assert(
      fc.property(fc.constantFrom('CUSTOM', 'HEARTBEAT'), fc.option(fc.constantFrom('snom::api', 'other'), { nil: undefined }), fc.array(pair, { maxLength: 5 }), (n, s, h) => {
        assert.equal(typeof parseDialplanRequest(event(n, s, h)).ok, 'boolean');
      }),
      { numRuns: 10000 },
    );
  });
});

describe('buildDialplanReply', () => {
  test('the exact sendevent: subclass, id, status, channel (never Unique-ID), the reply line with its LF', () => {
    const wire = serializeEslCommand(buildDialplanReply({ requestId: 'r1', reply: '+OK 2 on DND 2000 example.com internal', channelUuid: UUID }));
    assert.ok(wire.ok);
    if (!wire.ok) return;
    assert.equal(
      wire.value.toString('utf8'),
      'sendevent CUSTOM\nEvent-Subclass: snom::api-result\nsnom-request-id: r1\nsnom-reply-status: ok\n' +
        `snom-channel-uuid: ${UUID}\ncontent-type: text/plain\ncontent-length: 39\n\n+OK 2 on DND 2000 example.com internal\n`,
    );
    assert.doesNotMatch(wire.value.toString('utf8'), /unique-id/i);
  });

  test('errors are status error; the empty reply (snom_url) has no body', () => {
    const e = buildDialplanReply({ requestId: 'r2', reply: '-Error <key> <light> <label> <user> <host> <profile> <action_name> <action>' });
    assert.equal(e.headers?.find((h) => h.name === 'snom-reply-status')?.value, 'error');
    const empty = buildDialplanReply({ requestId: 'r3', reply: '' });
    assert.equal(empty.body, undefined);
    assert.equal(empty.headers?.find((h) => h.name === 'snom-reply-status')?.value, 'ok');
  });

  test('a request id with a line break is refused when serialized, never sent', () => {
    const r = serializeEslCommand(buildDialplanReply({ requestId: 'r\nEvent-Subclass: x', reply: '+OK' }));
    assert.equal(r.ok, false);
  });
});
