/**
 * The lossy search of the sharp-encoded codecs (WebP, AVIF) over pipeline pixels: the codecs'
 * findLossyEncoding with a reference built from the transformed frames instead of a decoded file.
 */
import sharp, { type Sharp } from 'sharp';
import { type RgbaFrames, readRgbaFrames } from '../../codecs/sharp-common/frames.js';
import { findLossyEncoding, type LossyEncoding } from '../../codecs/sharp-common/lossy-search.js';
import { buildReference, sampleFrames } from '../../codecs/sharp-common/perceptual-reference.js';
import { framesToSharp } from '../to-sharp.js';
import type { TransformedImage } from '../transform.js';
import { rgbaFrames } from './raw-views.js';
import type { OutputSettings } from './settings.js';

export interface SharpSearchOptions {
  /** Encodes the pipeline at an integer quality. */
  encode(pipeline: Sharp, quality: number): Promise<Uint8Array>;
  min: number;
  max: number;
  start(target: number): number;
  slope: number;
  maxEvaluations: number;
  /** The image's {@link sampledFrames}, when the caller already made them for its own use. */
  sampled?: RgbaFrames;
}

/** The frames the search judges (sampleFrames), as stacked RGBA. */
export function sampledFrames(image: TransformedImage): RgbaFrames {
  return rgbaFrames(image, sampleFrames(image.frameCount));
}

/** The lowest quality reaching the settings' target (or the fixed quality), judged on sampled frames and tiles. */
export function searchFromPixels(
  image: TransformedImage,
  settings: OutputSettings,
  deadline: number,
  options: SharpSearchOptions,
): Promise<LossyEncoding> {
  const pages = sampleFrames(image.frameCount);
  return findLossyEncoding({
    encode: (quality) => options.encode(framesToSharp(image), quality),
    decode: async (encoded) =>
      readRgbaFrames(encoded, {
        pages: await matchingPages(encoded, image, pages),
        maxPixels: settings.limits.maxPixels,
      }),
    reference: buildReference(options.sampled ?? sampledFrames(image)),
    plan: {
      lossy: true,
      keep: { icc: false, orientation: false },
      ...(settings.quality !== undefined ? { quality: settings.quality } : {}),
      ...(settings.target !== undefined ? { target: settings.target } : {}),
    },
    deadline,
    min: options.min,
    max: options.max,
    start: options.start,
    slope: options.slope,
    maxEvaluations: options.maxEvaluations,
  });
}

/**
 * The encoded frames showing at the start of each sampled source frame. libwebp's animation
 * encoder merges a frame identical to the previous one into it (longer delay), so the encoded
 * file can have fewer frames than the pipeline gave it (the corpus' chi animation: 31 -> fewer);
 * matching by time keeps comparing the same moments of the animation.
 */
async function matchingPages(
  encoded: Uint8Array,
  image: TransformedImage,
  pages: readonly number[],
): Promise<number[]> {
  if (image.frameCount < 2) return [...pages];
  const meta = await sharp(encoded, { animated: true }).metadata();
  const count = meta.pages ?? 1;
  if (count === image.frameCount) return [...pages];
  const starts = (delays: readonly number[]) => {
    let time = 0;
    return delays.map((delay) => {
      const start = time;
      time += delay;
      return start;
    });
  };
  const sourceStarts = starts(image.delaysMs);
  const encodedStarts = starts(meta.delay ?? []);
  return pages.map((page) => {
    const at = sourceStarts[page] ?? 0;
    let index = 0;
    while (index + 1 < Math.min(count, encodedStarts.length) && encodedStarts[index + 1]! <= at) index++;
    return index;
  });
}
