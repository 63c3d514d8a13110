/**
 * Palette quantization (libimagequant) with full alpha: Debian's pngquant when installed (its
 * libimagequant 2.17 is newer than the 2.4 fork inside sharp and allows any palette size), else
 * sharp's built-in palette writer.
 */
import sharp from 'sharp';
import { SquishError } from '../../../errors/index.js';
import { findTool, remainingMs, runTool } from '../../tools/run-tool.js';

export type Quantizer = 'pngquant' | 'sharp';

/** pngquant's speed/quality trade-off (1 slowest to 11 fastest); 4 costs half of the default 3 at ~equal size. */
const PNGQUANT_SPEED = 4;
/**
 * Floyd-Steinberg dithering strength. Half strength measured 2-3 % smaller than full at the same
 * SSIMULACRA2 (within 0.3 points) on corpus photos; no dithering loses 1-2 points.
 */
const DITHER = 0.5;

/** The quantizer available on this machine. */
export function availableQuantizer(): Quantizer {
  return findTool('pngquant') ? 'pngquant' : 'sharp';
}

/** Settings for a slower, finer palette than the default (see lossy.ts' rescue). */
export interface QuantizeSettings {
  /** pngquant speed, 1 (slowest, best palette) to 11; sharp ignores it. */
  speed?: number;
  /** Floyd-Steinberg strength, 0 to 1. */
  dither?: number;
}

/** A palette PNG and how close libimagequant got. */
export interface Quantized {
  png: Uint8Array;
  /**
   * libimagequant's quality of the remapped image (0-100, as pngquant's `--verbose` reports it:
   * `MSE=3.453 (Q=88)`); undefined from sharp, which does not say. A palette that needed every
   * colour it was allowed stops at the quality it reached, so asking for more changes nothing:
   * on the 25 corpus PNGs, every quality above the one quality 100 reached gave byte-identical
   * output to quality 100 (see {@link sameAsFinest}).
   */
  reached?: number;
}

/**
 * Quantizes `png` (a bare PNG: no colour-space chunks, so neither tool converts colours) to a
 * palette of at most 256 colours, using as few colours as reach libimagequant quality `quality`.
 * @throws SquishError CODEC_FAILED when the tool fails, PROCESSING_TIMEOUT past the deadline.
 */
export async function quantize(
  png: Uint8Array,
  quality: number,
  quantizer: Quantizer,
  deadline: number,
  settings: QuantizeSettings = {},
): Promise<Quantized> {
  const dither = settings.dither ?? DITHER;
  if (quantizer === 'sharp') {
    const data = await sharp(png, { limitInputPixels: false })
      .png({ palette: true, quality, effort: 7, dither })
      .toBuffer();
    return { png: data };
  }
  const speed = settings.speed ?? PNGQUANT_SPEED;
  const result = await runTool(
    'pngquant',
    ['--quality', `0-${quality}`, '--speed', String(speed), `--floyd=${dither}`, '--strip', '--verbose', '-'],
    { input: png, timeoutMs: remainingMs(deadline) },
  );
  if (result.exitCode !== 0 || result.stdout.length === 0) {
    throw new SquishError(
      'CODEC_FAILED',
      `pngquant failed (exit ${result.exitCode}): ${result.stderr.trim()}`,
    );
  }
  const reached = REACHED_QUALITY.exec(result.stderr)?.[1];
  return { png: result.stdout, ...(reached === undefined ? {} : { reached: Number(reached) }) };
}

/** The remapping line of pngquant's `--verbose` report: `mapped image to new colors...MSE=3.453 (Q=88)`. */
const REACHED_QUALITY = /MSE=[\d.]+ \(Q=(\d+)\)/;

/**
 * Whether quantizing at `quality` would give the same bytes as the finest palette (quality 100),
 * which reached `finest.reached`: it does above that quality, where the palette needs every
 * colour whatever is asked. Qualities equal to it are not taken: rounded, it can stand for a
 * quality just under the one reached (the Sway wallpaper reached 99, and 99 gave another palette).
 */
export function sameAsFinest(quality: number, finest: Quantized): boolean {
  return finest.reached !== undefined && quality > finest.reached;
}
