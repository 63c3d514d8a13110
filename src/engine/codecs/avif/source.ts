import sharp, { type Sharp } from 'sharp';
import type { CodecContext } from '../../types.js';
import { keepAppearance } from '../sharp-common/appearance.js';

/**
 * A fresh sharp pipeline over the AVIF input, carrying the ICC profile when asked. Orientation is
 * not written: libheif applies the AVIF's own irot/imir transforms while decoding, so the pixels
 * sharp hands over are already upright, and an EXIF Orientation on top would turn them twice.
 */
export function openAvif(input: Uint8Array, ctx: CodecContext): Sharp {
  const pipeline = sharp(input, { limitInputPixels: ctx.limits.maxPixels });
  return keepAppearance(pipeline, ctx.info, { icc: ctx.plan.keep.icc, orientation: false });
}

/** How the input is decoded: the primary image only (libvips reads and writes no AVIF sequences). */
export function avifDecodeOptions(ctx: CodecContext): { maxPixels: number } {
  return { maxPixels: ctx.limits.maxPixels };
}
