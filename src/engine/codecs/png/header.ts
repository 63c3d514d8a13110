/**
 * The PNG IHDR chunk: dimensions and pixel format, read and checked before anything is decoded.
 */
import { SquishError } from '../../../errors/index.js';
import type { PngChunk } from './chunks.js';

export interface PngHeader {
  width: number;
  height: number;
  /** Bits per sample: 1, 2, 4, 8 or 16. */
  bitDepth: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey+alpha, 6 RGBA. */
  colorType: number;
  interlaced: boolean;
  /** An alpha channel, or a tRNS chunk giving some colour transparency. */
  hasAlpha: boolean;
  /** An APNG (acTL chunk): the extra frames live in fdAT chunks. */
  animated: boolean;
}

const ALLOWED_DEPTHS: Record<number, number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};

/**
 * Reads and validates IHDR (the first chunk; readPngChunks guarantees it is there).
 * @throws SquishError CORRUPT_IMAGE when a field has a value the PNG spec does not allow.
 */
export function readHeader(chunks: readonly PngChunk[]): PngHeader {
  const ihdr = chunks[0];
  if (ihdr?.type !== 'IHDR' || ihdr.data.length !== 13) {
    throw new SquishError('CORRUPT_IMAGE', 'Corrupt PNG: bad IHDR chunk.');
  }
  const view = new DataView(ihdr.data.buffer, ihdr.data.byteOffset, 13);
  const width = view.getUint32(0);
  const height = view.getUint32(4);
  const bitDepth = view.getUint8(8);
  const colorType = view.getUint8(9);
  const interlace = view.getUint8(12);
  const valid =
    width > 0 &&
    height > 0 &&
    width <= 0x7fffffff &&
    height <= 0x7fffffff &&
    ALLOWED_DEPTHS[colorType]?.includes(bitDepth) &&
    view.getUint8(10) === 0 &&
    view.getUint8(11) === 0 &&
    interlace <= 1;
  if (!valid) throw new SquishError('CORRUPT_IMAGE', 'Corrupt PNG: invalid IHDR values.');
  const types = new Set(chunks.map((chunk) => chunk.type));
  if (colorType === 3 && !types.has('PLTE')) {
    throw new SquishError('CORRUPT_IMAGE', 'Corrupt PNG: palette image without PLTE.');
  }
  return {
    width,
    height,
    bitDepth,
    colorType,
    interlaced: interlace === 1,
    hasAlpha: colorType === 4 || colorType === 6 || types.has('tRNS'),
    animated: types.has('acTL'),
  };
}
