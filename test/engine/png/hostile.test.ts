import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { constants, deflateRawSync, deflateSync } from 'node:zlib';
import { type PngChunk, readPngChunks, writePng } from '../../../src/engine/codecs/png/chunks.js';
import { pngOptimizer } from '../../../src/engine/codecs/png/index.js';
import { isSquishError } from '../../../src/errors/index.js';
import { assertSamePixels } from '../../helpers/pixels.js';
import { fixture, pngContext } from './context.js';

/**
 * A zlib stream that inflates to `blocks` x 64 MiB of zeros while staying ~64 KiB per block:
 * one sync-flushed deflate block repeated (byte-aligned, not final), then an empty final block.
 * The Adler-32 trailer is left zero: a decoder that honours the limits never gets that far.
 */
function zlibBomb(blocks: number): Uint8Array {
  const block = deflateRawSync(Buffer.alloc(64 * 1024 * 1024), {
    level: 9,
    finishFlush: constants.Z_SYNC_FLUSH,
  });
  const finalEmptyBlock = Uint8Array.of(0x03, 0x00);
  return Buffer.concat([
    Uint8Array.of(0x78, 0xda),
    ...Array.from({ length: blocks }, () => block),
    finalEmptyBlock,
    new Uint8Array(4),
  ]);
}

function withChunks(png: Uint8Array, extra: PngChunk[]): Uint8Array {
  const [ihdr, ...rest] = readPngChunks(png);
  return writePng([ihdr!, ...extra, ...rest]);
}

async function assertCode(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error) => isSquishError(error) && error.code === code);
}

describe('PNG hostile inputs', () => {
  const base = fixture('pil-transparent.png');

  it('drops zTXt, iTXt and iCCP bombs without inflating them', async () => {
    const bomb = zlibBomb(32); // 2 GiB once inflated
    const latin1 = (text: string) => Buffer.from(text, 'latin1');
    const input = withChunks(base, [
      { type: 'iCCP', data: Buffer.concat([latin1('bomb\0\0'), bomb]) },
      { type: 'zTXt', data: Buffer.concat([latin1('Comment\0\0'), bomb]) },
      { type: 'iTXt', data: Buffer.concat([latin1('Comment\0\x01\0\0\0'), bomb]) },
    ]);
    for (const lossy of [false, true]) {
      const ctx = pngContext({ lossy });
      const candidate = await (lossy ? pngOptimizer.lossy(input, ctx) : pngOptimizer.lossless(input, ctx));
      const types = readPngChunks(candidate.data).map((chunk) => chunk.type);
      for (const type of ['iCCP', 'zTXt', 'iTXt']) assert.ok(!types.includes(type), `${type} dropped`);
      assert.ok(candidate.notes?.some((note) => note.startsWith('ICC profile dropped')));
      assert.ok(candidate.data.length < base.length);
      if (!lossy) await assertSamePixels(base, candidate.data);
    }
  });

  it('keeps a sane compressed ICC profile next to the bomb check', async () => {
    const profile = Buffer.alloc(560);
    profile.writeUInt32BE(560, 0);
    const input = withChunks(base, [
      { type: 'iCCP', data: Buffer.concat([Buffer.from('ok\0\0'), deflateSync(profile)]) },
    ]);
    const candidate = await pngOptimizer.lossless(input, pngContext());
    assert.ok(readPngChunks(candidate.data).some((chunk) => chunk.type === 'iCCP'));
  });

  it('reports a bad CRC as CORRUPT_IMAGE', async () => {
    const input = fixture('pngsuite-xcsn0g01-bad-idat-crc.png');
    await assertCode(pngOptimizer.lossless(input, pngContext()), 'CORRUPT_IMAGE');
    await assertCode(pngOptimizer.lossy(input, pngContext({ lossy: true })), 'CORRUPT_IMAGE');
  });

  it('reports a truncated file as CORRUPT_IMAGE', async () => {
    await assertCode(
      pngOptimizer.lossless(fixture('pil-truncated_image.png'), pngContext()),
      'CORRUPT_IMAGE',
    );
    await assertCode(
      pngOptimizer.lossless(base.subarray(0, base.length - 20), pngContext()),
      'CORRUPT_IMAGE',
    );
  });

  it('reports image data that does not inflate as CORRUPT_IMAGE', async () => {
    const chunks = readPngChunks(base).map((chunk) =>
      chunk.type === 'IDAT' ? { type: 'IDAT', data: new Uint8Array(chunk.data.length).fill(0x5a) } : chunk,
    );
    const input = writePng(chunks);
    await assertCode(pngOptimizer.lossless(input, pngContext()), 'CORRUPT_IMAGE');
    await assertCode(pngOptimizer.lossy(input, pngContext({ lossy: true })), 'CORRUPT_IMAGE');
  });

  it('refuses a huge declared size before decoding', async () => {
    const ihdr = new Uint8Array(13);
    const view = new DataView(ihdr.buffer);
    view.setUint32(0, 40_000);
    view.setUint32(4, 40_000);
    ihdr[8] = 1; // 1-bit grey
    const input = writePng([
      { type: 'IHDR', data: ihdr },
      { type: 'IDAT', data: deflateSync(Buffer.alloc(1024)) },
      { type: 'IEND', data: new Uint8Array(0) },
    ]);
    await assertCode(pngOptimizer.lossless(input, pngContext()), 'TOO_MANY_PIXELS');
  });

  it('rejects a bad signature and unknown critical chunks', async () => {
    const badSignature = Uint8Array.from(base);
    badSignature[1] = 0x51;
    await assertCode(pngOptimizer.lossless(badSignature, pngContext()), 'CORRUPT_IMAGE');
    const unknownCritical = withChunks(base, [{ type: 'ABCD', data: new Uint8Array(4) }]);
    await assertCode(pngOptimizer.lossless(unknownCritical, pngContext()), 'UNSUPPORTED_FORMAT');
  });
});
