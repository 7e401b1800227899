import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PhoneClient, PHONE_CLIENT_DEFAULTS } from '../../../src/phone/phone-client.js';
import { InvalidOptionError } from '../../../src/util/errors.js';

test('an unknown option name is refused with InvalidOptionError naming it', () => {
  for (const [options, name] of [
    [{ timeout: 5000 }, 'timeout'],
    [{ maxPerphone: 4 }, 'maxPerphone'],
    [{ timeoutMs: 5000, insecure: true }, 'insecure'],
    [{ 'a\r\nb': 1 }, '"a\\r\\nb"'],
  ] as const) {
    assert.throws(
      () => new PhoneClient(options as never),
      (e: unknown) => e instanceof InvalidOptionError && e.option === name && e.message === `invalid option ${name}: is not an option of PhoneClient`,
      name,
    );
  }
});

test('every documented option name is accepted, also when undefined', async () => {
  const names = [...Object.keys(PHONE_CLIENT_DEFAULTS), 'ca'];
  const c = new PhoneClient(Object.fromEntries(names.map((n) => [n, undefined])));
  assert.deepEqual(c.options, PHONE_CLIENT_DEFAULTS);
  await c.close();
});
