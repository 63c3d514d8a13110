import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { webpOptimizer } from '../../../src/engine/codecs/webp/index.js';
import { decodeToRgb, ssimulacra2 } from '../../../src/engine/metric/ssimulacra2.js';
import { decodeRaw } from '../../helpers/pixels.js';
import { contextFor, fixture } from './codec-context.js';

/** Full-image SSIMULACRA2 of the first frame, alpha flattened on white (the benchmark's view). */
async function fullScore(reference: Uint8Array, distorted: Uint8Array): Promise<number> {
  return ssimulacra2(await decodeToRgb(reference), await decodeToRgb(distorted));
}

describe('WebP lossy', () => {
  it('reaches the default target on a photo with fewer bytes', async () => {
    const input = fixture('webp', 'flower-lossy-exif-xmp.webp');
    const out = await webpOptimizer.lossy(input, await contextFor(input, 'webp', { lossy: true }));
    assert.equal(out.lossless, false);
    assert.ok(out.data.length < input.length * 0.8, `${out.data.length} vs ${input.length}`);
    const score = await fullScore(input, out.data);
    assert.ok(score >= 80, `full-image SSIMULACRA2 ${score.toFixed(1)} >= 80`);
    assert.ok(out.quality !== undefined && out.quality < 100);
    assert.equal((await sharp(out.data).metadata()).orientation, 6);
  });

  it('reaches the target on the whole image when it judges tiles of a larger one', async () => {
    // 720x540 is past the size where the metric looks at 8 tiles of 128 px instead of everything.
    const input = new Uint8Array(
      await sharp(fixture('webp', 'flower-lossy-exif-xmp.webp'))
        .resize(720, 540)
        .sharpen()
        .webp({ quality: 95 })
        .toBuffer(),
    );
    const out = await webpOptimizer.lossy(input, await contextFor(input, 'webp', { lossy: true }));
    const score = await fullScore(input, out.data);
    assert.ok(score >= 80, `full-image SSIMULACRA2 ${score.toFixed(1)} >= 80 (estimated ${out.score})`);
  });

  it('aims lower for a lower target', async () => {
    const input = fixture('webp', 'flower-lossy-exif-xmp.webp');
    const out = await webpOptimizer.lossy(
      input,
      await contextFor(input, 'webp', { lossy: true, target: 65 }),
    );
    const score = await fullScore(input, out.data);
    assert.ok(score >= 65 && score < 80, `SSIMULACRA2 ${score.toFixed(1)} in [65, 80)`);
  });

  it('uses a fixed quality instead of searching when the plan gives one', async () => {
    const input = fixture('webp', 'flower-lossy-exif-xmp.webp');
    const out = await webpOptimizer.lossy(
      input,
      await contextFor(input, 'webp', { lossy: true, quality: 30 }),
    );
    assert.equal(out.quality, 30);
    const score = await fullScore(input, out.data);
    assert.ok(score < 75, `quality 30 gives a visibly lower score (${score.toFixed(1)})`);
    assert.ok(
      out.score !== undefined && Math.abs(out.score - score) < 0.01,
      'reported score is the real one',
    );
  });

  it('keeps alpha exact and reaches the target on white and on black', async () => {
    const input = fixture('webp', 'transparent-lossless.webp');
    const out = await webpOptimizer.lossy(input, await contextFor(input, 'webp', { lossy: true }));
    assert.ok(out.data.length < input.length, `${out.data.length} < ${input.length}`);
    const [a, b] = await Promise.all([decodeRaw(input), decodeRaw(out.data)]);
    for (let i = 3; i < a.data.length; i += 4) {
      if (a.data[i] !== b.data[i]) assert.fail(`alpha differs at pixel ${(i - 3) / 4}`);
    }
    assert.ok((await fullScore(input, out.data)) >= 80, 'on white');
    const onBlack = async (bytes: Uint8Array) =>
      decodeToRgb(new Uint8Array(await sharp(bytes).flatten({ background: '#000000' }).png().toBuffer()));
    const black = await ssimulacra2(await onBlack(input), await onBlack(out.data));
    assert.ok(black >= 80, `on black ${black.toFixed(1)}`);
  });

  it('keeps the frames, delays and loop of an animation', async () => {
    const input = fixture('webp', 'chi-anim-lossless.webp');
    const out = await webpOptimizer.lossy(
      input,
      await contextFor(input, 'webp', { lossy: true, quality: 75 }),
    );
    const [before, after] = await Promise.all([sharp(input).metadata(), sharp(out.data).metadata()]);
    assert.equal(after.pages, 6);
    assert.equal(after.loop, 3);
    assert.deepEqual(after.delay, before.delay);
    const lastFrame = async (bytes: Uint8Array) =>
      decodeToRgb(new Uint8Array(await sharp(bytes, { page: 5 }).png().toBuffer()));
    const score = await ssimulacra2(await lastFrame(input), await lastFrame(out.data));
    assert.ok(score > 50, `last frame is the same picture (SSIMULACRA2 ${score.toFixed(1)})`);
  });
});
