import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { readPngChunks } from '../../../src/engine/codecs/png/chunks.js';
import { readHeader } from '../../../src/engine/codecs/png/header.js';
import { pngOptimizer } from '../../../src/engine/codecs/png/index.js';
import { oxipng } from '../../../src/engine/codecs/png/oxipng.js';
import { assertSamePixels } from '../../helpers/pixels.js';
import { fixture, pngContext } from './context.js';

async function interlaced(png: Uint8Array, sixteen = false): Promise<Uint8Array> {
  const pipeline = sixteen ? sharp(png).toColourspace('rgb16') : sharp(png);
  const out = await pipeline.png({ progressive: true }).toBuffer();
  const header = readHeader(readPngChunks(out));
  assert.equal(header.interlaced, true, 'fixture is interlaced');
  assert.equal(header.bitDepth, sixteen ? 16 : 8, 'fixture bit depth');
  return out;
}

describe('PNG lossless', () => {
  const cases: [string, () => Promise<Uint8Array>][] = [
    ['palette + tRNS', async () => fixture('pngsuite-tbbn3p08.png')],
    ['16-bit RGBA', async () => fixture('pngsuite-basn6a16.png')],
    ['8-bit grey', async () => fixture('sk-text.png')],
    ['RGBA with soft alpha', async () => fixture('pil-transparent.png')],
    ['interlaced RGBA', () => interlaced(fixture('pil-transparent.png'))],
    ['interlaced 16-bit', () => interlaced(fixture('pngsuite-basn6a16.png'), true)],
  ];
  for (const [label, load] of cases) {
    it(`keeps every pixel: ${label}`, async () => {
      const input = await load();
      const candidate = await pngOptimizer.lossless(input, pngContext());
      assert.equal(candidate.lossless, true);
      await assertSamePixels(input, candidate.data, label);
      assert.equal(readHeader(readPngChunks(candidate.data)).interlaced, false, 'output is not interlaced');
    });
  }

  it('keeps 16-bit samples 16-bit', async () => {
    const input = fixture('pngsuite-basn6a16.png');
    const candidate = await pngOptimizer.lossless(input, pngContext());
    assert.equal((await sharp(candidate.data).metadata()).depth, 'ushort');
    await assertSamePixels(input, candidate.data, '16-bit');
  });

  it('is never larger than oxipng level 2 alone', async () => {
    for (const name of ['pngsuite-tbbn3p08.png', 'pil-transparent.png', 'sk-text.png']) {
      const input = fixture(name);
      const reference = await oxipng(input, { level: 2, optimizeAlpha: false });
      const candidate = await pngOptimizer.lossless(input, pngContext());
      assert.ok(
        candidate.data.length <= reference.length,
        `${name}: ${candidate.data.length} > ${reference.length}`,
      );
    }
  });
});
