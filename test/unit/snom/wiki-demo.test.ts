// Issue acceptance: mod_snom's FreeSWITCH demo command lines, parsed by our grammar and encoded by our
// mod_snom encoder, give exactly the bodies mod_snom sent (reference §1.2, §1.6).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseModSnomCommand } from '../../../src/snom/mod-snom-command.js';
import { encodeModSnom } from '../../../src/snom/x-buttons.js';
import { okReply } from '../../../src/snom/mod-snom-reply.js';

const UUID = '8f2e4b1c-1111-2222-3333-444455556666';

function bodyOf(line: string): { body: string; reply: string } {
  const parsed = parseModSnomCommand(line);
  assert.ok(parsed.ok, `parse failed: ${line}`);
  const req = parsed.value;
  assert.equal(req.command, 'snom_bind_key');
  if (req.command !== 'snom_bind_key') throw new Error('unreachable');
  const body = encodeModSnom(req.key, req.light, req.label, req.actionName, req.action);
  assert.ok(body.ok);
  return { body: body.value, reply: okReply(req.echoLine) };
}

test('wiki demo 9000: snom_bind_key 2 on DND … message api+uuid_transfer <uuid> 9001', () => {
  const line = `snom_bind_key 2 on DND 2000 example.com internal message api+uuid_transfer ${UUID} 9001`;
  const { body, reply } = bodyOf(line);
  assert.equal(Buffer.from(body).toString('hex'), Buffer.from(`k=2\nc=on\nl=DND\nn=api+uuid_transfer ${UUID} 9001\na=message\n`).toString('hex'));
  assert.equal(reply, `+OK 2 on DND 2000 example.com internal message api+uuid_transfer ${UUID} 9001`);
});

test('wiki demo 9001: snom_bind_key 2 off DND … message notused', () => {
  const { body, reply } = bodyOf('snom_bind_key 2 off DND 2000 example.com internal message notused');
  assert.equal(body, 'k=2\nc=off\nl=DND\nn=notused\na=message\n');
  assert.equal(reply, '+OK 2 off DND 2000 example.com internal message notused');
});

test('seven arguments: the action name alone is dropped, as mod_snom did', () => {
  const { body } = bodyOf('snom_bind_key 3 on Busy 2000 example.com internal message');
  assert.equal(body, 'k=3\nc=on\nl=Busy\n\n');
});

test('a quoted label with a space is one argument', () => {
  const { body } = bodyOf("snom_bind_key 4 pickup 'Call Park' 2000 example.com internal invite 700");
  assert.equal(body, 'k=4\nc=pickup\nl=Call Park\nn=700\na=invite\n');
});

test('an injected line break in a label never reaches the body', () => {
  const parsed = parseModSnomCommand('snom_bind_key 2 on DND\\nk=5 2000 example.com internal');
  assert.ok(parsed.ok && parsed.value.command === 'snom_bind_key');
  if (!parsed.ok || parsed.value.command !== 'snom_bind_key') return;
  assert.equal(parsed.value.label, 'DND\nk=5'); // FreeSWITCH's splitter turns \n into LF …
  const body = encodeModSnom(parsed.value.key, parsed.value.light, parsed.value.label);
  assert.equal(body.ok, false); // … and validation refuses it
  if (!body.ok) assert.match(body.error.message, /label contains a control character \(LF/);
});
