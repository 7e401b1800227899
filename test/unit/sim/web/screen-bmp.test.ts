import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BMP_HEADER_BYTES, encodeBmp24, ledColour, renderScreen } from '../../../../src/sim/web/screen-bmp.js';
import { PhoneState } from '../../../../src/sim/phone-state.js';

/** Reads the pixel at (x, y from the top) of a bottom-up 24-bit BMP. */
function bmpPixel(bmp: Buffer, x: number, y: number): [number, number, number] {
  const width = bmp.readInt32LE(18);
  const height = bmp.readInt32LE(22);
  const rowBytes = Math.ceil((width * 3) / 4) * 4;
  const at = bmp.readUInt32LE(10) + (height - 1 - y) * rowBytes + x * 3;
  return [bmp[at + 2]!, bmp[at + 1]!, bmp[at]!];
}

test('header fields of a 24-bit bottom-up BMP with padded rows', () => {
  const bmp = encodeBmp24(3, 2, (x, y) => [x * 10, y * 100, 7]);
  const rowBytes = 12; // 9 bytes padded to 12
  assert.equal(bmp.toString('latin1', 0, 2), 'BM');
  assert.equal(bmp.readUInt32LE(2), bmp.length);
  assert.equal(bmp.length, BMP_HEADER_BYTES + rowBytes * 2);
  assert.equal(bmp.readUInt32LE(10), 54);
  assert.equal(bmp.readUInt32LE(14), 40);
  assert.deepEqual([bmp.readInt32LE(18), bmp.readInt32LE(22), bmp.readUInt16LE(26), bmp.readUInt16LE(28), bmp.readUInt32LE(30), bmp.readUInt32LE(34)], [3, 2, 1, 24, 0, 24]);
  // The first row stored is the bottom one (y = 1), in BGR order.
  assert.deepEqual([...bmp.subarray(54, 54 + 12)], [7, 100, 0, 7, 100, 10, 7, 100, 20, 0, 0, 0]);
  assert.deepEqual(bmpPixel(bmp, 2, 0), [20, 0, 7]);
  assert.throws(() => encodeBmp24(0, 1, () => [0, 0, 0]), RangeError);
});

test('the screen shows each key LED in its light and colour', () => {
  const state = new PhoneState();
  state.applyXButtons([{ key: '1', light: 'on', colour: 'green' }, { key: '2', light: 'pickup' }, { key: '7', light: 'offline' }]);
  const keys = state.functionKeys();
  assert.deepEqual(ledColour(keys[0]!), [30, 180, 60]);
  assert.deepEqual(ledColour(keys[1]!), [220, 30, 30]);
  assert.deepEqual(ledColour(keys[2]!), [70, 70, 70]);
  assert.deepEqual(ledColour(keys[6]!), [130, 130, 130]);
  const bmp = renderScreen(keys);
  assert.deepEqual([bmp.readInt32LE(18), bmp.readInt32LE(22)], [160, 120]);
  assert.deepEqual(bmpPixel(bmp, 12, 12), [30, 180, 60]); // P1, left column, first row
  assert.deepEqual(bmpPixel(bmp, 12, 30), [220, 30, 30]); // P2
  assert.deepEqual(bmpPixel(bmp, 145, 12), [130, 130, 130]); // P7, right column, first row
  assert.deepEqual(bmpPixel(bmp, 80, 60), [224, 228, 232]); // background
});
