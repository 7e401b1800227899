import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FREESWITCH_CONNECTION_DEFAULTS, commandTimeout, resolveConnectionOptions } from '../../../src/esl/connection-options.js';
import { FreeswitchConnection } from '../../../src/esl/freeswitch-connection.js';
import { InvalidOptionError } from '../../../src/util/errors.js';

describe('resolveConnectionOptions', () => {
  test('defaults: 127.0.0.1:8021, FreeSWITCH’s default password, plain events', () => {
    const o = resolveConnectionOptions();
    assert.deepEqual([o.host, o.port, o.password, o.eventFormat, o.connectTimeoutMs, o.commandTimeoutMs, o.reconnectMinMs, o.reconnectMaxMs], [
      '127.0.0.1', 8021, 'ClueCon', 'plain', 5000, 5000, 500, 30000,
    ]);
    assert.equal(FREESWITCH_CONNECTION_DEFAULTS.port, 8021);
  });

  test('bad options are refused in the constructor, the password never echoed', () => {
    const bad: Array<[object, string]> = [
      [{ host: '' }, 'host'],
      [{ host: 'a b' }, 'host'],
      [{ port: 0 }, 'port'],
      [{ port: 65536 }, 'port'],
      [{ port: 80.5 }, 'port'],
      [{ password: 'secret\nexit' }, 'password'],
      [{ password: '' }, 'password'],
      [{ connectTimeoutMs: 0 }, 'connectTimeoutMs'],
      [{ commandTimeoutMs: -1 }, 'commandTimeoutMs'],
      [{ reconnectMinMs: 1000, reconnectMaxMs: 10 }, 'reconnectMaxMs'],
      [{ eventFormat: 'xml' }, 'eventFormat'],
    ];
    for (const [options, name] of bad) {
      assert.throws(() => new FreeswitchConnection(options as never), (e: unknown) => {
        assert.ok(e instanceof InvalidOptionError);
        assert.equal(e.option, name);
        assert.doesNotMatch(e.message, /secret/);
        return true;
      });
    }
  });

  test('commandTimeout: undefined is the default; out of range is undefined', () => {
    assert.equal(commandTimeout(undefined, 5000), 5000);
    assert.equal(commandTimeout(20, 5000), 20);
    assert.equal(commandTimeout(0, 5000), undefined);
    assert.equal(commandTimeout(1.5, 5000), undefined);
  });
});
