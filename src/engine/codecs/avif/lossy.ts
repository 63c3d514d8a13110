/**
 * Lossy AVIF: the lowest aom quality whose full re-encode reaches the SSIMULACRA2 target on the
 * sampled tiles, or the fixed `plan.quality`. AV1 encoding is the slow part (one libvips thread),
 * so the search is capped at three encodes at a low effort (see avifEffortFor), and one more (the
 * search's rescue) when all three fall short, before the highest quality.
 */

import { checkDeadline } from '../../deadline.js';
import type { Candidate, CodecContext } from '../../types.js';
import { decodeRgbaFrames, readRgbaFrames } from '../sharp-common/frames.js';
import { findLossyEncoding, lossyCandidate } from '../sharp-common/lossy-search.js';
import { buildReference } from '../sharp-common/perceptual-reference.js';
import { avifEffortFor, encodeAvif } from './encode.js';
import { avifDecodeOptions, openAvif } from './source.js';

/**
 * Where the AVIF quality search starts and how it steps, shared with the pipeline's AVIF outputs.
 * aom's quality sits well below the SSIMULACRA2 it gives: kodim01 (from PNG) q60 -> 72 and
 * q75 -> 83; a 480x360 AVIF photo re-encoded: q57 -> 79, q60 -> 82, q72 -> 89.
 */
export const AVIF_SEARCH = {
  min: 5,
  max: 100,
  start: (target: number) => Math.round(target - 18),
  slope: 0.9,
  maxEvaluations: 3,
} as const;

/** FormatOptimizer.lossy for AVIF: fewest bytes reaching the plan's target, or its fixed quality. */
export async function optimizeAvifLossy(input: Uint8Array, ctx: CodecContext): Promise<Candidate> {
  const source = await decodeRgbaFrames(input, avifDecodeOptions(ctx));
  checkDeadline(ctx.deadline);
  const chromaSubsampling = ctx.plan.chromaSubsampling === '4:2:0' ? '4:2:0' : '4:4:4';
  const effort = avifEffortFor(source.width * source.frameHeight);

  const result = await findLossyEncoding({
    encode: (quality) => encodeAvif(openAvif(input, ctx), { quality, effort, chromaSubsampling }),
    decode: (encoded) => readRgbaFrames(encoded, avifDecodeOptions(ctx)),
    reference: buildReference(source),
    plan: ctx.plan,
    deadline: ctx.deadline,
    ...AVIF_SEARCH,
  });
  const lossy = lossyCandidate(result, `avif q${result.quality} effort ${effort} ${chromaSubsampling}`);
  return lossy.data.length < input.length ? lossy : { data: input, method: 'original', lossless: true };
}
