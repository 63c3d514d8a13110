import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeGif } from '../../../src/engine/codecs/gif/gif-writer.js';
import { gifOptimizer } from '../../../src/engine/codecs/gif/index.js';
import { decodeGifFrames, sameAnimation } from '../../../src/engine/decode/gif-frames.js';
import { type RgbImage, ssimulacra2 } from '../../../src/engine/metric/ssimulacra2.js';
import { fixture, gifContext, imageMagickFrames, noisyAnimation } from './gif-test-kit.js';

/** RGB on white of an ImageMagick-composed canvas: an independent decoder for the check. */
function onWhite(rgba: Uint8Array, width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3).fill(255);
  for (let p = 0; p < width * height; p++) {
    const alpha = rgba[p * 4 + 3]! / 255;
    for (let c = 0; c < 3; c++) data[p * 3 + c] = Math.round(rgba[p * 4 + c]! * alpha + 255 * (1 - alpha));
  }
  return { data, width, height };
}

/** Worst SSIMULACRA2 over every frame, both sides composed by ImageMagick (same frame count). */
async function worstFrameScore(input: Uint8Array, output: Uint8Array): Promise<number> {
  const { width, height } = decodeGifFrames(input);
  const before = imageMagickFrames(input, width, height);
  const after = imageMagickFrames(output, width, height);
  assert.equal(after.length, before.length, 'frame count (these fixtures have no identical frames)');
  let worst = Number.POSITIVE_INFINITY;
  for (let i = 0; i < before.length; i++) {
    const score = await ssimulacra2(onWhite(before[i]!, width, height), onWhite(after[i]!, width, height));
    worst = Math.min(worst, score);
  }
  return worst;
}

test('lossy reaches the default target (80) and beats lossless on a still GIF', async () => {
  const input = fixture('pil-hopper.gif');
  const lossless = await gifOptimizer.lossless(input, gifContext());
  const candidate = await gifOptimizer.lossy(input, gifContext({ lossy: true }));
  assert.equal(candidate.lossless, false);
  assert.match(candidate.method, /--lossy=\d+/);
  assert.ok(
    candidate.data.length < lossless.data.length * 0.9,
    `${candidate.data.length} vs ${lossless.data.length}`,
  );
  assert.ok((candidate.score ?? 0) >= 80, `reported score ${candidate.score}`);
  assert.ok((await worstFrameScore(input, candidate.data)) >= 80);
});

test('a higher target gives a larger file that still reaches it, on every frame of an animation', async () => {
  const input = fixture('pil-palette_not_needed.gif');
  const high = await gifOptimizer.lossy(input, gifContext({ lossy: true, target: 90 }));
  const low = await gifOptimizer.lossy(input, gifContext({ lossy: true, target: 70 }));
  assert.ok(high.data.length > low.data.length, `${high.data.length} > ${low.data.length}`);
  const [highScore, lowScore] = [
    await worstFrameScore(input, high.data),
    await worstFrameScore(input, low.data),
  ];
  assert.ok(highScore >= 90, `target 90 measured ${highScore}`);
  assert.ok(lowScore >= 70, `target 70 measured ${lowScore}`);
  assert.ok(lowScore < 90, `target 70 should not be near-lossless, measured ${lowScore}`);
});

test('a fixed quality overrides the search', async () => {
  const input = fixture('pil-hopper.gif');
  const candidate = await gifOptimizer.lossy(input, gifContext({ lossy: true, quality: 50 }));
  assert.equal(candidate.quality, 50);
  assert.equal(candidate.method, 'gifsicle -O3 --lossy=100');
  assert.ok(typeof candidate.score === 'number' && candidate.score < 80, `score ${candidate.score}`);
});

test('frames under 64 px a side stay lossless in lossy mode', async () => {
  const candidate = await gifOptimizer.lossy(
    fixture('sk-no_time_for_that_tiny.gif'),
    gifContext({ lossy: true }),
  );
  assert.equal(candidate.lossless, true);
  assert.ok(candidate.notes?.some((note) => note.includes('64 px')));
});

test('a noisy animation is held from frame to frame, reaching the target on every frame', async () => {
  const input = await noisyAnimation();
  const lossless = await gifOptimizer.lossless(input, gifContext());
  const candidate = await gifOptimizer.lossy(input, gifContext({ lossy: true }));
  assert.match(candidate.method, /near pixels held/);
  assert.ok(
    candidate.data.length < lossless.data.length * 0.6,
    `${candidate.data.length} vs ${lossless.data.length} lossless`,
  );
  assert.ok((await worstFrameScore(input, candidate.data)) >= 80);
});

test('colours too far apart for any lossy setting: the lossless result, without a search', async () => {
  const input = fixture('pil-dispose_bgnd.gif');
  const candidate = await gifOptimizer.lossy(input, gifContext({ lossy: true }));
  assert.equal(candidate.lossless, true);
  assert.ok(
    candidate.notes?.some((note) => note.includes('too far apart')),
    candidate.notes?.join(),
  );
  // libvips composes this file's disposal differently (notes/codecs.md §7.4): our decoder judges.
  const verdict = sameAnimation(decodeGifFrames(input), decodeGifFrames(candidate.data));
  assert.ok(verdict.equal, verdict.detail);
});

test('a chart-like GIF whose palette colours are all far apart skips the search too', async () => {
  // 4 far-apart colours, drawn in blocks on a 96x96 still: nothing to decode to see it.
  const width = 96;
  const indices = new Uint8Array(width * width).map((_, p) => ((p % width) >> 5) + ((p / width) >> 6));
  const input = writeGif({
    width,
    height: width,
    loopCount: undefined,
    frames: [
      {
        left: 0,
        top: 0,
        width,
        height: width,
        palette: Uint8Array.of(255, 0, 0, 0, 0, 255, 255, 255, 255, 0, 0, 0),
        indices,
        transparentIndex: undefined,
        disposal: 0,
        delayCs: 0,
      },
    ],
  });
  const candidate = await gifOptimizer.lossy(input, gifContext({ lossy: true }));
  assert.equal(candidate.lossless, true);
  assert.ok(
    candidate.notes?.some((note) => note.includes('too far apart')),
    candidate.notes?.join(),
  );
  const verdict = sameAnimation(decodeGifFrames(input), decodeGifFrames(candidate.data));
  assert.ok(verdict.equal, verdict.detail);
});
