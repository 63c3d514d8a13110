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
