import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GifWriter } from 'omggif';
import {
  compareGifAnimations,
  decodeGifAtInstants,
  decodeGifFrames,
  framesAtInstants,
  readGifTimeline,
  sameAnimation,
} from '../../../src/engine/decode/gif-frames.js';
import { SquishError } from '../../../src/errors/index.js';
import { differentPixels, fixture, gifsicle, imageMagickFrames } from './gif-test-kit.js';

function assertMatchesImageMagick(bytes: Uint8Array, label: string): void {
  const gif = decodeGifFrames(bytes);
  const reference = imageMagickFrames(bytes, gif.width, gif.height);
  assert.equal(gif.frames.length, reference.length, `${label}: frame count`);
  gif.frames.forEach((frame, i) => {
    assert.equal(
      differentPixels(frame.rgba, reference[i]!),
      0,
      `${label}: frame ${i} differs from ImageMagick`,
    );
  });
}

const DISPOSAL_FIXTURES: [name: string, what: string][] = [
  ['pil-dispose_bgnd.gif', 'disposal 2, restore to background'],
  ['pil-multiple_comments.gif', 'disposal 3, restore previous, local palettes'],
  ['pil-palette_not_needed.gif', 'local palette on the second frame'],
  ['sk-no_time_for_that_tiny.gif', 'partial frames with transparency'],
];

for (const [name, what] of DISPOSAL_FIXTURES) {
  test(`decoded canvases equal ImageMagick's: ${name} (${what})`, () => {
    assertMatchesImageMagick(fixture(name), name);
  });
}

test('interlaced frames decode like ImageMagick', () => {
  const interlaced = gifsicle(fixture('pil-multiple_comments.gif'), ['--interlace']);
  assertMatchesImageMagick(interlaced, 'interlaced');
  const still = gifsicle(fixture('pil-hopper.gif'), ['--interlace']);
  assertMatchesImageMagick(still, 'interlaced hopper');
});

test('frames larger than the logical screen are clipped to it, as ImageMagick does', () => {
  const clipped = fixture('pil-hopper.gif').slice();
  clipped.set([50, 0, 60, 0], 6); // screen 50x60 under a 128x128 frame
  const gif = decodeGifFrames(clipped);
  assert.equal(gif.frames[0]!.rgba.length, 50 * 60 * 4);
  assertMatchesImageMagick(clipped, 'clipped');
});

test('a graphic control extension applies to the next frame only', () => {
  // Frame 0 makes index 0 transparent; frame 1 has no graphic control, so its index 0 is opaque.
  // (omggif's own parser carries the transparency over; browsers and ImageMagick do not.)
  const buffer = new Uint8Array(1024);
  const writer = new GifWriter(buffer, 4, 4, { palette: [0xff0000, 0x00ff00], loop: 0 });
  writer.addFrame(0, 0, 4, 4, new Array(16).fill(1), { delay: 10, transparent: 0 });
  writer.addFrame(0, 0, 4, 4, new Array(16).fill(0));
  const bytes = buffer.slice(0, writer.end());
  const gif = decodeGifFrames(bytes);
  assert.deepEqual([...gif.frames[1]!.rgba.subarray(0, 4)], [255, 0, 0, 255]);
  assert.equal(gif.frames[1]!.delayMs, 0);
  assertMatchesImageMagick(bytes, 'graphic control scope');
});

test('disposal to background leaves transparent pixels where the frame was', () => {
  const gif = decodeGifFrames(fixture('pil-dispose_bgnd.gif'));
  // Frame 1 (32x32 at 5,10) is cleared before frame 2 is drawn elsewhere (35,30).
  const alphaAt = (frame: number, x: number, y: number) =>
    gif.frames[frame]!.rgba[(y * gif.width + x) * 4 + 3];
  assert.equal(alphaAt(1, 10, 15), 255, 'frame 1 drawn');
  assert.equal(alphaAt(2, 10, 15), 0, 'frame 1 area cleared when frame 2 shows');
});

test('loop count and delays come from the file', () => {
  const looping = decodeGifFrames(fixture('pil-dispose_bgnd.gif'));
  assert.equal(looping.loopCount, 0);
  assert.deepEqual(
    looping.frames.map((f) => f.delayMs),
    [1000, 1000, 1000, 1000, 1000],
  );
  assert.equal(decodeGifFrames(fixture('pil-palette_not_needed.gif')).loopCount, undefined);
  assert.equal(decodeGifFrames(gifsicle(fixture('pil-dispose_bgnd.gif'), ['--loopcount=3'])).loopCount, 3);
});

test('framesAtInstants picks the canvas on screen at each time', () => {
  const gif = decodeGifFrames(fixture('pil-palette_not_needed.gif')); // two frames of 5 s
  const [a, b, c, d] = framesAtInstants(gif, [0, 4999, 5000, 1e9]);
  assert.equal(a, gif.frames[0]);
  assert.equal(b, gif.frames[0]);
  assert.equal(c, gif.frames[1]);
  assert.equal(d, gif.frames[1]);
});

test('sameAnimation: merged identical frames with summed delays are the same animation', () => {
  const input = fixture('pil-chi-anim.gif');
  const merged = gifsicle(input, ['-O3']);
  const a = decodeGifFrames(input);
  const b = decodeGifFrames(merged);
  assert.ok(b.frames.length < a.frames.length, 'gifsicle merged frames');
  const verdict = sameAnimation(a, b);
  assert.ok(verdict.equal, verdict.detail);
  assert.ok(sameAnimation(a, decodeGifFrames(input)).equal);
});

test('sameAnimation notices changed pixels, timing and loop count', () => {
  const input = fixture('pil-dispose_bgnd.gif');
  const original = decodeGifFrames(input);
  const changed = (args: string[]) => sameAnimation(original, decodeGifFrames(gifsicle(input, args)));
  const recoloured = changed(['--change-color', '#ffffff', '#fefefe']);
  assert.equal(recoloured.equal, false);
  assert.match(recoloured.detail, /pixels differ/);
  const slower = changed(['--delay', '150']);
  assert.equal(slower.equal, false);
  assert.match(slower.detail, /lasts/);
  const once = changed(['--no-loopcount']);
  assert.equal(once.equal, false);
  assert.match(once.detail, /loop count/);
});

test('the streaming forms agree with the whole-animation ones', () => {
  const chi = fixture('pil-chi-anim.gif');
  const merged = gifsicle(chi, ['-O3']);
  const streamed = compareGifAnimations(chi, merged);
  assert.ok(streamed.equal, streamed.detail);
  assert.deepEqual(streamed.frames, [31, decodeGifFrames(merged).frames.length]);
  const predecoded = compareGifAnimations(decodeGifFrames(chi), merged);
  assert.ok(predecoded.equal, predecoded.detail);

  const dispose = fixture('pil-dispose_bgnd.gif');
  const recoloured = gifsicle(dispose, ['--change-color', '#ffffff', '#fefefe']);
  const verdict = compareGifAnimations(dispose, recoloured);
  assert.equal(verdict.equal, false);
  assert.equal(verdict.detail, sameAnimation(decodeGifFrames(dispose), decodeGifFrames(recoloured)).detail);
  assert.equal(compareGifAnimations(decodeGifFrames(dispose), recoloured).detail, verdict.detail);

  const whole = decodeGifFrames(chi);
  const instants = [0, 250, 1234, 99_999];
  const sampled = decodeGifAtInstants(chi, instants);
  assert.equal(sampled.timeline.frameCount, 31);
  assert.equal(sampled.timeline.durationMs, readGifTimeline(chi).durationMs);
  const expected = framesAtInstants(whole, instants);
  for (const [i, frame] of sampled.frames.entries()) assert.deepEqual(frame, expected[i]);
});

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof SquishError, String(error));
    return error.code;
  }
  return 'no error';
}

test('hostile and broken GIFs are refused with typed errors before decoding', () => {
  assert.equal(
    codeOf(() => decodeGifFrames(fixture('pil-decompression_bomb.gif'))),
    'CORRUPT_IMAGE',
  );
  const chi = fixture('pil-chi-anim.gif');
  assert.equal(
    codeOf(() => decodeGifFrames(chi.subarray(0, 40_000))),
    'CORRUPT_IMAGE',
  );
  assert.equal(
    codeOf(() => decodeGifFrames(new TextEncoder().encode('GIF89a but not really'))),
    'CORRUPT_IMAGE',
  );
  // 31 frames of 320x240 = 2.4 Mpx: over a 1 Mpx budget.
  assert.equal(
    codeOf(() => decodeGifFrames(chi, { maxPixels: 1_000_000 })),
    'TOO_MANY_PIXELS',
  );
});
