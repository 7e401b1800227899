import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  parseBindKeyArgs,
  parseModSnomApiCall,
  parseModSnomCommand,
  parseSnomCommandArgs,
  parseSnomUrlArgs,
  type ModSnomParseError,
  type ModSnomRequest,
} from '../../../src/snom/mod-snom-command.js';

function accepted(r: { ok: true; value: ModSnomRequest } | { ok: false; error: ModSnomParseError }): ModSnomRequest {
  assert.ok(r.ok, `expected success, got ${r.ok ? '' : r.error.reply}`);
  return r.value;
}

function refused(r: { ok: true; value: ModSnomRequest } | { ok: false; error: ModSnomParseError }): ModSnomParseError {
  assert.ok(!r.ok, `expected a refusal, got ${JSON.stringify(r.ok && r.value)}`);
  return r.error;
}

const BIND_USAGE = '-Error <key> <light> <label> <user> <host> <profile> <action_name> <action>';
const COMMAND_USAGE = '-ERR <ip|user> <command> <type> <username> <password>';
const UUID = '9b2f4c1e-6a3d-4f5e-8c7b-0d1e2f3a4b5c';

describe('snom_bind_key', () => {
  test('the demo dialplan line (variables expanded): the 8th argument keeps the rest', () => {
    const line = `2 on DND 2000 192.168.10.5 internal message api+uuid_transfer ${UUID} 9001`;
    assert.deepEqual(accepted(parseModSnomCommand(`snom_bind_key ${line}`)), {
      command: 'snom_bind_key', key: '2', light: 'on', label: 'DND', user: '2000', host: '192.168.10.5',
      profile: 'internal', actionName: 'message', action: `api+uuid_transfer ${UUID} 9001`, line, echoLine: line,
    });
  });

  test('the second demo line: light off, action "notused"', () => {
    const r = accepted(parseBindKeyArgs('2 off DND 2000 192.168.10.5 internal message notused'));
    assert.deepEqual(r, {
      command: 'snom_bind_key', key: '2', light: 'off', label: 'DND', user: '2000', host: '192.168.10.5',
      profile: 'internal', actionName: 'message', action: 'notused',
      line: '2 off DND 2000 192.168.10.5 internal message notused', echoLine: '2 off DND 2000 192.168.10.5 internal message notused',
    });
  });

  test('6 arguments: no action', () => {
    const r = accepted(parseBindKeyArgs('3 hold Park 2001 pbx.example external'));
    assert.deepEqual(r, {
      command: 'snom_bind_key', key: '3', light: 'hold', label: 'Park', user: '2001', host: 'pbx.example',
      profile: 'external', line: '3 hold Park 2001 pbx.example external', echoLine: '3 hold Park 2001 pbx.example external',
    });
  });

  test('7 arguments: the action name is silently dropped', () => {
    const r = accepted(parseBindKeyArgs('2 on DND 2000 pbx.example internal message'));
    assert.equal('actionName' in r, false);
    assert.equal('action' in r, false);
  });

  test('fewer than 6 arguments: -Error usage (note -Error, not -ERR)', () => {
    for (const args of ['', '   ', '2', '2 on DND 2000 pbx.example']) {
      assert.deepEqual(refused(parseBindKeyArgs(args)), { code: 'usage', reply: BIND_USAGE });
    }
    assert.deepEqual(refused(parseModSnomCommand('snom_bind_key')), { code: 'usage', reply: BIND_USAGE });
  });

  test("quoted labels: 'My Label' groups; My\\ Label keeps its backslash (FreeSWITCH's rule); \\s is a space", () => {
    const label = (args: string): string => (accepted(parseBindKeyArgs(args)) as { label: string }).label;
    assert.equal(label("2 on 'My Label' 2000 pbx internal"), 'My Label');
    assert.equal(label('2 on My\\ Label 2000 pbx internal'), 'My\\ Label');
    assert.equal(label('2 on My\\sLabel 2000 pbx internal'), 'My Label');
    assert.equal(label("2 on 'Büro 2 📞' 2000 pbx internal"), 'Büro 2 📞');
  });

  test('the ^^: separator form', () => {
    const r = accepted(parseModSnomCommand('snom_bind_key ^^:2:on:My Label:2000:pbx.example:internal:message:api+uuid_transfer x 9001'));
    assert.deepEqual(r, {
      command: 'snom_bind_key', key: '2', light: 'on', label: 'My Label', user: '2000', host: 'pbx.example',
      profile: 'internal', actionName: 'message', action: 'api+uuid_transfer x 9001',
      line: '^^:2:on:My Label:2000:pbx.example:internal:message:api+uuid_transfer x 9001',
      echoLine: '^^:2:on:My Label:2000:pbx.example:internal:message:api+uuid_transfer x 9001',
    });
  });

  test('empty quoted arguments are kept as empty strings', () => {
    const r = accepted(parseBindKeyArgs("2 on '' 2000 pbx internal '' ''"));
    assert.equal((r as { label: string }).label, '');
    assert.equal((r as { actionName: string }).actionName, '');
    assert.equal((r as { action: string }).action, '');
  });

  test('the echo line is the argument string stripped of blanks at both ends, inner spacing kept', () => {
    const r = accepted(parseModSnomCommand(' \tsnom_bind_key   2  on DND 2000 pbx internal \r\n'));
    assert.equal(r.line, '2  on DND 2000 pbx internal');
  });

  test('an argv array (a shell) is taken as split; extra elements join the last slot', () => {
    const r = accepted(parseBindKeyArgs(['2', 'on', 'My Label', '2000', 'pbx', 'internal', 'message', 'api+uuid_transfer', UUID, '9001']));
    assert.deepEqual(r, {
      command: 'snom_bind_key', key: '2', light: 'on', label: 'My Label', user: '2000', host: 'pbx', profile: 'internal',
      actionName: 'message', action: `api+uuid_transfer ${UUID} 9001`,
      line: `2 on My Label 2000 pbx internal message api+uuid_transfer ${UUID} 9001`,
      echoLine: `2 on My Label 2000 pbx internal message api+uuid_transfer ${UUID} 9001`,
    });
    assert.deepEqual(refused(parseBindKeyArgs(['2', 'on'])), { code: 'usage', reply: BIND_USAGE });
  });
});

describe('snom_command', () => {
  test('*/user key enter (wiki)', () => {
    assert.deepEqual(accepted(parseModSnomCommand('snom_command */2000 key enter')), {
      command: 'snom_command',
      target: { kind: 'user', profile: '*', user: '2000', domain: undefined, spec: '*/2000' },
      kind: 'key', type: 'enter', line: '*/2000 key enter', echoLine: '*/2000 key enter',
    });
  });

  test('a key sequence (wiki)', () => {
    const r = accepted(parseModSnomCommand('snom_command */2000 key enter,50,5000;cancel,50,1000'));
    assert.equal((r as { type: string }).type, 'enter,50,5000;cancel,50,1000');
    assert.equal(r.line, '*/2000 key enter,50,5000;cancel,50,1000');
  });

  test('the other wiki target forms', () => {
    const t = (line: string): unknown => (accepted(parseModSnomCommand(line)) as { target: unknown }).target;
    assert.deepEqual(t('snom_command */2000@pbx.example key enter'), { kind: 'user', profile: '*', user: '2000', domain: 'pbx.example', spec: '*/2000@pbx.example' });
    assert.deepEqual(t('snom_command internal/2000@pbx.example key enter'), { kind: 'user', profile: 'internal', user: '2000', domain: 'pbx.example', spec: 'internal/2000@pbx.example' });
    assert.deepEqual(t('snom_command 192.168.10.5 key enter'), { kind: 'ip', family: 4, address: '192.168.10.5', spec: '192.168.10.5' });
  });

  test("the wiki's 'snom_command key enter' (IP left out) is a usage error", () => {
    assert.deepEqual(refused(parseModSnomCommand('snom_command key enter')), { code: 'usage', reply: COMMAND_USAGE });
  });

  test('with credentials; a password with spaces is the rest of the line; echoLine hides it', () => {
    const r = accepted(parseSnomCommandArgs('192.168.10.5 key F_HOLD admin my secret'));
    assert.deepEqual(r, {
      command: 'snom_command', target: { kind: 'ip', family: 4, address: '192.168.10.5', spec: '192.168.10.5' },
      username: 'admin', password: 'my secret', kind: 'key', type: 'F_HOLD',
      line: '192.168.10.5 key F_HOLD admin my secret', echoLine: '192.168.10.5 key F_HOLD admin ***',
    });
    const q = accepted(parseSnomCommandArgs("192.168.10.5 key enter admin 'p w'"));
    assert.equal(q.echoLine, '192.168.10.5 key enter admin ***');
    assert.equal((q as { password: string }).password, 'p w');
  });

  test('argv arrays: echoLine joins with the password replaced', () => {
    const r = accepted(parseSnomCommandArgs(['10.0.0.9', 'key', 'enter', 'admin', "it's secret"]));
    assert.equal((r as { password: string }).password, "it's secret");
    assert.equal(r.echoLine, '10.0.0.9 key enter admin ***');
    assert.equal(r.line, "10.0.0.9 key enter admin it's secret");
  });

  test('exactly 3 or 5 arguments', () => {
    for (const args of ['', '   ', '*/2000', '*/2000 key', '*/2000 key enter admin']) {
      assert.deepEqual(refused(parseSnomCommandArgs(args)), { code: 'usage', reply: COMMAND_USAGE });
    }
  });

  test('command key/action is case-insensitive (ASCII only, as strcasecmp)', () => {
    assert.equal((accepted(parseSnomCommandArgs('*/2000 KEY enter')) as { kind: string }).kind, 'key');
    assert.equal((accepted(parseSnomCommandArgs('*/2000 Action reboot')) as { kind: string }).kind, 'action');
    assert.deepEqual(refused(parseSnomCommandArgs('*/2000 \u212Aey enter')), {
      code: 'unsupported-command', reply: '-ERR only key or action commands allowed at the moment',
    });
  });

  test('other commands are refused before the target is looked at', () => {
    assert.deepEqual(refused(parseSnomCommandArgs('no/such/target dial 123')), {
      code: 'unsupported-command', reply: '-ERR only key or action commands allowed at the moment',
    });
  });

  test('every action, any case, becomes its lower-case name', () => {
    for (const a of ['reboot', 'RESET', 'DialedDel', 'misseddel', 'receivedDEL']) {
      const r = accepted(parseSnomCommandArgs(`10.0.0.9 action ${a}`));
      assert.equal((r as { type: string }).type, a.toLowerCase());
    }
  });

  test('unsupported action: the exact reply, echoing the type as split', () => {
    assert.deepEqual(refused(parseSnomCommandArgs("10.0.0.9 action 'Factory Reset'")), {
      code: 'unsupported-action',
      reply: "-ERR action 'Factory Reset' not supported (supported actions are reboot, reset, dialeddel, misseddel, receiveddel)",
    });
  });

  test('an impossible target answers as mod_snom did (not registered), with the reason attached', () => {
    const e = refused(parseSnomCommandArgs("'*/a b' key enter"));
    assert.equal(e.code, 'bad-target');
    assert.equal(e.reply, "-ERR user '*/a b' not registered");
    assert.equal(e.targetError?.code, 'bad-char');
  });

  test('a bad target is reported before a bad action (mod_snom resolved the target first)', () => {
    assert.equal(refused(parseSnomCommandArgs('*/a/b action explode')).code, 'bad-target');
  });

  test('the password never appears in any refusal', () => {
    for (const args of ['*/a/b key enter admin Pa55w0rd', '10.0.0.9 action nope admin Pa55w0rd', '10.0.0.9 dial 1 admin Pa55w0rd']) {
      assert.ok(!JSON.stringify(refused(parseSnomCommandArgs(args))).includes('Pa55w0rd'), args);
    }
  });
});

describe('snom_url and API names', () => {
  test('snom_url is accepted with any arguments', () => {
    assert.deepEqual(accepted(parseModSnomCommand('snom_url')), { command: 'snom_url', line: '', echoLine: '' });
    assert.deepEqual(accepted(parseSnomUrlArgs(' anything at all ')), { command: 'snom_url', line: 'anything at all', echoLine: 'anything at all' });
  });

  test('API names are case-insensitive, as FreeSWITCH\'s API table', () => {
    assert.equal(accepted(parseModSnomCommand('SNOM_COMMAND */2000 key enter')).command, 'snom_command');
    assert.equal(accepted(parseModSnomCommand('Snom_Bind_Key 2 on DND 2000 pbx internal')).command, 'snom_bind_key');
    assert.equal(accepted(parseModSnomApiCall('Snom_Url', '')).command, 'snom_url');
  });

  test('the name ends at the first space; blanks around it are stripped', () => {
    assert.equal(accepted(parseModSnomCommand('snom_command\t */2000 key enter')).line, '*/2000 key enter');
    assert.deepEqual(refused(parseModSnomCommand('snom_command\t*/2000 key enter')), {
      code: 'unknown-command', reply: '-ERR snom_command\t*/2000 Command not found!',
    });
  });

  test('unknown names', () => {
    assert.deepEqual(refused(parseModSnomCommand('snom_foo 1 2 3')), { code: 'unknown-command', reply: '-ERR snom_foo Command not found!' });
    assert.deepEqual(refused(parseModSnomCommand('')), { code: 'unknown-command', reply: '-ERR  Command not found!' });
    assert.deepEqual(refused(parseModSnomApiCall('uuid_transfer', 'x 9001')), { code: 'unknown-command', reply: '-ERR uuid_transfer Command not found!' });
  });

  test('text after a NUL is ignored', () => {
    assert.equal(accepted(parseModSnomCommand('snom_command */2000 key enter\u0000 admin pw')).line, '*/2000 key enter');
  });

  test('property: never throws for any string, with or without a command name', () => {
    const names = fc.constantFrom('snom_bind_key ', 'snom_command ', 'SNOM_URL ', 'snom_command ^^:', '', 'x ');
    fc.assert(
      fc.property(names, fc.string({ unit: 'binary', maxLength: 80 }), (name, rest) => {
        const r = parseModSnomCommand(name + rest);
        if (!r.ok) assert.equal(typeof r.error.reply, 'string');
        parseBindKeyArgs(rest);
        parseSnomCommandArgs(rest);
      }),
      { numRuns: 10000 },
    );
  });

  test('property: a refused snom_command never echoes its password', () => {
    const word = fc.stringMatching(/^[a-z0-9*/.@]{1,8}$/);
    fc.assert(
      fc.property(word, word, word, word, (target, command, type, user) => {
        const r = parseSnomCommandArgs(`${target} ${command} ${type} ${user} §secret§`);
        if (!r.ok) assert.ok(!r.error.reply.includes('§'));
        else assert.ok(!r.value.echoLine.includes('§'));
      }),
      { numRuns: 10000 },
    );
  });
});
