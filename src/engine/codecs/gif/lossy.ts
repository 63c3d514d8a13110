/**
 * Lossy GIF: gifsicle's --lossy (LZW-aware dithering of near-equal colours) with its level chosen
 * by the perceptual search, kept only when smaller than the lossless result.
 */
import { isSquishError } from '../../../errors/index.js';
import { DEFAULT_LOSSY_TARGET } from '../../../plan/index.js';
import { type GifTimeline, readGifTimeline } from '../../decode/gif-frames.js';
import type { GifStructure } from '../../decode/gif-structure.js';
import { searchQuality } from '../../search/perceptual-search.js';
import type { Candidate, CodecContext } from '../../types.js';
import { type GifMetricReference, prepareReference, scoreAnimation } from './gif-metric.js';
import { hasGifsicle, runGifsicle } from './gifsicle.js';
import { losslessGif } from './lossless.js';
import { gifsicleStripArgs } from './strip.js';

/**
 * Quality 100 is lossless; each step down adds 2 to gifsicle's --lossy level, so quality 0 is
 * --lossy=200, past which gifsicle's output hardly shrinks (measured on the corpus: −2 % from 160
 * to 200). On the corpus, target 80 lands between --lossy=15 and --lossy=40.
 */
export function lossyLevelFor(quality: number): number {
  return Math.round((100 - quality) * 2);
}

/** Where the search starts: --lossy=40, near where the corpus reaches the default target. */
const SEARCH_START = 80;
/** Below this gain at the strongest level, lossy is not worth a search (nor its artefacts). */
const MIN_LOSSY_GAIN = 0.01;

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
  const lossless = await losslessGif(input, ctx, structure);
  if (!hasGifsicle()) return lossless;
  const metric = prepareReference(input, ctx.limits.maxPixels);
  const reference = readGifTimeline(input);
  const trials = new LossyTrials(
    input,
    ctx,
    gifsicleStripArgs(structure, ctx.plan.keep.icc),
    lossless.data.length,
  );

  if (ctx.plan.quality !== undefined) {
    const fixed = await trials.encode(ctx.plan.quality);
    if (fixed.data.length >= lossless.data.length) return lossless;
    await trials.measure(fixed, reference, metric);
    return Number.isFinite(fixed.score) || !metric ? toCandidate(fixed, metric, lossless) : lossless;
  }
  if (!metric) {
    return { ...lossless, notes: [...(lossless.notes ?? []), 'frames under 64 px a side: kept lossless'] };
  }
  // One cheap encode at the strongest level tells whether any search can pay off (no metric yet).
  const strongest = await trials.encode(0);
  if (strongest.data.length >= lossless.data.length * (1 - MIN_LOSSY_GAIN)) {
    return {
      ...lossless,
      notes: [...(lossless.notes ?? []), 'gifsicle --lossy does not make this GIF smaller'],
    };
  }
  // Flat-curve GIFs (cartoons, screen captures) often reach the target even there: done in one.
  const target = ctx.plan.target ?? DEFAULT_LOSSY_TARGET;
  await trials.measure(strongest, reference, metric);
  if (strongest.score! >= target) return toCandidate(strongest, metric, lossless);
  await searchQuality({
    min: 1,
    max: 100,
    target,
    start: SEARCH_START,
    deadline: ctx.deadline,
    evaluate: async (quality) => {
      if (quality >= 100) return 100;
      const trial = await trials.encode(quality);
      await trials.measure(trial, reference, metric);
      return trial.score!;
    },
  });
  const best = trials.smallestReaching(target);
  return best && best.data.length < lossless.data.length ? toCandidate(best, metric, lossless) : lossless;
}

/** The encodes made at each quality, and their scores once measured. */
class LossyTrials {
  private readonly byQuality = new Map<number, Trial>();

  constructor(
    private readonly input: Uint8Array,
    private readonly ctx: CodecContext,
    private readonly strip: string[],
    private readonly losslessSize: number,
  ) {}

  async encode(quality: number): Promise<Trial> {
    const known = this.byQuality.get(quality);
    if (known) return known;
    const args = ['-O3', `--lossy=${lossyLevelFor(quality)}`, ...this.strip];
    const data = await runGifsicle(this.input, args, this.ctx.deadline);
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
