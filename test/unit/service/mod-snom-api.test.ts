import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ModSnomApi, bindKeyState } from '../../../src/service/mod-snom-api.js';
import type { BindKeyRequest } from '../../../src/service/key-service.js';
import type { BindKeyResult } from '../../../src/service/delivery-types.js';
import { UnknownProfileError } from '../../../src/service/service-errors.js';
import { KeyStateError } from '../../../src/snom/key-state.js';
import { parseBindKeyArgs } from '../../../src/snom/mod-snom-command.js';
import type { CommandSeam } from '../../../src/service/command-seam.js';

function api(commands?: CommandSeam): { api: ModSnomApi; calls: BindKeyRequest[] } {
  const calls: BindKeyRequest[] = [];
  const bindKey = (r: BindKeyRequest): Promise<BindKeyResult> => {
    calls.push(r);
    if (r.profile === 'nope') return Promise.reject(new UnknownProfileError('nope'));
    if (r.keys[0]!.light === ('blink' as never)) return Promise.reject(new KeyStateError({ field: 'light', subject: 'light', problem: '"blink" is not one of …', index: 0 }));
    return Promise.resolve({ profile: r.profile, user: r.user, host: r.host, keys: [{ key: r.keys[0]!.key, version: 1 }], delivered: false, pending: true, reason: 'not registered', contacts: [] });
  };
  return { api: new ModSnomApi({ bindKey, commands: () => commands }), calls };
}

test('snom_bind_key: +OK <args> exactly as mod_snom; the state maps action_name to a= and action to n=', async () => {
  const { api: a, calls } = api();
  const r = await a.line("snom_bind_key 2 on 'Do not disturb' 200 pbx.test internal message api+uuid_transfer abc 9001");
  assert.equal(r.reply, "+OK 2 on 'Do not disturb' 200 pbx.test internal message api+uuid_transfer abc 9001");
  assert.ok(r.result.command === 'snom_bind_key' && r.result.ok && r.result.bind.pending);
  assert.deepEqual(calls[0]!.keys, [{ key: '2', light: 'on', label: 'Do not disturb', action: 'message', number: 'api+uuid_transfer abc 9001' }]);
  // with 7 arguments mod_snom dropped the action name
  const seven = parseBindKeyArgs('2 on DND 200 pbx.test internal message');
  assert.ok(seven.ok);
  assert.deepEqual(bindKeyState(seven.value), { key: '2', light: 'on', label: 'DND' });
});

test('refusals: mod_snom usage and unknown-command replies; -ERR for values that cannot be sent', async () => {
  const { api: a, calls } = api();
  assert.deepEqual(await a.line('snom_bind_key 2 on'), {
    reply: '-Error <key> <light> <label> <user> <host> <profile> <action_name> <action>',
    result: { command: 'snom_bind_key', ok: false, code: 'usage', message: '-Error <key> <light> <label> <user> <host> <profile> <action_name> <action>' },
  });
  assert.equal((await a.line('uuid_kill x')).reply, '-ERR uuid_kill Command not found!');
  assert.equal((await a.line('snom_bind_key 2 blink x 200 pbx.test internal')).reply, '-ERR light "blink" is not one of …');
  assert.deepEqual(await a.line('snom_bind_key 2 on x 200 pbx.test nope'), {
    reply: '-ERR unknown profile "nope"', result: { command: 'snom_bind_key', ok: false, code: 'SNOM_ERR_UNKNOWN_PROFILE', message: 'unknown profile "nope"' },
  });
  assert.equal(calls.length, 2);
});

test('snom_url does nothing (empty reply); snom_command goes to the seam (execute or run), or is unavailable', async () => {
  assert.deepEqual(await api().api.line('snom_url anything'), { reply: '', result: { command: 'snom_url', ok: true } });
  assert.deepEqual(await api().api.line('snom_command 192.0.2.7 key enter'), {
    reply: '-ERR snom_command is not available', result: { command: 'snom_command', ok: false, code: 'unavailable', message: 'snom_command is not available' },
  });
  const lines: string[] = [];
  const viaRun = api({ run: (line) => { lines.push(line); return Promise.resolve('-ERR 192.0.2.7 key enter [HTTP:0]'); } }).api;
  assert.deepEqual(await viaRun.line('snom_command 192.0.2.7 key enter'), {
    reply: '-ERR 192.0.2.7 key enter [HTTP:0]', result: { command: 'snom_command', ok: false, result: undefined },
  });
  assert.deepEqual(lines, ['snom_command 192.0.2.7 key enter']);
  assert.equal((await api().api.line('snom_command 192.0.2.7 dance x')).reply, '-ERR only key or action commands allowed at the moment');
});
