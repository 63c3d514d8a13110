/**
 * JPEG outputs from pipeline pixels (already flattened: JPEG has no alpha).
 *
 * Lossless mode cannot be pixel-exact in JPEG, and the pixels are new anyway (resized or
 * converted), so it is "visually lossless": the perceptual search at SSIMULACRA2 90 ("visually
 * lossless" on the metric's scale, above the lossy default of 80). Kraken's lossless mode treats
 * re-encoded outputs the same kind of way.
 */
import { DEFAULT_LOSSY_TARGET } from '../../../plan/index.js';
import { jpegLossyFromPixels } from '../../codecs/jpeg/lossy-pixels.js';
import { metricSample } from '../../codecs/jpeg/sample-score.js';
import type { Candidate } from '../../types.js';
import type { TransformedImage } from '../transform.js';
import { fixedQualityChroma } from './fixed-quality-chroma.js';
import { frameRgb } from './raw-views.js';
import type { OutputSettings } from './settings.js';

/** Target of JPEG outputs in lossless mode. */
export const VISUALLY_LOSSLESS_TARGET = 90;

/** A JPEG of the image's first frame (JPEG cannot animate; transformOptionsFor kept only that). */
export async function encodeJpegOutput(
  image: TransformedImage,
  settings: OutputSettings,
  deadline: number,
): Promise<Candidate> {
  const target = settings.lossy ? (settings.target ?? DEFAULT_LOSSY_TARGET) : VISUALLY_LOSSLESS_TARGET;
  const rgb = frameRgb(image);
  const fixedQuality = settings.lossy ? settings.quality : undefined;
  // A fixed quality is one encode: the chroma layout is chosen without the metric where that is
  // safe (fixed-quality-chroma.ts), so the search's chroma evaluation is not paid for.
  // The tile sample is taken once, here, and reused by the encoder.
  const sample = metricSample(rgb);
  const chromaSubsampling =
    settings.chromaSubsampling ??
    (fixedQuality === undefined ? undefined : await fixedQualityChroma(sample, target));
  const result = await jpegLossyFromPixels(rgb, {
    target,
    ...(fixedQuality === undefined ? {} : { quality: fixedQuality }),
    ...(chromaSubsampling ? { chromaSubsampling } : {}),
    deadline,
    sample,
  });
  const notes = [...result.notes];
  if (!settings.lossy)
    notes.push(`JPEG cannot store these pixels exactly: visually lossless (target ${target})`);
  return {
    data: result.data,
    method: `mozjpeg q${result.quality} ${result.chroma}`,
    lossless: false,
    quality: result.quality,
    ...(result.score === undefined ? {} : { score: result.score }),
    notes,
  };
}
