/**
 * Chroma subsampling for a JPEG output at a fixed quality, without the metric where a cheap
 * measurement already answers.
 *
 * The perceptual search (codecs/jpeg/subsampling.ts chooseChroma) asks SSIMULACRA2 whenever the
 * sample's chroma detail is 8 or more; that one evaluation costs 3-7x the output's whole encode on
 * a 512 px image (API bench photos: 200-360 ms against 22-52 ms for the encode) and is most of a
 * fixed-quality request's time. A fixed quality is the caller's size/quality trade-off, so only
 * images where 4:2:0 can visibly fail still ask the metric: those with a lot of colour detail.
 *
 * Measured on the corpus's JPEGs and PNGs, at full size and scaled to cover 512x512 (95 images of
 * 64 px or more, flattened on white): of the 76 under {@link METRIC_CHROMA_DETAIL}, chooseChroma
 * (target 80) picked 4:4:4 for one (the Sway wallpaper at 512 px, detail 11.8, a smooth blue
 * gradient), 4:2:0 for the other 75; of the 19 at or above it, 4:4:4 for 10. The images where
 * 4:2:0 smears colour that no quality brings back (red text on black, coloured line art, coloured
 * point stars: detail 17-69 at full size) stay on the metric.
 */

import type { JpegChroma } from '../../codecs/jpeg/encode.js';
import type { MetricSample } from '../../codecs/jpeg/sample-score.js';
import { tileMargin } from '../../codecs/jpeg/search.js';
import { chooseChroma, chromaDetail } from '../../codecs/jpeg/subsampling.js';
import { MIN_METRIC_SIDE } from '../../metric/ssimulacra2.js';

/** Chroma detail (chromaDetail on the metric sample) below which 4:2:0 is taken at a fixed quality. */
export const METRIC_CHROMA_DETAIL = 16;

/**
 * 4:2:0 for the image `sample` was taken from (`metricSample`) unless it has enough colour detail
 * for 4:2:0 to be worth checking; then the search's own choice at `target` (the metric). Images
 * too small to measure get 4:4:4, as the search gives them.
 */
export async function fixedQualityChroma(sample: MetricSample, target: number): Promise<JpegChroma> {
  if (Math.min(sample.reference.width, sample.reference.height) < MIN_METRIC_SIDE) return '4:4:4';
  if (chromaDetail(sample.reference) < METRIC_CHROMA_DETAIL) return '4:2:0';
  return chooseChroma(sample, Math.min(100, target + tileMargin(sample)));
}
