/**
 * Lossy outputs from transformed pixels reach the target on the whole image (SSIMULACRA2 of the
 * decoded output against the very pixels it was encoded from), and an SVG converted to a raster
 * format is rendered at the asked size.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { DEFAULT_LIMITS } from '../../../src/engine/limits.js';
import { ssimulacra2 } from '../../../src/engine/metric/ssimulacra2.js';
import { applyTransforms, decodeSource, transformOptionsFor } from '../../../src/engine/pipeline/index.js';
import { encodeOutput } from '../../../src/engine/pipeline/output/index.js';
import { readImageInfo } from '../../../src/engine/probe.js';
import type { ImageFormat } from '../../../src/engine/types.js';
import { parsePlan } from '../../../src/plan/index.js';
import { fixture, rgbOf, run } from './kit.js';

const flowerJpeg = fixture('pil-flower.jpg');
/** SSIMULACRA2 points the tile-sampled search may end below the target on the whole image. */
const TOLERANCE = 2;

describe('lossy outputs reach the target on the whole image', () => {
  for (const format of ['jpeg', 'webp', 'avif'] as const satisfies readonly ImageFormat[]) {
    it(`${format}, target 80, after a resize`, async () => {
      const plan = parsePlan({
        lossy: true,
        target: 80,
        resize: { strategy: 'exact', width: 400, height: 300 },
      });
      const info = await readImageInfo(flowerJpeg, 'jpeg');
      const source = await decodeSource(flowerJpeg, info, DEFAULT_LIMITS);
      const image = await applyTransforms(
        source,
        transformOptionsFor({ plan, inputFormat: 'jpeg', outputFormat: format, limits: DEFAULT_LIMITS }),
      );
      const candidate = await encodeOutput(
        image,
        format,
        { lossy: true, target: 80, limits: DEFAULT_LIMITS },
        Date.now() + 60_000,
      );
      assert.deepEqual([candidate.width, candidate.height], [400, 300]);
      const reference = { data: image.data, width: image.width, height: image.height };
      const score = await ssimulacra2(reference, await rgbOf(candidate.data));
      assert.ok(score >= 80 - TOLERANCE, `${format} q${candidate.quality}: whole-image SSIMULACRA2 ${score}`);
      // And not wastefully above it: a search that always picked the top quality would pass the line above.
      assert.ok(score < 92, `${format} q${candidate.quality}: ${score} is far above the target`);
    });
  }
});

describe('SVG to raster', () => {
  const svg = new TextEncoder().encode(
    '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30" viewBox="0 0 40 30">' +
      '<rect width="40" height="30" fill="#0a0"/><circle cx="20" cy="15" r="10" fill="#fff"/></svg>',
  );

  it('renders at the output size (not scaled up from 72 dpi) and reports both sizes', async () => {
    const result = await run(svg, { format: 'png', resize: { strategy: 'exact', width: 400, height: 300 } });
    assert.equal(result.format, 'png');
    assert.deepEqual(
      [result.width, result.height, result.originalWidth, result.originalHeight],
      [400, 300, 40, 30],
    );
    // Rendered large, the circle's edge is sharp: librsvg at 720 dpi is the reference.
    const direct = await sharp(svg, { density: 720 }).resize(400, 300, { fit: 'fill' }).png().toBuffer();
    const score = await ssimulacra2(await rgbOf(new Uint8Array(direct)), await rgbOf(result.data));
    assert.ok(score >= 90, `vs librsvg at 720 dpi: SSIMULACRA2 ${score}`);
  });

  it('SVG output from a raster input is refused, naming the format option', async () => {
    await assert.rejects(run(flowerJpeg, { format: 'svg' }), (error: Error) => {
      assert.match(error.message, /format/);
      return true;
    });
  });
});
