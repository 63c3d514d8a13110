/**
 * The lossy search shared by the sharp-encoded formats: encode the whole image at a quality,
 * decode it, judge it against the input, and let `searchQuality` pick the next quality to try.
 * Judging the real full encode (rather than an encode of the tiles alone) keeps the score honest:
 * rate control and filters in WebP and AV1 depend on the whole picture.
 */
import type { OptimizePlan } from '../../../plan/index.js';
import { DEFAULT_LOSSY_TARGET } from '../../../plan/index.js';
import { checkDeadline } from '../../deadline.js';
import { searchQuality } from '../../search/perceptual-search.js';
import type { Candidate } from '../../types.js';
import type { RgbaFrames } from './frames.js';
import type { PerceptualReference } from './perceptual-reference.js';
import { encoding } from './sharp-errors.js';

export interface LossySearchOptions {
  /** Encodes the input at an integer quality. */
  encode(quality: number): Promise<Uint8Array>;
  /** Decodes one of `encode`'s outputs (same frame layout as the reference). */
  decode(encoded: Uint8Array): Promise<RgbaFrames>;
  reference: PerceptualReference;
  plan: OptimizePlan;
  deadline: number;
  /** Quality range of the encoder worth searching. */
  min: number;
  max: number;
  /** First quality to try for a given target (a good prior saves an encode). */
  start(target: number): number;
  /** Score points gained per quality step, near the target. */
  slope: number;
  /** Encodes allowed; bounds the search's cost in multiples of one encode. */
  maxEvaluations: number;
}

export interface LossyEncoding {
  data: Uint8Array;
  quality: number;
  /** SSIMULACRA2 of `data` against the input (worst sampled view). */
  score: number;
  /** Target the search aimed at, undefined for a fixed quality. */
  target?: number;
  /** False when even the highest quality missed the target. */
  reached: boolean;
  evaluations: number;
  /** True when the search stopped before converging because the next encode would not fit in time. */
  stoppedEarly?: boolean;
}

/** Thrown inside the search when one more evaluation would overrun the deadline. */
class OutOfTime extends Error {}

/** Head room over the slowest evaluation so far before starting another one. */
const TIME_MARGIN = 1.25;

/**
 * Encodes at `plan.quality` when the plan fixes one, else finds the lowest quality whose output
 * reaches `plan.target` (default {@link DEFAULT_LOSSY_TARGET}).
 */
export async function findLossyEncoding(options: LossySearchOptions): Promise<LossyEncoding> {
  const { plan, deadline } = options;
  const encoded = new Map<number, Uint8Array>();
  const scores = new Map<number, number>();
  const { reference } = options;
  let optimism: number | undefined;
  let slowest = 0;
  const evaluate = async (quality: number): Promise<number> => {
    const started = Date.now();
    // Better a slightly larger file than none: stop while there is still a result to return.
    if (scores.size > 0 && started + slowest * TIME_MARGIN > deadline) throw new OutOfTime();
    checkDeadline(deadline);
    const data = await options.encode(quality);
    encoded.set(quality, data);
    checkDeadline(deadline);
    const decoded = await encoding('decoding the candidate', () => options.decode(data));
    const score = await reference.score(decoded);
    // SSIMULACRA2 depends on the area it looks at: on 128 px tiles it scored 1.2 points above
    // the whole image on kodim01 (768x512) and 5.4 above on a 2560x1600 photo (mate-Garden).
    // Measured once, at the first quality tried, the difference is taken off every tile score.
    optimism ??= await reference.optimism(decoded, score);
    scores.set(quality, score - (optimism ?? 0));
    slowest = Math.max(slowest, Date.now() - started);
    return scores.get(quality)!;
  };

  if (plan.quality !== undefined) {
    const score = await evaluate(plan.quality);
    return { data: encoded.get(plan.quality)!, quality: plan.quality, score, reached: true, evaluations: 1 };
  }
  const target = plan.target ?? DEFAULT_LOSSY_TARGET;
  let result: Awaited<ReturnType<typeof searchQuality>>;
  try {
    result = await searchQuality({
      min: options.min,
      max: options.max,
      target,
      evaluate,
      deadline,
      start: options.start(target),
      slope: options.slope,
      maxEvaluations: options.maxEvaluations,
      // A whole-image encode at `max` can be many times the size of one a few steps above the
      // misses: one more encode is cheaper for the user than that file.
      rescue: true,
    });
  } catch (error) {
    if (!(error instanceof OutOfTime)) throw error;
    const quality = bestSoFar(scores, target);
    const score = scores.get(quality)!;
    const reached = score >= target;
    return {
      data: encoded.get(quality)!,
      quality,
      score,
      target,
      reached,
      evaluations: scores.size,
      stoppedEarly: true,
    };
  }
  return {
    data: encoded.get(result.quality)!,
    quality: result.quality,
    score: result.score,
    target,
    reached: result.reached,
    evaluations: result.evaluations,
  };
}

/** The lowest quality measured to reach the target, else the best-scoring one. */
function bestSoFar(scores: Map<number, number>, target: number): number {
  const measured = [...scores.entries()];
  const passing = measured.filter(([, score]) => score >= target).map(([quality]) => quality);
  if (passing.length > 0) return Math.min(...passing);
  return measured.reduce((best, next) => (next[1] > best[1] ? next : best))[0];
}

/** The notes a lossy candidate carries for the user. */
export function lossyNotes(result: LossyEncoding): string[] {
  const notes: string[] = [];
  if (result.stoppedEarly) notes.push('quality search stopped early to stay within the time limit');
  if (result.target !== undefined && !result.reached) {
    notes.push(
      `SSIMULACRA2 target ${result.target} not reached: best was ${result.score.toFixed(1)} at quality ${result.quality}`,
    );
  }
  return notes;
}

/** The candidate a finished lossy search yields, described by `method` (e.g. "webp q81 method 5"). */
export function lossyCandidate(result: LossyEncoding, method: string): Candidate {
  return {
    data: result.data,
    method,
    lossless: false,
    quality: result.quality,
    score: result.score,
    notes: lossyNotes(result),
  };
}
