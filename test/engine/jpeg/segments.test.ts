/**
 * The header walker and the minimal EXIF writer, checked against independent readers (sharp/libexif, exifr).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import exifr from 'exifr';
import sharp from 'sharp';
import { orientationExifSegment } from '../../../src/engine/codecs/jpeg/exif-orientation.js';
import { APP0, APP1, insertSegments, readJpegHeader } from '../../../src/engine/codecs/jpeg/segments.js';
import { isSquishError } from '../../../src/errors/index.js';
import { assertSamePixels } from '../../helpers/pixels.js';
import { fixture } from './jpeg-test-kit.js';

test('the minimal EXIF block reads back as each orientation, placed after JFIF', async () => {
  const input = fixture('pil-hopper.jpg');
  for (let orientation = 1; orientation <= 8; orientation++) {
    const tagged = insertSegments(input, [orientationExifSegment(orientation)]);
    assert.equal((await sharp(tagged).metadata()).orientation, orientation);
    assert.deepEqual(await exifr.parse(tagged, { translateValues: false }), { Orientation: orientation });
    const markers = readJpegHeader(tagged).segments.map((s) => s.marker);
    assert.deepEqual(markers.slice(0, 2), [APP0, APP1]);
    await assertSamePixels(input, tagged);
  }
  assert.throws(() => orientationExifSegment(9), RangeError);
});

test('the header walker finds the frame and refuses broken structure', () => {
  const header = readJpegHeader(fixture('pil-sample_cmyk.jpg'));
  assert.equal(header.components, 4);
  assert.equal(header.progressive, false);
  for (const bytes of [
    new Uint8Array([0xff, 0xd8, 0xff, 0xe1, 0x40, 0x00, 1, 2]),
    new Uint8Array([1, 2, 3, 4]),
  ]) {
    assert.throws(
      () => readJpegHeader(bytes),
      (error) => isSquishError(error) && error.code === 'CORRUPT_IMAGE',
    );
  }
});
