// CommandService's rules with stubbed operations and locations (the real wire is in
// test/integration/service-commands*.test.ts): reply rules, fan-out, limits, secrets, options.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PhoneAddress } from '../../../../src/phone/phone-address.js';
import { phoneFailure, type PhoneResult } from '../../../../src/phone/phone-result.js';
import { modSnomReply, oneLine } from '../../../../src/service/commands/command-result.js';
import { CommandService } from '../../../../src/service/commands/command-service.js';
import { checkPhoneCommand, type PhoneOperationsLike } from '../../../../src/service/commands/phone-command.js';
import { LocationLookupError, type LocationSource, type PhoneLocation, type UserTarget } from '../../../../src/service/commands/phone-location.js';
import { InvalidOptionError } from '../../../../src/util/errors.js';
import { recordingLogger } from './command-fixtures.js';

const success = (status = 200): PhoneResult => ({ ok: true, status, headers: {}, tls: 'none', auth: 'none', latencyMs: 1, redirects: 0 });

/** Operations answering from a per-host table; records every call with the address it got. */
function stubOps(answer: (phone: PhoneAddress) => PhoneResult | Promise<PhoneResult>): PhoneOperationsLike & { calls: [string, PhoneAddress, unknown[]][] } {
  const calls: [string, PhoneAddress, unknown[]][] = [];
  const op = (name: string) => (phone: PhoneAddress, ...args: unknown[]): Promise<PhoneResult> => {
    calls.push([name, phone, args.slice(0, -1)]);
    return Promise.resolve(answer(phone));
  };
  return {
    calls,
    pressKeys: op('pressKeys'), action: op('action'), dial: op('dial'), dtmf: op('dtmf'), releaseAllCalls: op('releaseAllCalls'),
    logOffAll: op('logOffAll'), reregister: op('reregister'), logOffLine: op('logOffLine'), playRinger: op('playRinger'),
    setSetting: op('setSetting'), screenshot: op('screenshot') as PhoneOperationsLike['screenshot'],
  };
}

const loc = (host: string, extra: Partial<PhoneLocation> = {}): PhoneLocation => ({ host, scheme: 'http', origin: 'registrar', user: 'u', domain: 'd', contacts: [], ...extra });

function source(map: Record<string, PhoneLocation[]>, seen: UserTarget[] = []): LocationSource {
  return { resolve: (t) => { seen.push(t); return Promise.resolve(map[t.user] ?? []); } };
}

test('+OK only when every phone answered success; else the first failing phone’s status in location order', async () => {
  const ops = stubOps((p) => (p.host === '10.0.0.2' ? phoneFailure('http-status', 503, 'x') : p.host === '10.0.0.3' ? phoneFailure('unreachable', 0, 'y') : success()));
  const service = new CommandService({ operations: ops, locations: source({ a: [loc('10.0.0.1'), loc('10.0.0.3'), loc('10.0.0.2')], b: [loc('10.0.0.1')] }) });
  const a = await service.run('snom_command */a key enter');
  assert.equal(a.reply, '-ERR */a key enter [HTTP:0]');
  assert.deepEqual(a.results.map((r) => [r.phone.host, r.status]), [['10.0.0.1', 200], ['10.0.0.3', 0], ['10.0.0.2', 503]]);
  assert.equal((await service.run('snom_command */b key enter')).reply, '+OK */b key enter');
  assert.deepEqual(ops.calls.map(([name, p, args]) => [name, p.host, args]), [
    ['pressKeys', '10.0.0.1', ['enter']], ['pressKeys', '10.0.0.3', ['enter']], ['pressKeys', '10.0.0.2', ['enter']], ['pressKeys', '10.0.0.1', ['enter']],
  ]);
});

test('credentials: the command line wins, else the location’s; secrets are scrubbed from messages and logs', async () => {
  const log = recordingLogger();
  const ops = stubOps((p) => phoneFailure('auth-failed', 401, `refused ${p.password ?? ''} for ${p.username ?? ''}`));
  const service = new CommandService({ operations: ops, locations: source({ a: [loc('10.0.0.1', { credentials: { username: 'inv', password: 'InvSecret9' } })] }), logger: log });
  const fromLine = await service.run('snom_command */a key enter admin LineSecret7');
  assert.equal(fromLine.reply, '-ERR */a key enter admin *** [HTTP:401]');
  assert.equal(fromLine.results[0]!.message, 'refused *** for admin');
  const fromInventory = await service.pressKeys('*/a', 'enter');
  assert.equal(fromInventory.results[0]!.message, 'refused *** for inv');
  assert.deepEqual(ops.calls.map(([, p]) => [p.username, p.password]), [['admin', 'LineSecret7'], ['inv', 'InvSecret9']]);
  const all = JSON.stringify([fromLine, fromInventory]) + log.lines.join('\n');
  assert.ok(!all.includes('LineSecret7') && !all.includes('InvSecret9'));
});

test('the location decides host, port, scheme and TLS; failure results report the TLS mode asked for', async () => {
  const ops = stubOps(() => phoneFailure('tls', 0, 'bad cert'));
  const service = new CommandService({
    operations: ops,
    locations: source({ a: [loc('phone.example', { scheme: 'https', port: 8443, insecureTls: false }), loc('10.0.0.9', { scheme: 'https', insecureTls: true })] }),
  });
  const out = await service.pressKeys('*/a', 'enter');
  assert.deepEqual(ops.calls.map(([, p]) => p), [
    { host: 'phone.example', port: 8443, scheme: 'https', insecureTls: false },
    { host: '10.0.0.9', scheme: 'https', insecureTls: true },
  ]);
  assert.deepEqual(out.results.map((r) => [r.phone.url, r.tls, r.auth, r.code]), [
    ['https://phone.example:8443', 'verified', 'none', 'tls'], ['https://10.0.0.9:443', 'insecure', 'none', 'tls'],
  ]);
});

test('IP and host targets: the direct web options, or the inventory entry for that address', async () => {
  const ops = stubOps(() => success());
  const byAddress: LocationSource = {
    resolve: () => Promise.resolve([]),
    byAddress: (host) => Promise.resolve(host === '10.0.0.7' ? [loc('10.0.0.7', { origin: 'inventory', port: 8080, credentials: { username: 'a', password: 'b' } })] : []),
  };
  const service = new CommandService({ operations: ops, locations: byAddress, direct: { scheme: 'https', port: 4443, insecureTls: true } });
  await service.run('snom_command 10.0.0.8 key enter');
  await service.run('snom_command [2001:db8::1] key enter');
  await service.run('snom_command phone7.office.example key enter');
  const known = await service.run('snom_command 10.0.0.7 key enter');
  assert.deepEqual(ops.calls.map(([, p]) => p), [
    { host: '10.0.0.8', port: 4443, scheme: 'https', insecureTls: true },
    { host: '2001:db8::1', port: 4443, scheme: 'https', insecureTls: true },
    { host: 'phone7.office.example', port: 4443, scheme: 'https', insecureTls: true },
    { host: '10.0.0.7', port: 8080, scheme: 'http', username: 'a', password: 'b' },
  ]);
  assert.deepEqual([known.results[0]!.phone.origin, known.results[0]!.phone.url], ['inventory', 'http://10.0.0.7:8080']);
  assert.equal((await service.run('snom_command [2001:db8::1] key enter')).results[0]!.phone.url, 'https://[2001:db8::1]:4443');
});

test('defaultDomain applies to a bare user only; */user stays every domain', async () => {
  const seen: UserTarget[] = [];
  const service = new CommandService({ operations: stubOps(() => success()), locations: source({}, seen), defaultDomain: 'pbx.test' });
  await service.run('snom_command 2000 key enter');
  await service.run('snom_command */2000 key enter');
  await service.run('snom_command 2000@x.test key enter');
  assert.deepEqual(seen.map((t) => [t.profile, t.user, t.domain]), [[undefined, '2000', 'pbx.test'], ['*', '2000', undefined], [undefined, '2000', 'x.test']]);
});

test('lookup failures and too many phones have their own replies; nothing is sent', async () => {
  const ops = stubOps(() => success());
  const failing: LocationSource = { resolve: () => Promise.reject(new LocationLookupError('freeswitch: not connected')) };
  const foreign: LocationSource = { resolve: () => Promise.reject(new Error('secret-bearing detail')) };
  const many = source({ a: [loc('10.0.0.1'), loc('10.0.0.2'), loc('10.0.0.3')] });
  assert.equal((await new CommandService({ operations: ops, locations: failing }).run('snom_command */a key enter')).reply, "-ERR user '*/a' lookup failed: freeswitch: not connected");
  const hidden = await new CommandService({ operations: ops, locations: foreign }).run('snom_command */a key enter');
  assert.equal(hidden.reply, "-ERR user '*/a' lookup failed: Error");
  const capped = await new CommandService({ operations: ops, locations: many, maxPhonesPerTarget: 2 }).run('snom_command */a key enter');
  assert.equal(capped.reply, "-ERR user '*/a' has 3 phones, more than 2");
  assert.deepEqual(capped.error, { code: 'too-many-phones', message: 'has 3 phones, more than 2' });
  assert.deepEqual(ops.calls, []);
});

test('concurrency bounds one target’s phones too; a throwing operation becomes a failure result', async () => {
  let current = 0;
  let max = 0;
  const ops = stubOps(async (p) => {
    current++;
    max = Math.max(max, current);
    await new Promise((r) => setTimeout(r, 5));
    current--;
    if (p.host === '10.0.0.4') throw new Error('bug');
    return success();
  });
  const locations = source({ a: Array.from({ length: 9 }, (_, i) => loc(`10.0.0.${i + 1}`)) });
  const out = await new CommandService({ operations: ops, locations, concurrency: 2 }).pressKeys('*/a', 'enter');
  assert.equal(max, 2);
  assert.equal(out.ok, false);
  assert.deepEqual(out.results.filter((r) => !r.ok).map((r) => [r.phone.host, r.code, r.message]), [
    ['10.0.0.4', 'unreachable', 'http://10.0.0.4:80: the operation failed unexpectedly'],
  ]);
});

test('bulk: a throwing onProgress is ignored; targets over the limit are refused', async () => {
  const log = recordingLogger();
  const service = new CommandService({ operations: stubOps(() => success()), locations: source({ a: [loc('10.0.0.1')], b: [loc('10.0.0.2')] }), maxBulkTargets: 2, logger: log });
  const out = await service.bulk(['*/a', '*/b'], { kind: 'release-all-calls' }, { onProgress: () => { throw new Error('ui gone'); } });
  assert.deepEqual([out.ok, out.total, out.succeeded], [true, 2, 2]);
  assert.equal(log.lines.filter((l) => l.includes('bulk onProgress threw; ignored')).length, 2);
  const over = await service.bulk(['*/a', '*/b', '*/c'], { kind: 'screenshot' });
  assert.deepEqual(over.error, { code: 'invalid-argument', field: 'targets', message: 'more than 2 targets' });
  const noRegistry = await service.bulk('all-registered', { kind: 'screenshot' });
  assert.deepEqual([noRegistry.ok, noRegistry.total], [true, 0]);
  const failing = new CommandService({ operations: stubOps(() => success()), locations: { resolve: () => Promise.resolve([]), registered: () => Promise.reject(new LocationLookupError('down')) } });
  assert.deepEqual((await failing.bulk('all-registered', { kind: 'screenshot' })).error, { code: 'lookup-failed', message: 'lookup failed: down' });
});

test('modSnomReply and oneLine: replies are always one line', () => {
  assert.equal(oneLine('a\r\nb\tc\u0085d'), 'a??b?c?d');
  const outcome = { target: '*/a', ok: false, results: [] };
  assert.equal(modSnomReply('*/a key x\nINJECT', { ...outcome, error: { code: 'invalid-argument', field: 'key sequence', message: 'bad' } }), '-ERR invalid key sequence: bad');
  assert.equal(modSnomReply('x', outcome), "-ERR user '*/a' not registered");
  assert.equal(modSnomReply('*/a key enter\r\n', { ...outcome, ok: false, results: [{ ok: false, status: 500 } as never] }), '-ERR */a key enter?? [HTTP:500]');
});

test('checkPhoneCommand names the refused field without repeating a setting value', () => {
  assert.deepEqual(checkPhoneCommand({ kind: 'setting', name: 'user_pass1', value: 'Top\nSecret' }), { field: 'value', message: 'value: contains LF at 3' });
  assert.deepEqual(checkPhoneCommand({ kind: 'setting', name: 'Bad-Name', value: '' }), { field: 'name', message: 'name: must be 1 to 64 of a-z 0-9 _' });
  assert.deepEqual(checkPhoneCommand({ kind: 'key', sequence: '' }), { field: 'sequence', message: 'empty key sequence' });
  assert.deepEqual(checkPhoneCommand({ kind: 'reboot' } as never), {
    field: 'kind', message: 'must be one of key, action, dial, dtmf, release-all-calls, log-off-all, reregister, log-off-line, play-ringer, setting, screenshot',
  });
  assert.equal(checkPhoneCommand({ kind: 'screenshot' }), undefined);
  assert.equal(checkPhoneCommand({ kind: 'dial', number: '123', outgoingUri: 'sip:1@h' }), undefined);
});

test('execute refuses something that is not a parsed snom_command with the usage reply', async () => {
  const service = new CommandService({ operations: stubOps(() => success()), locations: source({}) });
  for (const bad of [null, {}, { command: 'snom_bind_key', echoLine: 'x' }]) {
    const out = await service.execute(bad as never);
    assert.deepEqual([out.reply, out.error?.code, out.results], ['-ERR <ip|user> <command> <type> <username> <password>', 'syntax', []]);
  }
});

test('constructor options are checked', () => {
  const locations = source({});
  const operations = stubOps(() => success());
  assert.throws(() => new CommandService({ locations } as never), InvalidOptionError);
  assert.throws(() => new CommandService({ operations: {} as never, locations }), /operations/);
  assert.throws(() => new CommandService({ operations, locations: {} as never }), /locations/);
  assert.throws(() => new CommandService({ operations, locations, concurrency: 0 }), /concurrency/);
  assert.throws(() => new CommandService({ operations, locations, maxPhonesPerTarget: 1.5 }), /maxPhonesPerTarget/);
  assert.throws(() => new CommandService({ operations, locations, defaultDomain: 'a b' }), /defaultDomain/);
  assert.throws(() => new CommandService({ operations, locations, direct: { port: 70000 } }), /direct\.port/);
  assert.throws(() => new CommandService({ operations, locations, direct: { scheme: 'ftp' as never } }), /direct\.scheme/);
  assert.throws(() => new CommandService({ operations, locations, logger: {} as never }), /logger/);
});
