/**
 * The search behind "intelligent lossy": find the cheapest encoder setting whose result still
 * reaches a perceptual score. Each evaluation costs an encode and a metric run, so the search
 * interpolates between what it has measured instead of bisecting blindly.
 */
import { SquishError } from '../../errors/index.js';

export interface QualitySearchOptions {
  /** Lowest encoder quality to consider (integer). */
  min: number;
  /** Highest encoder quality to consider (integer). */
  max: number;
  /** Score to reach (SSIMULACRA2 points). */
  target: number;
  /** Score of the output at `quality`; assumed to rise with quality. */
  evaluate(quality: number): Promise<number>;
  /** Epoch milliseconds after which the search stops with PROCESSING_TIMEOUT. */
  deadline: number;
  /** Where to start; a good prior saves an evaluation. Default: 3/4 of the way up the range. */
  start?: number;
  /** Upper bound on evaluations (default 5). */
  maxEvaluations?: number;
  /** Expected score gain per quality step, used until two points give a real slope (default 0.8). */
  slope?: number;
  /**
   * Fewest quality steps worth an evaluation below a passing quality while no failing one is
   * known (default 2, the smallest step the search takes): a caller whose evaluation costs more
   * than a step or two of quality saves can stop there instead.
   */
  minDownStep?: number;
  /**
   * When the evaluations run out with every one missing the target, try one quality extrapolated
   * from the misses (with {@link RESCUE_MARGIN} steps to spare) before falling back to `max`,
   * whose output can be many times larger (default false: callers with their own fallback).
   */
  rescue?: boolean;
}

/** The most quality steps one climb takes, assumed or measured. */
const MAX_STEP = 30;

/** Quality steps added above the extrapolated crossing for the rescue evaluation. */
const RESCUE_MARGIN = 2;

export interface QualitySearchResult {
  /** Lowest measured quality reaching the target, or `max` when none did. */
  quality: number;
  /** The score measured at `quality`. */
  score: number;
  evaluations: number;
  /** False when even `max` missed the target. */
  reached: boolean;
}

/** Lowest integer quality in [min, max] whose score reaches the target, in few evaluations. */
export async function searchQuality(options: QualitySearchOptions): Promise<QualitySearchResult> {
  const { min, max, target, deadline } = options;
  if (!(Number.isInteger(min) && Number.isInteger(max) && min <= max)) {
    throw new RangeError(`searchQuality needs integers min <= max, got ${min}..${max}`);
  }
  const maxEvaluations = Math.max(1, options.maxEvaluations ?? 5);
  const scores = new Map<number, number>();
  const measure = async (quality: number): Promise<number> => {
    if (Date.now() > deadline) throw new SquishError('PROCESSING_TIMEOUT');
    const score = await options.evaluate(quality);
    scores.set(quality, score);
    return score;
  };

  // pass: lowest quality known to reach the target; fail: highest quality known to miss it.
  let pass: number | undefined;
  let fail: number | undefined;
  let next = clamp(Math.round(options.start ?? min + ((max - min) * 3) / 4), min, max);
  while (scores.size < maxEvaluations) {
    const score = await measure(next);
    if (score >= target) pass = pass === undefined ? next : Math.min(pass, next);
    else fail = fail === undefined ? next : Math.max(fail, next);

    if (pass !== undefined && fail !== undefined) {
      if (pass - fail <= 1) break;
      next = interpolate(fail, scores.get(fail)!, pass, scores.get(pass)!, target);
      next = clamp(next, fail + 1, pass - 1);
    } else if (pass !== undefined) {
      if (pass === min) break;
      const step = stepFor(score - target, options.slope);
      if (step < (options.minDownStep ?? 2)) break;
      next = clamp(pass - step, min, pass - 1);
    } else {
      if (fail === max) break;
      next = clamp(fail! + climbStep(scores, fail!, target, options.slope), fail! + 1, max);
    }
    if (scores.has(next)) break;
  }

  if (pass === undefined && options.rescue && fail !== undefined && fail < max) {
    const quality = clamp(
      fail + climbStep(scores, fail, target, options.slope) + RESCUE_MARGIN,
      fail + 1,
      max,
    );
    if (!scores.has(quality) && quality < max) {
      const score = await measure(quality);
      if (score >= target) return { quality, score, evaluations: scores.size, reached: true };
    }
  }
  if (pass === undefined) {
    const score = scores.get(max) ?? (await measure(max));
    return { quality: max, score, evaluations: scores.size, reached: score >= target };
  }
  return { quality: pass, score: scores.get(pass)!, evaluations: scores.size, reached: true };
}

/** Quality where the line through two measured points crosses the target. */
function interpolate(qLow: number, sLow: number, qHigh: number, sHigh: number, target: number): number {
  if (sHigh <= sLow) return Math.round((qLow + qHigh) / 2);
  return Math.ceil(qLow + ((target - sLow) * (qHigh - qLow)) / (sHigh - sLow));
}

/**
 * Quality steps up from the highest miss `fail` expected to reach the target: with the assumed
 * slope, or with the slope measured between the two highest misses when that asks for more. An
 * encoder whose score creeps up more slowly than assumed (AVIF on smooth photos: 0.25 a step
 * where 0.9 was assumed) otherwise climbs in steps too small to arrive before the evaluations
 * run out: mate-Aqua to AVIF missed by 0.1 at its third try and fell back to quality 100, 1 MB
 * instead of about 95 kB.
 */
function climbStep(
  scores: ReadonlyMap<number, number>,
  fail: number,
  target: number,
  slope?: number,
): number {
  const gap = target - scores.get(fail)!;
  const assumed = stepFor(gap, slope);
  const misses = [...scores.keys()].filter((quality) => quality < fail && scores.get(quality)! < target);
  if (misses.length === 0) return assumed;
  const below = Math.max(...misses);
  const measured = (scores.get(fail)! - scores.get(below)!) / (fail - below);
  if (!(measured > 0)) return assumed;
  return Math.max(assumed, Math.min(MAX_STEP, Math.ceil(gap / measured)));
}

/** Quality steps needed to move the score by `gap` points, with the assumed slope. */
function stepFor(gap: number, slope = 0.8): number {
  return clamp(Math.round(gap / slope), 2, MAX_STEP);
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(high, Math.max(low, value));
}
