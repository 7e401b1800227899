import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SNOM_KEY_NAMES, isSnomKeyName, normalizeKeyName } from '../../../src/snom/key-names.js';

test('every documented key name is known in any case', () => {
  for (const name of SNOM_KEY_NAMES) {
    assert.equal(normalizeKeyName(name), name);
    assert.equal(normalizeKeyName(name.toLowerCase()), name);
  }
  assert.equal(SNOM_KEY_NAMES.length, 40);
  assert.equal(normalizeKeyName('Volume_Up'), 'VOLUME_UP');
  assert.equal(normalizeKeyName('f_adr_book'), 'F_ADR_BOOK');
});

test('numbered function and expansion keys: P1..P999, EK0..EK999, no leading zeros', () => {
  for (const [name, expected] of [
    ['P1', 'P1'], ['p15', 'P15'], ['P999', 'P999'], ['EK0', 'EK0'], ['ek42', 'EK42'], ['EK999', 'EK999'],
  ] as const) {
    assert.equal(normalizeKeyName(name), expected, name);
  }
  for (const name of ['P0', 'P01', 'P1000', 'EK00', 'EK01', 'EK1000', 'P', 'EK', 'P-1', 'P1.5', 'EK 1']) {
    assert.equal(normalizeKeyName(name), undefined, name);
  }
});

test('unknown names, empty text, non-ASCII look-alikes and non-strings are refused', () => {
  for (const name of ['', 'ENTERR', 'F5', 'enter ', ' enter', '10', '**', 'F_HOLD;', 'ıp1', 'ſpeaker', 'ＥＮＴＥＲ']) {
    assert.equal(isSnomKeyName(name), false, JSON.stringify(name));
  }
  assert.equal(isSnomKeyName(7 as unknown as string), false);
  assert.equal(isSnomKeyName('REDIAL'), true);
  assert.equal(isSnomKeyName('#'), true);
  assert.equal(isSnomKeyName('*'), true);
});
