/**
 * WebP (lossy, lossless, alpha, animated) through sharp/libwebp, with the RIFF container edited
 * directly for metadata removal.
 */
import type { FormatOptimizer } from '../../types.js';
import { optimizeWebpLossless } from './lossless.js';
import { optimizeWebpLossy } from './lossy.js';

export const webpOptimizer: FormatOptimizer = {
  format: 'webp',
  lossless: optimizeWebpLossless,
  lossy: optimizeWebpLossy,
};

export { encodeWebp, type WebpEncodeOptions } from './encode.js';
