/**
 * Runs geometry operations on raw frames with sharp. Each operation is its own sharp call on raw
 * pixels: the order is then exactly the list's (sharp reorders extract/resize/rotate inside one
 * pipeline), at the cost of one buffer copy per operation.
 */
import sharp, { type OutputInfo } from 'sharp';
import type { Rgba } from '../../plan/colour.js';
import type { RawFrame } from './frames.js';
import { rawInput } from './frames.js';
import type { GeometryOp, Region } from './geometry.js';

/** Operations with every content-aware cut replaced by the fixed region it chose. */
export type ResolvedOp = Exclude<GeometryOp, { op: 'smartCrop' }>;

/**
 * Runs `ops` on one frame. A smartCrop is resolved on this frame (libvips' attention or entropy
 * strategy) and reported in `resolved` as the extract it became, so that the other frames of an
 * animation get the same region instead of a crop that wanders from frame to frame.
 */
export async function runOps(
  frame: RawFrame,
  ops: readonly GeometryOp[],
): Promise<{ frame: RawFrame; resolved: ResolvedOp[] }> {
  const resolved: ResolvedOp[] = [];
  let current = frame;
  for (const op of ops) {
    const fixed =
      op.op === 'smartCrop' ? { op: 'extract' as const, region: await smartRegion(current, op) } : op;
    resolved.push(fixed);
    current = await runOp(current, fixed);
  }
  return { frame: current, resolved };
}

/** Runs one resolved operation. */
export async function runOp(frame: RawFrame, op: ResolvedOp): Promise<RawFrame> {
  let pipeline = sharp(frame.data, { raw: rawInput(frame) });
  let channels = frame.channels;
  switch (op.op) {
    case 'extract':
      pipeline = pipeline.extract(op.region);
      break;
    case 'resize':
      pipeline = pipeline.resize(op.width, op.height, { fit: 'fill', kernel: op.kernel });
      break;
    case 'pad':
      if (op.colour.alpha < 1 && channels === 3) {
        pipeline = pipeline.ensureAlpha();
        channels = 4;
      }
      pipeline = pipeline.extend({
        top: op.top,
        right: op.right,
        bottom: op.bottom,
        left: op.left,
        background: sharpColour(op.colour),
      });
      break;
    case 'sharpen':
      pipeline = pipeline.sharpen({ sigma: op.sigma });
      break;
  }
  return toFrame(await pipeline.raw().toBuffer({ resolveWithObject: true }), channels);
}

/**
 * Composites RGBA onto a colour and drops the alpha channel. A translucent colour is first laid
 * over white (what it looks like on a page), since the result must be opaque.
 */
export async function flattenFrame(frame: RawFrame, colour: Rgba): Promise<RawFrame> {
  if (frame.channels === 3) return frame;
  const overWhite = (c: number) => Math.round(c * colour.alpha + 255 * (1 - colour.alpha));
  const pipeline = sharp(frame.data, { raw: rawInput(frame) })
    .flatten({ background: { r: overWhite(colour.r), g: overWhite(colour.g), b: overWhite(colour.b) } })
    .removeAlpha();
  return toFrame(await pipeline.raw().toBuffer({ resolveWithObject: true }), 3);
}

/** Where libvips' strategy cuts width × height out of the frame, without scaling it. */
async function smartRegion(frame: RawFrame, op: Extract<GeometryOp, { op: 'smartCrop' }>): Promise<Region> {
  // With withoutReduction a cover resize to a smaller box does not scale: it is a pure smartcrop,
  // and sharp reports the chosen offset (negated) in cropOffsetLeft/Top.
  const { info } = await sharp(frame.data, { raw: rawInput(frame) })
    .resize(op.width, op.height, { fit: 'cover', position: op.strategy, withoutReduction: true })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const left = Math.abs(info.cropOffsetLeft ?? 0);
  const top = Math.abs(info.cropOffsetTop ?? 0);
  return {
    left: Math.min(left, frame.width - op.width),
    top: Math.min(top, frame.height - op.height),
    width: op.width,
    height: op.height,
  };
}

function toFrame(output: { data: Buffer; info: OutputInfo }, channels: 3 | 4): RawFrame {
  if (output.info.channels !== channels) {
    throw new RangeError(`expected ${channels} channels, sharp gave ${output.info.channels}`);
  }
  return {
    data: new Uint8Array(output.data.buffer, output.data.byteOffset, output.data.length),
    width: output.info.width,
    height: output.info.height,
    channels,
  };
}

function sharpColour(colour: Rgba): { r: number; g: number; b: number; alpha: number } {
  return { r: colour.r, g: colour.g, b: colour.b, alpha: colour.alpha };
}
