/**
 * Decoded pixels in the one layout the lossy metric works on: 8-bit RGBA, the sampled frames of an
 * animation stacked vertically. Only sampled frames are ever held in memory: a 1000-frame
 * animation at the pixel limit would need 400 MB as RGBA.
 */
import sharp from 'sharp';
import type { RgbImage } from '../../metric/ssimulacra2.js';
import { decoding } from './sharp-errors.js';

export interface RgbaFrames {
  /** Interleaved RGBA, 4 bytes per pixel, frame after frame. */
  data: Uint8Array;
  width: number;
  /** Height of one frame. */
  frameHeight: number;
  /** Number of frames in `data`. */
  frames: number;
}

export interface DecodeOptions {
  /** Frame indexes to decode, in order (default: the first frame only). */
  pages?: readonly number[];
  /** Pixel limit handed to libvips, a second line of defence behind the orchestrator's check. */
  maxPixels: number;
}

/**
 * Decodes frames of an input image. Any libvips complaint (truncation, bad bitstream) is a
 * CORRUPT_IMAGE: sharp's default `failOn: 'warning'` is kept on purpose, so a damaged file is
 * reported rather than optimized into a damaged output. High bit depths are scaled to 8 bits.
 */
export function decodeRgbaFrames(bytes: Uint8Array, options: DecodeOptions): Promise<RgbaFrames> {
  return decoding('decode', () => readRgbaFrames(bytes, options));
}

/**
 * The same decode with libvips' errors left as they are: for our own encoder's output, where a
 * failure is a codec bug rather than a corrupt input.
 */
export async function readRgbaFrames(bytes: Uint8Array, options: DecodeOptions): Promise<RgbaFrames> {
  const pages = options.pages ?? [0];
  const parts: Buffer[] = [];
  let width = 0;
  let frameHeight = 0;
  for (const page of pages) {
    const { data, info } = await sharp(bytes, { page, limitInputPixels: options.maxPixels })
      .toColourspace('srgb')
      .ensureAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    width = info.width;
    frameHeight = info.height;
    parts.push(data);
  }
  const data = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    width,
    frameHeight,
    frames: pages.length,
  };
}

/**
 * Decodes every frame without keeping the pixels (libvips streams them through a statistics
 * pass), so a damaged frame anywhere is a CORRUPT_IMAGE before any work is done.
 */
export async function assertDecodes(
  bytes: Uint8Array,
  options: { animated: boolean; maxPixels: number },
): Promise<void> {
  await decoding('decode', () =>
    sharp(bytes, { animated: options.animated, limitInputPixels: options.maxPixels }).stats(),
  );
}

/** Frame `index` composited over a solid grey level (255 white, 0 black), as RGB. */
export function flattenFrame(frames: RgbaFrames, index: number, background: number): RgbImage {
  const pixels = frames.width * frames.frameHeight;
  const source = frames.data.subarray(index * pixels * 4, (index + 1) * pixels * 4);
  const out = new Uint8Array(pixels * 3);
  for (let p = 0, q = 0; p < source.length; p += 4, q += 3) {
    const alpha = source[p + 3]!;
    if (alpha === 255) {
      out[q] = source[p]!;
      out[q + 1] = source[p + 1]!;
      out[q + 2] = source[p + 2]!;
    } else {
      const rest = (255 - alpha) * background;
      out[q] = Math.round((source[p]! * alpha + rest) / 255);
      out[q + 1] = Math.round((source[p + 1]! * alpha + rest) / 255);
      out[q + 2] = Math.round((source[p + 2]! * alpha + rest) / 255);
    }
  }
  return { data: out, width: frames.width, height: frames.frameHeight };
}

/** Whether any pixel of any decoded frame is not fully opaque. */
export function hasTransparency(frames: RgbaFrames): boolean {
  const { data } = frames;
  for (let p = 3; p < data.length; p += 4) if (data[p] !== 255) return true;
  return false;
}
