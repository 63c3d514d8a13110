/**
 * Reads what an image declares about itself (dimensions, frames, colour) from its headers, and
 * enforces the limits that can be checked before a single pixel is decoded.
 */
import sharp, { type Metadata } from 'sharp';
import { SquishError } from '../errors/index.js';
import type { EngineLimits } from './limits.js';
import type { ImageFormat, ImageInfo } from './types.js';

/**
 * Header facts for a raster image (libvips reads headers only here; the 1.6 gigapixel PNG bomb
 * is answered in milliseconds). SVG is parsed by its own codec after sanitizing, because librsvg
 * would expand a hostile document just to report its size, so it gets zero dimensions here.
 * @throws SquishError CORRUPT_IMAGE when the headers cannot be read.
 */
export async function readImageInfo(bytes: Uint8Array, format: ImageFormat): Promise<ImageInfo> {
  if (format === 'svg') {
    return { format, width: 0, height: 0, frames: 1, hasAlpha: true, space: 'srgb', hasIcc: false };
  }
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false, pages: -1 }).metadata();
  } catch (error) {
    throw new SquishError('CORRUPT_IMAGE', `The ${format.toUpperCase()} headers cannot be read.`, {
      cause: error,
    });
  }
  const frames = Math.max(1, meta.pages ?? 1);
  const width = meta.width ?? 0;
  const height = meta.pageHeight ?? (meta.height ?? 0) / frames;
  if (!(width > 0 && height > 0)) throw new SquishError('CORRUPT_IMAGE', 'The image declares no dimensions.');
  return {
    format,
    width,
    height,
    frames,
    hasAlpha: meta.hasAlpha ?? false,
    space: meta.space ?? 'srgb',
    orientation: meta.orientation,
    hasIcc: meta.icc !== undefined,
  };
}

/** Refuses images whose declared size breaks the limits, before they are decoded. */
export function checkDeclaredLimits(info: ImageInfo, limits: EngineLimits): void {
  if (info.frames > limits.maxFrames) {
    throw new SquishError(
      'TOO_MANY_FRAMES',
      `The image has ${info.frames} frames; the limit is ${limits.maxFrames}.`,
    );
  }
  const pixels = info.width * info.height * info.frames;
  if (pixels > limits.maxPixels) {
    throw new SquishError(
      'TOO_MANY_PIXELS',
      `The image has ${formatPixels(pixels)} (${info.width}x${info.height}${info.frames > 1 ? ` x ${info.frames} frames` : ''}); the limit is ${formatPixels(limits.maxPixels)}.`,
    );
  }
}

function formatPixels(pixels: number): string {
  return pixels >= 1e6 ? `${(pixels / 1e6).toFixed(1)} megapixels` : `${pixels} pixels`;
}
