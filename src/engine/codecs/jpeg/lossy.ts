/**
 * "Intelligent lossy" JPEG from an input file: mozjpeg at the lowest quality whose SSIMULACRA2
 * score reaches the plan's target (the search itself is jpegLossyFromPixels), from the input's
 * pixels converted to sRGB, with the EXIF orientation kept.
 */
import { SquishError } from '../../../errors/index.js';
import { DEFAULT_LOSSY_TARGET } from '../../../plan/index.js';
import type { Candidate, CodecContext } from '../../types.js';
import { decodeToSrgb } from './decode.js';
import { isRotatingOrientation, orientationExifSegment } from './exif-orientation.js';
import { jpegLossyFromPixels } from './lossy-pixels.js';
import { insertSegments, readJpegHeader } from './segments.js';

/**
 * Perceptual lossy optimization of a JPEG (see {@link FormatOptimizer.lossy}). The output is sRGB
 * without a profile (CMYK and wide-gamut inputs are converted, so they look the same) and keeps
 * only the EXIF orientation.
 * @throws SquishError CORRUPT_IMAGE for corrupt or truncated data.
 */
export async function optimizeJpegLossy(input: Uint8Array, ctx: CodecContext): Promise<Candidate> {
  readJpegHeader(input);
  const reference = await decodeToSrgb(input, ctx.limits.maxPixels);
  if (Date.now() > ctx.deadline) throw new SquishError('PROCESSING_TIMEOUT');
  const result = await jpegLossyFromPixels(reference, {
    target: ctx.plan.target ?? DEFAULT_LOSSY_TARGET,
    ...(ctx.plan.quality === undefined ? {} : { quality: ctx.plan.quality }),
    ...(ctx.plan.chromaSubsampling ? { chromaSubsampling: ctx.plan.chromaSubsampling } : {}),
    deadline: ctx.deadline,
  });
  const orientation = ctx.info.orientation;
  const kept =
    ctx.plan.keep.orientation && isRotatingOrientation(orientation)
      ? [orientationExifSegment(orientation)]
      : [];
  return {
    data: insertSegments(result.data, kept),
    method: `mozjpeg q${result.quality} ${result.chroma}`,
    lossless: false,
    quality: result.quality,
    score: result.score,
    notes: result.notes,
  };
}
