/**
 * Lossy WebP: the lowest VP8 quality whose full re-encode reaches the SSIMULACRA2 target on the
 * sampled tiles and frames, or the fixed `plan.quality`. Alpha stays exact (alphaQuality 100) and
 * is checked anyway by judging on white and on black.
 */

import { checkDeadline } from '../../deadline.js';
import type { Candidate, CodecContext } from '../../types.js';
import { chromaDetail } from '../jpeg/subsampling.js';
import { keepAppearance } from '../sharp-common/appearance.js';
import {
  assertDecodes,
  decodeRgbaFrames,
  flattenFrame,
  hasTransparency,
  type RgbaFrames,
  readRgbaFrames,
} from '../sharp-common/frames.js';
import { findLossyEncoding, lossyCandidate } from '../sharp-common/lossy-search.js';
import { buildReference, sampleFrames } from '../sharp-common/perceptual-reference.js';
import { encodeWebp } from './encode.js';
import { smallest, strippedCandidate } from './lossless.js';
import { isAnimated, openWebp } from './source.js';

/**
 * Where the WebP quality search starts and how it steps, shared with the pipeline's WebP outputs.
 * On photos libwebp's quality lands close to the SSIMULACRA2 score: kodim01 q80 -> 78; a 480x360
 * photo q80 -> 76, q83 -> 80, q86 -> 85 (about one point per step near 80).
 */
export const WEBP_SEARCH = {
  min: 5,
  max: 100,
  start: (target: number) => Math.round(target + 2),
  slope: 0.9,
  maxEvaluations: 5,
} as const;

/**
 * libwebp method for the search's encodes (`pixels` summed over the frames). 6 is 2 to 6 % smaller
 * than 4 at equal score (kodim01, skimage chelsea) at 2.5x the time, affordable below a few
 * megapixels; above that, 4 keeps five encodes within the time limit. With alpha, method 6 also
 * searches the alpha plane's filters exhaustively: 4.1 s instead of 49 ms at method 5 on a 512x512
 * icon, for 0.7 % fewer bytes. Animations get 5 at most: libwebp's animation encoder at method 6
 * was 4 to 37 times slower than at 5 on the 7 animated corpus GIFs for 0.2 to 2.2 % fewer bytes
 * (pil-iss634-anim, 42 frames of 245 px: 9.1 s instead of 0.25 s an encode at quality 85).
 */
export function webpLossyEffort(pixels: number, alpha: boolean, frames: number): number {
  if (pixels > 4_000_000) return 4;
  return alpha || frames > 1 ? 5 : 6;
}

/**
 * Chroma detail (chromaDetail, as the JPEG codec measures it) from which the lossy search encodes
 * with libwebp's sharp YUV conversion. VP8 has only 4:2:0, and its plain conversion smears colour
 * detail that no quality brings back. Converted to WebP at 768 px and searched to score 80, the 49
 * corpus JPEGs and PNGs: the 7 of detail 14 and more (coloured stars, line art, a test card)
 * took 22 % fewer bytes with it (sk-hubble_deep_field 135 862 instead of 260 448, at q87 instead
 * of q96; pil-test-card 18 070 instead of 42 088), and im-julia-set, which no quality brings to
 * 80, reached 78.9 instead of 64.6 at q100 (7 % larger); 5.7 % fewer bytes over all 49, for 2 %
 * more time. Used on every image, it helped below that detail as often as it hurt (median
 * +0.3 %, up to +16 % on a smooth wallpaper), for 12 % more time.
 */
export const SHARP_YUV_CHROMA_DETAIL = 14;

/**
 * Whether the first frame of `frames`, composited on white (the colour under transparent pixels
 * shows nowhere), has the colour detail that calls for sharp YUV.
 */
export function wantsSharpYuv(frames: RgbaFrames): boolean {
  return chromaDetail(flattenFrame(frames, 0, 255)) >= SHARP_YUV_CHROMA_DETAIL;
}

/** FormatOptimizer.lossy for WebP: fewest bytes reaching the plan's target, or its fixed quality. */
export async function optimizeWebpLossy(input: Uint8Array, ctx: CodecContext): Promise<Candidate> {
  const maxPixels = ctx.limits.maxPixels;
  // Every frame is encoded, so every frame must decode; only the sampled ones are kept.
  if (isAnimated(ctx)) await assertDecodes(input, { animated: true, maxPixels });
  const decodeOptions = { pages: sampleFrames(ctx.info.frames), maxPixels };
  const source = await decodeRgbaFrames(input, decodeOptions);
  checkDeadline(ctx.deadline);
  const pixels = source.width * source.frameHeight * ctx.info.frames;
  const effort = webpLossyEffort(pixels, ctx.info.hasAlpha && hasTransparency(source), ctx.info.frames);
  const smartSubsample = wantsSharpYuv(source);

  const result = await findLossyEncoding({
    encode: (quality) =>
      encodeWebp(keepAppearance(openWebp(input, ctx), ctx.info, ctx.plan.keep), {
        quality,
        effort,
        smartSubsample,
      }),
    decode: (encoded) => readRgbaFrames(encoded, decodeOptions),
    reference: buildReference(source),
    plan: ctx.plan,
    deadline: ctx.deadline,
    ...WEBP_SEARCH,
  });
  const lossy = lossyCandidate(result, webpMethod(result.quality, effort, smartSubsample));
  // An already small WebP can beat any re-encode; its stripped copy is then the best answer.
  return smallest([lossy, strippedCandidate(input, ctx)]);
}

/** How a lossy WebP was encoded, e.g. "webp q83 method 6 sharp-yuv". */
export function webpMethod(quality: number, effort: number, smartSubsample: boolean): string {
  return `webp q${quality} method ${effort}${smartSubsample ? ' sharp-yuv' : ''}`;
}
