/**
 * The JPEG codec: lossless re-coding with jpegtran, perceptual lossy encoding with mozjpeg (sharp).
 */
import type { FormatOptimizer } from '../../types.js';
import { optimizeJpegLossless } from './lossless.js';
import { optimizeJpegLossy } from './lossy.js';

export { type EncodeJpegOptions, encodeJpeg } from './encode.js';

export const jpegOptimizer: FormatOptimizer = {
  format: 'jpeg',
  lossless: optimizeJpegLossless,
  lossy: optimizeJpegLossy,
};
