/**
 * The fast path of one output that starts by scaling the image down: decode, colour-manage, turn
 * upright and scale in one sharp pipeline, straight from the input bytes.
 *
 * The general path (decodeSource, then applyTransforms) decodes the whole image to raw sRGB pixels
 * and scales them in a second sharp instance, which loses libvips' shrink-on-load: a JPEG decoded
 * at 1/2, 1/4 or 1/8 of its size in the DCT, a WebP by its decoder. Measured on the API bench's
 * 2048-wide photos scaled to fit 512x512: the full decode alone took as long as sharp's whole
 * one-liner (decode, resize, encode).
 *
 * Only the scale and a fixed cut right after it run in the fused pipeline (sharp reorders
 * extract/resize/rotate inside one pipeline; a cut after the resize is the order it keeps).
 * Anything later runs as before, on the small frame, with runOps. The geometry is the general
 * path's, computed on the displayed size, so crops land where they did.
 */
import sharp, { type OutputInfo } from 'sharp';
import { SquishError } from '../../errors/index.js';
import { checkDeadline } from '../deadline.js';
import type { EngineLimits } from '../limits.js';
import type { ImageFormat, ImageInfo } from '../types.js';
import type { RawFrame } from './frames.js';
import { flattenFrame, runOps } from './run-ops.js';
import { colourPath, decodeError, validOrientation } from './source.js';
import { outputGeometry, type TransformedImage, type TransformOptions } from './transform.js';

/**
 * Formats whose decoders shrink on load in libvips. Other formats gain nothing but one copy, and
 * their inputs (alpha, 16-bit, palettes) keep the one measured decode path.
 */
const SHRINK_ON_LOAD_FORMATS: ReadonlySet<ImageFormat> = new Set(['jpeg', 'webp']);

/**
 * The output's pixels made straight from `input`, or undefined when this output does not suit the
 * fast path (then decodeSource + applyTransforms). It suits a still, opaque JPEG or WebP whose
 * first operation scales the displayed image down with the ordinary Lanczos3 kernel. The result
 * is what applyTransforms gives for the same options: upright pixels (orientation 1), 8-bit sRGB,
 * the same geometry and size; the pixels differ only by where the scaling happens (in the
 * decoder's DCT first, as sharp's own resize does).
 * @throws SquishError as decodeSource and applyTransforms do (OUTPUT_TOO_LARGE, INVALID_OPTION,
 *   TOO_MANY_PIXELS, CORRUPT_IMAGE, PROCESSING_TIMEOUT).
 */
export async function transformOnLoad(
  input: Uint8Array,
  info: ImageInfo,
  options: TransformOptions,
  limits: EngineLimits,
): Promise<TransformedImage | undefined> {
  if (!SHRINK_ON_LOAD_FORMATS.has(info.format) || info.frames !== 1 || info.hasAlpha) return undefined;
  const orientation = validOrientation(info.orientation);
  const geometry = outputGeometry({ ...info, frameCount: 1, orientation }, options);
  const [first, second, ...others] = geometry.ops;
  if (first?.op !== 'resize' || first.kernel !== 'lanczos3') return undefined;
  // A fixed cut right after the scale (fit, and every gravity but attention/entropy) joins it: an
  // extract called after resize is sharp's post-resize extract, so the order is kept.
  const cut = second?.op === 'extract' ? second : undefined;
  const rest = cut ? others : geometry.ops.slice(1);
  const shown = orientation >= 5 ? { width: info.height, height: info.width } : info;
  if (first.width > shown.width || first.height > shown.height) return undefined;
  checkDeadline(options.deadline);

  let scaled: RawFrame;
  try {
    const pipeline = sharp(input, { failOn: 'error', limitInputPixels: limits.maxPixels, autoOrient: true });
    // fastShrinkOnLoad: false leaves at least 2x to Lanczos3 after the DCT shrink. sharp's
    // default lets the DCT do nearly all of it, which aliases: SSIMULACRA2 against the general
    // path 89.2 instead of 100.0 (orient-Landscape_6, 1800 -> 200 px), 84.6 on a 300x100 crop.
    let scaling = colourPath(pipeline, info).resize(first.width, first.height, {
      fit: 'fill',
      kernel: 'lanczos3',
      fastShrinkOnLoad: false,
    });
    if (cut) scaling = scaling.extract(cut.region);
    const output = await scaling
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    scaled = rgbFrame(output);
  } catch (error) {
    if (error instanceof SquishError) throw error;
    throw decodeError(error, info.format);
  }
  checkDeadline(options.deadline);
  let { frame } = await runOps(scaled, rest);
  // Opaque input, so only a transparent pad can bring alpha in.
  if (options.flattenOnto && frame.channels === 4) frame = await flattenFrame(frame, options.flattenOnto);
  return {
    data: frame.data,
    width: frame.width,
    height: frame.height,
    channels: frame.channels,
    hasAlpha: frame.channels === 4,
    frameCount: 1,
    delaysMs: [0],
    loopCount: undefined,
    orientation: 1,
    geometry,
    notes: [],
    unchanged: false,
  };
}

function rgbFrame(output: { data: Buffer; info: OutputInfo }): RawFrame {
  if (output.info.channels !== 3) {
    throw new SquishError('CODEC_FAILED', `Decoding gave ${output.info.channels} channels instead of RGB.`);
  }
  return {
    data: new Uint8Array(output.data.buffer, output.data.byteOffset, output.data.length),
    width: output.info.width,
    height: output.info.height,
    channels: 3,
  };
}
