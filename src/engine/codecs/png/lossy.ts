/**
 * "Intelligent lossy" PNG: a palette of at most 256 colours (with full alpha), at the lowest
 * quantizer quality whose result still reaches the perceptual target, then oxipng.
 *
 * The palette is global, so every evaluation quantizes the whole image; only the metric is run on
 * representative tiles, because SSIMULACRA2 costs far more than quantizing.
 */
import { isSquishError } from '../../../errors/index.js';
import { DEFAULT_LOSSY_TARGET } from '../../../plan/index.js';
import { checkDeadline } from '../../deadline.js';
import { MIN_METRIC_SIDE, ssimulacra2 } from '../../metric/ssimulacra2.js';
import { searchQuality } from '../../search/perceptual-search.js';
import type { Candidate, CodecContext } from '../../types.js';
import { type PngChunk, readPngChunks, writePng } from './chunks.js';
import { hasAtMostColours } from './colours.js';
import { oxipngLevel, recompress } from './lossless.js';
import { oxipng } from './oxipng.js';
import { FINEST_QUALITY, PaletteEncodes } from './palette-encodes.js';
import { type PaletteScorer, paletteScorer } from './palette-score.js';
import { decodeRgba8, hasTranslucency, maxSampleError, onBackground, type Rgba8 } from './pixels.js';
import { type PreparedPng, preparePng } from './prepare.js';
import { availableQuantizer, type QuantizeSettings, quantize } from './quantize.js';
import { chooseTruecolor } from './truecolor-choice.js';

/** Quantizer qualities searched. Below 20 palettes get posterised whatever the image. */
const MIN_QUALITY = 20;
const MAX_QUALITY = FINEST_QUALITY;
/** Typical SSIMULACRA2 gain per quantizer quality step, measured on the corpus (0.3 to 0.8). */
const SCORE_PER_QUALITY = 0.5;
/** Quality steps above the best miss tried when the search's own tries all missed. */
const RESCUE_STEP = 8;
/** Lowest first guess of the search: the corpus' answers were 35 to 96, most of them 58 to 96. */
const START_FLOOR = 70;
/**
 * PSNR (dB, alpha-weighted colour and alpha) of the quality-100 palette at or above which the
 * search is expected to start at START_FLOOR, so that palette is quantized while quality 100 is
 * scored (pngquant runs in its own process, the metric in this one). On the corpus the five images
 * whose quality-100 palette scored 95 or more (search start 70) measured 48.2 to 63.6 dB; of the
 * twelve others only two reached 48 dB (the Sway wallpaper, start 73, and the emerald logo), so a
 * wrong guess costs one pngquant run of CPU, never time.
 */
const LIKELY_FLOOR_START_PSNR = 48;
/**
 * Fewest quality steps the search goes down from a passing quality for one more pngquant run and
 * metric: two steps saved 1-3 % of the bytes on the corpus for about a quarter of a search's time.
 */
const MIN_DOWN_STEP = 3;
/**
 * Points a translucent image's score on black may fall below the target. Black guards against
 * alpha damage; it is not a second target (with the full target there, a translucent icon of the
 * corpus ended at quality 100).
 */
const BLACK_TOLERANCE = 5;
/** Images under MIN_METRIC_SIDE: a palette is accepted only when no sample moves more than this. */
const SMALL_IMAGE_MAX_ERROR = 6;
/**
 * Also compute the lossless result when the palette result is above this share of the input:
 * only then can lossless be smaller (oxipng rarely saves 40 % on a PNG; a palette usually does).
 */
const LOSSLESS_CHECK_RATIO = 0.6;
/**
 * The rescue palette: pngquant's slowest palette search with full dithering. On the corpus logo
 * that scored 5.5 points more on tiles than the default settings (speed 4, half dithering).
 */
const FINE_SETTINGS: QuantizeSettings = { speed: 1, dither: 1 };
/** The rescues measure the whole image, 2.2 us a pixel: 4.2 Mpx is about 9 s. */
const RESCUE_MAX_PIXELS = 4_200_000;
const WHITE = 255;
/** Tile scores this close below the target are worth a whole-image check (see wholeImageRescue). */
const WHOLE_CHECK_BAND = 4;
/** Chunks that make up the pixels; everything else kept by preparePng is carried over to the palette PNG. */
const PIXEL_CHUNKS = new Set(['IHDR', 'PLTE', 'tRNS', 'IDAT', 'IEND']);

/** The perceptual (or fixed-quality) palette candidate, or the lossless one when it is smaller or safer. */
export async function optimizeLossy(input: Uint8Array, ctx: CodecContext): Promise<Candidate> {
  const prepared = preparePng(input, ctx);
  if (prepared.header.animated) return recompress(prepared, ctx);

  const chunks = readPngChunks(prepared.cleaned);
  const bare = writePng(chunks.filter((chunk) => PIXEL_CHUNKS.has(chunk.type)));
  const extras = chunks.filter((chunk) => !PIXEL_CHUNKS.has(chunk.type));
  const original = await decodeRgba8(bare);
  if (hasAtMostColours(original, 256)) {
    const lossless = await recompress(prepared, ctx);
    return {
      ...lossless,
      notes: [...(lossless.notes ?? []), 'at most 256 colours: exact palette, no loss needed'],
    };
  }

  const quantizer = availableQuantizer();
  const notes = [...prepared.notes];
  if (quantizer === 'sharp') notes.push('pngquant is not installed: used the sharp palette writer');
  const palettes = new PaletteEncodes(
    (quality) => quantize(bare, quality, quantizer, ctx.deadline),
    ctx.deadline,
  );

  let choice: PaletteChoice | undefined;
  try {
    // A slower, finer palette for translucent images whose default palette misses (see rescuePalette).
    const encodeFine = async () =>
      (await quantize(bare, MAX_QUALITY, quantizer, ctx.deadline, FINE_SETTINGS)).png;
    choice = await choosePalette(original, palettes, encodeFine, ctx);
  } catch (error) {
    // A quantizer that crashes on an odd file must not fail the job: lossless still works.
    if (!(isSquishError(error) && error.code === 'CODEC_FAILED')) throw error;
    const lossless = await recompress(prepared, ctx);
    return {
      ...lossless,
      notes: [...(lossless.notes ?? []), `palette failed (${error.message}): kept lossless`],
    };
  }
  if (!choice) return truecolorOrLossless(original, extras, prepared, ctx, notes);
  checkDeadline(ctx.deadline);
  const palette = withChunks(choice.png ?? (await palettes.at(choice.quality)), extras);
  const level = oxipngLevel(original.width * original.height);
  const data = await oxipng(palette, { level, optimizeAlpha: true });
  const candidate: Candidate = {
    data,
    method: `${quantizer} ${choice.png ? 'fine ' : ''}palette quality ${choice.quality} + oxipng`,
    lossless: false,
    quality: choice.quality,
    notes,
    ...(choice.score === undefined ? {} : { score: choice.score }),
  };
  if (data.length <= prepared.cleaned.length * LOSSLESS_CHECK_RATIO) return candidate;
  const lossless = await recompress(prepared, ctx);
  if (lossless.data.length > data.length) return candidate;
  return { ...lossless, notes: [...(lossless.notes ?? []), 'lossless came out smaller than the palette'] };
}

/**
 * When no palette is good enough: the truecolor candidate with quantized filter residuals
 * (truecolor-lossy.ts), or lossless when that misses the target too or is not smaller.
 */
async function truecolorOrLossless(
  original: Rgba8,
  extras: readonly PngChunk[],
  prepared: PreparedPng,
  ctx: CodecContext,
  notes: string[],
): Promise<Candidate> {
  const choice = await chooseTruecolor(original, ctx.plan.target ?? DEFAULT_LOSSY_TARGET, ctx.deadline);
  if (!choice) {
    const lossless = await recompress(prepared, ctx);
    return {
      ...lossless,
      notes: [...(lossless.notes ?? []), 'no palette reached the target: kept lossless'],
    };
  }
  checkDeadline(ctx.deadline);
  const draft = withChunks(choice.png, extras);
  const optimized = await oxipng(draft, {
    level: oxipngLevel(original.width * original.height),
    optimizeAlpha: !choice.keepsTransparentColour,
  });
  const data = optimized.length < draft.length ? optimized : draft;
  const candidate: Candidate = {
    data,
    method: `truecolor residual step ${choice.step} + oxipng`,
    lossless: false,
    notes: [...notes, 'no palette reached the target: truecolor with quantized filter residuals'],
    ...(choice.score === undefined ? {} : { score: choice.score }),
  };
  if (data.length <= prepared.cleaned.length * LOSSLESS_CHECK_RATIO) return candidate;
  const lossless = await recompress(prepared, ctx);
  if (lossless.data.length > data.length) return candidate;
  return {
    ...lossless,
    notes: [...(lossless.notes ?? []), 'lossless came out smaller than truecolor lossy'],
  };
}

interface PaletteChoice {
  quality: number;
  /** The palette PNG when it was not made by the default settings at `quality`. */
  png?: Uint8Array;
  /** SSIMULACRA2 on the sampled tiles, when it was measured. */
  score?: number;
}

/** The quality to quantize at, or undefined when no palette is good enough. */
async function choosePalette(
  original: Rgba8,
  palettes: PaletteEncodes,
  encodeFine: () => Promise<Uint8Array>,
  ctx: CodecContext,
): Promise<PaletteChoice | undefined> {
  if (ctx.plan.quality !== undefined) return { quality: ctx.plan.quality };

  if (original.width < MIN_METRIC_SIDE || original.height < MIN_METRIC_SIDE) {
    // SSIMULACRA2 is erratic this small: accept only a palette that is nearly exact.
    const candidate = await decodeRgba8(await palettes.at(MAX_QUALITY));
    return maxSampleError(original, candidate) <= SMALL_IMAGE_MAX_ERROR
      ? { quality: MAX_QUALITY }
      : undefined;
  }

  const target = ctx.plan.target ?? DEFAULT_LOSSY_TARGET;
  // The finest palette first: it shows where palettes hurt (the scorer's tiles), when even it
  // misses the target no search is needed (photos with wide gradients), and how far it clears
  // the target says where to start looking.
  const finest = await decodeRgba8(await palettes.at(MAX_QUALITY));
  if (paletteFitDb(original, finest) >= LIKELY_FLOOR_START_PSNR) {
    // Started now, awaited (if at all) by the search; a failure surfaces there, not here.
    palettes.at(START_FLOOR).catch(() => {});
  }
  const scorer = paletteScorer(original, finest);
  const scores = new Map<number, Promise<number>>();
  // Keyed like the palettes: a quality that gives the finest palette has the finest's score.
  const scoreAt = (quality: number): Promise<number> => {
    const key = palettes.canonical(quality);
    let score = scores.get(key);
    if (!score) {
      score = palettes.at(key).then(async (png) => scorer.onWhite(await decodeRgba8(png)));
      scores.set(key, score);
    }
    return score;
  };
  const best = await scoreAt(MAX_QUALITY);
  if (best < target) {
    // Opaque images go on to the truecolor candidate, which suits photos and gradients better.
    return hasTranslucency(original)
      ? rescuePalette(original, scorer, encodeFine, target, ctx.deadline)
      : undefined;
  }
  // Qualities from `top` up all give the finest palette (PaletteEncodes.finestFrom): the search
  // looks below, where palettes differ, and `top` stands for the finest palette from here on.
  const top = Math.max(MIN_QUALITY, palettes.finestFrom);
  const result = await searchQuality({
    min: MIN_QUALITY,
    max: top,
    target,
    deadline: ctx.deadline,
    // A linear guess from the top undershoots when the finest palette is near exact (screenshots,
    // icons: the score falls steeply below ~70), so it is kept within where answers usually are.
    start: Math.max(START_FLOOR, Math.round(top - (best - target) / SCORE_PER_QUALITY)),
    slope: SCORE_PER_QUALITY,
    // Two tries after the finest palette keep the search near 3 encodes' time; when they do not
    // find the lowest passing quality, a higher passing one is used (bigger, never worse).
    maxEvaluations: 2,
    minDownStep: MIN_DOWN_STEP,
    evaluate: scoreAt,
  });
  if (!result.reached) return undefined;
  let chosen = { quality: result.quality, score: result.score };
  if (chosen.quality === top) {
    // Every try below the top missed, usually narrowly: one safer step above the best miss
    // before settling for the finest palette, which can be 50 % bigger.
    const misses = [...scores.keys()].filter((quality) => quality < top);
    if (misses.length > 0) {
      const quality = Math.min(top - 1, Math.max(...misses) + RESCUE_STEP);
      const score = await scoreAt(quality);
      if (score >= target) chosen = { quality, score };
    }
  }
  if (chosen.quality === top) {
    const whole = await wholeImageRescue(original, scores, target, top, palettes, ctx.deadline);
    if (whole) chosen = whole;
  }
  // Alpha check: the chosen palette must also hold up on black; if not, the finest one must.
  for (const quality of new Set([chosen.quality, top])) {
    checkDeadline(ctx.deadline);
    const candidate = await decodeRgba8(await palettes.at(quality));
    const onBlack = await scorer.onBlack(candidate);
    if (onBlack === undefined || onBlack >= target - BLACK_TOLERANCE) {
      const score = quality === chosen.quality ? chosen.score : await scoreAt(quality);
      if (score >= target) return { quality, score: Math.min(score, onBlack ?? score) };
    }
  }
  return undefined;
}

/**
 * When only quality 100 passed on tiles: the best-scoring quality below it that missed by at most
 * WHOLE_CHECK_BAND points, measured on the whole image. Tiles can underrate smooth images: on the
 * Sway wallpaper (2 Mpx gradient) quality 90 scored 78.8 on tiles and 83.0 whole, while quality
 * 100 came out twice the size of the lossless file, so the image stayed lossless (now 713 kB,
 * 16.8 % saved, for one more metric run of about 5 s).
 */
async function wholeImageRescue(
  original: Rgba8,
  scores: ReadonlyMap<number, Promise<number>>,
  target: number,
  top: number,
  palettes: PaletteEncodes,
  deadline: number,
): Promise<{ quality: number; score: number } | undefined> {
  if (original.width * original.height > RESCUE_MAX_PIXELS) return undefined;
  let best: { quality: number; score: number } | undefined;
  for (const [quality, score] of scores) {
    const value = await score;
    if (quality < top && value >= target - WHOLE_CHECK_BAND && (!best || value > best.score)) {
      best = { quality, score: value };
    }
  }
  if (!best) return undefined;
  checkDeadline(deadline);
  const candidate = await decodeRgba8(await palettes.at(best.quality));
  const whole = await ssimulacra2(onBackground(original, WHITE), onBackground(candidate, WHITE));
  return whole >= target ? { quality: best.quality, score: whole } : undefined;
}

/**
 * The finer palette (FINE_SETTINGS) at quality 100, for a translucent image whose default palette
 * misses the target. Accepted only when the whole image reaches the target on white: its tiles
 * overrated the corpus logo by 3 points, and a rescue is by nature borderline. Measured on
 * debian-emerald-logo (1.6 MB, 3 Mpx): default palette 77.6 on tiles; fine palette 83.1 on tiles,
 * 80.4 whole, 328 kB instead of the 1.42 MB lossless result, 2 s for pngquant plus 7 s of metric.
 */
async function rescuePalette(
  original: Rgba8,
  scorer: PaletteScorer,
  encodeFine: () => Promise<Uint8Array>,
  target: number,
  deadline: number,
): Promise<PaletteChoice | undefined> {
  if (original.width * original.height > RESCUE_MAX_PIXELS) return undefined;
  checkDeadline(deadline);
  const png = await encodeFine();
  const candidate = await decodeRgba8(png);
  // Tiles first: they overrate rather than underrate, so a miss there is a miss.
  if ((await scorer.onWhite(candidate)) < target) return undefined;
  const onBlack = await scorer.onBlack(candidate);
  if (onBlack !== undefined && onBlack < target - BLACK_TOLERANCE) return undefined;
  checkDeadline(deadline);
  const whole = await ssimulacra2(onBackground(original, WHITE), onBackground(candidate, WHITE));
  return whole >= target
    ? { quality: MAX_QUALITY, score: Math.min(whole, onBlack ?? whole), png }
    : undefined;
}

/**
 * PSNR in dB of `palette` against `original` over alpha-weighted colour and alpha: how closely the
 * finest palette fits, a cheap hint (one pass over the pixels) of how far the metric will clear the target.
 */
function paletteFitDb(original: Rgba8, palette: Rgba8): number {
  const a = original.data;
  const b = palette.data;
  let squared = 0;
  for (let i = 0; i < a.length; i += 4) {
    const alphaA = a[i + 3]!;
    const alphaB = b[i + 3]!;
    for (let c = 0; c < 3; c++) {
      const diff = (a[i + c]! * alphaA - b[i + c]! * alphaB) / 255;
      squared += diff * diff;
    }
    squared += (alphaA - alphaB) * (alphaA - alphaB);
  }
  if (squared === 0) return Number.POSITIVE_INFINITY;
  return 10 * Math.log10((255 * 255 * a.length) / squared);
}

/** The palette PNG with the kept colour-space/ICC/orientation chunks placed right after IHDR. */
function withChunks(palettePng: Uint8Array, extras: readonly PngChunk[]): Uint8Array {
  if (extras.length === 0) return palettePng;
  const [ihdr, ...rest] = readPngChunks(palettePng).filter((chunk) => PIXEL_CHUNKS.has(chunk.type));
  return writePng([ihdr!, ...extras, ...rest]);
}
