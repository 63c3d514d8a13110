/**
 * A minimal PNG chunk reader and writer: just enough to validate a file's structure and CRCs and
 * to choose which ancillary chunks survive, without decoding pixels.
 *
 * Hand-written: the npm chunk libraries either inflate text chunks on read (a decompression-bomb
 * risk) or skip CRC checks; the format itself is four fields per chunk.
 */
import { SquishError } from '../../../errors/index.js';
import { crc32 } from './crc32.js';

/** The eight bytes every PNG starts with. */
export const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

export interface PngChunk {
  /** Four ASCII letters, e.g. "IHDR". */
  type: string;
  /** The chunk's payload (a view into the input, not a copy). */
  data: Uint8Array;
}

/** Whether a chunk type is critical (first letter upper case): a decoder must understand it. */
export function isCritical(type: string): boolean {
  return (type.charCodeAt(0) & 0x20) === 0;
}

function corrupt(message: string): SquishError {
  return new SquishError('CORRUPT_IMAGE', `Corrupt PNG: ${message}.`);
}

/**
 * Splits a PNG into its chunks, up to and including IEND (trailing bytes are ignored).
 * @throws SquishError CORRUPT_IMAGE on a bad signature, a bad CRC, a truncated file, a missing
 *   IHDR/IDAT/IEND or a malformed chunk type.
 */
export function readPngChunks(png: Uint8Array): PngChunk[] {
  if (png.length < PNG_SIGNATURE.length || PNG_SIGNATURE.some((byte, i) => png[i] !== byte)) {
    throw corrupt('bad signature');
  }
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const chunks: PngChunk[] = [];
  let offset = PNG_SIGNATURE.length;
  for (;;) {
    if (offset + 12 > png.length) throw corrupt('truncated (no IEND chunk)');
    const length = view.getUint32(offset);
    const typeStart = offset + 4;
    const dataStart = offset + 8;
    const dataEnd = dataStart + length;
    if (length > 0x7fffffff || dataEnd + 4 > png.length) throw corrupt('truncated chunk');
    const type = String.fromCharCode(...png.subarray(typeStart, dataStart));
    if (!/^[A-Za-z]{4}$/.test(type)) throw corrupt('invalid chunk type');
    if (crc32(png, typeStart, dataEnd) !== view.getUint32(dataEnd)) {
      throw corrupt(`CRC mismatch in ${type} chunk`);
    }
    chunks.push({ type, data: png.subarray(dataStart, dataEnd) });
    offset = dataEnd + 4;
    if (type === 'IEND') break;
  }
  if (chunks[0]?.type !== 'IHDR') throw corrupt('IHDR is not the first chunk');
  if (!chunks.some((chunk) => chunk.type === 'IDAT')) throw corrupt('no image data');
  return chunks;
}

/** Serialises chunks into a PNG file, computing each CRC. */
export function writePng(chunks: readonly PngChunk[]): Uint8Array {
  let size = PNG_SIGNATURE.length;
  for (const chunk of chunks) size += 12 + chunk.data.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(PNG_SIGNATURE, 0);
  let offset = PNG_SIGNATURE.length;
  for (const chunk of chunks) {
    view.setUint32(offset, chunk.data.length);
    for (let i = 0; i < 4; i++) out[offset + 4 + i] = chunk.type.charCodeAt(i);
    out.set(chunk.data, offset + 8);
    const end = offset + 8 + chunk.data.length;
    view.setUint32(end, crc32(out, offset + 4, end));
    offset = end + 4;
  }
  return out;
}
