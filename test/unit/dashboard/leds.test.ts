import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LIGHTS } from '../../../src/snom/lights.js';
import { LED_LOOKS, ledLook, ledText } from '../../../dashboard/leds.js';

test('every light of src/snom/lights.ts has a look, and only those', () => {
  assert.deepEqual(Object.keys(LED_LOOKS).sort(), [...LIGHTS].sort());
});

test('pickup blinks fast, hold slowly, on is steady, off is dark', () => {
  assert.deepEqual(ledLook('pickup'), { colour: 'red', blink: 'fast', meaning: 'ringing, can be picked up' });
  assert.equal(ledLook('hold').blink, 'slow');
  assert.deepEqual([ledLook('on').colour, ledLook('on').blink], ['green', 'steady']);
  assert.equal(ledLook(undefined).colour, 'none', "an absent light is the phone's default, off");
});

test('the LED in words (never colour only); o= overrides the colour of a lit LED', () => {
  assert.equal(ledText('pickup'), 'pickup: red, blinking fast (ringing, can be picked up)');
  assert.equal(ledText('on'), 'on: green, steady (on)');
  assert.equal(ledText('off'), 'off: LED off');
  assert.equal(ledText('on', 'orange'), 'on: orange, steady (on)');
  assert.equal(ledText('on', 'remote'), 'on: red, steady (on)');
  assert.equal(ledText('off', 'red'), 'off: LED off');
  assert.equal(ledText('bogus'), 'bogus: LED off');
  assert.equal(ledLook('bogus').meaning, 'unknown light bogus');
});
