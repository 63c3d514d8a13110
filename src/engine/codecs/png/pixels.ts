/**
 * Decoded pixels for the lossy search: RGBA at 8 bits, the colour seen on a white page (what the
 * metric scores) and the alpha channel (which the metric cannot see, so it is checked apart).
 */
import sharp from 'sharp';
import { SquishError } from '../../../errors/index.js';
import type { RgbImage } from '../../metric/ssimulacra2.js';

export interface Rgba8 {
  /** Interleaved RGBA, 4 bytes per pixel. */
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * Decodes a PNG to 8-bit sRGB RGBA. Callers pass PNGs without colour chunks, so no profile is
 * applied and both sides of a comparison are the raw samples.
 * @throws SquishError CORRUPT_IMAGE when the image data cannot be decoded.
 */
export async function decodeRgba8(png: Uint8Array): Promise<Rgba8> {
  const { data, info } = await sharp(png, { limitInputPixels: false })
    .toColourspace('srgb')
    .ensureAlpha()
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true })
    .catch((error: unknown) => {
      throw new SquishError('CORRUPT_IMAGE', 'The PNG image data could not be decoded.', { cause: error });
    });
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    width: info.width,
    height: info.height,
  };
}

/**
 * RGBA composited on a grey level (255 white, 0 black), as RGB. Hand-written: it is one multiply
 * per sample, and doing it here saves a second decode through sharp's flatten().
 */
export function onBackground(image: Rgba8, level: number): RgbImage {
  const { data, width, height } = image;
  const out = new Uint8Array(width * height * 3);
  for (let i = 0, o = 0; i < data.length; i += 4, o += 3) {
    const alpha = data[i + 3]!;
    for (let c = 0; c < 3; c++) {
      out[o + c] = Math.round((data[i + c]! * alpha + level * (255 - alpha)) / 255);
    }
  }
  return { data: out, width, height };
}

/** Whether any pixel is not fully opaque. */
export function hasTranslucency(image: Rgba8): boolean {
  for (let i = 3; i < image.data.length; i += 4) if (image.data[i] !== 255) return true;
  return false;
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
