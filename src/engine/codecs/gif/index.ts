/**
 * The GIF codec: gifsicle for the work, our own frame decoder to prove lossless outputs and to
 * measure lossy ones.
 */
import { decodeGifFrames } from '../../decode/gif-frames.js';
import type { FormatOptimizer } from '../../types.js';
import { checkDeadline, checkGif } from './limits-check.js';
import { losslessGif } from './lossless.js';
import { lossyGif } from './lossy.js';

/** Optimizes GIFs, still and animated. */
export const gifOptimizer: FormatOptimizer = {
  format: 'gif',
  async lossless(input, ctx) {
    const structure = checkGif(input, ctx);
    const reference = decodeGifFrames(input, { maxPixels: ctx.limits.maxPixels });
    checkDeadline(ctx);
    return losslessGif(input, ctx, structure, reference);
  },
  async lossy(input, ctx) {
    const structure = checkGif(input, ctx);
    const reference = decodeGifFrames(input, { maxPixels: ctx.limits.maxPixels });
    checkDeadline(ctx);
    return lossyGif(input, ctx, structure, reference);
  },
};
