import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readPngChunks, writePng } from '../../../src/engine/codecs/png/chunks.js';
import { hasAtMostColours } from '../../../src/engine/codecs/png/colours.js';
import { crc32 } from '../../../src/engine/codecs/png/crc32.js';
import { orientationExif, readOrientation } from '../../../src/engine/codecs/png/exif-orientation.js';
import { decodeRgba8 } from '../../../src/engine/codecs/png/pixels.js';
import { fixture } from './context.js';

describe('PNG building blocks', () => {
  it('computes the CRC-32 PNG chunks use', () => {
    // Every PNG ends with the IEND chunk, whose CRC is AE 42 60 82.
    assert.equal(crc32(new TextEncoder().encode('IEND')), 0xae426082);
    assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926); // the standard check value
  });

  it('reads and rewrites a PNG chunk for chunk', () => {
    const input = fixture('pngsuite-tbbn3p08.png');
    const chunks = readPngChunks(input);
    assert.deepEqual(
      chunks.map((chunk) => chunk.type),
      ['IHDR', 'gAMA', 'PLTE', 'tRNS', 'bKGD', 'IDAT', 'IEND'],
    );
    // A structural round trip: the writer must reproduce the file, CRCs included.
    assert.deepEqual(writePng(chunks), input);
  });

  it('round-trips an EXIF orientation', () => {
    for (let orientation = 1; orientation <= 8; orientation++) {
      assert.equal(readOrientation(orientationExif(orientation)), orientation);
    }
    assert.equal(readOrientation(new Uint8Array(4)), undefined);
  });

  it('counts colours with transparent pixels as one', async () => {
    assert.equal(hasAtMostColours(await decodeRgba8(fixture('pngsuite-tbbn3p08.png')), 256), true);
    assert.equal(hasAtMostColours(await decodeRgba8(fixture('pil-transparent.png')), 256), false);
  });
});
