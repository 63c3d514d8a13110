/**
 * The in-memory pixel layout every pipeline step reads and writes: 8-bit sRGB samples, frames of
 * one animation stacked top to bottom in one buffer. This is the layout sharp takes as raw input
 * with `pageHeight`, so an encoder can hand a whole animation to sharp in one call.
 */

/** 3 = RGB, 4 = RGBA (straight, not premultiplied, alpha). */
export type Channels = 3 | 4;

/** Decoded pixels: one still image or every frame of an animation. */
export interface PixelFrames {
  /** All frames, top to bottom, tightly packed: width × height × channels bytes per frame. */
  data: Uint8Array;
  /** Width of one frame. */
  width: number;
  /** Height of one frame. */
  height: number;
  channels: Channels;
  /** Number of frames (1 for still images). */
  frameCount: number;
  /** Display time of each frame in ms (one entry per frame; 0 for still images). */
  delaysMs: number[];
  /**
   * How many times the animation plays, 0 = forever (sharp's `loop` for both GIF and WebP
   * output, so it can be passed through). A GIF's NETSCAPE2.0 count N means N + 1 plays (0 stays
   * forever), and a GIF without the extension plays once. Undefined for still images.
   */
  loopCount: number | undefined;
}

/** One frame as its own raw image (a view into the frames' buffer, not a copy). */
export interface RawFrame {
  data: Uint8Array;
  width: number;
  height: number;
  channels: Channels;
}

/** Bytes of one frame. */
export function frameBytes(image: Pick<PixelFrames, 'width' | 'height' | 'channels'>): number {
  return image.width * image.height * image.channels;
}

/** Frame `index` of `image`, as a view. */
export function frameAt(image: PixelFrames, index: number): RawFrame {
  const size = frameBytes(image);
  return {
    data: image.data.subarray(index * size, (index + 1) * size),
    width: image.width,
    height: image.height,
    channels: image.channels,
  };
}

/** sharp's description of a raw frame, for `sharp(data, { raw })`. */
export function rawInput(frame: RawFrame): { width: number; height: number; channels: Channels } {
  return { width: frame.width, height: frame.height, channels: frame.channels };
}

/** Frames of equal size and channels joined into one stacked buffer. */
export function stackFrames(frames: RawFrame[]): Uint8Array {
  const first = frames[0];
  if (!first) return new Uint8Array(0);
  const size = frameBytes(first);
  const out = new Uint8Array(size * frames.length);
  frames.forEach((frame, index) => {
    if (frame.data.length !== size) throw new RangeError('frames differ in size');
    out.set(frame.data, index * size);
  });
  return out;
}
