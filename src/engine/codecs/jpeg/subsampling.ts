/**
 * Chooses chroma subsampling per image. 4:2:0 (chroma at half resolution both ways) is the
 * cheaper layout for photos, but on saturated colour edges (red text, coloured line art) it
 * smears colour that no quality setting brings back. The choice asks the metric how much
 * subsampling alone costs: the score of 4:2:0 at quality 100 (quantisation then is almost
 * lossless, so what is lost is chroma resolution).
 *
 * Measured on the JPEG corpus samples (8 tiles of 128 px, each encoded on its own): the 4:2:0
 * ceiling is 100 on 20 of 24 files and 97.7 on the 128 px hopper; it is 84.7 on the Hubble deep
 * field (coloured point stars), 75.8 on im-examples (coloured line art and text) and 47.2 on
 * pil-sample_cmyk (red text on black). Searching for score 82 on the mosaics, 4:4:4 needed 6-37 %
 * more bytes than 4:2:0 (median 1.2x) on 16 of 20 photos; 4:2:0 could not reach 82 at any
 * quality on the last two. The threshold keeps 5 points of room above the search target, so
 * 4:2:0 is kept only where it still has a quality range to work with.
 *
 * The metric costs as much as a search probe, so a cheap measurement comes first: how much colour
 * 4:2:0 averages away, as the 99th percentile over 2x2 blocks of the mean absolute deviation of Cb
 * and Cr from the block mean (8-bit units; hand-written: it is a few lines of arithmetic no
 * library offers). On the corpus it is 17-69 for the three files 4:2:0 fails and 1.7-13.5 for the
 * rest; below 8 (18 of 24 files) 4:2:0 is taken without asking the metric.
 */
import quickselect from 'quickselect';
import type { RgbImage } from '../../metric/ssimulacra2.js';
import type { JpegChroma } from './encode.js';
import { type MetricSample, scoreSample } from './sample-score.js';

/** Room the 4:2:0 ceiling must leave above the search target for 4:2:0 to be chosen. */
export const CHROMA_HEADROOM = 5;

/** Chroma detail below which 4:2:0 is chosen without a metric evaluation. */
export const CHROMA_DETAIL_FLOOR = 8;

/**
 * 4:4:4 when 4:2:0 alone keeps `sample` from scoring at least `searchTarget` + {@link CHROMA_HEADROOM};
 * 4:2:0 at once when the sample has little colour detail.
 */
export async function chooseChroma(sample: MetricSample, searchTarget: number): Promise<JpegChroma> {
  if (chromaDetail(sample.reference) < CHROMA_DETAIL_FLOOR) return '4:2:0';
  const { score: ceiling } = await scoreSample(sample, { quality: 100, chromaSubsampling: '4:2:0' });
  return ceiling < Math.min(100, searchTarget + CHROMA_HEADROOM) ? '4:4:4' : '4:2:0';
}

/**
 * 99th percentile over the 2x2 blocks of `image` of the mean absolute deviation of Cb and Cr
 * (JPEG's full-range BT.601) from the block's mean: the colour detail 4:2:0 averages away.
 */
export function chromaDetail(image: RgbImage): number {
  const { data, width, height } = image;
  const deviations = new Float32Array(Math.floor(width / 2) * Math.floor(height / 2));
  let n = 0;
  const cb = [0, 0, 0, 0];
  const cr = [0, 0, 0, 0];
  for (let y = 0; y + 1 < height; y += 2) {
    for (let x = 0; x + 1 < width; x += 2) {
      for (let k = 0; k < 4; k++) {
        const i = ((y + (k >> 1)) * width + x + (k & 1)) * 3;
        const r = data[i]!;
        const g = data[i + 1]!;
        const b = data[i + 2]!;
        cb[k] = -0.168736 * r - 0.331264 * g + 0.5 * b;
        cr[k] = 0.5 * r - 0.418688 * g - 0.081312 * b;
      }
      const meanCb = (cb[0]! + cb[1]! + cb[2]! + cb[3]!) / 4;
      const meanCr = (cr[0]! + cr[1]! + cr[2]! + cr[3]!) / 4;
      let deviation = 0;
      for (let k = 0; k < 4; k++) deviation += Math.abs(cb[k]! - meanCb) + Math.abs(cr[k]! - meanCr);
      deviations[n++] = deviation / 4;
    }
  }
  if (n === 0) return 0;
  // Selection, not a sort: the same value in linear time (a sort of a 512 px image's 65k
  // deviations was half of this function's cost on every fixed-quality JPEG output).
  const k = Math.floor(deviations.length * 0.99);
  // quickselect indexes and swaps only, so a typed array works though its types say number[].
  quickselect(deviations as unknown as number[], k);
  return deviations[k]!;
}
