import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { type PngChunk, readPngChunks, writePng } from '../../../src/engine/codecs/png/chunks.js';
import { orientationExif, readOrientation } from '../../../src/engine/codecs/png/exif-orientation.js';
import { pngOptimizer } from '../../../src/engine/codecs/png/index.js';
import { assertSamePixels } from '../../helpers/pixels.js';
import { fixture, pngContext } from './context.js';

const latin1 = (text: string) => new Uint8Array(Buffer.from(text, 'latin1'));

/** `png` with `extra` chunks inserted right after IHDR. */
function withChunks(png: Uint8Array, extra: PngChunk[]): Uint8Array {
  const [ihdr, ...rest] = readPngChunks(png);
  return writePng([ihdr!, ...extra, ...rest]);
}

const types = (png: Uint8Array) => readPngChunks(png).map((chunk) => chunk.type);

/** A big-endian EXIF block with Orientation plus a Software string the codec must not keep. */
function exifWithSoftware(orientation: number): Uint8Array {
  const minimal = orientationExif(orientation);
  const out = new Uint8Array(64);
  const view = new DataView(out.buffer);
  out.set(minimal.subarray(0, 8));
  view.setUint16(8, 2); // two entries
  out.set(minimal.subarray(10, 22), 10); // orientation entry
  view.setUint16(22, 0x0131); // Software
  view.setUint16(24, 2); // ASCII
  view.setUint32(26, 12);
  view.setUint32(30, 38); // offset of the string
  view.setUint32(34, 0); // no next IFD
  out.set(latin1('secret tool'), 38);
  return out;
}

describe('PNG metadata', () => {
  const base = fixture('pil-transparent.png');

  it('drops text, time and physical-size chunks and keeps the pixels', async () => {
    const input = withChunks(base, [
      { type: 'tEXt', data: latin1('Comment\0private') },
      { type: 'iTXt', data: latin1('Author\0\0\0\0\0someone') },
      { type: 'tIME', data: Uint8Array.of(7, 230, 1, 1, 0, 0, 0) },
      { type: 'pHYs', data: Uint8Array.of(0, 0, 11, 19, 0, 0, 11, 19, 1) },
    ]);
    const candidate = await pngOptimizer.lossless(input, pngContext());
    const kept = types(candidate.data);
    for (const type of ['tEXt', 'iTXt', 'tIME', 'pHYs']) assert.ok(!kept.includes(type), `${type} removed`);
    assert.ok(candidate.notes?.some((note) => note.includes('tEXt')));
    await assertSamePixels(input, candidate.data);
  });

  it('keeps the ICC profile unless told not to', async () => {
    const input = await sharp(base).withIccProfile('p3').png().toBuffer();
    const inputIcc = (await sharp(input).metadata()).icc;
    assert.ok(inputIcc, 'fixture has a profile');
    const kept = await pngOptimizer.lossless(input, pngContext());
    assert.deepEqual((await sharp(kept.data).metadata()).icc, inputIcc);
    await assertSamePixels(input, kept.data, 'profile kept');
    const dropped = await pngOptimizer.lossless(
      input,
      pngContext({ keep: { icc: false, orientation: true } }),
    );
    assert.equal((await sharp(dropped.data).metadata()).icc, undefined);
    // sharp's decoder applies a profile when there is one, so compare with the samples left untagged.
    const untagged = writePng(readPngChunks(input).filter((chunk) => chunk.type !== 'iCCP'));
    await assertSamePixels(untagged, dropped.data, 'profile dropped');
    const palette = await pngOptimizer.lossy(input, pngContext({ lossy: true }));
    assert.equal(palette.lossless, false);
    assert.deepEqual((await sharp(palette.data).metadata()).icc, inputIcc, 'lossy keeps the profile');
  });

  it('keeps sRGB and gAMA chunks', async () => {
    const input = withChunks(base, [
      { type: 'sRGB', data: Uint8Array.of(0) },
      { type: 'gAMA', data: Uint8Array.of(0, 0, 0xb1, 0x8f) },
    ]);
    const kept = types((await pngOptimizer.lossless(input, pngContext())).data);
    assert.ok(kept.includes('sRGB') && kept.includes('gAMA'));
  });

  it('keeps only the orientation of an eXIf chunk, and only when it is not 1', async () => {
    const rotated = withChunks(base, [{ type: 'eXIf', data: exifWithSoftware(6) }]);
    const out = await pngOptimizer.lossless(rotated, pngContext());
    const exif = readPngChunks(out.data).find((chunk) => chunk.type === 'eXIf');
    assert.ok(exif, 'eXIf kept');
    assert.equal(readOrientation(exif.data), 6);
    assert.ok(!Buffer.from(exif.data).includes('secret tool'), 'other tags dropped');
    assert.equal((await sharp(out.data).metadata()).orientation, 6);

    const upright = withChunks(base, [{ type: 'eXIf', data: exifWithSoftware(1) }]);
    assert.ok(!types((await pngOptimizer.lossless(upright, pngContext())).data).includes('eXIf'));
    const notKept = await pngOptimizer.lossless(
      rotated,
      pngContext({ keep: { icc: true, orientation: false } }),
    );
    assert.ok(!types(notKept.data).includes('eXIf'));
  });
});
