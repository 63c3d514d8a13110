import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { type PngChunk, readPngChunks, writePng } from '../../../src/engine/codecs/png/chunks.js';
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

  it('keeps the frames of an APNG', async () => {
    const chunks = readPngChunks(fixture('pil-transparent.png'));
    const ihdr = chunks[0]!;
    const idat = chunks.filter((chunk) => chunk.type === 'IDAT');
    const u32 = (...values: number[]) => {
      const out = new Uint8Array(values.length * 4);
      const view = new DataView(out.buffer);
      for (const [i, value] of values.entries()) view.setUint32(i * 4, value);
      return out;
    };
    const width = new DataView(ihdr.data.buffer, ihdr.data.byteOffset).getUint32(0);
    const height = new DataView(ihdr.data.buffer, ihdr.data.byteOffset).getUint32(4);
    // fcTL: sequence, size, offset, delay 1/10 s, dispose none, blend source.
    const fctl = (sequence: number): PngChunk => ({
      type: 'fcTL',
      data: Uint8Array.from([...u32(sequence, width, height, 0, 0), 0, 1, 0, 10, 0, 0]),
    });
    const fdat = idat.map((chunk, i) => ({
      type: 'fdAT',
      data: Uint8Array.from([...u32(2 + i), ...chunk.data]),
    }));
    const input = writePng([
      ihdr,
      { type: 'acTL', data: u32(2, 0) },
      fctl(0),
      ...idat,
      fctl(1),
      ...fdat,
      { type: 'IEND', data: new Uint8Array(0) },
    ]);
    const candidate = await pngOptimizer.lossless(input, pngContext());
    const types = readPngChunks(candidate.data).map((chunk) => chunk.type);
    for (const type of ['acTL', 'fcTL', 'fdAT']) assert.ok(types.includes(type), `${type} kept`);
    // libvips reads only the default image of an APNG; the frames are checked as chunks.
    assert.deepEqual(
      readPngChunks(candidate.data).filter((chunk) => chunk.type === 'fdAT'),
      readPngChunks(input).filter((chunk) => chunk.type === 'fdAT'),
    );
    await assertSamePixels(input, candidate.data, 'APNG');
  });
});

describe('PNG lossless effort by size', () => {
  /** A `side`² RGB PNG of a few flat shapes: large, but quick for oxipng at any level. */
  async function shapes(side: number): Promise<Uint8Array> {
    const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${side}" height="${side}"><rect width="100%" height="100%" fill="#2a6"/><circle cx="50%" cy="50%" r="30%" fill="#c33"/></svg>`;
    return sharp(Buffer.from(svg)).removeAlpha().png({ compressionLevel: 1 }).toBuffer();
  }

  it('uses oxipng level 2 up to 8 MP and level 1 above, pixel-exact both', async () => {
    // 2828² is just under 8 MP, 2829² just over (FULL_LEVEL_MAX_PIXELS).
    for (const [side, level] of [
      [2828, 2],
      [2829, 1],
    ] as const) {
      const input = await shapes(side);
      const candidate = await pngOptimizer.lossless(input, pngContext());
      assert.equal(candidate.method, `oxipng level ${level}`, `${side}x${side}`);
      await assertSamePixels(input, candidate.data, `${side}x${side}`);
    }
  });
});
