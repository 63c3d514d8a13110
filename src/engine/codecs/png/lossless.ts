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
  const data = await oxipng(cleaned, { level: OXIPNG_LEVEL, optimizeAlpha });
  return {
    data,
    method: `oxipng level ${OXIPNG_LEVEL}${optimizeAlpha ? ' + transparent-pixel colour' : ''}`,
    lossless: true,
    notes,
  };
}
