/**
 * The WebP container (RIFF) read and written chunk by chunk. Hand-written because what it does is
 * small and exact (list, drop, reorder chunks without touching the bitstreams), and neither sharp
 * nor any installed package edits WebP chunks in memory (webpmux works on files only).
 * Layout: "RIFF" size "WEBP", then chunks of FourCC, little-endian size, payload, pad to even.
 */
import { SquishError } from '../../../errors/index.js';

export interface WebpChunk {
  /** Four characters, e.g. "VP8 ", "VP8L", "VP8X", "ALPH", "ANMF", "ICCP", "EXIF", "XMP ". */
  fourcc: string;
  payload: Uint8Array;
}

const HEADER = 12;

/**
 * Splits a WebP file into its top-level chunks. Bytes after the RIFF end are ignored (they are
 * not part of the image).
 * @throws SquishError CORRUPT_IMAGE when the container is truncated or not WebP.
 */
export function parseWebpChunks(bytes: Uint8Array): WebpChunk[] {
  if (bytes.length < HEADER || ascii(bytes, 0) !== 'RIFF' || ascii(bytes, 8) !== 'WEBP') {
    throw corrupt('not a RIFF WebP container');
  }
  const end = 8 + readU32(bytes, 4);
  if (end > bytes.length) throw corrupt(`truncated: RIFF declares ${end} bytes, file has ${bytes.length}`);
  const chunks = readChunks(bytes, HEADER, end);
  if (chunks.length === 0) throw corrupt('no chunks');
  return chunks;
}

/** Chunks nested in an animation frame (ANMF): its 16-byte frame header comes first. */
export function frameChunks(anmf: WebpChunk): WebpChunk[] {
  return readChunks(anmf.payload, 16, anmf.payload.length);
}

/** Reassembles a WebP file from chunks. */
export function serializeWebp(chunks: readonly WebpChunk[]): Uint8Array {
  const bodySize = chunks.reduce((sum, chunk) => sum + 8 + padded(chunk.payload.length), 0);
  const out = new Uint8Array(HEADER + bodySize);
  const view = new DataView(out.buffer);
  writeAscii(out, 0, 'RIFF');
  view.setUint32(4, 4 + bodySize, true);
  writeAscii(out, 8, 'WEBP');
  let offset = HEADER;
  for (const chunk of chunks) {
    writeAscii(out, offset, chunk.fourcc);
    view.setUint32(offset + 4, chunk.payload.length, true);
    out.set(chunk.payload, offset + 8);
    offset += 8 + padded(chunk.payload.length);
  }
  return out;
}

function readChunks(bytes: Uint8Array, start: number, end: number): WebpChunk[] {
  const chunks: WebpChunk[] = [];
  let offset = start;
  while (offset + 8 <= end) {
    const size = readU32(bytes, offset + 4);
    const payloadEnd = offset + 8 + size;
    if (payloadEnd > end) throw corrupt(`truncated chunk "${ascii(bytes, offset)}"`);
    chunks.push({ fourcc: ascii(bytes, offset), payload: bytes.subarray(offset + 8, payloadEnd) });
    offset = payloadEnd + (size & 1);
  }
  return chunks;
}

function padded(size: number): number {
  return size + (size & 1);
}

function readU32(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset, true);
}

function ascii(bytes: Uint8Array, offset: number): string {
  return String.fromCharCode(...bytes.subarray(offset, offset + 4));
}

function writeAscii(out: Uint8Array, offset: number, text: string): void {
  for (let i = 0; i < 4; i++) out[offset + i] = text.charCodeAt(i);
}

function corrupt(detail: string): SquishError {
  return new SquishError('CORRUPT_IMAGE', undefined, { cause: new Error(`WebP container: ${detail}`) });
}
