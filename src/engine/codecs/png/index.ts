/**
 * The PNG codec: lossless recompression (oxipng after metadata selection) and perceptual palette
 * quantization. See lossless.ts and lossy.ts.
 */
import type { FormatOptimizer } from '../../types.js';
import { optimizeLossless } from './lossless.js';
import { optimizeLossy } from './lossy.js';

export { encodePng, type RawPixels } from './encode.js';

/** The PNG FormatOptimizer the engine calls. */
export const pngOptimizer: FormatOptimizer = {
  format: 'png',
  lossless: optimizeLossless,
  lossy: optimizeLossy,
};
