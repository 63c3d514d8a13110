/**
 * Lossy GIF: near-equal pixels of animations held from frame to frame (hold-pixels.ts) and
 * gifsicle's --lossy (LZW-aware dithering of near-equal colours), with one quality scale for both
 * (lossy-settings.ts) chosen by the perceptual search, kept only when smaller than the lossless
 * result.
 */
import { isSquishError } from '../../../errors/index.js';
import { DEFAULT_LOSSY_TARGET } from '../../../plan/index.js';
import { readGifTimeline } from '../../decode/gif-frames.js';
import type { GifStructure } from '../../decode/gif-structure.js';
import { MIN_METRIC_SIDE } from '../../metric/ssimulacra2.js';
import type { Candidate, CodecContext } from '../../types.js';
import { type GifMetricReference, prepareReference } from './gif-metric.js';
import { hasGifsicle } from './gifsicle.js';
import { searchLevel } from './level-search.js';
import { losslessGif } from './lossless.js';
import { type LossyPath, widestChange } from './lossy-settings.js';
import { LossyTrials, type Trial } from './lossy-trials.js';
import { someColoursWithin } from './palette-spread.js';

/** Where the search starts (--lossy=40 or holding within 8), near the default target on the corpus. */
const SEARCH_START = 80;
/** Where the two paths of an animation are compared (holding within 16, or --lossy=80). */
const PATH_PROBE = 60;
/** How the loss below 100 grows with the step down from lossless, per path (level-search.ts). */
const CURVE_EXPONENT: Record<LossyPath, number> = { hold: 1, lossy: 0.35 };
/** New evaluations the search may make after the probes. */
const MAX_SEARCH_EVALUATIONS = 4;
/** Below this gain at the strongest level, lossy is not worth a search (nor its artefacts). */
const MIN_LOSSY_GAIN = 0.01;
/** Share of the job's remaining time the lossy search may use; the rest is a margin. */
const SEARCH_SHARE_OF_TIME = 0.85;

/**
 * The smallest GIF reaching the perceptual target (or encoded at the plan's fixed quality); the
 * lossless result when it is smaller, when the frames are too small to measure (< 64 px a side),
 * or when gifsicle is missing.
 */
export async function lossyGif(
  input: Uint8Array,
  ctx: CodecContext,
  structure: GifStructure,
): Promise<Candidate> {
  if (!hasGifsicle()) return losslessGif(input, ctx, structure);
  // The lossless run starts first: its gifsicle process works while the checks below run.
  const losslessRun = losslessGif(input, ctx, structure);
  // Marked as handled here; every path below awaits it.
  losslessRun.catch(() => {});
  const keptLossless = async (note: string): Promise<Candidate> => {
    const lossless = await losslessRun;
    return { ...lossless, notes: [...(lossless.notes ?? []), note] };
  };
  const fixedQuality = ctx.plan.quality;
  const measurable = structure.width >= MIN_METRIC_SIDE && structure.height >= MIN_METRIC_SIDE;
  if (!measurable && fixedQuality === undefined)
    return keptLossless('frames under 64 px a side: kept lossless');
  if (!someColoursWithin(input, structure, widestChange())) {
    return keptLossless('colours too far apart for any lossy setting to change a pixel: kept lossless');
  }
  // The search stops early, keeping its best so far, rather than failing the job at its deadline.
  const searchDeadline = Date.now() + (ctx.deadline - Date.now()) * SEARCH_SHARE_OF_TIME;
  const trials = new LossyTrials(input, ctx, structure, searchDeadline);
  // gifsicle runs in its own process: the lossless run and the first lossy encode go side by side.
  const [lossless, first] = await Promise.all([
    losslessRun,
    trials.encode(trials.paths[0]!, fixedQuality ?? 0).catch(stopOnTimeout),
  ]);
  trials.losslessSize = lossless.data.length;
  const metric = prepareReference(input, ctx.limits.maxPixels);
  const reference = readGifTimeline(input);
  const withNote = (note: string): Candidate => ({ ...lossless, notes: [...(lossless.notes ?? []), note] });
  if (!first) return withNote('lossy search stopped at the time limit: kept lossless');

  if (fixedQuality !== undefined) {
    if (first.data.length >= lossless.data.length) return lossless;
    await trials.measure(first, reference, metric);
    return Number.isFinite(first.score) || !metric
      ? toCandidate(first, trials.describe(first), metric, lossless)
      : lossless;
  }
  // The strongest setting tells whether any search can pay off...
  if (first.data.length >= lossless.data.length * (1 - MIN_LOSSY_GAIN)) {
    return withNote('no lossy setting makes this GIF smaller');
  }
  // ...and flat-curve GIFs (cartoons, screen captures) often reach the target even there.
  const target = ctx.plan.target ?? DEFAULT_LOSSY_TARGET;
  let stoppedEarly = false;
  try {
    await trials.measure(first, reference, metric);
    if (first.score! < target) {
      const measure = (trial: Trial) => trials.measure(trial, reference, metric);
      const encode = (path: LossyPath, quality: number) => trials.encode(path, quality);
      const path = await choosePath(trials.paths, encode, measure, lossless.data.length, target);
      await searchLevel({
        target,
        // What the probes measured on this path anchors the first prediction.
        known: trials.scoresOn(path),
        start: SEARCH_START,
        exponent: CURVE_EXPONENT[path],
        deadline: searchDeadline,
        maxEvaluations: MAX_SEARCH_EVALUATIONS,
        evaluate: async (quality) => {
          const trial = await trials.encode(path, quality);
          await measure(trial);
          return trial.score!;
        },
      });
    }
  } catch (error) {
    stopOnTimeout(error);
    stoppedEarly = true;
  }
  const best = trials.smallestReaching(target);
  const chosen =
    best && best.data.length < lossless.data.length
      ? toCandidate(best, trials.describe(best), metric, lossless)
      : lossless;
  if (!stoppedEarly) return chosen;
  return { ...chosen, notes: [...(chosen.notes ?? []), 'lossy search stopped early at the time limit'] };
}

/**
 * The path whose probe (quality PATH_PROBE, both encoded side by side) bought the most bytes per
 * SSIMULACRA2 point lost: the one expected to be smaller at the target. The probe is taken past
 * the usual target because holding saturates: on a 2-frame animation it saves about as much per
 * point as --lossy in its first steps, then little more. When the smaller probe already reaches
 * the target, its path wins without measuring the other (the metric is the costly part): the
 * other is larger at the probe and would have to go much further down to catch up.
 */
async function choosePath(
  paths: readonly LossyPath[],
  encode: (path: LossyPath, quality: number) => Promise<Trial>,
  measure: (trial: Trial) => Promise<void>,
  losslessSize: number,
  target: number,
): Promise<LossyPath> {
  if (paths.length === 1) return paths[0]!;
  // Encodes run in gifsicle processes, so they overlap; the metric runs one after the other.
  const probes = await Promise.all(paths.map((path) => encode(path, PATH_PROBE)));
  probes.sort((a, b) => a.data.length - b.data.length);
  await measure(probes[0]!);
  if (probes[0]!.score! >= target) return probes[0]!.path;
  for (const probe of probes.slice(1)) await measure(probe);
  const worth = (trial: Trial): number => {
    if (!Number.isFinite(trial.score)) return Number.NEGATIVE_INFINITY;
    return (losslessSize - trial.data.length) / Math.max(1, 100 - trial.score!);
  };
  return probes.reduce((a, b) => (worth(b) > worth(a) ? b : a)).path;
}

/** Swallows the search's own timeout (the caller keeps what it has); rethrows anything else. */
function stopOnTimeout(error: unknown): undefined {
  if (isSquishError(error) && error.code === 'PROCESSING_TIMEOUT') return undefined;
  throw error;
}

function toCandidate(
  trial: Trial,
  method: string,
  metric: GifMetricReference | undefined,
  lossless: Candidate,
): Candidate {
  const notes = (lossless.notes ?? []).filter((note) => !note.includes('rejected'));
  if (!metric) notes.push('frames under 64 px a side: quality not measured');
  return {
    data: trial.data,
    method,
    lossless: false,
    quality: trial.quality,
    ...(trial.frames !== undefined ? { frames: trial.frames } : {}),
    ...(Number.isFinite(trial.score) ? { score: Math.round(trial.score! * 10) / 10 } : {}),
    notes,
  };
}
