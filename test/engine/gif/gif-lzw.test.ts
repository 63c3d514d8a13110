import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { decodeGifFrames } from '../../../src/engine/decode/gif-frames.js';
import { decodeLzw } from '../../../src/engine/decode/gif-lzw.js';
import { parseGifStructure } from '../../../src/engine/decode/gif-structure.js';
import { SquishError } from '../../../src/errors/index.js';
import { differentPixels, fixture, imageMagickFrames } from './gif-test-kit.js';

test('a corrupt code stops decoding instead of looping (omggif hangs on this file)', () => {
  const gif = decodeGifFrames(fixture('lzw-cycle.gif'));
  assert.equal(gif.frames.length, 5);
});

test('a truncated stream yields the indices decoded so far', () => {
  const bytes = fixture('pil-hopper.gif');
  const [frame] = parseGifStructure(bytes).frames;
  const pixels = frame!.width * frame!.height;
  const whole = decodeLzw(bytes, frame!.dataStart, frame!.dataEnd, pixels);
  assert.equal(whole.decoded, pixels);
  const half = decodeLzw(
    bytes,
    frame!.dataStart,
    frame!.dataStart + (frame!.dataEnd - frame!.dataStart) / 2,
    pixels,
  );
  assert.ok(half.decoded > 0 && half.decoded < pixels, `decoded ${half.decoded} of ${pixels}`);
  assert.deepEqual(half.indices.subarray(0, half.decoded), whole.indices.subarray(0, half.decoded));
});

test('noise that fills the code table many times decodes like ImageMagick reads it', async () => {
  // 256 colours of noise: the table reaches 4096 codes again and again (clear codes, 12-bit codes).
  const side = 200;
  const noise = new Uint8Array(side * side * 3);
  let seed = 7;
  for (let i = 0; i < noise.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    noise[i] = seed >>> 24;
  }
  const bytes = new Uint8Array(
    await sharp(noise, { raw: { width: side, height: side, channels: 3 } })
      .gif({ colours: 256, dither: 0 })
      .toBuffer(),
  );
  const gif = decodeGifFrames(bytes);
  const [reference] = imageMagickFrames(bytes, side, side);
  assert.equal(differentPixels(gif.frames[0]!.rgba, reference!), 0);
});

test('randomly damaged GIFs decode or fail with a typed error, never anything else', () => {
  let seed = 12345;
  const random = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  const outcomes = new Map<string, number>();
  for (const name of ['pil-dispose_bgnd.gif', 'pil-multiple_comments.gif', 'sk-no_time_for_that_tiny.gif']) {
    const base = fixture(name);
    for (let i = 0; i < 150; i++) {
      const damaged = base.slice(0, random() < 0.2 ? Math.floor(random() * base.length) : base.length);
      const changes = 1 + Math.floor(random() * 8);
      for (let k = 0; k < changes; k++)
        damaged[Math.floor(random() * damaged.length)] = Math.floor(random() * 256);
      let outcome = 'decoded';
      try {
        decodeGifFrames(damaged, { maxPixels: 5_000_000 });
      } catch (error) {
        assert.ok(error instanceof SquishError, `${name} #${i}: ${String(error)}`);
        outcome = error.code;
      }
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
  }
  assert.ok(
    (outcomes.get('decoded') ?? 0) > 0 && (outcomes.get('CORRUPT_IMAGE') ?? 0) > 0,
    [...outcomes].join(),
  );
});
