import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { createAnalysisPlugin, type DocumentFacts } from '../../../src/engine/codecs/svg/analysis.js';
import { svgOptimizer } from '../../../src/engine/codecs/svg/index.js';
import { minifyConfig } from '../../../src/engine/codecs/svg/minify.js';
import { minifyFacts } from '../../../src/engine/codecs/svg/minify-facts.js';
import { referenceOptions } from '../../../src/engine/codecs/svg/optimize-svg.js';
import { diffRenders, onWhite, onWhiteMosaic } from '../../../src/engine/codecs/svg/render-diff.js';
import { runSvgo } from '../../../src/engine/codecs/svg/run-svgo.js';
import {
  compareWithReference,
  LOSSY_METRIC_FREE_REJECT_PSNR,
  type PendingReference,
  PREVIEW_ALIKE_PSNR,
  PREVIEW_CHANGED_DIFFERENCE,
  PREVIEW_CHANGED_PSNR,
  PREVIEW_MAX_DIFFERENCE,
  type References,
  type RenderComparison,
  startReference,
  startReferences,
  verifyCandidate,
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
    for (const name of ['oc-user_frederic_moser_01.svg', 'oc-star_75pt08step.svg', 'oc-goto.svg']) {
      const input = fixture(name);
      const result = await svgOptimizer.lossy(input, context({ lossy: true }));
      assert.ok((result.score ?? 0) >= 80, `${name}: codec score ${result.score}`);
      const score = await renderScore(input, result.data, 1024);
      assert.ok(score >= 80, `${name}: independent SSIMULACRA2 ${score}`);
    }
  });

  it('reports the largest channel difference on white', () => {
    const white = { data: new Uint8Array(4 * 4 * 4).fill(255), width: 4, height: 4 };
    const changed = { ...white, data: white.data.slice() };
    changed.data.set([255, 155, 255, 255], 4 * 5); // one pixel: green 100 lower
    changed.data.set([0, 0, 0, 0], 4 * 10); // transparent black: white on white, no difference
    const diff = diffRenders(white, changed, 2, 1);
    assert.equal(diff.maxDifference, 100);
    assert.equal(diffRenders(white, white, 2, 1).maxDifference, 0);
  });
});

/** startReferences, counting the full-size renders it starts. */
function countingReferences(
  input: Uint8Array,
  deadline: number,
): { references: References; fullRenders: () => number } {
  const references = startReferences(input, undefined, deadline);
  let fullRenders = 0;
  const full = references.full;
  return {
    references: {
      ...references,
      full: (size): PendingReference => {
        fullRenders++;
        return full(size);
      },
    },
    fullRenders: () => fullRenders,
  };
}

describe('SVG render verification with a preview', () => {
  it('accepts a candidate that renders alike from the preview alone', async () => {
    // oc-star at 6 decimals renders as the input does, pixel for pixel at 1024 px.
    const input = fixture('oc-star_75pt08step.svg');
    const deadline = Date.now() + 60_000;
    const { references, fullRenders } = countingReferences(input, deadline);
    const comparison = await verifyCandidate(references, minified(input, 6), { deadline, minScore: 90 });
    assert.equal(comparison.score, 100);
    assert.ok(comparison.psnr >= PREVIEW_ALIKE_PSNR, String(comparison.psnr));
    assert.ok(comparison.maxDifference <= PREVIEW_MAX_DIFFERENCE, String(comparison.maxDifference));
    assert.equal(fullRenders(), 0);
  });

  it('renders at full size where the preview cannot tell, and rejects what only shows there', async () => {
    // oc-goto at 5 decimals: half-arc ellipses moved a little, 51.5 dB and 27 levels in the
    // preview; SSIMULACRA2 79 on the most-changed tiles at full size (about 90 on the whole render).
    const input = fixture('oc-goto.svg');
    const deadline = Date.now() + 60_000;
    const { references, fullRenders } = countingReferences(input, deadline);
    const comparison = await verifyCandidate(references, minified(input, 5), { deadline, minScore: 90 });
    assert.equal(fullRenders(), 1);
    assert.equal(comparison.measured, true);
    assert.ok(comparison.score < 90, String(comparison.score));
  });

  it('rejects from the preview a pair changed both widely and much, at targets of 80 and above', async () => {
    // oc-goto at 4 decimals: about 48 dB and 41 levels in the preview; SSIMULACRA2 58 at 1024 px.
    const input = fixture('oc-goto.svg');
    const candidate = minified(input, 4);
    const deadline = Date.now() + 60_000;
    const verdicts: { minScore: number; comparison: RenderComparison; fullRenders: number }[] = [];
    for (const minScore of [90, 80, 70]) {
      const { references, fullRenders } = countingReferences(input, deadline);
      const comparison = await verifyCandidate(references, candidate, { deadline, minScore });
      verdicts.push({ minScore, comparison, fullRenders: fullRenders() });
    }
    for (const { minScore, comparison, fullRenders } of verdicts.slice(0, 2)) {
      assert.equal(fullRenders, 0, `target ${minScore}`);
      assert.equal(comparison.score, Number.NEGATIVE_INFINITY);
      assert.ok(comparison.psnr < PREVIEW_CHANGED_PSNR, String(comparison.psnr));
      assert.ok(comparison.maxDifference > PREVIEW_CHANGED_DIFFERENCE, String(comparison.maxDifference));
    }
    // Under a target of 80 the rule does not hold (it rejected pairs scoring up to 74.4): full size.
    assert.equal(verdicts[2]!.fullRenders, 1);
    assert.equal(verdicts[2]!.comparison.measured, true);
    const independent = await renderScore(input, candidate, 1024);
    assert.ok(independent < 80, `independent SSIMULACRA2 ${independent}`);
  });

  it('renders at full size when one preview pixel changed much, however high the PSNR', async () => {
    // A black square of 1.5 px at 1024 px inside one preview pixel: a fifth of that pixel's
    // coverage, about 37 levels, in a preview pair of about 65 dB.
    const input = fixture('oc-star_75pt08step.svg');
    const dotted = bytes(
      new TextDecoder()
        .decode(minified(input, 6))
        .replace('</svg>', '<rect x="2" y="2" width=".15" height=".15"/></svg>'),
    );
    const deadline = Date.now() + 60_000;
    const { references, fullRenders } = countingReferences(input, deadline);
    await verifyCandidate(references, dotted, { deadline, minScore: 90 });
    assert.equal(fullRenders(), 1);
  });

  it('rejects a clearly different candidate from the preview alone', async () => {
    const input = fixture('oc-star_75pt08step.svg');
    // Half of the 100x100 drawing covered in black.
    const covered = bytes(
      new TextDecoder().decode(minified(input, 6)).replace('</svg>', '<rect width="50" height="100"/></svg>'),
    );
    const deadline = Date.now() + 60_000;
    const { references, fullRenders } = countingReferences(input, deadline);
    const comparison = await verifyCandidate(references, covered, { deadline, minScore: 90 });
    assert.equal(comparison.score, Number.NEGATIVE_INFINITY);
    assert.equal(fullRenders(), 0);
  });
});

describe('SVG full-size reference rendered ahead of need', () => {
  it('starts the full-size render with the preview, sized as the document is', async () => {
    const input = fixture('oc-star_75pt08step.svg');
    const deadline = Date.now() + 60_000;
    const eager = startReferences(input, undefined, deadline, { eagerFull: true });
    // The size a later call gives is not used: the render is already under way at the document's size.
    const other = { width: 50, height: 50 };
    const { size } = await eager.full(other).done;
    assert.deepEqual(size, (await eager.preview.done).size);
    assert.notDeepEqual(size, other);
    const lazy = startReferences(input, undefined, deadline);
    assert.deepEqual((await lazy.full(other).done).size, other);
  });

  it('is asked for by lossy ladders of documents without per-pixel elements only', () => {
    const count = (body: string): DocumentFacts => {
      const facts: DocumentFacts = { elements: 0, expanded: 0, pixelBound: 0 };
      runSvgo(`<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">${body}</svg>`, {
        plugins: [createAnalysisPlugin(facts, 100)],
      });
      return facts;
    };
    const plain = count('<rect width="5" height="5"/><g><path d="M0 0h5"/></g>');
    const costly = count(
      '<defs><filter id="f"><feGaussianBlur stdDeviation="2"/></filter><mask id="m"/><pattern id="p"/></defs><g><image href="data:image/png;base64,AA=="/></g>',
    );
    assert.equal(plain.pixelBound, 0);
    assert.equal(costly.pixelBound, 4);
    assert.equal(referenceOptions(context({ lossy: true }), plain).eagerFull, true);
    assert.equal(referenceOptions(context({ lossy: true }), costly).eagerFull, false);
    assert.equal(referenceOptions(context({ lossy: false }), plain).eagerFull, false);
  });
});
