import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { encodePng } from '../../../src/engine/codecs/png/index.js';
import { assertSamePixels } from '../../helpers/pixels.js';
import { fixture } from './context.js';

describe('encodePng', () => {
  it('encodes 8-bit RGBA pixels exactly and smaller than sharp alone', async () => {
    const source = fixture('pil-transparent.png');
    const { data, info } = await sharp(source).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
    const png = await encodePng({ data, width: info.width, height: info.height, channels: 4 });
    await assertSamePixels(source, png);
    const plain = await sharp(data, { raw: { width: info.width, height: info.height, channels: 4 } })
      .png()
      .toBuffer();
    assert.ok(png.length < plain.length, `${png.length} >= ${plain.length}`);
  });

  it('keeps 16-bit samples 16-bit', async () => {
    const source = fixture('pngsuite-basn6a16.png');
    const raw = await sharp(source).toColourspace('rgb16').raw({ depth: 'ushort' }).toBuffer();
    const samples = new Uint16Array(raw.buffer, raw.byteOffset, raw.length / 2);
    const png = await encodePng({ data: samples, width: 32, height: 32, channels: 4 });
    assert.equal((await sharp(png).metadata()).depth, 'ushort');
    await assertSamePixels(source, png);
  });

  it('rejects a buffer of the wrong size', async () => {
    await assert.rejects(
      encodePng({ data: new Uint8Array(10), width: 4, height: 4, channels: 3 }),
      RangeError,
    );
  });
});
