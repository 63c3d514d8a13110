import sharp, { type Sharp } from 'sharp';
import type { CodecContext } from '../../types.js';

/** Whether the input's frames are all decoded and written (animated WebP). */
export function isAnimated(ctx: CodecContext): boolean {
  return ctx.info.frames > 1;
}

/** A fresh sharp pipeline over the input, reading every frame of an animation. */
export function openWebp(input: Uint8Array, ctx: CodecContext): Sharp {
  return sharp(input, { animated: isAnimated(ctx), limitInputPixels: ctx.limits.maxPixels });
}
