/**
 * The GIF variant of the perceptual search (the shared one is search/perceptual-search.ts): it
 * starts from what the probes already measured, predicts with a calibrated curve instead of fixed
 * steps, and stops once a passing setting is within a point and a half of the target, because
 * GIF sizes barely move there (one quality step is ~1 % of the file) while every evaluation costs
 * a gifsicle run and SSIMULACRA2 on several frames.
 */
import { SquishError } from '../../../errors/index.js';

export interface LevelSearchOptions {
  /** Score to reach (SSIMULACRA2 points). */
  target: number;
  /** Qualities already measured on this path, with their scores. */
  known: ReadonlyMap<number, number>;
  /** Where to start when nothing known can anchor a prediction. */
  start: number;
  /**
   * Shape of the path's curve: the loss below 100 grows as (100 − quality)^exponent. Measured on
   * the corpus: --lossy 0.35 (pil-hopper, pil-palette_not_needed), holding 1.0 (pil-iss634-anim).
   */
  exponent: number;
  /** Epoch milliseconds after which the search stops with PROCESSING_TIMEOUT. */
  deadline: number;
  /** Upper bound on new evaluations. */
  maxEvaluations: number;
  /** Score of the output at `quality` (1 to 99); assumed to rise with quality. */
  evaluate(quality: number): Promise<number>;
}

/** A passing score this close to the target ends the search. */
const CLOSE_ENOUGH = 1.5;

/**
 * Measures qualities until the lowest passing one is close to the target or cannot be improved;
 * the caller keeps the results (the evaluations are its trials).
 * @throws SquishError PROCESSING_TIMEOUT once the deadline has passed.
 */
export async function searchLevel(options: LevelSearchOptions): Promise<void> {
  const { target } = options;
  const scores = new Map(options.known);
  for (let evaluations = 0; evaluations < options.maxEvaluations; evaluations++) {
    // pass: lowest quality known to reach the target (100, lossless, always does).
    // fail: highest quality below it known to miss.
    let pass = 100;
    for (const [quality, score] of scores) if (score >= target && quality < pass) pass = quality;
    let fail = 0;
    for (const [quality, score] of scores)
      if (score < target && quality < pass && quality > fail) fail = quality;
    if (pass < 100 && scores.get(pass)! - target < CLOSE_ENOUGH) return;
    if (pass - fail <= 1) return;
    const next = Math.min(pass - 1, Math.max(fail + 1, predict(scores, target, options)));
    if (scores.has(next)) return;
    if (Date.now() > options.deadline) throw new SquishError('PROCESSING_TIMEOUT');
    scores.set(next, await options.evaluate(next));
  }
}

/**
 * The quality where the curve through the measured point nearest the target crosses it: the
 * loss (100 − score) scales as (100 − quality)^exponent.
 */
function predict(scores: ReadonlyMap<number, number>, target: number, options: LevelSearchOptions): number {
  let anchor: [quality: number, score: number] | undefined;
  for (const [quality, score] of scores) {
    if (!Number.isFinite(score) || score >= 99.9 || quality >= 100) continue;
    if (!anchor || Math.abs(score - target) < Math.abs(anchor[1] - target)) anchor = [quality, score];
  }
  if (!anchor) return options.start;
  const [quality, score] = anchor;
  const step = (100 - quality) * ((100 - target) / (100 - score)) ** (1 / options.exponent);
  return Math.round(100 - step);
}
