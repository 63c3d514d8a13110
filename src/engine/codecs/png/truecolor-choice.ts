/**
 * The perceptual search of the truecolor lossy candidate (truecolor-lossy.ts): the largest residual
 * step whose result still reaches the target, scored on truecolor-score.ts' tiles. Opaque images
 * only, and any image under MIN_METRIC_SIDE.
 */

import { checkDeadline } from '../../deadline.js';
import { MIN_METRIC_SIDE } from '../../metric/ssimulacra2.js';
import { searchQuality } from '../../search/perceptual-search.js';
import { hasTranslucency, maxSampleError, type Rgba8 } from './pixels.js';
import { quantizeResiduals, truecolorPng } from './truecolor-lossy.js';
import { truecolorScorer } from './truecolor-score.js';

/**
 * Largest step searched. Corpus photos reach SSIMULACRA2 80 at steps 9 to 12 and fall 2 to 3.5
 * points per step there (kodim05: 91.9 at 8, 65.9 at 20), so 32 is far past any answer.
 */
const MAX_STEP = 32;
/** First step tried: in the middle of where the corpus photos' answers were. */
const START_STEP = 10;
/** Typical score loss per step near the answers (see MAX_STEP). */
const SCORE_PER_STEP = 2.5;
/**
 * Evaluations of the search. One costs a pass over the pixels and the metric on 4 tiles, less than
 * a pngquant run; deflate and oxipng run once, on the chosen step.
 */
const MAX_EVALUATIONS = 4;
/**
 * Step for images under MIN_METRIC_SIDE, where SSIMULACRA2 is erratic: every sample stays within
 * 2 levels (a 16-bit icon reduced to 8 bits is exact at any step, see pixels.ts' 8-bit decode).
 */
const SMALL_IMAGE_STEP = 4;
/** Same limit as the palette's for small images (lossy.ts). */
const SMALL_IMAGE_MAX_ERROR = 6;

/** The chosen truecolor candidate. */
export interface TruecolorChoice {
  /** PNG with only IHDR, IDAT and IEND (colour chunks are added by the caller). */
  png: Uint8Array;
  step: number;
  /** True when fully transparent pixels keep their colour (oxipng must not clear it). */
  keepsTransparentColour: boolean;
  /** Estimated whole-image SSIMULACRA2 (tiles minus their margin); absent for small images. */
  score?: number;
}

/**
 * The largest residual step of `original` whose result reaches `target`, or undefined when even
 * step 1 (exact at 8 bits) is needed.
 * @throws SquishError PROCESSING_TIMEOUT past `deadline`.
 */
export async function chooseTruecolor(
  original: Rgba8,
  target: number,
  deadline: number,
): Promise<TruecolorChoice | undefined> {
  if (original.width < MIN_METRIC_SIDE || original.height < MIN_METRIC_SIDE) {
    // Every sample stays near the original, fully transparent ones too: icons this small get
    // scaled up, and a scaler that ignores alpha would show their colour.
    const image = quantizeResiduals(original, SMALL_IMAGE_STEP, true);
    if (maxSampleError(original, image.pixels) > SMALL_IMAGE_MAX_ERROR) return undefined;
    return { png: truecolorPng(image), step: SMALL_IMAGE_STEP, keepsTransparentColour: true };
  }
  // Translucent images are left out: on white, the faint edge of a glow (alpha of a few levels)
  // turns flat white into speckle wherever rounding flips a composited 254/255, which SSIMULACRA2
  // punishes hard (a gradient logo scored 42 on such tiles at step 15) and no tile choice tried
  // predicted; the one such corpus file was bigger than its input even at step 4.
  if (hasTranslucency(original)) return undefined;
  // Quality q stands for step MAX_STEP + 1 - q, so that the score rises with it as the search expects.
  const stepOf = (quality: number) => MAX_STEP + 1 - quality;
  const scorer = truecolorScorer(original, quantizeResiduals(original, START_STEP).pixels);
  const result = await searchQuality({
    min: 1,
    max: MAX_STEP - 1,
    target,
    deadline,
    start: MAX_STEP + 1 - START_STEP,
    slope: SCORE_PER_STEP,
    maxEvaluations: MAX_EVALUATIONS,
    evaluate: (quality) => {
      checkDeadline(deadline);
      return scorer(quantizeResiduals(original, stepOf(quality)).pixels);
    },
  });
  if (!result.reached) return undefined;
  checkDeadline(deadline);
  const step = stepOf(result.quality);
  return {
    png: truecolorPng(quantizeResiduals(original, step)),
    step,
    keepsTransparentColour: false,
    score: result.score,
  };
}
