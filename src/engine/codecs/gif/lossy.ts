/**
 * Lossy GIF: gifsicle's --lossy (LZW-aware dithering of near-equal colours) with its level chosen
 * by the perceptual search, kept only when smaller than the lossless result.
 */
import { DEFAULT_LOSSY_TARGET } from '../../../plan/index.js';
import { type DecodedGif, decodeGifFrames } from '../../decode/gif-frames.js';
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

interface Trial {
  quality: number;
  data: Uint8Array;
  score: number;
  /** Frames in the output (gifsicle merges identical neighbours). */
  frames?: number;
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
  const { candidate: lossless, reference } = await losslessGif(input, ctx, structure);
  if (!hasGifsicle()) return lossless;
  const metric = prepareReference(reference);
  const target = ctx.plan.target ?? DEFAULT_LOSSY_TARGET;
  const trials = new Map<number, Trial>();
  const evaluate = async (quality: number): Promise<number> => {
    if (quality >= 100) return 100;
    const trial = await encodeAndScore(input, quality, ctx, reference, metric, {
      strip: gifsicleStripArgs(structure, ctx.plan.keep.icc),
      notSmallerThan: lossless.data.length,
      earlier: [...trials.values()],
    });
    trials.set(quality, trial);
    return trial.score;
  };

  if (ctx.plan.quality !== undefined) {
    await evaluate(ctx.plan.quality);
    const fixed = trials.get(ctx.plan.quality);
    return fixed && fixed.data.length < lossless.data.length
      ? toCandidate(fixed, metric, lossless)
      : lossless;
  }
  if (!metric) {
    return { ...lossless, notes: [...(lossless.notes ?? []), 'frames under 64 px a side: kept lossless'] };
  }
  await searchQuality({ min: 0, max: 100, target, evaluate, deadline: ctx.deadline, start: SEARCH_START });
  let best: Trial | undefined;
  for (const trial of trials.values()) {
    if (trial.score >= target && (!best || trial.data.length < best.data.length)) best = trial;
  }
  return best && best.data.length < lossless.data.length ? toCandidate(best, metric, lossless) : lossless;
}

/**
 * Encodes at one quality and scores it. An output that does not decode, or plays a different
 * timeline (size, loop count, duration), scores -Infinity so it is never chosen. The metric, the
 * costly part, is skipped for outputs that cannot win: not smaller than the lossless result
 * (scored 100, so the search moves on to stronger settings), or identical to an earlier trial.
 */
async function encodeAndScore(
  input: Uint8Array,
  quality: number,
  ctx: CodecContext,
  reference: DecodedGif,
  metric: GifMetricReference | undefined,
  shortcuts: { strip: string[]; notSmallerThan: number; earlier: Trial[] },
): Promise<Trial> {
  const args = ['-O3', `--lossy=${lossyLevelFor(quality)}`, ...shortcuts.strip];
  const data = await runGifsicle(input, args, ctx.deadline);
  if (!data) return { quality, data: input, score: Number.NEGATIVE_INFINITY };
  if (data.length >= shortcuts.notSmallerThan) return { quality, data, score: 100 };
  const twin = shortcuts.earlier.find((trial) => Buffer.compare(trial.data, data) === 0);
  if (twin) return { ...twin, quality };
  let decoded: DecodedGif;
  try {
    decoded = decodeGifFrames(data, { maxPixels: ctx.limits.maxPixels });
  } catch {
    return { quality, data, score: Number.NEGATIVE_INFINITY };
  }
  if (!sameTimeline(reference, decoded)) return { quality, data, score: Number.NEGATIVE_INFINITY };
  // Without a trustworthy metric (tiny frames) a fixed quality is taken as asked.
  const score = metric ? await scoreAnimation(metric, decoded) : Number.NaN;
  return { quality, data, score, frames: decoded.frames.length };
}

function sameTimeline(a: DecodedGif, b: DecodedGif): boolean {
  const duration = (gif: DecodedGif) => gif.frames.reduce((sum, frame) => sum + frame.delayMs, 0);
  return (
    a.width === b.width && a.height === b.height && a.loopCount === b.loopCount && duration(a) === duration(b)
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
    ...(Number.isFinite(trial.score) ? { score: Math.round(trial.score * 10) / 10 } : {}),
    notes,
  };
}
