/**
 * The quality search of lossy JPEG: SSIMULACRA2 measured on representative tiles, with a margin
 * that carries the tile score over to the whole image.
 */
import { FLAT_QUANTISATION_TABLE, type JpegChroma, QUANTISATION_TABLE } from './encode.js';
import { type MetricSample, sampleBytes, scoreSample } from './sample-score.js';
import { secantSearch } from './secant-search.js';

/**
 * Points added to the target when the score is measured on tiles, so that the whole image
 * reaches it. A mosaic of tiles spread over detail levels scores higher than the whole image at
 * the same setting, because SSIMULACRA2 pools errors with a 4-norm and the whole image has more
 * of the worst places (text overlays, smooth gradients).
 *
 * Calibration (the 24 corpus JPEGs, default target 80, 3 probes plus the bracket refinement,
 * quantisation table 2; full image scored like the benchmark: whole, or a centre 2048x2048 crop
 * above 4.2 MP). With 8 tiles of 128 px, full-image score minus tile score at the chosen quality
 * was median -4.0, quartiles -5.3 / -2.9, range -11.1 (Reconyx trail camera: black text bars at
 * top and bottom that no tile covers) to +0.4 on the 21 files sampled by tiles. Corpus results by
 * tile size and margin (median / minimum full-image score, bytes saved in sum, median time over a
 * sharp mozjpeg q80 encode of the same file):
 *   128 px, 3.5: 80.0 / 72.7, 67.1 %, 5.2x      128 px, 4.0: 80.6 / 73.5, 66.3 %, 5.3x
 *   112 px, 4.0: 80.55 / 73.5, 66.9 %, 4.1x     96 px, 4.0: 80.05 / 73.5, 67.3 %, 3.6x
 *   96 px, 4.5: 80.7 / 74.5, 66.5 %, 3.1x  <- chosen (smaller tiles score higher, hence more margin)
 * Images small enough to be measured whole need no margin (the tile score is the full-image score).
 */
export const TILE_MARGIN = 4.5;

/**
 * Where the search starts, in quality points below the search target (target plus margin). On the
 * corpus tile samples with table 2, score 84.5 was first reached at a median quality of 79 with
 * 4:2:0 (range 57-85), and 94.5 at 89: target - 5.5 both times. 4:4:4 keeps the chroma detail 4:2:0
 * loses, so it gets there a little lower. The flat table 1 reaches the same scores at much lower
 * quality numbers (its quality scale starts from smaller quantisers): score 84.5 at 58-74 with
 * 4:4:4 on the line art, the star field and three photos, median 65.
 */
function startQuality(target: number, chroma: JpegChroma, table: number): number {
  if (table === FLAT_QUANTISATION_TABLE) return target - 19.5;
  return target - (chroma === '4:2:0' ? 5.5 : 7);
}

/**
 * Score gain per quality step near the target, to place the second probe: median 0.75 on the
 * corpus tile samples around score 84.5 (0.5 on smooth wallpapers to 1.4 on line art).
 */
const SLOPE = 0.75;

export interface SampleSearchResult {
  quality: number;
  score: number;
  reached: boolean;
  /** The mozjpeg quantisation table the quality is for. */
  table: number;
}

/**
 * The cheapest setting whose tile score is expected to reach `target` (already including the
 * margin). Photos (4:2:0) are searched with table 2 only. Colour-detailed images (4:4:4: line art,
 * text, star fields) are also searched with the flat table 1, and the table whose tiles come out
 * smaller at its quality is kept: on the corpus that is table 1 for the line art (-13 % bytes at
 * equal full-image score) and about even on the star field; searching both costs two more
 * evaluations, on the few images that get 4:4:4.
 */
export async function searchSample(
  sample: MetricSample,
  chroma: JpegChroma,
  target: number,
  deadline: number,
): Promise<SampleSearchResult> {
  const tables = chroma === '4:4:4' ? [QUANTISATION_TABLE, FLAT_QUANTISATION_TABLE] : [QUANTISATION_TABLE];
  let best: { result: SampleSearchResult; bytes: number } | undefined;
  for (const table of tables) {
    const result = await searchWithTable(sample, chroma, table, target, deadline);
    if (tables.length === 1) return result;
    const bytes = await sampleBytes(sample, {
      quality: result.quality,
      chromaSubsampling: chroma,
      quantisationTable: table,
    });
    const better =
      !best ||
      (result.reached && (!best.result.reached || bytes < best.bytes)) ||
      (!result.reached && !best.result.reached && result.score > best.result.score);
    if (better) best = { result, bytes };
  }
  return best!.result;
}

/**
 * The lowest quality with `table` whose tile score is expected to reach `target`: two probes and
 * the line through them (secantSearch), a third only where the line is not to be trusted. On the
 * corpus samples at score 84.5 this took 2.06 evaluations on average and found the same quality as
 * an exhaustive scan on 13 of 17 files (at most 1 lower; 4 higher on the smooth FreshFlower, whose
 * score jumps to 100 above q60); the previous three-probe search plus interpolation took 3.
 */
async function searchWithTable(
  sample: MetricSample,
  chroma: JpegChroma,
  table: number,
  target: number,
  deadline: number,
): Promise<SampleSearchResult> {
  const options = { chromaSubsampling: chroma, quantisationTable: table };
  const found = await secantSearch({
    min: 20,
    max: 98,
    target,
    start: startQuality(target, chroma, table),
    slope: SLOPE,
    evaluate: async (quality) => (await scoreSample(sample, { ...options, quality })).score,
    deadline,
    maxEvaluations: 3,
  });
  return { quality: found.quality, score: found.score, reached: found.reached, table };
}
