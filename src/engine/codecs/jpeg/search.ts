/**
 * The quality search of lossy JPEG: SSIMULACRA2 measured on representative tiles, with a margin
 * that carries the tile score over to the whole image, and the search's last bracket refined.
 */
import { searchQuality } from '../../search/perceptual-search.js';
import type { JpegChroma } from './encode.js';
import { type MetricSample, scoreSample } from './sample-score.js';

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
 * Where the search starts: on the corpus mosaics, mozjpeg reached score 82 at a median quality of
 * 77.6 with 4:2:0 and 74.6 with 4:4:4, score 85.5 at 81.6 and 80.3 (table 3; table 2 chose a
 * median of 79 for 83.5). Starting near the answer lets three evaluations bracket it.
 */
function startQuality(target: number, chroma: JpegChroma): number {
  return Math.round(target - (chroma === '4:2:0' ? 4 : 6));
}

export interface SampleSearchResult {
  quality: number;
  score: number;
  reached: boolean;
}

export async function searchSample(
  sample: MetricSample,
  chroma: JpegChroma,
  target: number,
  deadline: number,
): Promise<SampleSearchResult> {
  const measured = new Map<number, number>();
  const found = await searchQuality({
    min: 20,
    max: 98,
    target,
    start: startQuality(target, chroma),
    // Near the target mozjpeg's score rises 0.5-1 point per quality, in steps (plateaus, then
    // jumps). A slope at the low end makes the steps up generous, so that three probes rarely all
    // miss (the search then spends a fourth at `max`); overshoot is undone by the refinement.
    slope: 0.65,
    evaluate: async (quality) => {
      const { score } = await scoreSample(sample, { quality, chromaSubsampling: chroma });
      measured.set(quality, score);
      return score;
    },
    deadline,
    maxEvaluations: 3,
  });
  return refineBetweenProbes(found, measured, target);
}

/**
 * With three evaluations the search often ends with a passing and a failing quality several steps
 * apart, and its answer is the passing one: up to 8 qualities too high on the corpus. The line
 * through the two scores says where the target is crossed; that quality is taken without another
 * (costly) evaluation, and its score is the interpolated one. The tile margin was calibrated with
 * this refinement in place.
 */
export function refineBetweenProbes(
  found: SampleSearchResult,
  measured: ReadonlyMap<number, number>,
  target: number,
): SampleSearchResult {
  if (!found.reached) return found;
  let fail: number | undefined;
  for (const [quality, score] of measured) {
    if (quality < found.quality && score < target && (fail === undefined || quality > fail)) fail = quality;
  }
  if (fail === undefined || found.quality - fail <= 1) return found;
  const failScore = measured.get(fail)!;
  if (found.score <= failScore) return found;
  const perStep = (found.score - failScore) / (found.quality - fail);
  const quality = Math.min(
    found.quality,
    Math.max(fail + 1, Math.ceil(fail + (target - failScore) / perStep)),
  );
  return { quality, score: failScore + (quality - fail) * perStep, reached: true };
}
