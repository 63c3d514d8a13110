/**
 * encodeJpeg, the small encoder other pipelines reuse: same result from a sharp pipeline or raw RGB.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { encodeJpeg } from '../../../src/engine/codecs/jpeg/index.js';
import { decodeToRgb } from '../../../src/engine/metric/ssimulacra2.js';
import { countDifferentPixels, decodeRaw } from '../../helpers/pixels.js';
import { fixture } from './jpeg-test-kit.js';

test('encodeJpeg takes a sharp pipeline or raw RGB and honours quality and subsampling', async () => {
  const input = fixture('kodim05-q92.jpg');
  const rgb = await decodeToRgb(input);
  const fromRaw = await encodeJpeg(rgb, { quality: 70, chromaSubsampling: '4:4:4' });
  const fromSharp = await encodeJpeg(sharp(input), { quality: 70, chromaSubsampling: '4:4:4' });
  const [a, b] = await Promise.all([decodeRaw(fromRaw), decodeRaw(fromSharp)]);
  assert.equal(countDifferentPixels(a, b), 0);
  const meta = await sharp(fromRaw).metadata();
  assert.equal(meta.chromaSubsampling, '4:4:4');
  assert.equal(meta.isProgressive, true, 'mozjpeg defaults: progressive scans');
  const smaller = await encodeJpeg(rgb, { quality: 40, chromaSubsampling: '4:2:0' });
  assert.equal((await sharp(smaller).metadata()).chromaSubsampling, '4:2:0');
  assert.ok(smaller.length < fromRaw.length);
});
