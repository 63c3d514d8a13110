/**
 * The quality search of lossy JPEG: SSIMULACRA2 measured on representative tiles, with a margin
 * that carries the tile score over to the whole image.
 */
import {
  FLAT_QUANTISATION_TABLE,
  type JpegChroma,
  PHOTO_ALTERNATE_TABLE,
  QUANTISATION_TABLE,
} from './encode.js';
import { type MetricSample, sampleBytes, scoreSample } from './sample-score.js';
import { secantSearch } from './secant-search.js';

/** Margin of a sample that covers a negligible part of a detailed image (see tileMargin). */
const MARGIN_BASE = 3.95;
/** Extra margin per unit of smooth share (see tileMargin). */
const MARGIN_PER_SMOOTH_SHARE = 3.18;

/**
 * Points added to the target when the score is measured on tiles, so that the whole image
 * reaches it. A mosaic of tiles spread over detail levels scores higher than the whole image at
 * the same setting, because SSIMULACRA2 pools errors with a 4-norm and the whole image has more
 * of the worst places. How much higher depends on two things the sample knows:
 * - how much of the image the tiles leave out: nothing when the image is measured whole, little
 *   on a 480x360 image the tiles cover at 43 %; hence the factor (1 - coverage);
 * - how much of the image is smooth: blocking in skies and soft backgrounds weighs more in the
 *   whole image's coarse scales than in 96 px tiles (four soft wallpapers needed 6.8-8.4 points,
 *   two others 4.3-4.5, the textured Elephants 3.5).
 *
 * Calibration (the 24 corpus JPEGs, target 80, full image scored like the benchmark: whole, or a
 * centre 2048x2048 crop above 4.2 MP). With the former fixed margin of 4.5 the margin each file
 * needed (tile score minus full-image score at the chosen quality) ranged from 1.8 (pil-flower) to
 * 8.4 (mate-Wood) and 11.1 (Reconyx trail camera: thin black bars of white text at top and bottom
 * that no 96 px tile represents); a least-squares fit of this formula on the 21 other tile-sampled
 * files gives the two constants, with an error of 0.98 points RMS (fixed margin: 1.75). Corpus
 * result with the same search and tables: full-image median 80.56, minimum 73.5 (Reconyx), 16 of
 * 24 files within 79.5-81.5, 66.8 % of the bytes saved; with the fixed margin 4.5: median 80.28,
 * minimum 73.5, 10 files within 79.5-81.5 (the soft wallpapers at 76.5-78.5), 67.2 % saved.
 */
export function tileMargin(sample: MetricSample): number {
  if (sample.whole) return 0;
  return (1 - sample.coverage) * (MARGIN_BASE + MARGIN_PER_SMOOTH_SHARE * sample.smoothShare);
}

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
/** Search targets from which {@link STEEP_SLOPE} is assumed instead (see {@link expectedSlope}). */
const STEEP_FROM = 90;
const STEEP_SLOPE = 1;

/**
 * The score gain per quality step the search assumes near `target` with `chroma`. mozjpeg's curve
 * steepens as it climbs: around the search targets of the visually lossless 90 (re-encoded outputs
 * in lossless mode, plus the tile margin) the corpus tile samples gain a median of 1.44 per step
 * with table 2, twice the 0.69 around the default 80 + margin. Placed with 0.75 there, the second
 * probe overshoots into a bracket too wide to read off the line (WIDEST_BRACKET in
 * secant-search.ts) and a third probe follows; 1 is still under the local slope, so the second
 * probe tends to land past the target and the two bracket it. On the 24 corpus JPEGs scaled to
 * cover 512 and 1024 px (48 images) at target 90 (4:2:0, table 2 alone): 13-15 % less CPU for the
 * search (two interleaved runs each), 0.5 % fewer bytes, whole-image SSIMULACRA2 median 90.13
 * instead of 90.17. At target 85, where only smooth images' search targets reach 90: 0.45 % more
 * bytes. Searches of the default 80 never get there (a margin is 7.1 at most).
 */
export function expectedSlope(target: number, chroma: JpegChroma): number {
  return target >= STEEP_FROM && chroma === '4:2:0' ? STEEP_SLOPE : SLOPE;
}

/**
 * Search targets from which photos are searched with table 2 alone: the visually lossless target
 * 90 that re-encoded outputs get in lossless mode (a resize or a conversion), plus the tile margin,
 * and user targets near it. Up there table 5 saves little and its whole-image scores come out lower.
 * Measured on the 24 corpus JPEGs scaled to cover 512 and 1024 px (48 images), at target 90: table
 * 5 was kept on 11; table 2 alone took 31 % less CPU for the search, with 0.54 % more bytes over all
 * and a whole-image SSIMULACRA2 median of 90.17 instead of 89.89 (minimum 86.2 both; on the 11, 4.3 %
 * more bytes for 0.36 points more). At the default lossy target 80 table 5 was kept on 29 of 48
 * and saved 2.3 % of the bytes, and every default search stays under this (80 + a margin of 7.1 at
 * most); at 85, 1.0 %.
 */
const PHOTO_ALTERNATE_MAX_TARGET = 88;

export interface SampleSearchResult {
  quality: number;
  score: number;
  reached: boolean;
  /** The mozjpeg quantisation table the quality is for. */
  table: number;
}

/**
 * The cheapest setting whose tile score is expected to reach `target` (already including the
 * margin), among two quantisation tables: table 2 and an alternate, each searched to the target,
 * the one whose tiles come out smaller at its quality kept (photos at high targets: table 2 alone,
 * see {@link PHOTO_ALTERNATE_MAX_TARGET}).
 * - Colour-detailed images (4:4:4: line art, text, star fields) try the flat table 1: on the
 *   corpus that is table 1 for the line art (-13 % bytes at equal full-image score) and about even
 *   on the star field.
 * - Photos (4:2:0) try table 5 (Klein et al.). Per photo the two tables differ by up to 7 % in
 *   bytes at equal score either way, so neither alone is the better default: on the 21 corpus
 *   photos, choosing by tile bytes kept table 5 on 10 and saved 0.7 % of the photos' lossy bytes
 *   at the same full-image median (80.6). Its search starts at table 2's quality (the two tables'
 *   qualities for a score were within 5 of each other on every corpus photo), so it costs about
 *   two more tile evaluations.
 */
export async function searchSample(
  sample: MetricSample,
  chroma: JpegChroma,
  target: number,
  deadline: number,
): Promise<SampleSearchResult> {
  const primary = await searchWithTable(sample, chroma, QUANTISATION_TABLE, target, deadline);
  if (chroma === '4:2:0' && target >= PHOTO_ALTERNATE_MAX_TARGET) return primary.result;
  const alternate =
    chroma === '4:4:4'
      ? await searchWithTable(sample, chroma, FLAT_QUANTISATION_TABLE, target, deadline)
      : await searchWithTable(
          sample,
          chroma,
          PHOTO_ALTERNATE_TABLE,
          target,
          deadline,
          primary.result.quality,
        );
  if (alternate.result.reached !== primary.result.reached) {
    return alternate.result.reached ? alternate.result : primary.result;
  }
  if (!primary.result.reached) {
    return alternate.result.score > primary.result.score ? alternate.result : primary.result;
  }
  const [primaryBytes, alternateBytes] = await Promise.all([primary, alternate].map(tileBytesOf));
  return alternateBytes! < primaryBytes! ? alternate.result : primary.result;

  /** The tiles' bytes at the found setting: measured by the search, unless it interpolated the quality. */
  async function tileBytesOf({ result, measuredBytes }: TableSearch): Promise<number> {
    return (
      measuredBytes.get(result.quality) ??
      sampleBytes(sample, {
        quality: result.quality,
        chromaSubsampling: chroma,
        quantisationTable: result.table,
      })
    );
  }
}

/** One table's search result, with the tiles' bytes at each quality it encoded. */
interface TableSearch {
  result: SampleSearchResult;
  measuredBytes: ReadonlyMap<number, number>;
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
  start = startQuality(target, chroma, table),
): Promise<TableSearch> {
  const options = { chromaSubsampling: chroma, quantisationTable: table };
  const measuredBytes = new Map<number, number>();
  const found = await secantSearch({
    min: 20,
    max: 98,
    target,
    start,
    slope: expectedSlope(target, chroma),
    evaluate: async (quality) => {
      const { score, bytes } = await scoreSample(sample, { ...options, quality });
      measuredBytes.set(quality, bytes);
      return score;
    },
    deadline,
    maxEvaluations: 3,
  });
  return {
    result: { quality: found.quality, score: found.score, reached: found.reached, table },
    measuredBytes,
  };
}
