/**
 * The lossy search of the sharp-encoded codecs (WebP, AVIF) over pipeline pixels: the codecs'
 * findLossyEncoding with a reference built from the transformed frames instead of a decoded file.
 */
import type { Sharp } from 'sharp';
import { readRgbaFrames } from '../../codecs/sharp-common/frames.js';
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
    decode: (encoded) => readRgbaFrames(encoded, { pages, maxPixels: settings.limits.maxPixels }),
    reference: buildReference(rgbaFrames(image, pages)),
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
