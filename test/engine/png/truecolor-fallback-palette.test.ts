/**
 * The finer palette settings that lossy.ts' rescue uses for translucent images whose default
 * palette misses the target (the corpus logo that needs it is 1.6 MB, too big for a fixture).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { quantize } from '../../../src/engine/codecs/png/quantize.js';
import { decodeToRgb, ssimulacra2 } from '../../../src/engine/metric/ssimulacra2.js';
import { countDifferentPixels, decodeRaw } from '../../helpers/pixels.js';
import { fixture } from './context.js';

describe('quantize settings', () => {
  const input = fixture('pil-transparent.png'); // 200x150 RGBA with soft alpha
  const deadline = () => Date.now() + 60_000;

  for (const quantizer of ['pngquant', 'sharp'] as const) {
    it(`${quantizer}: speed and dithering reach the tool and give a valid palette`, async () => {
      const standard = (await quantize(input, 100, quantizer, deadline())).png;
      const fine = (await quantize(input, 100, quantizer, deadline(), { speed: 1, dither: 1 })).png;
      const undithered = (await quantize(input, 100, quantizer, deadline(), { dither: 0 })).png;
      for (const png of [standard, fine, undithered]) {
        assert.equal((await sharp(png).metadata()).isPalette, true);
      }
      const [a, b, c] = await Promise.all([standard, fine, undithered].map((png) => decodeRaw(png)));
      assert.ok(countDifferentPixels(a!, b!) > 0, 'fine settings change the palette or its dithering');
      assert.ok(countDifferentPixels(a!, c!) > 0, 'dither 0 changes the pixels');
      const reference = await decodeToRgb(input);
      const score = await ssimulacra2(reference, await decodeToRgb(fine));
      assert.ok(score >= 80, `fine palette at quality 100 scores ${score.toFixed(1)}`);
    });
  }
});
