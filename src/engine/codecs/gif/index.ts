/**
 * The GIF codec: gifsicle for the work, our own frame decoder to prove lossless outputs and to
 * measure lossy ones.
 */

import { checkDeadline } from '../../deadline.js';
import type { FormatOptimizer } from '../../types.js';
import { checkGif } from './limits-check.js';
import { losslessGif } from './lossless.js';
import { lossyGif } from './lossy.js';

/** Optimizes GIFs, still and animated. */
export const gifOptimizer: FormatOptimizer = {
  format: 'gif',
  async lossless(input, ctx) {
    const structure = checkGif(input, ctx);
    checkDeadline(ctx.deadline);
    return losslessGif(input, ctx, structure);
  },
  async lossy(input, ctx) {
    const structure = checkGif(input, ctx);
    checkDeadline(ctx.deadline);
    return lossyGif(input, ctx, structure);
  },
};
