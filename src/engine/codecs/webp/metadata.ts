/**
 * Pixel-preserving metadata removal for WebP: drops EXIF, XMP and unknown chunks from the RIFF
 * container, leaving every bitstream byte as it was. This is the only lossless saving a lossy
 * WebP allows (re-encoding its decoded pixels losslessly is several times larger).
 */
import type { AppearanceMetadata } from '../../../plan/index.js';
import { orientationTiff } from '../../metadata/tiff-writer.js';
import { frameChunks, type WebpChunk } from './riff.js';

/** Chunks that make up the picture; everything else is metadata or unknown. */
const IMAGE_CHUNKS = new Set(['VP8X', 'ANIM', 'ANMF', 'ALPH', 'VP8 ', 'VP8L']);

const FLAG_ICC = 0x20;
const FLAG_EXIF = 0x08;
const FLAG_XMP = 0x04;
const FLAG_ANIMATION = 0x02;

/** Whether every frame is VP8L, i.e. the file decodes to exactly what was encoded. */
export function isLosslessWebp(chunks: readonly WebpChunk[]): boolean {
  const bitstreams = chunks.flatMap((chunk) => (chunk.fourcc === 'ANMF' ? frameChunks(chunk) : [chunk]));
  const kinds = bitstreams.filter((chunk) => chunk.fourcc === 'VP8 ' || chunk.fourcc === 'VP8L');
  return kinds.length > 0 && kinds.every((chunk) => chunk.fourcc === 'VP8L');
}

/**
 * The chunks without metadata. Kept: the bitstreams, the ICC profile when `keep.icc`, and the
 * orientation when `keep.orientation` and it is not 1 (rewritten as a one-tag EXIF block, so GPS
 * and camera data go). The VP8X header's flags are updated, and dropped altogether when a simple
 * file can say the same (one opaque or VP8L image, no metadata): 18 bytes less.
 */
export function stripWebpMetadata(
  chunks: readonly WebpChunk[],
  keep: AppearanceMetadata,
  orientation: number | undefined,
): WebpChunk[] {
  const exif =
    keep.orientation && orientation !== undefined && orientation !== 1
      ? { fourcc: 'EXIF', payload: orientationTiff(orientation) }
      : undefined;
  const kept = chunks.filter(
    (chunk) => IMAGE_CHUNKS.has(chunk.fourcc) || (keep.icc && chunk.fourcc === 'ICCP'),
  );
  const header = kept.find((chunk) => chunk.fourcc === 'VP8X');
  if (!header) return kept; // simple format: nothing but the bitstream was there to begin with
  const body = kept.filter((chunk) => chunk.fourcc !== 'VP8X');
  if (exif) body.push(exif);

  const has = (fourcc: string) => body.some((chunk) => chunk.fourcc === fourcc);
  const images = body.filter((chunk) => chunk.fourcc === 'VP8 ' || chunk.fourcc === 'VP8L');
  if (!has('ANMF') && !has('ALPH') && !has('ICCP') && !exif && images.length === 1) return images;

  const payload = header.payload.slice();
  let flags = payload[0]! & ~(FLAG_ICC | FLAG_EXIF | FLAG_XMP);
  if (has('ICCP')) flags |= FLAG_ICC;
  if (exif) flags |= FLAG_EXIF;
  if (!has('ANMF')) flags &= ~FLAG_ANIMATION;
  payload[0] = flags;
  // The container spec orders ICCP first after VP8X and EXIF/XMP last; filter() kept that order.
  return [{ fourcc: 'VP8X', payload }, ...body];
}
