/**
 * Chooses chroma subsampling per image. 4:2:0 (chroma at half resolution both ways) is the
 * cheaper layout for photos, but on saturated colour edges (red text, coloured line art) it
 * smears colour that no quality setting brings back. The choice asks the metric how much
 * subsampling alone costs: the score of 4:2:0 at quality 100 (quantisation then is almost
 * lossless, so what is lost is chroma resolution).
 *
 * Measured on the JPEG corpus mosaics (8 tiles of 128 px), searching for score 82: 4:4:4 needed
 * 6-37 % more bytes than 4:2:0 (median 1.2x) on 16 of 20 photos, whose 4:2:0 ceiling was 97.7-100;
 * the same on one (nikon-e950, ceiling 100). 4:2:0 could not reach 82 at any quality on three
 * files: im-examples (ceiling 75.7), mate-Garden (80.1), pil-sample_cmyk red text (47.2). Any
 * threshold between 82 and 97 separates them; the one below keeps 5 points of room above the
 * search target, so 4:2:0 is kept only where it still has a quality range to work with.
 */
import type { JpegChroma } from './encode.js';
import { type MetricSample, scoreSample } from './sample-score.js';

/** Room the 4:2:0 ceiling must leave above the search target for 4:2:0 to be chosen. */
export const CHROMA_HEADROOM = 5;

/** 4:4:4 when 4:2:0 alone keeps `sample` from scoring at least `searchTarget` + {@link CHROMA_HEADROOM}. */
export async function chooseChroma(sample: MetricSample, searchTarget: number): Promise<JpegChroma> {
  const { score: ceiling } = await scoreSample(sample, { quality: 100, chromaSubsampling: '4:2:0' });
  return ceiling < Math.min(100, searchTarget + CHROMA_HEADROOM) ? '4:4:4' : '4:2:0';
}
