/**
 * Lossless mode: same pixels, smaller file, only appearance metadata kept.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import exifr from 'exifr';
import sharp from 'sharp';
import { jpegOptimizer } from '../../../src/engine/codecs/jpeg/index.js';
import { APP2, APP14, hasSignature, readJpegHeader } from '../../../src/engine/codecs/jpeg/segments.js';
import { isSquishError } from '../../../src/errors/index.js';
import { assertSamePixels } from '../../helpers/pixels.js';
import { damaged, fixture, jpegContext, taggedPhoto } from './jpeg-test-kit.js';

async function lossless(input: Uint8Array, keep?: { icc: boolean; orientation: boolean }) {
  return jpegOptimizer.lossless(input, await jpegContext(input, keep ? { keep } : {}));
}

for (const name of ['pil-hopper.jpg', 'kodim05-q92.jpg']) {
  test(`${name}: pixel-exact and smaller`, async () => {
    const input = fixture(name);
    const candidate = await lossless(input);
    assert.equal(candidate.lossless, true);
    assert.ok(candidate.data.length < input.length, `${candidate.data.length} >= ${input.length}`);
    await assertSamePixels(input, candidate.data, name);
  });
}

test('progressive input with ICC, orientation 6 and GPS: keeps ICC and orientation only', async () => {
  const input = await taggedPhoto();
  assert.ok(await exifr.gps(input), 'the generated input carries a GPS position');
  const candidate = await lossless(input);
  await assertSamePixels(input, candidate.data, 'tagged photo');
  const [before, after] = await Promise.all([sharp(input).metadata(), sharp(candidate.data).metadata()]);
  assert.equal(after.orientation, 6);
  assert.ok(after.icc, 'ICC profile kept');
  assert.deepEqual(after.icc, before.icc);
  assert.equal(await exifr.gps(candidate.data), undefined, 'GPS position removed');
  const exif = await exifr.parse(candidate.data, { translateValues: false });
  assert.deepEqual(exif, { Orientation: 6 }, 'nothing but the orientation left in EXIF');
});

test('keep.icc and keep.orientation false strip both', async () => {
  const input = await taggedPhoto();
  const candidate = await lossless(input, { icc: false, orientation: false });
  await assertSamePixels(input, candidate.data, 'stripped');
  const meta = await sharp(candidate.data).metadata();
  assert.equal(meta.icc, undefined);
  assert.equal(meta.orientation, undefined);
  assert.equal(meta.exif, undefined);
});

test('CMYK (Adobe YCCK) sample stays pixel-exact and keeps its Adobe marker', async () => {
  const input = fixture('pil-sample_cmyk.jpg');
  const candidate = await lossless(input);
  await assertSamePixels(input, candidate.data, 'cmyk');
  assert.equal((await sharp(candidate.data).metadata()).space, 'cmyk');
  const header = readJpegHeader(candidate.data);
  assert.equal(header.components, 4);
  assert.ok(header.segments.some((s) => s.marker === APP14 && hasSignature(s, 'Adobe')));
});

test('MPO: the first picture survives, the second and the MP index are dropped', async () => {
  const input = fixture('pil-sugarshack_mpo.jpg');
  const candidate = await lossless(input);
  await assertSamePixels(input, candidate.data, 'mpo');
  const header = readJpegHeader(candidate.data);
  assert.ok(!header.segments.some((s) => s.marker === APP2 && hasSignature(s, 'MPF')), 'no MPF segment');
  // One picture: the only EOI is at the very end.
  const eoi = Buffer.from(candidate.data).indexOf(Buffer.from([0xff, 0xd9]));
  assert.equal(eoi, candidate.data.length - 2);
});

async function assertCorrupt(promise: Promise<unknown>) {
  await assert.rejects(promise, (error) => isSquishError(error) && error.code === 'CORRUPT_IMAGE');
}

test('truncated and damaged files are CORRUPT_IMAGE, not a concealed re-encode', async () => {
  await assertCorrupt(lossless(fixture('pil-truncated_jpeg.jpg')));
  await assertCorrupt(lossless(damaged(fixture('kodim05-q92.jpg'))));
  const input = fixture('pil-hopper.jpg');
  await assertCorrupt(lossless(input.subarray(0, 300)));
});
