import assert from 'node:assert/strict';
import { test } from 'node:test';
import { heldDistanceSquared } from '../../../src/engine/codecs/gif/colour-distance.js';
import { PixelHolder } from '../../../src/engine/codecs/gif/hold-pixels.js';
import { encodeLzw } from '../../../src/engine/codecs/gif/lzw-encode.js';
import { decodeGifFrames } from '../../../src/engine/decode/gif-frames.js';
import { parseGifStructure } from '../../../src/engine/decode/gif-structure.js';
import { fixture, gifsicle, imageMagickFrames, noisyAnimation } from './gif-test-kit.js';

/** Largest held distance between the two animations' canvases (ImageMagick decodes both). */
function largestDrift(original: Uint8Array, held: Uint8Array): number {
  const { width, height } = decodeGifFrames(original);
  const before = imageMagickFrames(original, width, height);
  const after = imageMagickFrames(held, width, height);
  assert.equal(after.length, before.length, 'frame count');
  let largest = 0;
  before.forEach((frame, f) => {
    const other = after[f]!;
    for (let i = 0; i < frame.length; i += 4) {
      assert.equal(other[i + 3], frame[i + 3], `frame ${f} pixel ${i / 4}: opacity`);
      if (frame[i + 3] === 0) continue;
      const distance = Math.sqrt(
        heldDistanceSquared(
          frame[i]! - other[i]!,
          frame[i + 1]! - other[i + 1]!,
          frame[i + 2]! - other[i + 2]!,
        ),
      );
      largest = Math.max(largest, distance);
    }
  });
  return largest;
}

test('held pixels stay within the tolerance on every frame, and the file shrinks', async () => {
  const input = await noisyAnimation();
  const held = PixelHolder.open(input, parseGifStructure(input))?.hold(16);
  assert.ok(held && held.heldPixels > 0);
  const drift = largestDrift(input, held.data);
  assert.ok(drift > 0 && drift <= 16, `largest drift ${drift}`);
  const plain = gifsicle(input, ['-O3']).length;
  const optimized = gifsicle(held.data, ['-O3']).length;
  assert.ok(optimized < plain * 0.7, `${optimized} bytes held vs ${plain} bytes`);
});

test('a tolerance under one level holds only identical pixels: the same animation', async () => {
  const input = await noisyAnimation();
  const held = PixelHolder.open(input, parseGifStructure(input))?.hold(0.5);
  assert.ok(held);
  assert.equal(largestDrift(input, held.data), 0);
});

for (const [name, what] of [
  ['pil-dispose_bgnd.gif', 'disposal 2, restore to background'],
  ['pil-multiple_comments.gif', 'disposal 3, restore previous'],
] as const) {
  test(`the drift bound holds across disposal: ${name} (${what})`, () => {
    // Its two colours are 123 apart (heldDistanceSquared): a tolerance of 130 holds what it can.
    const input = fixture(name);
    const held = PixelHolder.open(input, parseGifStructure(input))?.hold(130);
    assert.ok(held && held.heldPixels > 0);
    assert.ok(largestDrift(input, held.data) <= 130);
  });
}

test('stills and truncated animations are not rewritten', () => {
  const still = fixture('pil-hopper.gif');
  assert.equal(PixelHolder.open(still, parseGifStructure(still)), undefined);
  const animation = fixture('pil-palette_not_needed.gif');
  const structure = parseGifStructure(animation);
  const last = structure.frames[structure.frames.length - 1]!;
  // The last frame's image data replaced by a valid stream of 10 pixels: the rest never comes.
  const short = encodeLzw(new Uint8Array(10), animation[last.dataStart]!);
  const truncated = new Uint8Array([
    ...animation.subarray(0, last.dataStart),
    ...short,
    ...animation.subarray(last.dataEnd),
  ]);
  assert.equal(PixelHolder.open(truncated, parseGifStructure(truncated)), undefined);
});
