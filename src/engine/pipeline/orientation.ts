/**
 * EXIF orientation: what each of the 8 values means for the stored pixels, and turning them
 * upright. sharp's own autoOrient reads the tag from an encoded input; our pixels are raw, so the
 * operations are spelled out here (and tested against sharp's autoOrient for all 8 values).
 */
import sharp from 'sharp';
import { frameAt, type PixelFrames, type RawFrame, rawInput, stackFrames } from './frames.js';

/**
 * Horizontal mirror and clockwise rotation that make an orientation upright. sharp mirrors
 * (flop) before it rotates, whatever the call order: 5 (transpose) is mirror then 270°.
 */
interface UprightOps {
  rotate: 0 | 90 | 180 | 270;
  mirror: boolean;
}

const UPRIGHT: Record<number, UprightOps> = {
  1: { rotate: 0, mirror: false },
  2: { rotate: 0, mirror: true },
  3: { rotate: 180, mirror: false },
  4: { rotate: 180, mirror: true },
  5: { rotate: 270, mirror: true },
  6: { rotate: 90, mirror: false },
  7: { rotate: 90, mirror: true },
  8: { rotate: 270, mirror: false },
};

/** Whether orientation `o` swaps width and height when displayed (5 to 8). */
export function swapsAxes(orientation: number): boolean {
  return orientation >= 5 && orientation <= 8;
}

/** Size of the image as a viewer that honours the orientation shows it. */
export function displayedSize(
  width: number,
  height: number,
  orientation: number,
): { width: number; height: number } {
  return swapsAxes(orientation) ? { width: height, height: width } : { width, height };
}

/** One frame turned upright. */
export async function orientFrame(frame: RawFrame, orientation: number): Promise<RawFrame> {
  const ops = UPRIGHT[orientation] ?? UPRIGHT[1]!;
  if (ops.rotate === 0 && !ops.mirror) return frame;
  let pipeline = sharp(frame.data, { raw: rawInput(frame) });
  if (ops.rotate !== 0) pipeline = pipeline.rotate(ops.rotate);
  if (ops.mirror) pipeline = pipeline.flop();
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    width: info.width,
    height: info.height,
    channels: frame.channels,
  };
}

/**
 * Every frame of `image` turned upright; the result has orientation 1. Returns `image` itself
 * when it is already upright.
 */
export async function orientFrames<T extends PixelFrames & { orientation: number }>(image: T): Promise<T> {
  const ops = UPRIGHT[image.orientation] ?? UPRIGHT[1]!;
  if (ops.rotate === 0 && !ops.mirror) return image.orientation === 1 ? image : { ...image, orientation: 1 };
  const frames: RawFrame[] = [];
  for (let i = 0; i < image.frameCount; i++)
    frames.push(await orientFrame(frameAt(image, i), image.orientation));
  const first = frames[0]!;
  return { ...image, data: stackFrames(frames), width: first.width, height: first.height, orientation: 1 };
}

const oriented = new WeakMap<object, Promise<unknown>>();

/**
 * orientFrames, computed once per image object: every output of an image set that needs upright
 * pixels shares one rotation of the decoded source.
 */
export function orientOnce<T extends PixelFrames & { orientation: number }>(image: T): Promise<T> {
  let pending = oriented.get(image) as Promise<T> | undefined;
  if (!pending) {
    pending = orientFrames(image);
    oriented.set(image, pending);
  }
  return pending;
}
