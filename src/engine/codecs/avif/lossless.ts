/**
 * Lossless AVIF: the input itself, once it has been checked to decode. An AV1 image (lossy, and
 * usually 4:2:0 YUV) has no smaller pixel-exact encoding in reach: a lossless AV1 re-encode of its
 * decoded RGB is many times larger. Stripping Exif/XMP items would mean rewriting the ISOBMFF
 * box offsets (iloc) for a few hundred bytes; left out on purpose.
 */
import type { Candidate, CodecContext } from '../../types.js';
import { decodeRgbaFrames } from '../sharp-common/frames.js';
import { avifDecodeOptions } from './source.js';

/** FormatOptimizer.lossless for AVIF: validates the input and hands it back. */
export async function optimizeAvifLossless(input: Uint8Array, ctx: CodecContext): Promise<Candidate> {
  await decodeRgbaFrames(input, avifDecodeOptions(ctx));
  return { data: input, method: 'original', lossless: true };
}
