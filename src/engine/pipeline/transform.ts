/**
 * The transform steps of the engine's pipeline, in their one order:
 * orientation → crop/resize/pad (per frame) → flatten onto a background.
 * The source is decoded once (decodeSource) and every output of an image set is derived from it.
 *
 * Orientation: sizes are asked for in terms of what the user sees, so geometry is computed on the
 * displayed (oriented) size. Whenever the geometry changes the image, or autoOrient is asked, the
 * pixels are turned upright first and the result reports orientation 1 (the encoder then writes no
 * orientation tag, or 1). Only an unchanged image without autoOrient keeps its stored pixels and
 * its tag, so it still displays upright (and stays pixel-exact for lossless mode).
 */
import { SquishError } from '../../errors/index.js';
import type { Rgba } from '../../plan/colour.js';
import type { ResizeStep } from '../../plan/resize.js';
import { checkDeadline } from '../deadline.js';
import { frameAt, type PixelFrames, type RawFrame } from './frames.js';
import { type Geometry, planGeometry } from './geometry.js';
import { displayedSize, orientOnce } from './orientation.js';
import { flattenFrame, type ResolvedOp, runOp, runOps } from './run-ops.js';
import type { SourceImage } from './source.js';

export interface TransformOptions {
  resize?: ResizeStep;
  /** Turn the pixels upright and drop the tag even when nothing else changes. */
  autoOrient: boolean;
  /** Composite transparency onto this colour and drop alpha (for outputs without alpha). */
  flattenOnto?: Rgba;
  /** The plan's background: padding colour for `fill` when the step has none (default white). */
  background?: Rgba;
  /** Largest output side (limits.maxOutputDimension). */
  maxOutputDimension: number;
  /** Largest pixel count of the output (and of any intermediate), all frames together (limits.maxPixels). */
  maxOutputPixels?: number;
  /** Keep only the first frame (for output formats that cannot animate). */
  firstFrameOnly?: boolean;
  /** Epoch ms; checked between frames (PROCESSING_TIMEOUT). */
  deadline?: number;
  /** Name of the resize option in error messages, e.g. `outputs[2].resize` (default `resize`). */
  optionName?: string;
}

/** The pixels of one output, ready for an encoder. */
export interface TransformedImage extends PixelFrames {
  hasAlpha: boolean;
  /** Orientation the encoder should record: 1 when the pixels were turned upright, else the source's. */
  orientation: number;
  /** What was done, as operations on the displayed image (for reports and tests). */
  geometry: Geometry;
  /** Things the user should know (e.g. frames dropped). */
  notes: string[];
  /**
   * True when the pixels, frames and orientation are exactly the source's (no geometry, no
   * rotation, nothing flattened or dropped): the lossless codec path may then work on the input
   * bytes instead of re-encoding these pixels.
   */
  unchanged: boolean;
}

/**
 * Derives one output's pixels from the decoded source. The source is not modified, so it can be
 * reused for every output of an image set.
 * @throws SquishError OUTPUT_TOO_LARGE, INVALID_OPTION (crop rect outside the image),
 *   PROCESSING_TIMEOUT past the deadline.
 */
export async function applyTransforms(
  source: SourceImage,
  options: TransformOptions,
): Promise<TransformedImage> {
  const geometry = outputGeometry(source, options);
  const notes: string[] = [];
  const mustOrient = source.orientation !== 1 && (options.autoOrient || geometry.ops.length > 0);
  const upright = mustOrient ? await orientOnce(source) : source;

  const frameCount = options.firstFrameOnly ? 1 : upright.frameCount;
  if (frameCount < upright.frameCount) {
    notes.push(`only the first of ${upright.frameCount} frames was kept: the output format cannot animate`);
  }
  // Output frames are copied into one buffer as they come, so memory holds one output, not two.
  let output: Uint8Array | undefined;
  let first: RawFrame | undefined;
  let resolved: readonly ResolvedOp[] | undefined;
  let flattened = false;
  for (let i = 0; i < frameCount; i++) {
    checkDeadline(options.deadline);
    let frame = frameAt(upright, i);
    if (resolved) {
      for (const op of resolved) frame = await runOp(frame, op);
    } else {
      const run = await runOps(frame, geometry.ops);
      frame = run.frame;
      resolved = run.resolved;
    }
    if (options.flattenOnto && frame.channels === 4) {
      frame = await flattenFrame(frame, options.flattenOnto);
      flattened = true;
    }
    if (!first) {
      first = frame;
      output = frameCount === 1 ? frame.data : new Uint8Array(frame.data.length * frameCount);
    }
    if (frame.data.length !== first.data.length) throw new RangeError('transformed frames differ in size');
    if (frameCount > 1) output!.set(frame.data, i * frame.data.length);
  }
  if (!first || !output) throw new SquishError('INTERNAL', 'The image has no frames.');
  const animated = frameCount > 1;
  return {
    data: output,
    width: first.width,
    height: first.height,
    channels: first.channels,
    hasAlpha: first.channels === 4,
    frameCount,
    delaysMs: upright.delaysMs.slice(0, frameCount),
    loopCount: animated ? upright.loopCount : undefined,
    orientation: upright.orientation,
    geometry,
    notes,
    unchanged:
      geometry.ops.length === 0 && upright === source && !flattened && frameCount === source.frameCount,
  };
}

/**
 * The operations of one output on the displayed (oriented) image, as applyTransforms runs them.
 * @throws SquishError OUTPUT_TOO_LARGE, INVALID_OPTION (crop rect outside the image).
 */
export function outputGeometry(
  source: Pick<PixelFrames, 'width' | 'height' | 'frameCount'> & { orientation: number },
  options: TransformOptions,
): Geometry {
  const shown = displayedSize(source.width, source.height, source.orientation);
  return planGeometry(shown.width, shown.height, options.resize, {
    maxOutputDimension: options.maxOutputDimension,
    maxOutputPixels: options.maxOutputPixels,
    frames: options.firstFrameOnly ? 1 : source.frameCount,
    background: options.background,
    name: options.optionName ?? 'resize',
  });
}
