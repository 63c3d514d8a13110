/**
 * Lossless WebP: the smaller of the input without its metadata chunks and, for a VP8L (lossless)
 * input, a fresh VP8L encode at libwebp's highest method. A lossy (VP8) input is never re-encoded:
 * a pixel-exact copy of its decoded pixels would be several times larger.
 */

import { checkDeadline } from '../../deadline.js';
import type { Candidate, CodecContext } from '../../types.js';
import { keepAppearance } from '../sharp-common/appearance.js';
import { assertDecodes } from '../sharp-common/frames.js';
import { encodeWebp } from './encode.js';
import { isLosslessWebp, stripWebpMetadata } from './metadata.js';
import { parseWebpChunks, serializeWebp } from './riff.js';
import { isAnimated, openWebp } from './source.js';

/** FormatOptimizer.lossless for WebP: pixel-exact, keeps ICC/orientation as the plan says. */
export async function optimizeWebpLossless(input: Uint8Array, ctx: CodecContext): Promise<Candidate> {
  const chunks = parseWebpChunks(input);
  // The container can be whole while a bitstream inside is not: decode everything once, so a
  // damaged file is reported as CORRUPT_IMAGE instead of being passed on.
  await assertDecodes(input, { animated: isAnimated(ctx), maxPixels: ctx.limits.maxPixels });
  checkDeadline(ctx.deadline);

  const candidates: Candidate[] = [strippedCandidate(input, ctx)];
  if (isLosslessWebp(chunks)) {
    const data = await encodeWebp(keepAppearance(openWebp(input, ctx), ctx.info, ctx.plan.keep), {
      lossless: true,
    });
    candidates.push({ data, method: 'webp lossless re-encode (method 6)', lossless: true });
  }
  return smallest(candidates);
}

/** The input with EXIF/XMP/unknown chunks removed (bitstreams untouched), or the input itself. */
export function strippedCandidate(input: Uint8Array, ctx: CodecContext): Candidate {
  const data = serializeWebp(stripWebpMetadata(parseWebpChunks(input), ctx.plan.keep, ctx.info.orientation));
  if (data.length >= input.length) return { data: input, method: 'original', lossless: true };
  return { data, method: 'webp metadata stripped', lossless: true };
}

/** The candidate with the fewest bytes (the first on a tie). */
export function smallest(candidates: Candidate[]): Candidate {
  return candidates.reduce((best, next) => (next.data.length < best.data.length ? next : best));
}
