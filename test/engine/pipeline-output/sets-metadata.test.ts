/**
 * Image sets (per-entry overrides, ids, sizes) and metadata in pipeline and byte-path outputs,
 * read back with exiftool.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { fixture, rgbOf, run, scoreAgainst } from './kit.js';

const flowerJpeg = fixture('pil-flower.jpg'); // 480x360
const taggedJpeg = fixture('tagged.jpg'); // 128x128, orientation 6, every keepable group and more

/** Every tag exiftool finds (numeric values, no group prefixes); exifr cannot open WebP. */
function tags(bytes: Uint8Array): Record<string, unknown> {
  const out = execFileSync('exiftool', ['-j', '-n', '-'], { input: bytes });
  return (JSON.parse(out.toString()) as Record<string, unknown>[])[0] ?? {};
}

describe('image set', () => {
  it('makes every entry with its overrides, in plan order, from one input', async () => {
    const result = await run(flowerJpeg, {
      outputs: [
        { id: 'thumb', resize: { strategy: 'square', size: 64 }, format: 'png' },
        { id: 'web', resize: { strategy: 'fit', width: 240, height: 160 }, lossy: true, quality: 60 },
        {
          id: 'small',
          resize: { strategy: 'auto', width: 200, height: 200 },
          format: 'webp',
          lossy: true,
          target: 70,
        },
      ],
    });
    const outputs = result.outputs ?? [];
    assert.deepEqual(
      outputs.map((o) => [o.id, o.format, o.width, o.height]),
      [
        ['thumb', 'png', 64, 64],
        ['web', 'jpeg', 240, 160],
        ['small', 'webp', 200, 150],
      ],
    );
    for (const output of outputs) {
      assert.deepEqual([output.originalWidth, output.originalHeight], [480, 360]);
      const meta = await sharp(output.data).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height], [output.format, output.width, output.height]);
    }
    assert.equal(outputs[0]!.lossless, true);
    assert.equal(outputs[1]!.quality, 60);
    assert.equal(outputs[2]!.lossless, false);
    // The result's own fields describe the first output.
    assert.equal(result.data, outputs[0]!.data);
    // The square kept the centre of the photo.
    const centre = await rgbOf(flowerJpeg, (s) =>
      s.extract({ left: 60, top: 0, width: 360, height: 360 }).resize(64, 64),
    );
    const score = await scoreAgainst(centre, outputs[0]!.data);
    assert.ok(score >= 80, `thumbnail vs centre square: SSIMULACRA2 ${score}`);
  });
});

describe('metadata', () => {
  it('conversion keeps exactly the copyright group, upright pixels and no source profile', async () => {
    const result = await run(taggedJpeg, { format: 'webp', keep: { copyright: true } });
    const t = tags(result.data);
    assert.equal(t.Copyright, '(c) 2020 Ann Author');
    assert.equal(t.Artist, 'Ann Author');
    assert.deepEqual(t.Creator, ['Ann XMP', 'Bob XMP']);
    assert.equal(t.Rights, '(c) 2020 Ann XMP');
    assert.equal(t.Credit, 'Agency XMP');
    for (const absent of ['DateTimeOriginal', 'GPSLatitude', 'Make', 'Orientation', 'ProfileDescription']) {
      assert.equal(t[absent], undefined, `${absent} should be gone`);
    }
    // Converted outputs are upright: the pixels were turned as orientation 6 says.
    const upright = await rgbOf(taggedJpeg, (s) => s.autoOrient());
    const score = await scoreAgainst(upright, result.data);
    assert.ok(score >= 85, `upright pixels: SSIMULACRA2 ${score}`);
  });

  it('the byte path keeps date and geotag on request, and the appearance tags', async () => {
    const result = await run(taggedJpeg, { keep: { date: true, geotag: true } });
    assert.equal(result.method === 'original', false, 'a smaller JPEG is expected');
    const t = tags(result.data);
    assert.equal(t.DateTimeOriginal, '2020:01:02 03:04:05');
    assert.equal(t.GPSLatitudeRef, 'N');
    assert.equal(t.Orientation, 6);
    assert.ok(t.ProfileDescription, 'ICC profile kept (lossless pixels stay in its space)');
    for (const absent of ['Copyright', 'Make', 'GPSAltitude', 'ModifyDate']) {
      assert.equal(t[absent], undefined, `${absent} should be gone`);
    }
  });

  it('the byte path of WebP keeps copyright on request, nothing else but appearance', async () => {
    const result = await run(fixture('tagged.webp'), { lossy: true, keep: { copyright: true } });
    assert.equal(result.format, 'webp');
    const t = tags(result.data);
    assert.equal(t.Copyright, '(c) 2020 Ann Author');
    assert.deepEqual(t.Creator, ['Ann XMP', 'Bob XMP']);
    assert.equal(t.Orientation, 6);
    for (const absent of ['DateTimeOriginal', 'GPSLatitude', 'Make', 'ModifyDate']) {
      assert.equal(t[absent], undefined, `${absent} should be gone`);
    }
  });

  it('autoOrient turns the pixels and drops the tag, keeping the asked groups', async () => {
    const result = await run(taggedJpeg, { autoOrient: true, keep: { date: true } });
    const t = tags(result.data);
    assert.equal(t.Orientation, undefined);
    assert.equal(t.DateTimeOriginal, '2020:01:02 03:04:05');
    const upright = await rgbOf(taggedJpeg, (s) => s.autoOrient());
    const score = await scoreAgainst(upright, result.data);
    assert.ok(score >= 85, `upright pixels: SSIMULACRA2 ${score}`);
  });

  it('without autoOrient an untransformed output keeps the tag so it displays upright', async () => {
    const result = await run(taggedJpeg, { lossy: true, quality: 80 });
    assert.equal(tags(result.data).Orientation, 6);
  });
});
