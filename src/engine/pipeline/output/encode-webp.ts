/**
 * WebP outputs from pipeline pixels, animated when the image has several frames (delays and loop
 * from the pipeline). Lossless: VP8L at method 6. Lossy: the WebP codec's search settings.
 */

import { lossyCandidate } from '../../codecs/sharp-common/lossy-search.js';
import { encodeWebp } from '../../codecs/webp/index.js';
import { WEBP_SEARCH } from '../../codecs/webp/lossy.js';
import type { Candidate } from '../../types.js';
import { animationOptions, framesToSharp } from '../to-sharp.js';
import type { TransformedImage } from '../transform.js';
import type { OutputSettings } from './settings.js';
import { searchFromPixels } from './sharp-search.js';

/** libwebp method: 6 below 4 MP without alpha (as the WebP codec's effortFor), 5 with alpha, 4 above. */
function effortFor(pixels: number, alpha: boolean): number {
  if (pixels > 4_000_000) return 4;
  return alpha ? 5 : 6;
}

export async function encodeWebpOutput(
  image: TransformedImage,
  settings: OutputSettings,
  deadline: number,
): Promise<Candidate> {
  const animation = animationOptions(image);
  if (!settings.lossy) {
    const data = await encodeWebp(framesToSharp(image), { lossless: true, ...animation });
    return { data, method: 'webp lossless (method 6)', lossless: true };
  }
  const effort = effortFor(image.width * image.height * image.frameCount, image.hasAlpha);
  const result = await searchFromPixels(image, settings, deadline, {
    encode: (pipeline, quality) => encodeWebp(pipeline, { quality, effort, ...animation }),
    ...WEBP_SEARCH,
  });
  return lossyCandidate(result, `webp q${result.quality} method ${effort}`);
}
