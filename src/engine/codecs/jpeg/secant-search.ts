/**
 * A quality search for encoders whose score rises about linearly with quality near the target,
 * as mozjpeg's does: two probes, then the quality where the line through them crosses the target,
 * taken without a third (costly) evaluation when that crossing lies between or close to the two
 * probes. The shared searchQuality() needs three or more evaluations to reach the same answer,
 * because it only returns a quality it has measured.
 */
import { SquishError } from '../../../errors/index.js';

export interface SecantSearchOptions {
  /** Lowest quality to consider (integer). */
  min: number;
  /** Highest quality to consider (integer). */
  max: number;
  /** Score to reach. */
  target: number;
  /** First probe (the prior for this target). */
  start: number;
  /** Expected score gain per quality step, used to place the second probe. */
  slope: number;
  /** Score at `quality`; assumed to rise with quality. */
  evaluate(quality: number): Promise<number>;
  /** Epoch milliseconds after which the search stops with PROCESSING_TIMEOUT. */
  deadline: number;
  /** Upper bound on evaluations (at least 2; default 3). */
  maxEvaluations?: number;
}

export interface SecantSearchResult {
  /** Lowest quality whose (measured or interpolated) score reaches the target, or `max`. */
  quality: number;
  /** The score at `quality`: measured when it was probed, else read off the line. */
  score: number;
  /** False when even `max` is not expected to reach the target. */
  reached: boolean;
  evaluations: number;
}

/** Smallest and largest first step, in quality points. */
const MIN_STEP = 3;
const MAX_STEP = 15;
/**
 * How far beyond the probed range the line is trusted. mozjpeg's score climbs in small plateaus
 * and jumps, so a crossing a few steps outside the probes is still read well off the line;
 * further out a third probe is cheaper than a wrong answer.
 */
const EXTRAPOLATION_LIMIT = 4;
/**
 * Widest bracket read off the line without a third probe: near the top of the scale the score
 * curve bends (it saturates towards 100), and a straight line across a wide bracket misses there.
 */
const WIDEST_BRACKET = 8;
/** Below this gain per step the two scores say nothing about where the target is. */
const FLAT_SLOPE = 0.1;

/** Lowest quality in [min, max] expected to reach the target, from two or three evaluations. */
export async function secantSearch(options: SecantSearchOptions): Promise<SecantSearchResult> {
  const { min, max, target, deadline } = options;
  if (!(Number.isInteger(min) && Number.isInteger(max) && min <= max)) {
    throw new RangeError(`secantSearch needs integers min <= max, got ${min}..${max}`);
  }
  const maxEvaluations = Math.max(2, options.maxEvaluations ?? 3);
  const scores = new Map<number, number>();
  const measure = async (quality: number): Promise<void> => {
    if (Date.now() > deadline) throw new SquishError('PROCESSING_TIMEOUT');
    scores.set(quality, await options.evaluate(quality));
  };
  const result = (quality: number, score: number): SecantSearchResult => ({
    quality,
    score,
    reached: score >= target,
    evaluations: scores.size,
  });

  const first = clamp(Math.round(options.start), min, max);
  await measure(first);
  const gap = target - scores.get(first)!;
  const step = Math.sign(gap || 1) * clamp(Math.round(Math.abs(gap) / options.slope), MIN_STEP, MAX_STEP);
  const second = clamp(first + step, min, max);
  if (second !== first) await measure(second);

  for (;;) {
    const [low, high] = lineThrough(scores, target);
    if (high === undefined) return result(low, scores.get(low)!);
    const sLow = scores.get(low)!;
    const sHigh = scores.get(high)!;
    const slope = (sHigh - sLow) / (high - low);
    const passing = [...scores].filter(([, s]) => s >= target).map(([q]) => q);
    if (slope < FLAT_SLOPE) {
      if (passing.length > 0) {
        const lowest = Math.min(...passing);
        return result(lowest, scores.get(lowest)!);
      }
      const highest = Math.max(...scores.keys());
      if (highest === max || scores.size >= maxEvaluations) return result(highest, scores.get(highest)!);
      await measure(clamp(highest + MAX_STEP, min, max));
      continue;
    }
    const crossing = clamp(Math.ceil(low + (target - sLow) / slope - 1e-9), min, max);
    const known = scores.get(crossing);
    if (known !== undefined && (known >= target || crossing === max)) return result(crossing, known);
    const outside = Math.max(low - crossing, crossing - high, 0);
    const trusted = outside === 0 ? high - low <= WIDEST_BRACKET : outside <= EXTRAPOLATION_LIMIT;
    if (trusted || scores.size >= maxEvaluations || known !== undefined) {
      return result(crossing, sLow + (crossing - low) * slope);
    }
    await measure(crossing);
  }
}

/**
 * The two measured qualities the line goes through: the highest that misses the target and the
 * lowest that reaches it when the probes bracket it, else the two closest to the target's side.
 * A lone measurement comes back as [quality, undefined].
 */
function lineThrough(scores: ReadonlyMap<number, number>, target: number): [number, number | undefined] {
  const sorted = [...scores.keys()].sort((a, b) => a - b);
  if (sorted.length === 1) return [sorted[0]!, undefined];
  const firstPass = sorted.findIndex((q) => scores.get(q)! >= target);
  if (firstPass > 0) return [sorted[firstPass - 1]!, sorted[firstPass]!];
  // All pass: the two lowest; none pass: the two highest.
  return firstPass === 0 ? [sorted[0]!, sorted[1]!] : [sorted.at(-2)!, sorted.at(-1)!];
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}
