/**
 * The shrink-on-load fast path (transformOnLoad) against the general path (decodeSource +
 * applyTransforms) on the same options: same geometry and size, the same picture by SSIMULACRA2,
 * through orientation, colour management and crops; and the outputs it must leave to the
 * general path.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import sharp from 'sharp';
import { DEFAULT_LIMITS } from '../../../src/engine/limits.js';
import { ssimulacra2 } from '../../../src/engine/metric/ssimulacra2.js';
import type { RawFrame } from '../../../src/engine/pipeline/frames.js';
import { transformOptionsFor } from '../../../src/engine/pipeline/options.js';
import { transformOnLoad } from '../../../src/engine/pipeline/shrink-on-load.js';
import { applyTransforms, type TransformedImage } from '../../../src/engine/pipeline/transform.js';
import { readImageInfo } from '../../../src/engine/probe.js';
import type { ImageFormat } from '../../../src/engine/types.js';
import { type PlanInput, parsePlan } from '../../../src/plan/index.js';
import { decode, fixture, rawOf, rgbOf } from './pipeline-test-kit.js';

const ADOBE_ICC = '/usr/share/color/icc/compatibleWithAdobeRGB1998.icc';

/** Both paths for one plan and output format. */
async function bothPaths(
  bytes: Uint8Array,
  format: ImageFormat,
  plan: PlanInput,
  outputFormat: ImageFormat = 'jpeg',
): Promise<{ fast: TransformedImage | undefined; full: TransformedImage }> {
  const info = await readImageInfo(bytes, format);
  const options = transformOptionsFor({
    plan: parsePlan(plan),
    inputFormat: format,
    outputFormat,
    limits: DEFAULT_LIMITS,
  });
  const fast = await transformOnLoad(bytes, info, options, DEFAULT_LIMITS);
  const full = await applyTransforms(await decode(bytes, format), options);
  return { fast, full };
}

/** Mean absolute difference per sample of two frames of the same size. */
function meanDifference(a: RawFrame, b: RawFrame): number {
  let sum = 0;
  for (let i = 0; i < a.data.length; i++) sum += Math.abs(a.data[i]! - b.data[i]!);
  return sum / a.data.length;
}

/**
 * How close the fast path's pixels are to the general path's, after checking the shape: the
 * mean absolute difference per sample must stay under 1.5 (8-bit units), and SSIMULACRA2 is
 * returned for the caller's bound.
 */
async function fastAgainstFull(fast: TransformedImage | undefined, full: TransformedImage): Promise<number> {
  assert.ok(fast, 'the fast path is taken');
  assert.deepEqual(fast.geometry, full.geometry);
  assert.equal(
    `${fast.width}x${fast.height}x${fast.channels}`,
    `${full.width}x${full.height}x${full.channels}`,
  );
  assert.equal(fast.orientation, full.orientation);
  assert.equal(fast.unchanged, false);
  const difference = meanDifference(fast, full);
  assert.ok(difference <= 1.5, `mean difference ${difference.toFixed(2)}`);
  return ssimulacra2(rgbOf(fast), rgbOf(full));
}

/** A 1600x1200 JPEG photo (pil-flower enlarged): scaled to 200 px it is decoded at 1/2 in the DCT, then scaled 3x. */
function largePhoto(): Promise<Buffer> {
  return sharp(fixture('pil-flower.jpg')).resize(1600, 1200).jpeg({ quality: 92 }).toBuffer();
}

test('a JPEG scaled 6x down (shrink-on-load) looks like the general path', async () => {
  const { fast, full } = await bothPaths(await largePhoto(), 'jpeg', {
    resize: { strategy: 'fit', width: 200, height: 200 },
  });
  const score = await fastAgainstFull(fast, full);
  assert.ok(score >= 90, `SSIMULACRA2 ${score.toFixed(1)}`);
  // Control: a plain 1/8 DCT decode, upscaled, is far off: the comparison can fail.
  const coarse = await rawOf(
    sharp(await largePhoto(), { autoOrient: true })
      .resize(200, 150)
      .resize(267, 200, { kernel: 'nearest' })
      .extract({ left: 33, top: 0, width: 200, height: 200 }),
  );
  const coarseScore = await ssimulacra2(rgbOf(coarse), rgbOf(full));
  assert.ok(coarseScore < score - 10, `control ${coarseScore.toFixed(1)} vs ${score.toFixed(1)}`);
});

test('EXIF orientation 6: sizes asked as displayed, pixels turned upright, crop at the gravity', async () => {
  // orient-Landscape_6 is stored 1200x1800 and displays 1800x1200.
  for (const gravity of ['north', 'southeast'] as const) {
    const { fast, full } = await bothPaths(fixture('orient-Landscape_6.jpg'), 'jpeg', {
      resize: { strategy: 'fit', width: 300, height: 100, gravity },
    });
    assert.equal(`${full.width}x${full.height}`, '300x100');
    // The JPEG is decoded at 1/2 in the DCT, then scaled 3x: a few levels apart in the sky
    // (mean 0.8), which SSIMULACRA2 weighs heavily on a 100 px high strip (86-87; 100.0 on the
    // whole 300x200 scaled image).
    const score = await fastAgainstFull(fast, full);
    assert.ok(score >= 80, `${gravity}: SSIMULACRA2 ${score.toFixed(1)}`);
    // Control: the stored (unturned) pixels scaled to the same size are far apart.
    const stored = await rawOf(sharp(fixture('orient-Landscape_6.jpg')).resize(300, 100, { fit: 'fill' }));
    assert.ok(
      meanDifference(stored, full) > 10,
      `${gravity}: unturned ${meanDifference(stored, full).toFixed(1)}`,
    );
  }
});

test('an Adobe RGB JPEG is converted to sRGB as the general path converts it', {
  skip: existsSync(ADOBE_ICC) ? false : 'needs Debian icc-profiles-free',
}, async () => {
  const adobe = await sharp(await largePhoto())
    .withIccProfile(ADOBE_ICC)
    .jpeg({ quality: 95 })
    .toBuffer();
  const { fast, full } = await bothPaths(adobe, 'jpeg', {
    resize: { strategy: 'auto', width: 400, height: 400 },
  });
  const score = await fastAgainstFull(fast, full);
  assert.ok(score >= 90, `SSIMULACRA2 ${score.toFixed(1)}`);
  // Control: the same pixels without colour management are visibly different.
  const unmanaged = await rawOf(sharp(adobe, { ignoreIcc: true }).resize(400, 300).toColourspace('srgb'));
  const unmanagedScore = await ssimulacra2(rgbOf(unmanaged), rgbOf(full));
  assert.ok(unmanagedScore < score - 3, `unmanaged ${unmanagedScore.toFixed(1)} vs ${score.toFixed(1)}`);
});

test('an untagged CMYK JPEG keeps the measured CMYK path', async () => {
  const { fast, full } = await bothPaths(fixture('pil-sample_cmyk.jpg'), 'jpeg', {
    resize: { strategy: 'exact', width: 50, height: 40 },
  });
  const score = await fastAgainstFull(fast, full);
  assert.ok(score >= 90, `SSIMULACRA2 ${score.toFixed(1)}`);
});

test('a lossy WebP scaled down, padded by fill', async () => {
  const webp = await sharp(await largePhoto())
    .webp({ quality: 90 })
    .toBuffer();
  const { fast, full } = await bothPaths(webp, 'webp', {
    resize: { strategy: 'fill', width: 300, height: 300, background: { r: 255, g: 0, b: 0, alpha: 1 } },
  });
  const score = await fastAgainstFull(fast, full);
  assert.ok(score >= 90, `SSIMULACRA2 ${score.toFixed(1)}`);
});

test('left to the general path: enlargements, a cut first, alpha, other formats', async () => {
  const photo = fixture('pil-flower.jpg');
  const cases: [string, Uint8Array, ImageFormat, PlanInput][] = [
    ['enlarged', photo, 'jpeg', { resize: { strategy: 'exact', width: 960, height: 720 } }],
    ['one side enlarged', photo, 'jpeg', { resize: { strategy: 'exact', width: 240, height: 720 } }],
    ['square cuts first', photo, 'jpeg', { resize: { strategy: 'square', size: 100 } }],
    ['crop without scale', photo, 'jpeg', { resize: { strategy: 'crop', width: 100, height: 100 } }],
    ['no resize', photo, 'jpeg', { autoOrient: true }],
    [
      'PNG with alpha',
      fixture('pil-transparent.png'),
      'png',
      { resize: { strategy: 'auto', width: 50, height: 50 } },
    ],
    ['GIF', fixture('pil-dispose_bgnd.gif'), 'gif', { resize: { strategy: 'auto', width: 50, height: 50 } }],
  ];
  for (const [label, bytes, format, plan] of cases) {
    const info = await readImageInfo(bytes, format);
    const options = transformOptionsFor({
      plan: parsePlan(plan),
      inputFormat: format,
      outputFormat: format,
      limits: DEFAULT_LIMITS,
    });
    assert.equal(await transformOnLoad(bytes, info, options, DEFAULT_LIMITS), undefined, label);
  }
});

test('limits and corrupt data give the general path errors', async () => {
  const photo = await largePhoto();
  const info = await readImageInfo(photo, 'jpeg');
  const options = (plan: PlanInput) =>
    transformOptionsFor({
      plan: parsePlan(plan),
      inputFormat: 'jpeg',
      outputFormat: 'jpeg',
      limits: DEFAULT_LIMITS,
    });
  await assert.rejects(
    transformOnLoad(photo, info, options({ resize: { strategy: 'auto', width: 100, height: 100 } }), {
      ...DEFAULT_LIMITS,
      maxPixels: 1000,
    }),
    { code: 'TOO_MANY_PIXELS' },
  );
  const truncated = photo.subarray(0, Math.floor(photo.length / 3));
  await assert.rejects(
    transformOnLoad(
      truncated,
      info,
      options({ resize: { strategy: 'auto', width: 100, height: 100 } }),
      DEFAULT_LIMITS,
    ),
    { code: 'CORRUPT_IMAGE' },
  );
  const expired = {
    ...options({ resize: { strategy: 'auto', width: 100, height: 100 } }),
    deadline: Date.now() - 1,
  };
  await assert.rejects(transformOnLoad(photo, info, expired, DEFAULT_LIMITS), { code: 'PROCESSING_TIMEOUT' });
});
