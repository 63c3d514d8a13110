import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { pngOptimizer } from '../../../src/engine/codecs/png/index.js';
import { decodeToRgb, ssimulacra2 } from '../../../src/engine/metric/ssimulacra2.js';
import { DEFAULT_LOSSY_TARGET } from '../../../src/plan/index.js';
import { assertSamePixels, decodeRaw } from '../../helpers/pixels.js';
import { fixture, pngContext } from './context.js';

async function fullScore(original: Uint8Array, candidate: Uint8Array): Promise<number> {
  return ssimulacra2(await decodeToRgb(original), await decodeToRgb(candidate));
}

/**
 * A two-axis gradient with fixed pseudo-random grain, like a photo's sky: thousands of colours, so
 * the palette follows the quality, and grain that lossless compression cannot squeeze.
 */
async function grainyGradient(): Promise<Uint8Array> {
  const side = 128;
  const raw = Buffer.alloc(side * side * 3);
  let seed = 12345;
  const grain = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return ((seed >>> 24) % 17) - 8;
  };
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      raw.set(
        [x * 2 + grain(), y * 2 + grain(), 200 - x - y + grain()].map((v) => Math.max(0, Math.min(255, v))),
        (y * side + x) * 3,
      );
    }
  }
  return sharp(raw, { raw: { width: side, height: side, channels: 3 } })
    .png()
    .toBuffer();
}

describe('PNG lossy', () => {
  const photo = fixture('pil-transparent.png'); // 200x150, soft alpha, thousands of colours

  it('reaches the default target with a palette smaller than lossless', async () => {
    const candidate = await pngOptimizer.lossy(photo, pngContext({ lossy: true }));
    assert.equal(candidate.lossless, false, candidate.notes?.join('; '));
    assert.equal((await sharp(candidate.data).metadata()).isPalette, true);
    const score = await fullScore(photo, candidate.data);
    assert.ok(score >= DEFAULT_LOSSY_TARGET, `score ${score.toFixed(1)} below the target`);
    const lossless = await pngOptimizer.lossless(photo, pngContext());
    assert.ok(candidate.data.length < lossless.data.length);
  });

  it('spends more bytes for a higher target, and still reaches it', async () => {
    const gradient = await grainyGradient();
    const low = await pngOptimizer.lossy(gradient, pngContext({ lossy: true, target: 70 }));
    const high = await pngOptimizer.lossy(gradient, pngContext({ lossy: true, target: 88 }));
    assert.ok(low.data.length < high.data.length, `${low.data.length} >= ${high.data.length}`);
    assert.ok((await fullScore(gradient, low.data)) >= 70);
    if (!high.lossless) assert.ok((await fullScore(gradient, high.data)) >= 88);
  });

  it('uses a fixed quality when the plan gives one', async () => {
    const gradient = await grainyGradient();
    const rough = await pngOptimizer.lossy(gradient, pngContext({ lossy: true, quality: 20 }));
    const fine = await pngOptimizer.lossy(gradient, pngContext({ lossy: true, quality: 95 }));
    assert.equal(rough.quality, 20);
    assert.equal(fine.quality, 95);
    assert.ok(rough.data.length < fine.data.length, `${rough.data.length} >= ${fine.data.length}`);
    assert.ok((await fullScore(gradient, rough.data)) < (await fullScore(gradient, fine.data)));
  });

  it('keeps an image of at most 256 colours exact', async () => {
    const input = fixture('pngsuite-tbbn3p08.png');
    const candidate = await pngOptimizer.lossy(input, pngContext({ lossy: true }));
    assert.equal(candidate.lossless, true);
    await assertSamePixels(input, candidate.data);
  });

  it('accepts only a nearly exact palette for an image under 64 px', async () => {
    const input = fixture('pngsuite-basn6a16.png'); // 32x32, 16-bit RGBA gradients
    const candidate = await pngOptimizer.lossy(input, pngContext({ lossy: true }));
    if (candidate.lossless) {
      await assertSamePixels(input, candidate.data);
      return;
    }
    const [a, b] = await Promise.all([decodeRaw(input), decodeRaw(candidate.data)]);
    const eight = (image: typeof a, i: number) =>
      image.depth === 2 ? image.data[i * 2 + 1]! : image.data[i]!;
    for (let i = 0; i < a.data.length / a.depth; i++) {
      assert.ok(Math.abs(eight(a, i) - eight(b, i)) <= 8, `sample ${i} moved too far`);
    }
  });
});
