/**
 * The lossy GIF encodes of one job, one per path and quality, and their scores once measured.
 */
import { isSquishError } from '../../../errors/index.js';
import { type GifTimeline, readGifTimeline } from '../../decode/gif-frames.js';
import type { GifStructure } from '../../decode/gif-structure.js';
import type { CodecContext } from '../../types.js';
import { type GifMetricReference, scoreAnimation } from './gif-metric.js';
import { runGifsicle } from './gifsicle.js';
import { PixelHolder } from './hold-pixels.js';
import { describeSettings, type LossyPath, settingsFor } from './lossy-settings.js';
import { gifsicleStripArgs } from './strip.js';

/** One encode: its setting, its bytes and, once measured, its score. */
export interface Trial {
  path: LossyPath;
  quality: number;
  data: Uint8Array;
  /** Whether any pixel was held before gifsicle ran. */
  held: boolean;
  /** Frames in the output (gifsicle merges identical neighbours); undefined when not decoded. */
  frames?: number;
  /** SSIMULACRA2 (worst sampled frame); undefined until measured, -Infinity when unusable. */
  score?: number;
}

/** The encodes made on each path and quality, and their scores once measured. */
export class LossyTrials {
  private readonly bySetting = new Map<string, Trial>();
  private readonly strip: string[];
  /** The paths worth trying, the one with every tool first (it makes the strongest setting). */
  readonly paths: readonly LossyPath[];
  /** Decoded once, on the first quality that holds pixels; null when holding cannot apply. */
  private holder: PixelHolder | null | undefined;

  /** Size of the lossless result, once known: outputs not smaller are not worth measuring. */
  losslessSize = Number.POSITIVE_INFINITY;

  constructor(
    private readonly input: Uint8Array,
    private readonly ctx: CodecContext,
    private readonly structure: GifStructure,
    /** gifsicle runs of the search stop here, before the job's own deadline. */
    private readonly deadline: number,
  ) {
    this.strip = gifsicleStripArgs(structure, ctx.plan.keep.icc);
    // The rewrite carries no extension but the loop count, so an ICC profile to keep rules it out.
    const animated = structure.frames.length > 1 && !(ctx.plan.keep.icc && structure.hasIccProfile);
    this.paths = animated ? ['hold', 'lossy'] : ['lossy'];
  }

  async encode(path: LossyPath, quality: number): Promise<Trial> {
    const key = `${path} ${quality}`;
    const known = this.bySetting.get(key);
    if (known) return known;
    const settings = settingsFor(quality, path);
    const held = settings.holdTolerance > 0 ? this.held(settings.holdTolerance) : undefined;
    const source = held ?? this.input;
    const args = [
      '-O3',
      ...(settings.lossyLevel > 0 ? [`--lossy=${settings.lossyLevel}`] : []),
      ...this.strip,
    ];
    const data = await runGifsicle(source, args, this.deadline);
    const trial: Trial = data
      ? { path, quality, data, held: held !== undefined }
      : { path, quality, data: this.input, held: false, score: Number.NEGATIVE_INFINITY };
    this.bySetting.set(key, trial);
    return trial;
  }

  /** Measured scores of a path's trials, by quality. */
  scoresOn(path: LossyPath): Map<number, number> {
    const scores = new Map<number, number>();
    for (const trial of this.bySetting.values()) {
      if (trial.path === path && trial.score !== undefined) scores.set(trial.quality, trial.score);
    }
    return scores;
  }

  /** Method of a trial's output. */
  describe(trial: Trial): string {
    const settings = settingsFor(trial.quality, trial.path);
    return describeSettings(trial.held ? settings : { ...settings, holdTolerance: 0 });
  }

  /** The input with near pixels held, or undefined when holding does not apply or held nothing. */
  private held(tolerance: number): Uint8Array | undefined {
    if (this.holder === undefined) this.holder = PixelHolder.open(this.input, this.structure) ?? null;
    return this.holder?.hold(tolerance)?.data;
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
    const twin = [...this.bySetting.values()].find(
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
    for (const trial of this.bySetting.values()) {
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
