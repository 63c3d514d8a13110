import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { svgOptimizer } from '../../../src/engine/codecs/svg/index.js';
import { minifyConfig } from '../../../src/engine/codecs/svg/minify.js';
import { minifyFacts } from '../../../src/engine/codecs/svg/minify-facts.js';
import { diffRenders, onWhite, onWhiteMosaic } from '../../../src/engine/codecs/svg/render-diff.js';
import { runSvgo } from '../../../src/engine/codecs/svg/run-svgo.js';
import {
  compareWithReference,
  LOSSY_METRIC_FREE_REJECT_PSNR,
  startReference,
} from '../../../src/engine/codecs/svg/verify.js';
import { mosaic } from '../../../src/engine/search/sample.js';
import { bytes, context, fixture, renderScore } from './helpers.js';

/** The svgo preset-default output of `input` at `decimals`, as bytes. */
function minified(input: Uint8Array, decimals: number): Uint8Array {
  const text = new TextDecoder().decode(input);
  return bytes(runSvgo(text, minifyConfig('preset', [], decimals, minifyFacts(text))));
}

/** A real render with partly transparent pixels: a fixture drawn by librsvg at 300 px. */
async function renderRgba(input: Uint8Array): Promise<{ data: Uint8Array; width: number; height: number }> {
  const { data, info } = await sharp(input, { density: 216 })
    .resize(300, 300, { fit: 'fill' })
    .ensureAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

describe('SVG render verification', () => {
  it('composites only the tiles, into the same mosaic as compositing the whole render', async () => {
    const reference = await renderRgba(fixture('oc-star_75pt08step.svg'));
    const candidate = await renderRgba(minified(fixture('oc-star_75pt08step.svg'), 1));
    assert.ok(
      reference.data.some((value, i) => i % 4 === 3 && value > 0 && value < 255),
      'no partial alpha',
    );
    const { worstTiles } = diffRenders(reference, candidate, 64, 4);
    assert.equal(worstTiles.length, 4);
    for (const image of [reference, candidate]) {
      const expected = mosaic(onWhite(image), worstTiles);
      const got = onWhiteMosaic(image, worstTiles);
      assert.deepEqual([got.width, got.height], [expected.width, expected.height]);
      assert.ok(Buffer.from(got.data).equals(Buffer.from(expected.data)), 'mosaic pixels differ');
    }
  });

  it('diffs renders the same whether or not their pixel buffers are 4-byte aligned', async () => {
    const reference = await renderRgba(fixture('oc-goto.svg'));
    const candidate = await renderRgba(minified(fixture('oc-goto.svg'), 2));
    const shifted = new Uint8Array(candidate.data.length + 1).subarray(1);
    shifted.set(candidate.data);
    const aligned = diffRenders(reference, candidate, 64, 4);
    const unaligned = diffRenders(reference, { ...candidate, data: shifted }, 64, 4);
    assert.ok(Number.isFinite(aligned.psnr) && aligned.psnr < 50, String(aligned.psnr));
    assert.deepEqual(unaligned, aligned);
  });

  it('rejects a clearly changed render without the metric at lossy targets, measures it at low ones', async () => {
    // oc-user at 2 decimals: about 37 dB, SSIMULACRA2 far under 70 (notes in verify.ts).
    const input = fixture('oc-user_frederic_moser_01.svg');
    const candidate = minified(input, 2);
    const deadline = Date.now() + 60_000;
    const reference = startReference(input, undefined, deadline);
    const strict = await compareWithReference(reference, candidate, { deadline, minScore: 80 });
    assert.ok(strict.psnr < LOSSY_METRIC_FREE_REJECT_PSNR, String(strict.psnr));
    assert.equal(strict.measured, false);
    assert.equal(strict.score, Number.NEGATIVE_INFINITY);
    const lenient = await compareWithReference(reference, candidate, { deadline, minScore: 50 });
    assert.equal(lenient.measured, true);
    assert.ok(lenient.score < 70, `codec score ${lenient.score}`);
    const independent = await renderScore(input, candidate, 1024);
    assert.ok(independent < 70, `independent SSIMULACRA2 ${independent}`);
  });

  it('keeps lossy results at the default target when checked independently at 1024 px', async () => {
    for (const name of ['oc-user_frederic_moser_01.svg', 'oc-star_75pt08step.svg']) {
      const input = fixture(name);
      const result = await svgOptimizer.lossy(input, context({ lossy: true }));
      assert.ok((result.score ?? 0) >= 80, `${name}: codec score ${result.score}`);
      const score = await renderScore(input, result.data, 1024);
      assert.ok(score >= 80, `${name}: independent SSIMULACRA2 ${score}`);
    }
  });
});
