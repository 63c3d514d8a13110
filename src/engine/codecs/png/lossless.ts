/**
 * Lossless PNG optimization: strip what does not change appearance, then let oxipng pick filters,
 * bit depth, colour type and palette order and recompress.
 */

import { checkDeadline } from '../../deadline.js';
import type { Candidate, CodecContext } from '../../types.js';
import { oxipng } from './oxipng.js';
import { type PreparedPng, preparePng } from './prepare.js';

/**
 * oxipng preset. Level 2 was measured against 1 and 3 on the corpus PNGs:
 * level 3 lands within ±2 % of it per file (net ~0.2 % smaller) for 2-5x the time; level 1 is
 * 0-10 % bigger (the 2 MP wallpapers not shrunk at all) for about half the time.
 */
export const OXIPNG_LEVEL = 2;

/** Pixels up to which {@link OXIPNG_LEVEL} is used; larger images get level 1 (see oxipngLevel). */
export const FULL_LEVEL_MAX_PIXELS = 8_000_000;
/** Pixels up to which level 1 is used; larger images get level 0. */
export const LEVEL_1_MAX_PIXELS = 24_000_000;

/**
 * The oxipng preset for an image of `pixels`: the WASM build works on one core at about 1.4 µs a
 * pixel at level 2 on these machines (truecolor photos), so a 12 MP photo converted to PNG took
 * 17 s, and a 30 MP one 58 s of the job's 60. Level 1 takes half the time (0.7 µs a pixel) for
 * 1.1 % more bytes (the 18 corpus photos of 1 MP and more as PNG: 55 s instead of 110 s; from
 * 0.05 % to 0.4 % on the four of 8 MP and more, up to 7.8 % on smooth 4 MP ones), and level 0 a
 * third of level 1's (0.23 µs a pixel, 6.7 % bigger than level 1 on the 12 MP photo). So: level 2
 * up to 8 MP (about 11 s), level 1 up to 24 MP (about 17 s), level 0 above (the 30 MP photo to PNG
 * in 10 s at 750 MB, 11.5 % bigger than at level 2; at 99 MP the job's 1.5 GB of memory runs out
 * first, a MEMORY_LIMIT error). Every corpus PNG is under the first bound.
 */
export function oxipngLevel(pixels: number): number {
  if (pixels <= FULL_LEVEL_MAX_PIXELS) return OXIPNG_LEVEL;
  return pixels <= LEVEL_1_MAX_PIXELS ? 1 : 0;
}

/** Pixel-exact recompression of a PNG. */
export async function optimizeLossless(input: Uint8Array, ctx: CodecContext): Promise<Candidate> {
  return recompress(preparePng(input, ctx), ctx);
}

/** oxipng on an already prepared PNG (shared with the lossy path's fallback). */
export async function recompress(prepared: PreparedPng, ctx: CodecContext): Promise<Candidate> {
  const { header, cleaned, notes } = prepared;
  if (header.animated) {
    // oxipng optimises only the default image of an APNG; a colour-type change there would no
    // longer match the fdAT frames. Keep the frames as they are and only drop metadata.
    return {
      data: cleaned,
      method: 'png metadata strip (APNG)',
      lossless: true,
      notes: [...notes, 'APNG frames kept as they are'],
    };
  }
  checkDeadline(ctx.deadline);
  // Changing the colour under fully transparent pixels is invisible, and lets rows compress better.
  // Not for 16-bit images: keep those sample-exact everywhere.
  const optimizeAlpha = header.hasAlpha && header.bitDepth < 16;
  const level = oxipngLevel(header.width * header.height);
  const data = await oxipng(cleaned, { level, optimizeAlpha });
  return {
    data,
    method: `oxipng level ${level}${optimizeAlpha ? ' + transparent-pixel colour' : ''}`,
    lossless: true,
    notes,
  };
}
