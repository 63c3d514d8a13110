/**
 * Group rules that do not depend on a tagged fixture: a real camera file's maker notes, and the
 * IPTC-to-XMP mapping for formats without an IPTC container.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import sharp from 'sharp';
import {
  buildMetadataBlocks,
  carryMetadata,
  readMetadata,
  type SourceMetadata,
  writeMetadata,
} from '../../../src/engine/metadata/index.js';
import { assertSameSamples, exiftoolMissing, exiftoolTags, metadataTagNames } from './metadata-test-kit.js';

const canon = new Uint8Array(
  readFileSync(new URL('../../fixtures/metadata/canon-makernotes.jpg', import.meta.url)),
);

test('a camera JPEG keeps its capture dates and loses maker notes, camera data and thumbnail', {
  skip: exiftoolMissing,
}, async () => {
  assert.ok(
    metadataTagNames(canon, 'jpeg').some((name) => name.startsWith('Canon:')),
    'source has maker notes',
  );
  const meta = await readMetadata(canon, 'jpeg');
  const keep = { icc: true, orientation: true, date: true, copyright: true, geotag: true };
  const { data } = writeMetadata(canon, 'jpeg', buildMetadataBlocks(meta, keep, 'jpeg'));
  // Orientation 1 (normal) is not written: it says nothing.
  assert.deepEqual(metadataTagNames(data, 'jpeg'), ['ExifIFD:CreateDate', 'ExifIFD:DateTimeOriginal']);
  assert.equal(exiftoolTags(data, 'jpeg')['ExifIFD:DateTimeOriginal'], '2003:12:14 12:01:44');
  await assertSameSamples(canon, data, 'canon');
});

const IPTC_ONLY: SourceMetadata = {
  date: {},
  copyright: {
    iptcCopyrightNotice: '© 2021 Zoë',
    iptcByline: ['Zoë'],
    iptcCredit: 'Agence <&>',
  },
  geotag: {},
  notes: [],
};

test('IPTC values go to XMP where there is no IPTC container (PNG), and to IPTC in JPEG', {
  skip: exiftoolMissing,
}, async () => {
  const keep = { icc: false, orientation: false, copyright: true };
  const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: 'blue' } })
    .png()
    .toBuffer();
  const inPng = exiftoolTags(
    writeMetadata(png, 'png', buildMetadataBlocks(IPTC_ONLY, keep, 'png')).data,
    'png',
  );
  assert.equal(inPng['XMP-dc:Rights'], '© 2021 Zoë');
  assert.equal(inPng['XMP-dc:Creator'], 'Zoë');
  assert.equal(inPng['XMP-photoshop:Credit'], 'Agence <&>');

  const jpeg = await sharp({ create: { width: 4, height: 4, channels: 3, background: 'blue' } })
    .jpeg()
    .toBuffer();
  const blocks = buildMetadataBlocks(IPTC_ONLY, keep, 'jpeg');
  assert.equal(blocks.xmp, undefined, 'JPEG keeps IPTC as IPTC, without inventing XMP');
  const inJpeg = exiftoolTags(writeMetadata(jpeg, 'jpeg', blocks).data, 'jpeg');
  assert.equal(inJpeg['IPTC:CopyrightNotice'], '© 2021 Zoë');
  assert.equal(inJpeg['IPTC:By-line'], 'Zoë');
  assert.equal(inJpeg['IPTC:Credit'], 'Agence <&>');
});

test('nothing kept and nothing to keep: no blocks at all', () => {
  const blocks = buildMetadataBlocks(
    { ...IPTC_ONLY, orientation: 1 },
    { icc: true, orientation: true, date: true, geotag: true },
    'webp',
  );
  assert.deepEqual(blocks, { notes: [] });
});

test('animated WebP: ICC and EXIF added around the frames, animation unchanged', async () => {
  const frames = await Promise.all(
    ['red', 'green', 'blue'].map((background) =>
      sharp({ create: { width: 12, height: 8, channels: 4, background } })
        .png()
        .toBuffer(),
    ),
  );
  const animated = await sharp(frames, { join: { animated: true } })
    .webp({ loop: 3, delay: [100, 200, 300] })
    .toBuffer();
  const meta = await readMetadata(canon, 'jpeg');
  const { data } = writeMetadata(
    animated,
    'webp',
    buildMetadataBlocks({ ...meta, orientation: 8 }, { icc: false, orientation: true, date: true }, 'webp'),
  );
  const info = await sharp(data).metadata();
  assert.deepEqual([info.pages, info.delay, info.loop, info.orientation], [3, [100, 200, 300], 3, 8]);
  const back = await readMetadata(data, 'webp');
  assert.deepEqual(back.date, meta.date);
  const [before, after] = await Promise.all(
    [animated, data].map((bytes) => sharp(bytes, { pages: -1 }).raw().toBuffer()),
  );
  assert.ok(before!.equals(after!), 'every frame decodes to the same samples');
});

test('oversized blocks are skipped with a note, never parsed', async () => {
  const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: 'blue' } })
    .png()
    .toBuffer();
  const huge = `<x:xmpmeta xmlns:x="adobe:ns:meta/"><!-- ${'x'.repeat(5 * 1024 * 1024)} --></x:xmpmeta>`;
  const { data } = writeMetadata(png, 'png', { xmp: huge, notes: [] });
  const meta = await readMetadata(data, 'png');
  assert.equal(meta.notes.length, 1);
  assert.match(meta.notes[0]!, /XMP ignored/);
});

test('carryMetadata: the default plan keeps the appearance only, across formats', async () => {
  const jpeg = await sharp({ create: { width: 6, height: 6, channels: 3, background: 'red' } })
    .jpeg()
    .toBuffer();
  const source = writeMetadata(jpeg, 'jpeg', {
    exif: buildMetadataBlocks(
      { ...IPTC_ONLY, orientation: 5, date: { dateTimeOriginal: '2001:02:03 04:05:06' } },
      { icc: true, orientation: true, date: true },
      'jpeg',
    ).exif,
    notes: [],
  }).data;
  const webp = await sharp(source).webp().toBuffer();
  const { data, notes } = await carryMetadata(source, 'jpeg', webp, 'webp', { icc: true, orientation: true });
  assert.deepEqual(notes, []);
  const back = await readMetadata(data, 'webp');
  assert.equal(back.orientation, 5);
  assert.deepEqual([back.date, back.copyright], [{}, {}]);
  // GIF and SVG outputs carry no metadata: returned as they came.
  const gif = await sharp(source).gif().toBuffer();
  const carried = await carryMetadata(source, 'jpeg', gif, 'gif', { icc: true, orientation: true });
  assert.equal(carried.data, gif);
});
