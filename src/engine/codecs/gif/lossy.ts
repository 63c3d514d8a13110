/**
 * Lossy GIF: gifsicle's --lossy (LZW-aware dithering of near-equal colours) with its level chosen
 * by the perceptual search, kept only when smaller than the lossless result.
 */
import { isSquishError } from '../../../errors/index.js';
import { DEFAULT_LOSSY_TARGET } from '../../../plan/index.js';
import { type GifTimeline, readGifTimeline } from '../../decode/gif-frames.js';
import type { GifStructure } from '../../decode/gif-structure.js';
import { MIN_METRIC_SIDE } from '../../metric/ssimulacra2.js';
import { searchQuality } from '../../search/perceptual-search.js';
import type { Candidate, CodecContext } from '../../types.js';
import { type GifMetricReference, prepareReference, scoreAnimation } from './gif-metric.js';
import { hasGifsicle, runGifsicle } from './gifsicle.js';
import { losslessGif } from './lossless.js';
import { gifsicleStripArgs } from './strip.js';

/**
 * Quality 100 is lossless; each step down adds 2 to gifsicle's --lossy level, so quality 0 is
 * --lossy=200, past which gifsicle's output hardly shrinks (measured on the corpus: −2 % from 160
 * to 200). On the corpus, target 80 lands at --lossy=28 to 38 for photographic GIFs, while
 * flat ones (pil-chi-anim) still score 85 at 200.
 */
export function lossyLevelFor(quality: number): number {
  return Math.round((100 - quality) * 2);
}

/** Where the search starts: --lossy=40, near where the corpus reaches the default target. */
const SEARCH_START = 80;
/** Below this gain at the strongest level, lossy is not worth a search (nor its artefacts). */
const MIN_LOSSY_GAIN = 0.01;
/** Share of the job's remaining time the lossy search may use; the rest is a margin. */
const SEARCH_SHARE_OF_TIME = 0.85;

interface Trial {
  quality: number;
  data: Uint8Array;
  /** Frames in the output (gifsicle merges identical neighbours); undefined when not decoded. */
  frames?: number;
  /** SSIMULACRA2 (worst sampled frame); undefined until measured, -Infinity when unusable. */
  score?: number;
}

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
  const fixedQuality = ctx.plan.quality;
  const measurable = structure.width >= MIN_METRIC_SIDE && structure.height >= MIN_METRIC_SIDE;
  if (!measurable && fixedQuality === undefined) {
    const lossless = await losslessGif(input, ctx, structure);
    return { ...lossless, notes: [...(lossless.notes ?? []), 'frames under 64 px a side: kept lossless'] };
  }
  // The search stops early, keeping its best so far, rather than failing the job at its deadline.
  const searchDeadline = Date.now() + (ctx.deadline - Date.now()) * SEARCH_SHARE_OF_TIME;
  const trials = new LossyTrials(input, ctx, gifsicleStripArgs(structure, ctx.plan.keep.icc), searchDeadline);
  // gifsicle runs in its own process: the lossless run and the first lossy encode go side by side.
  const [lossless, first] = await Promise.all([
    losslessGif(input, ctx, structure),
    trials.encode(fixedQuality ?? 0).catch(stopOnTimeout),
  ]);
  trials.losslessSize = lossless.data.length;
  const metric = prepareReference(input, ctx.limits.maxPixels);
  const reference = readGifTimeline(input);
  const withNote = (note: string): Candidate => ({ ...lossless, notes: [...(lossless.notes ?? []), note] });
  if (!first) return withNote('lossy search stopped at the time limit: kept lossless');

  if (fixedQuality !== undefined) {
    if (first.data.length >= lossless.data.length) return lossless;
    await trials.measure(first, reference, metric);
    return Number.isFinite(first.score) || !metric ? toCandidate(first, metric, lossless) : lossless;
  }
  // The strongest level tells whether any search can pay off...
  if (first.data.length >= lossless.data.length * (1 - MIN_LOSSY_GAIN)) {
    return withNote('gifsicle --lossy does not make this GIF smaller');
  }
  // ...and flat-curve GIFs (cartoons, screen captures) often reach the target even there.
  const target = ctx.plan.target ?? DEFAULT_LOSSY_TARGET;
  let stoppedEarly = false;
  try {
    await trials.measure(first, reference, metric);
    if (first.score! < target) {
      await searchQuality({
        min: 1,
        max: 100,
        target,
        start: SEARCH_START,
        deadline: searchDeadline,
        evaluate: async (quality) => {
          if (quality >= 100) return 100;
          const trial = await trials.encode(quality);
          await trials.measure(trial, reference, metric);
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
    best && best.data.length < lossless.data.length ? toCandidate(best, metric, lossless) : lossless;
  if (!stoppedEarly) return chosen;
  return { ...chosen, notes: [...(chosen.notes ?? []), 'lossy search stopped early at the time limit'] };
}

/** Swallows the search's own timeout (the caller keeps what it has); rethrows anything else. */
function stopOnTimeout(error: unknown): undefined {
  if (isSquishError(error) && error.code === 'PROCESSING_TIMEOUT') return undefined;
  throw error;
}

/** The encodes made at each quality, and their scores once measured. */
class LossyTrials {
  private readonly byQuality = new Map<number, Trial>();

  /** Size of the lossless result, once known: outputs not smaller are not worth measuring. */
  losslessSize = Number.POSITIVE_INFINITY;

  constructor(
    private readonly input: Uint8Array,
    private readonly ctx: CodecContext,
    private readonly strip: string[],
    /** gifsicle runs of the search stop here, before the job's own deadline. */
    private readonly deadline: number,
  ) {}

  async encode(quality: number): Promise<Trial> {
    const known = this.byQuality.get(quality);
    if (known) return known;
    const args = ['-O3', `--lossy=${lossyLevelFor(quality)}`, ...this.strip];
    const data = await runGifsicle(this.input, args, this.deadline);
    const trial: Trial = data
      ? { quality, data }
      : { quality, data: this.input, score: Number.NEGATIVE_INFINITY };
    this.byQuality.set(quality, trial);
    return trial;
  }

  /**
   * Scores a trial. The metric, the costly part, is skipped for outputs that cannot win: not
   * smaller than the lossless result (scored 100, so the search moves on to stronger settings),
   * or byte-identical to one already measured. An output that does not decode, or plays another
   * timeline (size, loop count, duration), scores -Infinity so it is never chosen.
   */
  async measure(trial: Trial, reference: GifTimeline, metric: GifMetricReference | undefined): Promise<void> {
    if (trial.score !== undefined) return;
    if (trial.data.length >= this.losslessSize) {
      trial.score = 100;
      return;
    }
    const twin = [...this.byQuality.values()].find(
      (other) => other !== trial && other.score !== undefined && Buffer.compare(other.data, trial.data) === 0,
    );
    if (twin) {
      trial.score = twin.score;
      trial.frames = twin.frames;
      return;
    }
    try {
      const timeline = readGifTimeline(trial.data);
      trial.frames = timeline.frameCount;
      if (!sameTimeline(reference, timeline)) trial.score = Number.NEGATIVE_INFINITY;
      // Without a trustworthy metric (tiny frames) a fixed quality is taken as asked.
      else
        trial.score = metric
          ? await scoreAnimation(metric, trial.data, this.ctx.limits.maxPixels)
          : Number.NaN;
    } catch (error) {
      if (!isSquishError(error)) throw error;
      trial.score = Number.NEGATIVE_INFINITY;
    }
  }

  smallestReaching(target: number): Trial | undefined {
    let best: Trial | undefined;
    for (const trial of this.byQuality.values()) {
      if (trial.score === undefined || !(trial.score >= target)) continue;
      if (!best || trial.data.length < best.data.length) best = trial;
    }
    return best;
  }
}

function sameTimeline(a: GifTimeline, b: GifTimeline): boolean {
  return (
    a.width === b.width &&
    a.height === b.height &&
    a.loopCount === b.loopCount &&
    a.durationMs === b.durationMs
  );
}

function toCandidate(trial: Trial, metric: GifMetricReference | undefined, lossless: Candidate): Candidate {
  const notes = (lossless.notes ?? []).filter((note) => !note.includes('rejected'));
  if (!metric) notes.push('frames under 64 px a side: quality not measured');
  return {
    data: trial.data,
    method: `gifsicle -O3 --lossy=${lossyLevelFor(trial.quality)}`,
    lossless: false,
    quality: trial.quality,
    ...(trial.frames !== undefined ? { frames: trial.frames } : {}),
    ...(Number.isFinite(trial.score) ? { score: Math.round(trial.score! * 10) / 10 } : {}),
    notes,
  };
}
