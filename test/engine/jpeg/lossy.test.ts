/**
 * Lossy mode: mozjpeg at the quality the tile search finds, checked on the full image with the
 * same metric, plus the overrides (quality, subsampling) and the metadata rules.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { QUANTISATION_TABLE } from '../../../src/engine/codecs/jpeg/encode.js';
import { jpegOptimizer } from '../../../src/engine/codecs/jpeg/index.js';
import { decodeToRgb, ssimulacra2 } from '../../../src/engine/metric/ssimulacra2.js';
import { isSquishError } from '../../../src/errors/index.js';
import type { OptimizePlan } from '../../../src/plan/index.js';
import { DEFAULT_LOSSY_TARGET } from '../../../src/plan/index.js';
import { countDifferentPixels, decodeRaw } from '../../helpers/pixels.js';
import { damaged, fixture, jpegContext, taggedPhoto } from './jpeg-test-kit.js';

async function lossy(input: Uint8Array, plan: Partial<OptimizePlan> = {}) {
  return jpegOptimizer.lossy(input, await jpegContext(input, { lossy: true, ...plan }));
}

/** SSIMULACRA2 of the whole output against the input as the browser would show it (sRGB). */
async function fullScore(input: Uint8Array, output: Uint8Array): Promise<number> {
  return ssimulacra2(await decodeToRgb(input), await decodeToRgb(output));
}

test('a photo reaches the default target on the full image and gets much smaller', async () => {
  const input = fixture('kodim05-q92.jpg');
  const candidate = await lossy(input);
  assert.equal(candidate.lossless, false);
  assert.match(candidate.method, /^mozjpeg q\d+ 4:2:0$/);
  assert.ok(candidate.score !== undefined && candidate.score >= DEFAULT_LOSSY_TARGET, `${candidate.score}`);
  const score = await fullScore(input, candidate.data);
  // The tile estimate is calibrated on the corpus; one image may land a point or two either side.
  assert.ok(score >= DEFAULT_LOSSY_TARGET - 2, `full-image score ${score}`);
  assert.ok(candidate.data.length < input.length * 0.75, `${candidate.data.length} of ${input.length}`);
});

test('red text on black (CMYK) gets 4:4:4 and is converted to sRGB', async () => {
  const input = fixture('pil-sample_cmyk.jpg');
  const candidate = await lossy(input);
  assert.match(candidate.method, / 4:4:4$/);
  const meta = await sharp(candidate.data).metadata();
  assert.equal(meta.space, 'srgb');
  assert.equal(meta.channels, 3);
  assert.equal(meta.icc, undefined);
  assert.ok((await fullScore(input, candidate.data)) >= 70);
  // With 4:2:0 forced, the same target costs visible colour: the override is honoured.
  const forced = await lossy(input, { chromaSubsampling: '4:2:0' });
  assert.match(forced.method, / 4:2:0$/);
});

test('a fixed quality overrides the search', async () => {
  const input = fixture('pil-hopper.jpg');
  const candidate = await lossy(input, { quality: 55, chromaSubsampling: '4:2:0' });
  assert.equal(candidate.quality, 55);
  assert.equal(candidate.method, 'mozjpeg q55 4:2:0');
  const direct = await sharp(input)
    .jpeg({ mozjpeg: true, quantisationTable: QUANTISATION_TABLE, quality: 55, chromaSubsampling: '4:2:0' })
    .toBuffer();
  const [a, b] = await Promise.all([decodeRaw(direct), decodeRaw(candidate.data)]);
  assert.equal(countDifferentPixels(a, b), 0);
});

test('orientation is kept as a tag, a wide-gamut profile is converted away', async () => {
  const input = await taggedPhoto();
  const candidate = await lossy(input);
  const meta = await sharp(candidate.data).metadata();
  assert.equal(meta.orientation, 6);
  assert.equal(meta.icc, undefined);
  assert.ok((await fullScore(input, candidate.data)) >= DEFAULT_LOSSY_TARGET - 5);
  const unoriented = await lossy(input, { quality: 70, keep: { icc: true, orientation: false } });
  assert.equal((await sharp(unoriented.data).metadata()).orientation, undefined);
});

test('corrupt and truncated inputs are CORRUPT_IMAGE', async () => {
  for (const input of [fixture('pil-truncated_jpeg.jpg'), damaged(fixture('kodim05-q92.jpg'))]) {
    await assert.rejects(lossy(input), (error) => isSquishError(error) && error.code === 'CORRUPT_IMAGE');
  }
});
