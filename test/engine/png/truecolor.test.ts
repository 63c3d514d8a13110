import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { pngOptimizer } from '../../../src/engine/codecs/png/index.js';
import { decodeRgba8, type Rgba8 } from '../../../src/engine/codecs/png/pixels.js';
import { quantizeResiduals, truecolorPng } from '../../../src/engine/codecs/png/truecolor-lossy.js';
import { decodeToRgb, ssimulacra2 } from '../../../src/engine/metric/ssimulacra2.js';
import { DEFAULT_LOSSY_TARGET } from '../../../src/plan/index.js';
import { assertSamePixels, countDifferentPixels, decodeRaw } from '../../helpers/pixels.js';
import { fixture, pngContext } from './context.js';

const colourChart = new Uint8Array(
  readFileSync(new URL('../../fixtures/png-truecolor/sk-color.png', import.meta.url)),
);

/** RGBA with a soft alpha ramp, a fully transparent band and grainy colour (no palette is exact). */
async function translucentGrain(): Promise<Rgba8> {
  const width = 96;
  const height = 80;
  const data = new Uint8Array(width * height * 4);
  let seed = 7;
  const grain = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return (seed >>> 24) % 40;
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      data.set([x * 2 + grain(), y * 3 + grain(), 250 - x - grain(), y < 10 ? 0 : Math.min(255, x * 3)], i);
    }
  }
  const png = await sharp(data, { raw: { width, height, channels: 4 } })
    .png()
    .toBuffer();
  return decodeRgba8(png);
}

function maxColourError(a: Rgba8, b: Rgba8): number {
  let max = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    if (a.data[i + 3] === 0) continue;
    for (let c = 0; c < 3; c++) max = Math.max(max, Math.abs(a.data[i + c]! - b.data[i + c]!));
  }
  return max;
}

describe('truecolor lossy PNG (quantized Average-filter residuals)', () => {
  it('decodes to exactly the reconstruction it reports, within step/2 of the original, alpha exact', async () => {
    const original = await translucentGrain();
    for (const step of [1, 6, 13]) {
      const image = quantizeResiduals(original, step);
      const decoded = await decodeRgba8(truecolorPng(image));
      // The stored rows are what a PNG decoder rebuilds: any mismatch means a wrong filter byte.
      assert.deepEqual(decoded.data, image.pixels.data, `step ${step}: decoded vs reported`);
      assert.ok(maxColourError(original, decoded) <= Math.floor(step / 2), `step ${step}: error bound`);
      for (let i = 3; i < original.data.length; i += 4) {
        assert.equal(decoded.data[i], original.data[i], `step ${step}: alpha of pixel ${(i - 3) / 4}`);
      }
    }
    const exact = await decodeRaw(truecolorPng(quantizeResiduals(original, 1)));
    const source = await decodeRaw(
      await sharp(original.data, { raw: { width: 96, height: 80, channels: 4 } })
        .png()
        .toBuffer(),
    );
    assert.equal(countDifferentPixels(source, exact), 0, 'step 1 is lossless at 8 bits');
  });

  it('writes RGB without alpha for an opaque image, and a larger step compresses better', async () => {
    const original = await decodeRgba8(colourChart);
    const fine = truecolorPng(quantizeResiduals(original, 2));
    const coarse = truecolorPng(quantizeResiduals(original, 8));
    assert.equal((await sharp(coarse).metadata()).channels, 3);
    assert.ok(coarse.length < fine.length * 0.8, `${coarse.length} vs ${fine.length}`);
  });

  it('rejects steps outside 1..128', async () => {
    const original = await translucentGrain();
    assert.throws(() => quantizeResiduals(original, 0), RangeError);
    assert.throws(() => quantizeResiduals(original, 1.5), RangeError);
  });

  it('lossy mode uses it when no palette reaches the target: smaller, whole image still at the target', async () => {
    const candidate = await pngOptimizer.lossy!(colourChart, pngContext({ lossy: true }));
    assert.match(candidate.method, /^truecolor residual step \d+/);
    assert.equal(candidate.lossless, false);
    const lossless = await pngOptimizer.lossless(colourChart, pngContext());
    assert.ok(
      candidate.data.length < lossless.data.length * 0.6,
      `${candidate.data.length} vs ${lossless.data.length}`,
    );
    const score = await ssimulacra2(await decodeToRgb(colourChart), await decodeToRgb(candidate.data));
    assert.ok(score >= DEFAULT_LOSSY_TARGET, `whole-image SSIMULACRA2 ${score}`);
  });

  it('a small 16-bit image becomes 8-bit truecolor within 2 levels instead of staying lossless', async () => {
    const input = fixture('pngsuite-basn6a16.png');
    const candidate = await pngOptimizer.lossy!(input, pngContext({ lossy: true }));
    assert.match(candidate.method, /^truecolor/);
    assert.ok(candidate.data.length < input.length / 2, `${candidate.data.length} vs ${input.length}`);
    const [before, after] = await Promise.all([decodeRgba8(input), decodeRgba8(candidate.data)]);
    assert.ok(maxColourError(before, after) <= 2);
    await assertSamePixels(
      await sharp(Buffer.from(before.data.map((v, i) => (i % 4 === 3 ? v : 0))), {
        raw: { width: 32, height: 32, channels: 4 },
      })
        .png()
        .toBuffer(),
      await sharp(Buffer.from(after.data.map((v, i) => (i % 4 === 3 ? v : 0))), {
        raw: { width: 32, height: 32, channels: 4 },
      })
        .png()
        .toBuffer(),
      'alpha',
    );
  });
});
