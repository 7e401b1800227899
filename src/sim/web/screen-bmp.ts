// `/screen.bmp`: a 24-bit Windows bitmap (BITMAPINFOHEADER, bottom-up rows) showing the function keys'
// LEDs crudely: a real phone serves a screenshot of its display here.
import type { LedColour, Light } from '../../snom/lights.js';
import type { FunctionKeyView } from '../phone-state-types.js';

/** An RGB colour, 0..255 each. */
export type Rgb = readonly [number, number, number];

/** Size of the BMP file header plus the BITMAPINFOHEADER: where the pixels start. */
export const BMP_HEADER_BYTES = 54;

/** Encodes a 24-bit BMP from a pixel function (x from the left, y from the top). */
export function encodeBmp24(width: number, height: number, pixel: (x: number, y: number) => Rgb): Buffer {
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 1 || height < 1 || width * height > 4_000_000) {
    throw new RangeError('BMP size must be positive and at most 4 megapixels');
  }
  const rowBytes = Math.ceil((width * 3) / 4) * 4;
  const imageBytes = rowBytes * height;
  const buf = Buffer.alloc(BMP_HEADER_BYTES + imageBytes);
  buf.write('BM', 0, 'latin1');
  buf.writeUInt32LE(buf.length, 2);
  buf.writeUInt32LE(BMP_HEADER_BYTES, 10);
  buf.writeUInt32LE(40, 14); // BITMAPINFOHEADER size
  buf.writeInt32LE(width, 18);
  buf.writeInt32LE(height, 22); // positive: bottom-up
  buf.writeUInt16LE(1, 26); // planes
  buf.writeUInt16LE(24, 28); // bits per pixel
  buf.writeUInt32LE(0, 30); // BI_RGB, no compression
  buf.writeUInt32LE(imageBytes, 34);
  buf.writeInt32LE(2835, 38); // 72 dpi
  buf.writeInt32LE(2835, 42);
  for (let y = 0; y < height; y++) {
    const row = BMP_HEADER_BYTES + (height - 1 - y) * rowBytes;
    for (let x = 0; x < width; x++) {
      const [r, g, b] = pixel(x, y);
      buf[row + x * 3] = b;
      buf[row + x * 3 + 1] = g;
      buf[row + x * 3 + 2] = r;
    }
  }
  return buf;
}

const SCREEN = { width: 160, height: 120, led: 10, rowHeight: 18, top: 8 } as const;
const BACKGROUND: Rgb = [224, 228, 232];
const LED_OFF: Rgb = [70, 70, 70];
const LED_COLOURS: Readonly<Record<LedColour, Rgb>> = {
  red: [220, 30, 30], green: [30, 180, 60], orange: [240, 140, 20], local: [30, 180, 60], remote: [220, 30, 30],
};
/** Lights with a colour of their own when `o=` does not give one. */
const LIGHT_COLOURS: Partial<Record<Light, Rgb>> = { offline: [130, 130, 130], error: [220, 30, 30], message: [240, 140, 20] };
const DEFAULT_LIT: Rgb = [220, 30, 30];

/** The colour a key's LED shows in a still image: lit for every light but `off` (blinking ones caught lit). */
export function ledColour(key: FunctionKeyView): Rgb {
  const state = key.state;
  if (!state || state.light === 'off') return LED_OFF;
  if (state.colour !== undefined) return LED_COLOURS[state.colour];
  return LIGHT_COLOURS[state.light] ?? DEFAULT_LIT;
}

/**
 * A 160×120 screenshot: one LED square per function key, P1… down the left column, then the right
 * column (six per column; keys beyond twelve are not drawn).
 */
export function renderScreen(keys: readonly FunctionKeyView[]): Buffer {
  const perColumn = Math.floor((SCREEN.height - SCREEN.top) / SCREEN.rowHeight);
  const boxes = keys.slice(0, perColumn * 2).map((key, i) => {
    const column = Math.floor(i / perColumn);
    const x = column === 0 ? 8 : SCREEN.width - 8 - SCREEN.led;
    const y = SCREEN.top + (i % perColumn) * SCREEN.rowHeight;
    return { x, y, colour: ledColour(key) };
  });
  return encodeBmp24(SCREEN.width, SCREEN.height, (x, y) => {
    for (const box of boxes) {
      if (x >= box.x && x < box.x + SCREEN.led && y >= box.y && y < box.y + SCREEN.led) return box.colour;
    }
    return BACKGROUND;
  });
}
