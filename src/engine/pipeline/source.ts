/**
 * Decodes an input once into the pixels every output of a job is derived from: 8-bit sRGB,
 * colour-managed, every frame of an animation.
 */
import sharp, { type Metadata, type OutputInfo, type Sharp } from 'sharp';
import { SquishError } from '../../errors/index.js';
import { decodeGifFrames } from '../decode/gif-frames.js';
import type { EngineLimits } from '../limits.js';
import { checkDeclaredLimits } from '../probe.js';
import type { ImageFormat, ImageInfo } from '../types.js';
import type { Channels, PixelFrames } from './frames.js';

/** The decoded input: pixels in sRGB plus what the input said about how to show them. */
export interface SourceImage extends PixelFrames {
  format: ImageFormat;
  /** channels === 4. Alpha is kept when the input has an alpha channel (GIF: when a pixel is transparent). */
  hasAlpha: boolean;
  /**
   * EXIF orientation 1 to 8 (1 when absent). The pixels are in stored order, not rotated:
   * see orientSource().
   */
  orientation: number;
  /**
   * The input's own ICC profile, for reference only: the pixels are already converted from it to
   * sRGB, so an encoder must not attach these bytes to them (attach sRGB or nothing).
   */
  icc?: Uint8Array;
}

export interface DecodeOptions {
  /** Epoch ms after which decoding must not start (PROCESSING_TIMEOUT). */
  deadline?: number;
  /**
   * SVG only: rasterize at this many dpi (default 72, the size ImageInfo reports). An output that
   * enlarges an SVG is sharper rendered larger than scaled up: pass 72 × the enlargement.
   */
  density?: number;
}

/**
 * Decodes `input` (already identified as `info.format`) into sRGB frames.
 *
 * Colour (see colourPath): the embedded ICC profile is applied the way sharp does by default
 * (perceptual intent with black-point compensation: SSIMULACRA2 100 against lcms `jpgicc -b` on
 * Adobe RGB and two CMYK profiles); CMYK without a profile is read with libvips' default CMYK
 * profile (SSIMULACRA2 94 against `jpgicc` given that profile).
 *
 * GIF goes through decodeGifFrames because libvips composes disposal=background wrongly; WebP
 * animations through sharp with every page.
 * @throws SquishError TOO_MANY_FRAMES / TOO_MANY_PIXELS over the limits, CORRUPT_IMAGE when
 *   the data cannot be decoded, PROCESSING_TIMEOUT past the deadline.
 */
export async function decodeSource(
  input: Uint8Array,
  info: ImageInfo,
  limits: EngineLimits,
  options: DecodeOptions = {},
): Promise<SourceImage> {
  if (options.deadline !== undefined && Date.now() > options.deadline) {
    throw new SquishError('PROCESSING_TIMEOUT');
  }
  checkDeclaredLimits(info, limits);
  return info.format === 'gif'
    ? decodeGif(input, limits)
    : decodeWithSharp(input, info, limits, info.format === 'svg' ? options.density : undefined);
}

function decodeGif(input: Uint8Array, limits: EngineLimits): SourceImage {
  const gif = decodeGifFrames(input, { maxPixels: limits.maxPixels });
  if (gif.frames.length > limits.maxFrames) {
    throw new SquishError(
      'TOO_MANY_FRAMES',
      `The image has ${gif.frames.length} frames; the limit is ${limits.maxFrames}.`,
    );
  }
  const hasAlpha = gif.frames.some((frame) => hasTransparentPixel(frame.rgba));
  const channels: Channels = hasAlpha ? 4 : 3;
  const size = gif.width * gif.height * channels;
  const data = new Uint8Array(size * gif.frames.length);
  gif.frames.forEach((frame, index) => {
    if (hasAlpha) data.set(frame.rgba, index * size);
    else copyRgb(frame.rgba, data.subarray(index * size, (index + 1) * size));
  });
  return {
    format: 'gif',
    data,
    width: gif.width,
    height: gif.height,
    channels,
    hasAlpha,
    frameCount: gif.frames.length,
    delaysMs: gif.frames.map((frame) => frame.delayMs),
    loopCount: gif.frames.length > 1 ? playCount(gif.loopCount) : undefined,
    orientation: 1,
  };
}

async function decodeWithSharp(
  input: Uint8Array,
  info: ImageInfo,
  limits: EngineLimits,
  density: number | undefined,
): Promise<SourceImage> {
  const animated = info.frames > 1;
  const open = () =>
    sharp(input, {
      pages: animated ? -1 : 1,
      failOn: 'error',
      ...(density === undefined ? {} : { density }),
      // libvips checks width × height of the whole (stacked) image: the job's pixel budget.
      limitInputPixels: limits.maxPixels,
    });
  let decoded: { data: Buffer; info: OutputInfo };
  let meta: Metadata;
  try {
    meta = await open().metadata();
    decoded = await colourPath(open(), { hasIcc: meta.icc !== undefined, space: meta.space })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch (error) {
    throw decodeError(error, info.format);
  }
  const channels = decoded.info.channels;
  if (channels !== 3 && channels !== 4) {
    throw new SquishError('CODEC_FAILED', `Decoding gave ${channels} channels instead of RGB or RGBA.`);
  }
  const frameCount = animated ? Math.max(1, meta.pages ?? 1) : 1;
  const width = decoded.info.width;
  const height = decoded.info.height / frameCount;
  if (!Number.isInteger(height) || decoded.data.length !== width * height * frameCount * channels) {
    throw new SquishError('CORRUPT_IMAGE', 'The decoded frames do not match the declared size.');
  }
  const delays = meta.delay ?? [];
  const source: SourceImage = {
    format: info.format,
    data: new Uint8Array(decoded.data.buffer, decoded.data.byteOffset, decoded.data.length),
    width,
    height,
    channels,
    hasAlpha: channels === 4,
    frameCount,
    delaysMs: Array.from({ length: frameCount }, (_, i) => (animated ? (delays[i] ?? 100) : 0)),
    // libvips reports the times to play, as PixelFrames does.
    loopCount: animated ? (meta.loop ?? 0) : undefined,
    orientation: validOrientation(meta.orientation),
  };
  if (meta.icc) source.icc = new Uint8Array(meta.icc);
  return source;
}

/** Times a GIF plays from its NETSCAPE2.0 loop count: N repeats after the first play; 0 is forever. */
function playCount(netscapeLoops: number | undefined): number {
  if (netscapeLoops === undefined) return 1;
  return netscapeLoops === 0 ? 0 : netscapeLoops + 1;
}

/**
 * The input's pipeline on its way to sRGB (`colour`: whether it embeds an ICC profile, and its
 * colour space as libvips reports it; ImageInfo's hasIcc and space say the same).
 *
 * Two measured paths to sRGB, because neither suits every input. With an embedded profile,
 * sharp's default icc_transform matches lcms (perceptual + black-point compensation) at 100 on
 * Adobe RGB, Ghostscript's default_cmyk and ps_cmyk, where `pipelineColourspace('srgb')` scores 75
 * and 80 on the two CMYK ones. For untagged CMYK the default path lands at -100 against lcms with
 * libvips' own default CMYK profile (it crushes the rich black), and `pipelineColourspace('srgb')`,
 * which converts through libvips' colourspace maths, at 94.
 */
export function colourPath(pipeline: Sharp, colour: { hasIcc: boolean; space?: string | undefined }): Sharp {
  if (!colour.hasIcc) return colour.space === 'cmyk' ? pipeline.pipelineColourspace('srgb') : pipeline;
  // 16-bit inputs are processed in P3, which toColourspace('srgb') would not undo: the output
  // transform to sRGB does (SSIMULACRA2 80 -> 100 on a 16-bit Adobe RGB PNG).
  return pipeline.withIccProfile('srgb');
}

/** A libvips decode failure as the SquishError the engine reports (TOO_MANY_PIXELS or CORRUPT_IMAGE). */
export function decodeError(error: unknown, format: ImageFormat): SquishError {
  const message = error instanceof Error ? error.message : String(error);
  if (/pixel limit/i.test(message)) {
    return new SquishError('TOO_MANY_PIXELS', 'The image has more pixels than the limit allows.', {
      cause: error,
    });
  }
  return new SquishError('CORRUPT_IMAGE', `The ${format.toUpperCase()} data cannot be decoded.`, {
    cause: error,
  });
}

/** An EXIF orientation as 1 to 8; anything else (absent, out of range) is 1. */
export function validOrientation(value: number | undefined): number {
  return value !== undefined && Number.isInteger(value) && value >= 1 && value <= 8 ? value : 1;
}

function hasTransparentPixel(rgba: Uint8Array): boolean {
  for (let i = 3; i < rgba.length; i += 4) if (rgba[i] !== 255) return true;
  return false;
}

function copyRgb(rgba: Uint8Array, rgb: Uint8Array): void {
  for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
    rgb[j] = rgba[i]!;
    rgb[j + 1] = rgba[i + 1]!;
    rgb[j + 2] = rgba[i + 2]!;
  }
}
