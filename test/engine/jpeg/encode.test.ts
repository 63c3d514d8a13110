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

test('without the scan search the pixels are the same and only the bytes grow (what the probes rely on)', async () => {
  const rgb = await decodeToRgb(fixture('kodim05-q92.jpg'));
  for (const quality of [35, 80, 95]) {
    for (const quantisationTable of [1, 2, 5]) {
      for (const chromaSubsampling of ['4:2:0', '4:4:4'] as const) {
        const options = { quality, quantisationTable, chromaSubsampling };
        const searched = await encodeJpeg(rgb, options);
        const plain = await encodeJpeg(rgb, { ...options, optimiseScans: false });
        const label = JSON.stringify(options);
        const [a, b] = await Promise.all([decodeRaw(searched), decodeRaw(plain)]);
        assert.equal(countDifferentPixels(a, b), 0, label);
        assert.notDeepEqual(plain, searched, `${label}: the scan search was skipped`);
      }
    }
  }
});
