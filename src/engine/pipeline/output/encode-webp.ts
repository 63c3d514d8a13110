/**
 * WebP outputs from pipeline pixels, animated when the image has several frames (delays and loop
 * from the pipeline). Lossless: VP8L at method 6. Lossy: the WebP codec's search settings, and for
 * images of few colours the lossless encoding too, when it is the smaller.
 */

import { hasAtMostColours } from '../../codecs/png/colours.js';
import type { RgbaFrames } from '../../codecs/sharp-common/frames.js';
import { lossyCandidate } from '../../codecs/sharp-common/lossy-search.js';
import { encodeWebp } from '../../codecs/webp/index.js';
import { WEBP_SEARCH, wantsSharpYuv, webpLossyEffort, webpMethod } from '../../codecs/webp/lossy.js';
import { checkDeadline } from '../../deadline.js';
import type { Candidate } from '../../types.js';
import { animationOptions, framesToSharp } from '../to-sharp.js';
import type { TransformedImage } from '../transform.js';
import type { OutputSettings } from './settings.js';
import { sampledFrames, searchFromPixels } from './sharp-search.js';

/**
 * Colours per frame up to which lossy mode also tries lossless WebP. Flat graphics are what VP8L
 * codes best and VP8 worst: converted to lossy WebP at the default target, 11 of the 18 corpus
 * images (GIFs, icons, palette PNGs) of at most 1024 colours a frame came out larger than as
 * lossless WebP, pil-test.colors.gif 13 368 bytes against 1 044, gifsicle-logo-anim 35 946 against
 * 7 936, pil-iss634-anim (375 colours in its composited middle frame) 241 628 against 184 762; none
 * of the 17 with more colours did (from 1 288, an icon, to photos). Such images encode losslessly
 * in a few milliseconds to a few hundred (pil-iss634-anim, 42 frames of 245 px: 0.3 s).
 */
const FEW_COLOURS = 1024;

export async function encodeWebpOutput(
  image: TransformedImage,
  settings: OutputSettings,
  deadline: number,
): Promise<Candidate> {
  const animation = animationOptions(image);
  const lossless = async (): Promise<Candidate> => {
    const data = await encodeWebp(framesToSharp(image), { lossless: true, ...animation });
    return { data, method: 'webp lossless (method 6)', lossless: true };
  };
  if (!settings.lossy) return lossless();
  const effort = webpLossyEffort(
    image.width * image.height * image.frameCount,
    image.hasAlpha,
    image.frameCount,
  );
  // The search's frames, also judged here: the first for its colour detail, each for its colours.
  const sampled = sampledFrames(image);
  const smartSubsample = wantsSharpYuv(sampled);
  const result = await searchFromPixels(image, settings, deadline, {
    encode: (pipeline, quality) => encodeWebp(pipeline, { quality, effort, smartSubsample, ...animation }),
    ...WEBP_SEARCH,
    sampled,
  });
  const lossy = lossyCandidate(result, webpMethod(result.quality, effort, smartSubsample));
  if (!hasFewColours(sampled)) return lossy;
  checkDeadline(deadline);
  const exact = await lossless();
  if (exact.data.length >= lossy.data.length) return lossy;
  return {
    ...exact,
    notes: [
      `lossless WebP is smaller than lossy (${lossy.method}, ${lossy.data.length} bytes): every pixel kept`,
    ],
  };
}

/** Whether every frame of `frames` has at most {@link FEW_COLOURS} colours. */
function hasFewColours(frames: RgbaFrames): boolean {
  const { width, frameHeight } = frames;
  const frameBytes = width * frameHeight * 4;
  for (let slot = 0; slot < frames.frames; slot++) {
    const data = frames.data.subarray(slot * frameBytes, (slot + 1) * frameBytes);
    if (!hasAtMostColours({ data, width, height: frameHeight }, FEW_COLOURS)) return false;
  }
  return true;
}
