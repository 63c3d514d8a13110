import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { avifOptimizer } from '../../../src/engine/codecs/avif/index.js';
import { decodeToRgb, ssimulacra2 } from '../../../src/engine/metric/ssimulacra2.js';
import { isSquishError } from '../../../src/errors/index.js';
import { assertSamePixels } from '../../helpers/pixels.js';
import { contextFor, fixture } from '../webp/codec-context.js';

/** Full-image SSIMULACRA2, alpha flattened on white (the benchmark's view). */
async function fullScore(reference: Uint8Array, distorted: Uint8Array): Promise<number> {
  return ssimulacra2(await decodeToRgb(reference), await decodeToRgb(distorted));
}

describe('AVIF lossless', () => {
  for (const name of ['flower-q85-420.avif', 'transparent-10bit.avif']) {
    it(`hands back ${name} itself, as no smaller exact encoding exists`, async () => {
      const input = fixture('avif', name);
      const out = await avifOptimizer.lossless(input, await contextFor(input, 'avif'));
      assert.equal(out.method, 'original');
      assert.equal(out.lossless, true);
      await assertSamePixels(input, out.data, name);
    });
  }

  it('reports a truncated AVIF as CORRUPT_IMAGE, in both modes', async () => {
    const whole = fixture('avif', 'flower-q85-420.avif');
    const ctx = await contextFor(whole, 'avif');
    const truncated = whole.subarray(0, Math.floor(whole.length * 0.6));
    const corrupt = (error: unknown) => isSquishError(error) && error.code === 'CORRUPT_IMAGE';
    await assert.rejects(avifOptimizer.lossless(truncated, ctx), corrupt);
    await assert.rejects(
      avifOptimizer.lossy(truncated, { ...ctx, plan: { ...ctx.plan, lossy: true } }),
      corrupt,
    );
  });
});

describe('AVIF lossy', () => {
  it('reaches the default target on a photo with fewer bytes', async () => {
    const input = fixture('avif', 'flower-q85-420.avif');
    const out = await avifOptimizer.lossy(input, await contextFor(input, 'avif', { lossy: true }));
    assert.equal(out.lossless, false);
    assert.ok(out.data.length < input.length * 0.85, `${out.data.length} vs ${input.length}`);
    const score = await fullScore(input, out.data);
    assert.ok(score >= 80, `full-image SSIMULACRA2 ${score.toFixed(1)} >= 80`);
    assert.equal((await sharp(out.data).metadata()).format, 'heif');
  });

  it('reaches the target on a 10-bit image with alpha, and keeps the alpha', async () => {
    const input = fixture('avif', 'transparent-10bit.avif');
    const out = await avifOptimizer.lossy(input, await contextFor(input, 'avif', { lossy: true }));
    assert.ok(out.data.length < input.length, `${out.data.length} < ${input.length}`);
    const meta = await sharp(out.data).metadata();
    assert.equal(meta.hasAlpha, true);
    const score = await fullScore(input, out.data);
    assert.ok(score >= 80, `full-image SSIMULACRA2 ${score.toFixed(1)} >= 80`);
    const onBlack = async (bytes: Uint8Array) =>
      decodeToRgb(new Uint8Array(await sharp(bytes).flatten({ background: '#000000' }).png().toBuffer()));
    const black = await ssimulacra2(await onBlack(input), await onBlack(out.data));
    assert.ok(black >= 80, `on black ${black.toFixed(1)}`);
  });

  it('keeps the ICC profile, or drops it when the plan says so', async () => {
    const input = new Uint8Array(
      await sharp(fixture('avif', 'flower-q85-420.avif'))
        .withIccProfile('p3')
        .avif({ quality: 85, effort: 2 })
        .toBuffer(),
    );
    const icc = (await sharp(input).metadata()).icc;
    assert.ok(icc, 'fixture has a profile');
    const kept = await avifOptimizer.lossy(
      input,
      await contextFor(input, 'avif', { lossy: true, quality: 60 }),
    );
    assert.deepEqual(Buffer.from((await sharp(kept.data).metadata()).icc ?? []), Buffer.from(icc));
    const plan = { lossy: true, quality: 60, keep: { icc: false, orientation: true } };
    const dropped = await avifOptimizer.lossy(input, await contextFor(input, 'avif', plan));
    assert.equal((await sharp(dropped.data).metadata()).icc, undefined);
  });

  it('uses a fixed quality instead of searching when the plan gives one', async () => {
    const input = fixture('avif', 'flower-q85-420.avif');
    const out = await avifOptimizer.lossy(
      input,
      await contextFor(input, 'avif', { lossy: true, quality: 20 }),
    );
    assert.equal(out.quality, 20);
    const score = await fullScore(input, out.data);
    assert.ok(score < 70, `quality 20 gives a visibly lower score (${score.toFixed(1)})`);
    assert.ok(
      out.score !== undefined && Math.abs(out.score - score) < 0.01,
      'reported score is the real one',
    );
  });
});
