import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buttonIndexOf, fkeySettingName, functionKeySettings, keyNumberOfSetting, parseFunctionKeyType,
} from '../../../src/sim/function-keys.js';
import { InvalidOptionError } from '../../../src/util/errors.js';

test('default: every key P<i> is button <i>', () => {
  assert.deepEqual(functionKeySettings(3), { fkey0: 'button 1', fkey1: 'button 2', fkey2: 'button 3' });
  assert.equal(Object.keys(functionKeySettings()).length, 12);
});

test('list texts, arrays and records choose the button keys', () => {
  assert.deepEqual(functionKeySettings(5, '1,3-4'), { fkey0: 'button 1', fkey1: 'none', fkey2: 'button 3', fkey3: 'button 4', fkey4: 'none' });
  assert.deepEqual(functionKeySettings(3, ' 2 - 3 '), { fkey0: 'none', fkey1: 'button 2', fkey2: 'button 3' });
  assert.deepEqual(functionKeySettings(3, [3]), { fkey0: 'none', fkey1: 'none', fkey2: 'button 3' });
  assert.deepEqual(functionKeySettings(2, ''), { fkey0: 'none', fkey1: 'none' });
  assert.deepEqual(functionKeySettings(3, { p2: 'dnd', P3: '1' }), { fkey0: 'none', fkey1: 'button dnd', fkey2: 'button 1' });
});

test('bad configurations are refused', () => {
  const bad: [number, Parameters<typeof functionKeySettings>[1]][] = [
    [0, undefined], [1000, undefined], [1.5, undefined], [12, '0-3'], [12, '1-13'], [12, '1-999999'], [12, '5-2'], [12, '1,,2'],
    [12, [13]], [12, [1.5]], [12, { P13: '1' }], [12, { Q1: '1' }], [12, { P1: '' }], [12, { P1: 'a b' }],
    [12, { P1: '1', P2: '1' }], [12, 5 as unknown as string],
  ];
  for (const [count, buttons] of bad) {
    assert.throws(() => functionKeySettings(count, buttons), InvalidOptionError, `${count} ${JSON.stringify(buttons)}`);
  }
});

test('fkey setting names and values', () => {
  assert.equal(fkeySettingName(1), 'fkey0');
  assert.equal(keyNumberOfSetting('fkey0'), 1);
  assert.equal(keyNumberOfSetting('fkey11'), 12);
  for (const name of ['fkey', 'fkey01', 'fkey_x', 'xfkey1', 'fkey1000']) assert.equal(keyNumberOfSetting(name), undefined, name);
  assert.deepEqual(parseFunctionKeyType('button 2'), { type: 'button', value: '2' });
  assert.deepEqual(parseFunctionKeyType(' URL  http://x/y '), { type: 'url', value: 'http://x/y' });
  assert.deepEqual(parseFunctionKeyType('line'), { type: 'line', value: '' });
  assert.deepEqual(parseFunctionKeyType(''), { type: 'none', value: '' });
  assert.equal(buttonIndexOf('button 7'), '7');
  assert.equal(buttonIndexOf('Button dnd'), 'dnd');
  for (const v of [undefined, 'button', 'button a b', 'line 2', 'button ' + 'x'.repeat(33)]) assert.equal(buttonIndexOf(v), undefined, v);
});
