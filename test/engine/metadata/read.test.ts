/**
 * readMetadata on the tagged photo in all four containers, and on broken metadata.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { readMetadata, type SourceMetadata, writeJpegMetadata } from '../../../src/engine/metadata/index.js';
import { tagged } from './metadata-test-kit.js';

const DATE = {
  dateTimeOriginal: '2020:01:02 03:04:05',
  dateTimeDigitized: '2020:01:02 03:04:06',
  subSecTimeOriginal: '12',
  subSecTimeDigitized: '34',
  offsetTimeOriginal: '+02:00',
  offsetTimeDigitized: '+02:00',
  xmpDateCreated: '2020-01-02T03:04:05+02:00',
};
const XMP_AND_EXIF_COPYRIGHT = {
  exifCopyright: '(c) 2020 Ann Author',
  exifArtist: 'Ann Author',
  xmpCreator: ['Ann XMP', 'Bob XMP'],
  xmpRights: [
    { lang: 'x-default', value: '(c) 2020 Ann XMP' },
    { lang: 'de', value: '(c) 2020 Ann XMP de' },
  ],
  xmpCredit: 'Agency XMP',
};
const GEOTAG = {
  versionId: [2, 2, 0, 0],
  latitudeRef: 'N',
  latitude: [48, 51, 29.57],
  longitudeRef: 'E',
  longitude: [2, 17, 40.2],
};

function assertGroups(meta: SourceMetadata, label: string): void {
  assert.deepEqual(meta.date, DATE, `${label}: date`);
  assert.deepEqual(meta.geotag, GEOTAG, `${label}: geotag`);
  assert.equal(meta.icc?.length, 560, `${label}: the Adobe RGB profile`);
  assert.deepEqual(meta.notes, [], `${label}: notes`);
}

test('JPEG: every group, IPTC included, and the orientation', async () => {
  const meta = await readMetadata(tagged('jpeg'), 'jpeg');
  assertGroups(meta, 'jpeg');
  assert.equal(meta.orientation, 6);
  assert.deepEqual(meta.copyright, {
    ...XMP_AND_EXIF_COPYRIGHT,
    iptcCopyrightNotice: '(c) 2020 Ann Author IPTC',
    iptcByline: ['Ann IPTC', 'Bob IPTC'],
    iptcCredit: 'Agency IPTC',
  });
});

for (const format of ['png', 'webp', 'avif'] as const) {
  test(`${format}: every group from the format's own containers`, async () => {
    const meta = await readMetadata(tagged(format), format);
    assertGroups(meta, format);
    // PNG has no standard IPTC home (exiftool's zTXt "Raw profile type iptc" is not read), WebP none.
    assert.deepEqual(meta.copyright, XMP_AND_EXIF_COPYRIGHT);
    // AVIF orientation lives in the irot/imir boxes, which decoders apply themselves.
    if (format !== 'avif') assert.equal(meta.orientation, 6);
  });
}

test('no metadata: empty groups, no notes', async () => {
  const bare = await sharp({ create: { width: 8, height: 8, channels: 3, background: 'red' } })
    .png()
    .toBuffer();
  assert.deepEqual(await readMetadata(bare, 'png'), { date: {}, copyright: {}, geotag: {}, notes: [] });
});

test('broken EXIF never throws: what is readable comes back, the rest is noted', async () => {
  const jpeg = new Uint8Array(await sharp(tagged('jpeg')).jpeg().toBuffer());
  // A TIFF header whose IFD0 offset points far outside the block, then garbage.
  const exif = Uint8Array.of(0x49, 0x49, 0x2a, 0x00, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3, 4, 5, 6, 7, 8);
  const xmp =
    '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF';
  const { data } = writeJpegMetadata(jpeg, { exif, xmp, notes: [] });
  const meta = await readMetadata(data, 'jpeg');
  assert.deepEqual([meta.date, meta.copyright, meta.geotag], [{}, {}, {}]);
  assert.equal(meta.orientation, undefined);
});

test('not an image: a note, no exception', async () => {
  const meta = await readMetadata(new TextEncoder().encode('not an image at all'), 'jpeg');
  assert.equal(meta.notes.length, 1);
  assert.match(meta.notes[0]!, /metadata unreadable/);
});

test('GIF and SVG carry no keepable groups', async () => {
  const gif = await sharp({ create: { width: 4, height: 4, channels: 3, background: 'red' } })
    .gif()
    .toBuffer();
  assert.deepEqual(await readMetadata(gif, 'gif'), { date: {}, copyright: {}, geotag: {}, notes: [] });
});
