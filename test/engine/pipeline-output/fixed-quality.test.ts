/**
 * JPEG outputs at a fixed quality: one encode, chroma chosen without the metric for ordinary
 * photos, still 4:4:4 where 4:2:0 would smear colour (red text on black).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { fixture, rgbOf, run, scoreAgainst } from './kit.js';

const FIT_200 = { strategy: 'fit', width: 200, height: 200 } as const;

test('a photo at quality 85: 4:2:0, no metric score, as good as sharp at the same setting', async () => {
  const photo = fixture('pil-flower.jpg');
  const result = await run(photo, { lossy: true, quality: 85, resize: FIT_200 });
  assert.equal(result.method, 'mozjpeg q85 4:2:0');
  assert.equal(result.quality, 85);
  assert.equal(result.score, undefined, 'a fixed quality is not measured');
  assert.equal(`${result.width}x${result.height}`, '200x200');
  // The pipeline's own pixels (lossless PNG is pixel-exact): sharp's cover crop sits 1 px apart.
  const reference = await rgbOf((await run(photo, { resize: FIT_200, format: 'png' })).data);
  const ours = await scoreAgainst(reference, result.data);
  const bySharp = await sharp(reference.data, { raw: { width: 200, height: 200, channels: 3 } })
    .jpeg({ mozjpeg: true, quality: 85 })
    .toBuffer();
  const sharpScore = await scoreAgainst(reference, bySharp);
  assert.ok(ours >= sharpScore - 1, `ours ${ours.toFixed(1)}, sharp ${sharpScore.toFixed(1)}`);
  // Control: a low quality scores visibly lower, so the comparison can fail.
  const low = await run(photo, { lossy: true, quality: 30, resize: FIT_200 });
  const lowScore = await scoreAgainst(reference, low.data);
  assert.ok(lowScore < ours - 5, `q30 ${lowScore.toFixed(1)} vs q85 ${ours.toFixed(1)}`);
});

test('red text on black at quality 85 keeps full chroma (the metric is asked)', async () => {
  const text = Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" width="480" height="240"><rect width="480" height="240"/>' +
      '<text x="20" y="90" font-size="72" font-family="sans-serif" fill="#ff0000">Squish</text>' +
      '<text x="20" y="190" font-size="48" font-family="sans-serif" fill="#00ff00">4:4:4</text></svg>',
  );
  const input = await sharp(text).png().toBuffer();
  const plan = {
    lossy: true,
    quality: 85,
    format: 'jpeg',
    resize: { strategy: 'auto', width: 240, height: 240 },
  } as const;
  const result = await run(input, plan);
  assert.equal(result.method, 'mozjpeg q85 4:4:4');
  const subsampled = await run(input, { ...plan, chromaSubsampling: '4:2:0' });
  assert.equal(subsampled.method, 'mozjpeg q85 4:2:0');
  const reference = await rgbOf((await run(input, { resize: plan.resize, format: 'png' })).data);
  const full = await scoreAgainst(reference, result.data);
  const half = await scoreAgainst(reference, subsampled.data);
  assert.ok(full > half + 3, `4:4:4 ${full.toFixed(1)} vs 4:2:0 ${half.toFixed(1)}`);
});
