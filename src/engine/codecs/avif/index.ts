/** AVIF (8/10/12-bit, alpha) through sharp/libheif with aom; writes 8-bit still images. */
import type { FormatOptimizer } from '../../types.js';
import { optimizeAvifLossless } from './lossless.js';
import { optimizeAvifLossy } from './lossy.js';

export const avifOptimizer: FormatOptimizer = {
  format: 'avif',
  lossless: optimizeAvifLossless,
  lossy: optimizeAvifLossy,
};

export { AVIF_EFFORT, type AvifEncodeOptions, avifEffortFor, encodeAvif } from './encode.js';
