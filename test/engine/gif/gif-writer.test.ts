import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type IndexedFrame, writeGif } from '../../../src/engine/codecs/gif/gif-writer.js';
import { encodeLzw } from '../../../src/engine/codecs/gif/lzw-encode.js';
import { decodeGifFrames } from '../../../src/engine/decode/gif-frames.js';
import { decodeLzw } from '../../../src/engine/decode/gif-lzw.js';
import { differentPixels, imageMagickFrames } from './gif-test-kit.js';

/** Deterministic pseudo-random bytes below `range`, in runs so LZW has strings to find. */
function indices(count: number, range: number, seed: number): Uint8Array {
  const out = new Uint8Array(count);
  let state = seed;
  let value = 0;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    if ((state >>> 24) % 3 === 0) value = (state >>> 8) % range;
    out[i] = value;
  }
  return out;
}

function palette(entries: number): Uint8Array {
  const rgb = new Uint8Array(entries * 3);
  for (let i = 0; i < entries; i++) rgb.set([(i * 37) & 0xff, (i * 91) & 0xff, (i * 151) & 0xff], i * 3);
  return rgb;
}

/** The canvas an opaque, full-screen frame shows: its palette colours at its indices. */
function expectedCanvas(frame: IndexedFrame): Uint8Array {
  const rgba = new Uint8Array(frame.indices.length * 4);
  frame.indices.forEach((index, p) => {
    rgba.set([...frame.palette.subarray(index * 3, index * 3 + 3), 255], p * 4);
  });
  return rgba;
}

for (const [bits, count] of [
  [1, 300],
  [3, 5000],
  // Enough distinct strings to fill the 4096-code table several times over.
  [8, 200 * 200],
] as const) {
  test(`LZW round trip with ${bits}-bit indices over ${count} pixels`, () => {
    const source = indices(count, 1 << bits, bits);
    const encoded = encodeLzw(source, Math.max(2, bits));
    const { indices: decoded, decoded: produced } = decodeLzw(encoded, 0, encoded.length, count);
    assert.equal(produced, count);
    assert.deepEqual(decoded.subarray(0, count), source);
  });
}

test('written animations play the same in ImageMagick and in our decoder', () => {
  const width = 40;
  const height = 30;
  const frames: IndexedFrame[] = [256, 5, 2].map((entries, f) => ({
    left: 0,
    top: 0,
    width,
    height,
    palette: palette(entries),
    indices: indices(width * height, entries, f + 1),
    transparentIndex: undefined,
    disposal: 1,
    delayCs: 10 * (f + 1),
  }));
  const gif = writeGif({ width, height, loopCount: 0, frames });
  const ours = decodeGifFrames(gif);
  assert.equal(ours.loopCount, 0);
  assert.deepEqual(
    ours.frames.map((frame) => frame.delayMs),
    [100, 200, 300],
  );
  const magick = imageMagickFrames(gif, width, height);
  assert.equal(magick.length, 3);
  frames.forEach((frame, i) => {
    const expected = expectedCanvas(frame);
    assert.equal(differentPixels(magick[i]!, expected), 0, `ImageMagick frame ${i}`);
    assert.equal(differentPixels(ours.frames[i]!.rgba, expected), 0, `our frame ${i}`);
  });
});
