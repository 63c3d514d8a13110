/**
 * The whole round on real files: metadata read from a tagged photo, the kept groups built into
 * blocks, the blocks written into a fresh encode of the same pixels. exiftool reads the result:
 * exactly the kept tags must be there, nothing else, and the pixels must not change.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import {
  buildMetadataBlocks,
  type KeepMetadata,
  type MetadataFormat,
  readMetadata,
  writeMetadata,
} from '../../../src/engine/metadata/index.js';
import {
  assertSameSamples,
  exiftoolMissing,
  exiftoolTags,
  metadataTagNames,
  tagged,
} from './metadata-test-kit.js';

const NOTHING: KeepMetadata = { icc: false, orientation: false };
const DATE_TAGS = [
  'ExifIFD:CreateDate',
  'ExifIFD:DateTimeOriginal',
  'ExifIFD:OffsetTimeDigitized',
  'ExifIFD:OffsetTimeOriginal',
  'ExifIFD:SubSecTimeDigitized',
  'ExifIFD:SubSecTimeOriginal',
  'XMP-photoshop:DateCreated',
];
const COPYRIGHT_TAGS = [
  'IFD0:Artist',
  'IFD0:Copyright',
  'XMP-dc:Creator',
  'XMP-dc:Rights',
  'XMP-dc:Rights-de',
  'XMP-photoshop:Credit',
];
/** JPEG also carries the IPTC datasets (and the character-set record that makes them UTF-8). */
const IPTC_TAGS = ['IPTC:By-line', 'IPTC:CodedCharacterSet', 'IPTC:CopyrightNotice', 'IPTC:Credit'];
const GEOTAG_TAGS = [
  'GPS:GPSLatitude',
  'GPS:GPSLatitudeRef',
  'GPS:GPSLongitude',
  'GPS:GPSLongitudeRef',
  'GPS:GPSVersionID',
];

const CASES: { name: string; keep: KeepMetadata; expected: (format: MetadataFormat) => string[] }[] = [
  { name: 'nothing', keep: NOTHING, expected: () => [] },
  {
    name: 'appearance (default)',
    keep: { icc: true, orientation: true },
    expected: () => ['ICC', 'IFD0:Orientation'],
  },
  { name: 'date', keep: { ...NOTHING, date: true }, expected: () => DATE_TAGS },
  {
    name: 'copyright',
    keep: { ...NOTHING, copyright: true },
    expected: (format) => [...COPYRIGHT_TAGS, ...(format === 'jpeg' ? IPTC_TAGS : [])],
  },
  { name: 'geotag', keep: { ...NOTHING, geotag: true }, expected: () => GEOTAG_TAGS },
  {
    name: 'everything',
    keep: { icc: true, orientation: true, date: true, copyright: true, geotag: true },
    expected: (format) => [
      'ICC',
      'IFD0:Orientation',
      ...DATE_TAGS,
      ...COPYRIGHT_TAGS,
      ...(format === 'jpeg' ? IPTC_TAGS : []),
      ...GEOTAG_TAGS,
    ],
  },
];

/** The tagged photo's pixels encoded afresh, with no metadata at all. */
async function bareEncode(format: MetadataFormat): Promise<Uint8Array> {
  return new Uint8Array(await sharp(tagged('jpeg')).toFormat(format).toBuffer());
}

for (const format of ['jpeg', 'png', 'webp', 'avif'] as const) {
  for (const { name, keep, expected } of CASES) {
    test(`${format}: keep ${name} writes exactly those tags`, { skip: exiftoolMissing }, async () => {
      const meta = await readMetadata(tagged('jpeg'), 'jpeg');
      const encoded = await bareEncode(format);
      const { data, notes } = writeMetadata(encoded, format, buildMetadataBlocks(meta, keep, format));
      assert.deepEqual(notes, []);
      assert.deepEqual(metadataTagNames(data, format), [...expected(format)].sort());
      await assertSameSamples(encoded, data, `${format} ${name}`);
    });
  }
}

test('values survive exactly (read back by exiftool from a WebP)', { skip: exiftoolMissing }, async () => {
  const meta = await readMetadata(tagged('jpeg'), 'jpeg');
  const keep = { icc: true, orientation: true, date: true, copyright: true, geotag: true };
  const { data } = writeMetadata(await bareEncode('webp'), 'webp', buildMetadataBlocks(meta, keep, 'webp'));
  const tags = exiftoolTags(data, 'webp');
  assert.equal(tags['IFD0:Orientation'], 6);
  assert.equal(tags['IFD0:Copyright'], '(c) 2020 Ann Author');
  assert.equal(tags['ExifIFD:DateTimeOriginal'], '2020:01:02 03:04:05');
  assert.equal(tags['ExifIFD:SubSecTimeOriginal'], 12);
  assert.equal(tags['ExifIFD:OffsetTimeOriginal'], '+02:00');
  assert.deepEqual(tags['XMP-dc:Creator'], ['Ann XMP', 'Bob XMP']);
  assert.equal(tags['XMP-dc:Rights-de'], '(c) 2020 Ann XMP de');
  assert.equal(tags['XMP-photoshop:DateCreated'], '2020:01:02 03:04:05+02:00');
  // -n gives decimal degrees: 48 51' 29.57" and 2 17' 40.2".
  assert.ok(Math.abs((tags['GPS:GPSLatitude'] as number) - (48 + 51 / 60 + 29.57 / 3600)) < 1e-9);
  assert.ok(Math.abs((tags['GPS:GPSLongitude'] as number) - (2 + 17 / 60 + 40.2 / 3600)) < 1e-9);
  assert.equal(tags['GPS:GPSLatitudeRef'], 'N');
  assert.equal(tags['ICC_Profile:ProfileDescription'], 'Adobe RGB (1998)');
});

test('orientation: written iff kept and not 1 (auto-orient passes 1)', {
  skip: exiftoolMissing,
}, async () => {
  const meta = await readMetadata(tagged('jpeg'), 'jpeg');
  const encoded = await bareEncode('jpeg');
  const write = (keep: KeepMetadata) =>
    exiftoolTags(writeMetadata(encoded, 'jpeg', buildMetadataBlocks(meta, keep, 'jpeg')).data, 'jpeg');
  assert.equal(write({ icc: false, orientation: true })['IFD0:Orientation'], 6);
  assert.equal(write({ icc: false, orientation: false })['IFD0:Orientation'], undefined);
  assert.equal(write({ icc: false, orientation: true, outputOrientation: 1 })['IFD0:Orientation'], undefined);
  assert.equal(write({ icc: false, orientation: true, outputOrientation: 3 })['IFD0:Orientation'], 3);
});

test('the writers replace what an encoded file already carries', { skip: exiftoolMissing }, async () => {
  // Writing into the tagged files themselves: every tag not kept must go, the bitstream stays.
  for (const format of ['jpeg', 'png', 'webp', 'avif'] as const) {
    const input = tagged(format);
    const meta = await readMetadata(input, format);
    const keep = { icc: false, orientation: false, geotag: true };
    const { data } = writeMetadata(input, format, buildMetadataBlocks(meta, keep, format));
    assert.deepEqual(metadataTagNames(data, format), GEOTAG_TAGS, format);
    await assertSameSamples(input, data, format);
  }
});

test('jpegtran output (the lossless path) gets the kept groups back, pixels as the source', async () => {
  const input = tagged('jpeg');
  const stripped = execFileSync('jpegtran', ['-copy', 'none', '-optimize', '-progressive'], { input });
  const meta = await readMetadata(input, 'jpeg');
  const keep = { icc: true, orientation: true, copyright: true };
  const { data } = writeMetadata(new Uint8Array(stripped), 'jpeg', buildMetadataBlocks(meta, keep, 'jpeg'));
  await assertSameSamples(input, data, 'jpegtran + metadata');
  const back = await readMetadata(data, 'jpeg');
  assert.deepEqual(back.copyright, meta.copyright);
  assert.deepEqual(back.icc, meta.icc);
  assert.equal(back.orientation, 6);
  assert.deepEqual([back.date, back.geotag], [{}, {}]);
});

test('WebP: a simple lossless file with alpha becomes extended with the right canvas and flags', async () => {
  const rgba = await sharp({
    create: { width: 37, height: 21, channels: 4, background: { r: 10, g: 200, b: 30, alpha: 0.5 } },
  })
    .webp({ lossless: true })
    .toBuffer();
  assert.equal(rgba.subarray(12, 16).toString('latin1'), 'VP8L', 'sharp wrote a simple VP8L file');
  const meta = await readMetadata(tagged('jpeg'), 'jpeg');
  const { data } = writeMetadata(
    rgba,
    'webp',
    buildMetadataBlocks(meta, { icc: true, orientation: true }, 'webp'),
  );
  assert.equal(Buffer.from(data.subarray(12, 16)).toString('latin1'), 'VP8X');
  const info = await sharp(data).metadata();
  assert.deepEqual([info.width, info.height, info.hasAlpha, info.orientation], [37, 21, true, 6]);
  assert.equal(info.icc?.length, 560);
  await assertSameSamples(rgba, data, 'lossless webp');
});

test('AVIF with an alpha item: metadata items added, both images and their references intact', async () => {
  const avif = new Uint8Array(
    await sharp({
      create: { width: 20, height: 10, channels: 4, background: { r: 200, g: 20, b: 90, alpha: 0.5 } },
    })
      .avif()
      .toBuffer(),
  );
  const meta = await readMetadata(tagged('jpeg'), 'jpeg');
  const keep = { icc: true, orientation: true, date: true, copyright: true, geotag: true };
  const { data } = writeMetadata(avif, 'avif', buildMetadataBlocks(meta, keep, 'avif'));
  await assertSameSamples(avif, data, 'avif with alpha');
  const back = await readMetadata(data, 'avif');
  // AVIF has no IPTC container; the source's XMP already holds the same kinds of values.
  const { iptcByline, iptcCredit, iptcCopyrightNotice, ...withoutIptc } = meta.copyright;
  assert.deepEqual([back.date, back.copyright, back.geotag], [meta.date, withoutIptc, meta.geotag]);
  assert.deepEqual(back.icc, meta.icc);
  // avifdec (libavif + dav1d, independent of libvips) must accept the rewritten boxes.
  const dir = mkdtempSync(join(tmpdir(), 'squish-avif-'));
  try {
    writeFileSync(join(dir, 'in.avif'), data);
    execFileSync('avifdec', [join(dir, 'in.avif'), join(dir, 'out.png')], { stdio: 'ignore' });
    await assertSameSamples(avif, readFileSync(join(dir, 'out.png')), 'avifdec decode');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
