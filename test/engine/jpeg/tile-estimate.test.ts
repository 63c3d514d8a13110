/**
 * What the tile sample knows about the image it stands for (coverage, smooth share) and how the
 * margin that carries the tile score to the whole image follows from it; and the flat quantisation
 * table on line art.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { jpegLossyFromPixels } from '../../../src/engine/codecs/jpeg/lossy-pixels.js';
import { metricSample } from '../../../src/engine/codecs/jpeg/sample-score.js';
import { tileMargin } from '../../../src/engine/codecs/jpeg/search.js';
import { decodeToRgb, type RgbImage, ssimulacra2 } from '../../../src/engine/metric/ssimulacra2.js';
import { rawView } from '../../../src/engine/raw-image.js';

/** A soft diagonal gradient: every cell is smooth. */
function gradient(width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      data[i] = Math.round((x / width) * 200);
      data[i + 1] = Math.round((y / height) * 200);
      data[i + 2] = 120;
    }
  }
  return { data, width, height };
}

/** The Kodak photo fixture, enlarged so that the tiles cover only a small part of it. */
async function photo(width: number): Promise<RgbImage> {
  const out = await sharp(new URL('../../fixtures/jpeg/kodim05-q92.jpg', import.meta.url).pathname)
    .resize(width)
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return rawView(out);
}

test('smooth images get a larger margin than detailed ones, measured-whole images none', async () => {
  const smooth = metricSample(gradient(1536, 1024));
  const detailed = metricSample(await photo(1536));
  assert.equal(smooth.smoothShare, 1);
  assert.ok(detailed.smoothShare < 0.3, `photo smooth share ${detailed.smoothShare}`);
  assert.ok(
    tileMargin(smooth) > tileMargin(detailed) + 2,
    `${tileMargin(smooth)} vs ${tileMargin(detailed)}`,
  );
  const small = metricSample(gradient(300, 200));
  assert.equal(small.whole, true);
  assert.equal(tileMargin(small), 0);
});

test('the margin shrinks as the tiles cover more of the image', async () => {
  const large = metricSample(await photo(1536));
  const medium = metricSample(await photo(512));
  assert.ok(medium.coverage > large.coverage * 4, `${medium.coverage} vs ${large.coverage}`);
  const perUnit = (sample: typeof large) => tileMargin(sample) / (1 - sample.coverage);
  assert.ok(tileMargin(medium) < tileMargin(large), `${tileMargin(medium)} vs ${tileMargin(large)}`);
  assert.ok(Math.abs(perUnit(medium) - perUnit(large)) < 1.5);
});

test('line art gets 4:4:4 with the flat table and still reaches the target on the full image', async () => {
  const lines = Array.from(
    { length: 40 },
    (_, i) =>
      `<text x="12" y="${24 + i * 22}" font-family="sans-serif" font-size="16" fill="${['#c00', '#06c', '#111', '#080'][i % 4]}">Line ${i}: the quick brown fox jumps over the lazy dog 0123456789</text>`,
  ).join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="720" height="900"><rect width="720" height="900" fill="#fff"/>${lines}</svg>`;
  const rgb = rawView(
    await sharp(Buffer.from(svg)).removeAlpha().raw().toBuffer({ resolveWithObject: true }),
  );
  const result = await jpegLossyFromPixels(rgb, { target: 80, deadline: Date.now() + 60_000 });
  assert.equal(result.chroma, '4:4:4');
  assert.equal(result.table, 1);
  const score = await ssimulacra2(rgb, await decodeToRgb(result.data));
  assert.ok(score >= 78, `full-image score ${score}`);
});

test('photos try the alternate quantisation table at the lossy target, not at the visually lossless one', async () => {
  // pil-flower scaled to cover 512x512: table 5 makes the smaller tiles at both targets, and it is
  // kept where the search looks at it (see PHOTO_ALTERNATE_MAX_TARGET in search.ts).
  const rgb = rawView(
    await sharp(new URL('../../fixtures/e2e/pil-flower.jpg', import.meta.url).pathname)
      .resize(512, 512, { fit: 'cover' })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true }),
  );
  const lossy = await jpegLossyFromPixels(rgb, { target: 80, deadline: Date.now() + 60_000 });
  assert.deepEqual([lossy.chroma, lossy.table], ['4:2:0', 5]);
  const visuallyLossless = await jpegLossyFromPixels(rgb, { target: 90, deadline: Date.now() + 60_000 });
  assert.deepEqual([visuallyLossless.chroma, visuallyLossless.table], ['4:2:0', 2]);
  const score = await ssimulacra2(rgb, await decodeToRgb(visuallyLossless.data));
  assert.ok(score >= 88, `full-image score ${score}`);
});
