import type { FormatOptimizer, ImageFormat } from '../types.js';
import { avifOptimizer } from './avif/index.js';
import { gifOptimizer } from './gif/index.js';
import { jpegOptimizer } from './jpeg/index.js';
import { pngOptimizer } from './png/index.js';
import { svgOptimizer } from './svg/index.js';
import { webpOptimizer } from './webp/index.js';

const OPTIMIZERS: Readonly<Record<ImageFormat, FormatOptimizer>> = Object.freeze({
  jpeg: jpegOptimizer,
  png: pngOptimizer,
  gif: gifOptimizer,
  webp: webpOptimizer,
  avif: avifOptimizer,
  svg: svgOptimizer,
});

/** The optimizer for a detected format. */
export function optimizerFor(format: ImageFormat): FormatOptimizer {
  return OPTIMIZERS[format];
}
