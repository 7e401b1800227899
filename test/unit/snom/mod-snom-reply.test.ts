import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  BIND_KEY_SYNTAX,
  BIND_KEY_USAGE_REPLY,
  COMMAND_SYNTAX,
  COMMAND_USAGE_REPLY,
  ONLY_KEY_OR_ACTION_REPLY,
  SNOM_COMMAND_ACTIONS,
  SNOM_URL_REPLY,
  actionNotSupportedReply,
  commandNotFoundReply,
  errReply,
  notRegisteredReply,
  okReply,
  redactApiLine,
  redactCommandLine,
  toWireReply,
} from '../../../src/snom/mod-snom-reply.js';
import { separateString, separateStringDetailed } from '../../../src/snom/separate-string.js';

describe('mod_snom replies, exact text', () => {
  test('usage texts and usage replies', () => {
    assert.equal(BIND_KEY_SYNTAX, '<key> <light> <label> <user> <host> <profile> <action_name> <action>');
    assert.equal(COMMAND_SYNTAX, '<ip|user> <command> <type> <username> <password>');
    assert.equal(BIND_KEY_USAGE_REPLY, '-Error <key> <light> <label> <user> <host> <profile> <action_name> <action>');
    assert.equal(COMMAND_USAGE_REPLY, '-ERR <ip|user> <command> <type> <username> <password>');
  });

  test('command and action refusals', () => {
    assert.equal(ONLY_KEY_OR_ACTION_REPLY, '-ERR only key or action commands allowed at the moment');
    assert.equal(
      actionNotSupportedReply('Shutdown'),
      "-ERR action 'Shutdown' not supported (supported actions are reboot, reset, dialeddel, misseddel, receiveddel)",
    );
    assert.deepEqual([...SNOM_COMMAND_ACTIONS], ['reboot', 'reset', 'dialeddel', 'misseddel', 'receiveddel']);
  });

  test('+OK and -ERR [HTTP:n] echo the argument string', () => {
    assert.equal(okReply('*/2000 key enter'), '+OK */2000 key enter');
    assert.equal(okReply('2 on DND 2000 pbx.example internal'), '+OK 2 on DND 2000 pbx.example internal');
    assert.equal(errReply('10.0.0.9 key enter', 401), '-ERR 10.0.0.9 key enter [HTTP:401]');
    assert.equal(errReply('10.0.0.9 key enter', 0), '-ERR 10.0.0.9 key enter [HTTP:0]');
    assert.equal(errReply('10.0.0.9 action reboot', 302), '-ERR 10.0.0.9 action reboot [HTTP:302]');
  });

  test('a status that is not an integer is reported as 0 (unreachable)', () => {
    assert.equal(errReply('x', Number.NaN), '-ERR x [HTTP:0]');
    assert.equal(errReply('x', 404.5), '-ERR x [HTTP:0]');
  });

  test('not registered: the target as split (quotes removed), or a parsed target', () => {
    assert.equal(notRegisteredReply('*/2000'), "-ERR user '*/2000' not registered");
    assert.equal(
      notRegisteredReply({ kind: 'user', profile: 'internal', user: '2000', domain: 'pbx', spec: 'internal/2000@pbx' }),
      "-ERR user 'internal/2000@pbx' not registered",
    );
  });

  test('unknown API name, as the Event Socket answered; snom_url wrote nothing', () => {
    assert.equal(commandNotFoundReply('snom_foo'), '-ERR snom_foo Command not found!');
    assert.equal(SNOM_URL_REPLY, '');
  });

  test('the wire form ends every reply line with LF, as mod_snom wrote it', () => {
    assert.equal(toWireReply(okReply('a b')), '+OK a b\n');
    assert.equal(toWireReply(BIND_KEY_USAGE_REPLY), '-Error <key> <light> <label> <user> <host> <profile> <action_name> <action>\n');
    assert.equal(toWireReply(SNOM_URL_REPLY), '');
  });
});

describe('redactCommandLine', () => {
  test('replaces the 5th argument and keeps every other byte', () => {
    assert.equal(redactCommandLine('10.0.0.9 key enter admin s3cret'), '10.0.0.9 key enter admin ***');
    assert.equal(redactCommandLine("10.0.0.9  key   'enter'  admin   's e c'"), "10.0.0.9  key   'enter'  admin   ***");
    assert.equal(redactCommandLine('*/2000 key enter,50,5000;cancel,50,1000 admin my secret pw'), '*/2000 key enter,50,5000;cancel,50,1000 admin ***');
  });

  test('spaces after the password stay; escapes and quotes inside it go', () => {
    assert.equal(redactCommandLine('a key b u pass  '), 'a key b u ***  ');
    assert.equal(redactCommandLine("a key b u p\\'w"), 'a key b u ***');
    assert.equal(redactCommandLine("a key b u 'pw '"), 'a key b u ***');
  });

  test('a password that really ends in spaces is redacted to the end', () => {
    assert.equal(redactCommandLine("a key b u 'pw\\'  "), 'a key b u ***');
  });

  test('^^X lines', () => {
    assert.equal(redactCommandLine('^^:10.0.0.9:key:enter:admin:se cret'), '^^:10.0.0.9:key:enter:admin:***');
    assert.equal(redactCommandLine('^^:10.0.0.9:key:enter:admin:a:b'), '^^:10.0.0.9:key:enter:admin:***');
  });

  test('everything after a NUL is dropped with the password', () => {
    assert.equal(redactCommandLine('a key b u pw\u0000more'), 'a key b u ***');
  });

  test('lines without a password are unchanged', () => {
    assert.equal(redactCommandLine('*/2000 key enter'), '*/2000 key enter');
    assert.equal(redactCommandLine('a b c d'), 'a b c d');
    assert.equal(redactCommandLine(''), '');
  });

  test('redactApiLine: full API lines, any case; other lines unchanged', () => {
    assert.equal(redactApiLine('snom_command 10.0.0.9 key enter admin pw'), 'snom_command 10.0.0.9 key enter admin ***');
    assert.equal(redactApiLine('SNOM_COMMAND  10.0.0.9 key enter admin pw'), 'SNOM_COMMAND  10.0.0.9 key enter admin ***');
    assert.equal(redactApiLine('snom_bind_key 1 2 3 4 5 6 7 8'), 'snom_bind_key 1 2 3 4 5 6 7 8');
  });

  test('property: never leaks the password; the first four arguments and the text before are unchanged', () => {
    const alphabet = fc.constantFrom(' ', ' ', "'", '\\', 'a', 'b', 's', ':', '^', '\t');
    const plain = fc.string({ unit: alphabet, maxLength: 30 });
    const secret = fc.string({ unit: fc.constantFrom('§', '§', ' ', "'", '\\', 'x'), minLength: 1, maxLength: 12 })
      .filter((p) => p.includes('§'));
    fc.assert(
      fc.property(plain, secret, plain, (head, password, tail) => {
        const line = `${head}${password}${tail}`;
        const before = separateStringDetailed(line, 5);
        const out = redactCommandLine(line);
        if (before.args.length < 5) {
          assert.equal(out, line);
          return;
        }
        const start = (before.args[4] as { start: number }).start;
        assert.equal(out.slice(0, start), line.slice(0, start));
        assert.match(out.slice(start), /^\*\*\* *$/);
        const after = separateString(out, 5);
        assert.deepEqual(after.slice(0, 4), before.args.slice(0, 4).map((a) => a.value));
        assert.equal(after[4], '***');
        if (!line.slice(0, start).includes('§')) assert.ok(!out.includes('§'));
      }),
      { numRuns: 10000 },
    );
  });
});
