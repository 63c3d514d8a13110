/**
 * Decoded pixels for the lossy search: RGBA at 8 bits, the colour seen on a white page (what the
 * metric scores) and the alpha channel (which the metric cannot see, so it is checked apart).
 */
import sharp from 'sharp';
import type { RgbImage } from '../../metric/ssimulacra2.js';

export interface Rgba8 {
  /** Interleaved RGBA, 4 bytes per pixel. */
  data: Uint8Array;
  width: number;
  height: number;
}

/** Decodes a PNG to 8-bit RGBA without applying any colour profile (both sides are compared raw). */
export async function decodeRgba8(png: Uint8Array): Promise<Rgba8> {
  const { data, info } = await sharp(png, { limitInputPixels: false })
    .toColourspace('srgb')
    .ensureAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    width: info.width,
    height: info.height,
  };
}

/**
 * RGBA composited on white, as RGB. Hand-written: it is one multiply per sample, and doing it here
 * saves a second decode through sharp's flatten().
 */
export function onWhite(image: Rgba8): RgbImage {
  const { data, width, height } = image;
  const out = new Uint8Array(width * height * 3);
  for (let i = 0, o = 0; i < data.length; i += 4, o += 3) {
    const alpha = data[i + 3]!;
    for (let c = 0; c < 3; c++) {
      out[o + c] = Math.round((data[i + c]! * alpha + 255 * (255 - alpha)) / 255);
    }
  }
  return { data: out, width, height };
}

/** Largest alpha difference between two images of the same size. */
export function maxAlphaError(a: Rgba8, b: Rgba8): number {
  let max = 0;
  for (let i = 3; i < a.data.length; i += 4) {
    const diff = Math.abs(a.data[i]! - b.data[i]!);
    if (diff > max) max = diff;
  }
  return max;
}

/**
 * Largest per-channel difference of premultiplied colour and alpha (fully transparent pixels
 * match whatever their colour). The strict check for images too small for SSIMULACRA2.
 */
export function maxSampleError(a: Rgba8, b: Rgba8): number {
  let max = 0;
  for (let i = 0; i < a.data.length; i += 4) {
    const alphaA = a.data[i + 3]!;
    const alphaB = b.data[i + 3]!;
    max = Math.max(max, Math.abs(alphaA - alphaB));
    for (let c = 0; c < 3; c++) {
      const diff = Math.abs(a.data[i + c]! * alphaA - b.data[i + c]! * alphaB) / 255;
      if (diff > max) max = diff;
    }
  }
  return max;
}
