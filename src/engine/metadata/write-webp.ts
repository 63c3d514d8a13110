/**
 * Puts metadata blocks into an encoded WebP as ICCP, EXIF and XMP chunks, turning a simple
 * (VP8/VP8L-only) file into the extended format when needed; the bitstreams are copied as they
 * are. Reuses the codec's RIFF reader and writer.
 */
import { SquishError } from '../../errors/index.js';
import { parseWebpChunks, serializeWebp, type WebpChunk } from '../codecs/webp/riff.js';
import type { MetadataBlocks } from './types.js';

const FLAG_ICC = 0x20;
const FLAG_ALPHA = 0x10;
const FLAG_EXIF = 0x08;
const FLAG_XMP = 0x04;
const METADATA_CHUNKS = new Set(['ICCP', 'EXIF', 'XMP ']);

/**
 * `webp` with its ICCP/EXIF/XMP chunks replaced by `blocks`, in the order the container spec
 * requires (VP8X, ICCP, image data, EXIF, XMP) and with the VP8X flags telling the truth.
 * @throws SquishError CORRUPT_IMAGE when the container or the first bitstream header is broken.
 */
export function writeWebpMetadata(
  webp: Uint8Array,
  blocks: MetadataBlocks,
): { data: Uint8Array; notes: string[] } {
  const chunks = parseWebpChunks(webp);
  const image = chunks.filter((chunk) => chunk.fourcc !== 'VP8X' && !METADATA_CHUNKS.has(chunk.fourcc));
  const header = chunks.find((chunk) => chunk.fourcc === 'VP8X');
  const hasMetadata = blocks.icc !== undefined || blocks.exif !== undefined || blocks.xmp !== undefined;
  if (!header && !hasMetadata) return { data: serializeWebp(image), notes: [] };

  const vp8x = header ? header.payload.slice() : extendedHeader(image);
  let flags = vp8x[0]! & ~(FLAG_ICC | FLAG_EXIF | FLAG_XMP);
  const out: WebpChunk[] = [{ fourcc: 'VP8X', payload: vp8x }];
  if (blocks.icc) {
    out.push({ fourcc: 'ICCP', payload: blocks.icc });
    flags |= FLAG_ICC;
  }
  out.push(...image);
  if (blocks.exif) {
    out.push({ fourcc: 'EXIF', payload: blocks.exif });
    flags |= FLAG_EXIF;
  }
  if (blocks.xmp) {
    out.push({ fourcc: 'XMP ', payload: new TextEncoder().encode(blocks.xmp) });
    flags |= FLAG_XMP;
  }
  vp8x[0] = flags;
  return { data: serializeWebp(out), notes: [] };
}

/** A VP8X payload for a simple file: canvas size from the bitstream, alpha flag from VP8L/ALPH. */
function extendedHeader(image: readonly WebpChunk[]): Uint8Array {
  const bitstream = image.find((chunk) => chunk.fourcc === 'VP8 ' || chunk.fourcc === 'VP8L');
  if (!bitstream) throw corrupt('no VP8 or VP8L bitstream');
  const p = bitstream.payload;
  let width: number;
  let height: number;
  let alpha = image.some((chunk) => chunk.fourcc === 'ALPH');
  if (bitstream.fourcc === 'VP8 ') {
    // Key frame: 3-byte frame tag, start code 9d 01 2a, then 14-bit width and height.
    if (p.length < 10 || p[3] !== 0x9d || p[4] !== 0x01 || p[5] !== 0x2a) throw corrupt('bad VP8 header');
    width = ((p[7]! << 8) | p[6]!) & 0x3fff;
    height = ((p[9]! << 8) | p[8]!) & 0x3fff;
  } else {
    // Signature 0x2f, then width-1 (14 bits), height-1 (14 bits), alpha_is_used (1 bit), LSB first.
    if (p.length < 5 || p[0] !== 0x2f) throw corrupt('bad VP8L header');
    const bits = p[1]! | (p[2]! << 8) | (p[3]! << 16) | (p[4]! << 24);
    width = (bits & 0x3fff) + 1;
    height = ((bits >>> 14) & 0x3fff) + 1;
    alpha ||= ((bits >>> 28) & 1) === 1;
  }
  const payload = new Uint8Array(10);
  payload[0] = alpha ? FLAG_ALPHA : 0;
  writeU24(payload, 4, width - 1);
  writeU24(payload, 7, height - 1);
  return payload;
}

function writeU24(out: Uint8Array, offset: number, value: number): void {
  out[offset] = value & 0xff;
  out[offset + 1] = (value >> 8) & 0xff;
  out[offset + 2] = (value >> 16) & 0xff;
}

function corrupt(detail: string): SquishError {
  return new SquishError('CORRUPT_IMAGE', undefined, { cause: new Error(`WebP container: ${detail}`) });
}
