import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { encodeAvif } from '../../../src/engine/codecs/avif/index.js';
import { encodeWebp } from '../../../src/engine/codecs/webp/index.js';
import { decodeToRgb, ssimulacra2 } from '../../../src/engine/metric/ssimulacra2.js';
import { isSquishError } from '../../../src/errors/index.js';
import { decodeRaw } from '../../helpers/pixels.js';
import { fixture } from './codec-context.js';

/** Three 96x64 RGBA frames: a horizontal gradient, shifted, with a transparent stripe. */
function rawFrames(): Buffer {
  const width = 96;
  const height = 64;
  const data = Buffer.alloc(width * height * 3 * 4);
  for (let frame = 0; frame < 3; frame++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = ((frame * height + y) * width + x) * 4;
        data[i] = (x * 2 + frame * 40) & 255;
        data[i + 1] = y * 3;
        data[i + 2] = 128;
        data[i + 3] = y < 8 ? 0 : 255;
      }
    }
  }
  return data;
}

describe('encodeWebp / encodeAvif (for the convert pipeline)', () => {
  it('writes an animated lossless WebP from raw frames, with delays and loop', async () => {
    const raw = rawFrames();
    const pipeline = sharp(raw, { raw: { width: 96, height: 192, channels: 4, pageHeight: 64 } });
    const out = await encodeWebp(pipeline, { lossless: true, delay: [100, 200, 300], loop: 2 });
    const meta = await sharp(out).metadata();
    assert.equal(meta.format, 'webp');
    assert.equal(meta.pages, 3);
    assert.deepEqual(meta.delay, [100, 200, 300]);
    assert.equal(meta.loop, 2);
    const decoded = await decodeRaw(out);
    let different = 0;
    for (let i = 0; i < raw.length; i += 4) {
      if (raw[i + 3] === 0 && decoded.data[i + 3] === 0) continue;
      if (raw.compare(decoded.data, i, i + 4, i, i + 4) !== 0) different++;
    }
    assert.equal(different, 0, 'lossless frames decode to the raw pixels');
  });

  it('writes lossy WebP and AVIF at the quality asked, higher quality scoring higher', async () => {
    const input = fixture('avif', 'flower-q85-420.avif');
    const reference = await decodeToRgb(input);
    for (const encode of [
      (quality: number) => encodeWebp(sharp(input), { quality }),
      (quality: number) => encodeAvif(sharp(input), { quality }),
    ]) {
      const [low, high] = await Promise.all([encode(25), encode(85)]);
      assert.ok(low.length < high.length);
      const [lowScore, highScore] = [
        await ssimulacra2(reference, await decodeToRgb(low)),
        await ssimulacra2(reference, await decodeToRgb(high)),
      ];
      assert.ok(lowScore < highScore, `${lowScore.toFixed(1)} < ${highScore.toFixed(1)}`);
    }
  });

  it('reports an encoder failure as CODEC_FAILED', async () => {
    const tooWide = sharp({ create: { width: 20_000, height: 2, channels: 3, background: '#808080' } });
    await assert.rejects(encodeWebp(tooWide, { quality: 50 }), (error: unknown) => {
      assert.ok(isSquishError(error));
      assert.equal(error.code, 'CODEC_FAILED');
      return true;
    });
  });
});
