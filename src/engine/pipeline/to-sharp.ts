/**
 * Hands pipeline pixels to sharp-based encoders (encodeWebp, encodeAvif, encodeJpeg, gif()).
 */
import sharp, { type Sharp } from 'sharp';
import type { PixelFrames } from './frames.js';

/**
 * A sharp pipeline over every frame (stacked pages with `pageHeight`), ready for an encoder.
 * Raw input carries no timing: pass animationOptions(image) to `.gif()` / `.webp()`.
 */
export function framesToSharp(image: PixelFrames): Sharp {
  return sharp(image.data, {
    raw: {
      width: image.width,
      height: image.height * image.frameCount,
      channels: image.channels,
      pageHeight: image.height,
    },
  });
}

/** sharp's `delay` and `loop` encoder options for an animation; empty for a still image. */
export function animationOptions(image: PixelFrames): { delay?: number[]; loop?: number } {
  if (image.frameCount < 2) return {};
  return { delay: [...image.delaysMs], loop: image.loopCount ?? 0 };
}
