/**
 * Decodes a GIF into the canvases a browser shows: every frame composited over what the previous
 * frames left behind, honouring disposal (0/1 keep, 2 clear to transparent, 3 restore previous),
 * transparency, local palettes and interlace. The lossless GIF path proves its output with it and
 * the benchmark and lossy search measure GIFs on its canvases.
 *
 * The compositing is written here because libvips composes disposal differently (sharp's round
 * trip breaks pil-dispose_bgnd.gif, SSIMULACRA2 −114, notes/codecs.md §7.4) and omggif leaves it
 * to its caller; the LZW step is ours too (gif-lzw.ts says why omggif's is not safe on hostile files).
 */
import { SquishError } from '../../errors/index.js';
import { DEFAULT_LIMITS } from '../limits.js';
import { decodeLzw } from './gif-lzw.js';
import { DISPOSAL, type GifFrameRecord, type GifStructure, parseGifStructure } from './gif-structure.js';

/** One displayed state of the animation. */
export interface GifCanvasFrame {
  /** Whole-canvas RGBA, 4 bytes per pixel; transparent pixels are all zero. */
  rgba: Uint8Array;
  /** How long this canvas stays, in ms, as stored in the file (browsers stretch 0–10 ms to ~100 ms). */
  delayMs: number;
}

export interface DecodedGif {
  width: number;
  height: number;
  /** Loop count of the NETSCAPE2.0 extension (0 = forever); undefined when there is none (play once). */
  loopCount: number | undefined;
  frames: GifCanvasFrame[];
}

/**
 * Decodes every frame of a GIF into full-canvas RGBA.
 * @param options.maxPixels limit on width × height × frames (and on the frames' own areas, which is
 * what the LZW decoder allocates); default {@link DEFAULT_LIMITS}.maxPixels.
 * @throws SquishError CORRUPT_IMAGE for malformed or truncated data, TOO_MANY_PIXELS over the limit.
 */
export function decodeGifFrames(bytes: Uint8Array, options: { maxPixels?: number } = {}): DecodedGif {
  const structure = parseGifStructure(bytes);
  assertWithinPixelLimit(structure, options.maxPixels ?? DEFAULT_LIMITS.maxPixels);
  const { width, height } = structure;
  const frames: GifCanvasFrame[] = [];
  let canvas = new Uint8Array(width * height * 4);
  for (const record of structure.frames) {
    const saved = record.disposal === DISPOSAL.previous ? canvas.slice() : undefined;
    drawFrame(canvas, width, height, bytes, record);
    frames.push({ rgba: canvas.slice(), delayMs: record.delayCs * 10 });
    if (record.disposal === DISPOSAL.background) clearRect(canvas, width, height, record);
    else if (saved) canvas = saved;
  }
  return { width, height, loopCount: structure.loopCount, frames };
}

/**
 * Checks a parsed GIF against a pixel budget before anything is decoded.
 * @throws SquishError TOO_MANY_PIXELS
 */
export function assertWithinPixelLimit(structure: GifStructure, maxPixels: number): void {
  const canvasPixels = structure.width * structure.height * structure.frames.length;
  const framePixels = structure.frames.reduce((sum, f) => sum + f.width * f.height, 0);
  const pixels = Math.max(canvasPixels, framePixels);
  if (pixels > maxPixels) {
    throw new SquishError(
      'TOO_MANY_PIXELS',
      `The GIF has ${pixels} pixels over its frames, more than the limit of ${maxPixels}.`,
    );
  }
}

/**
 * The canvas on screen at each instant (ms from the start of one loop). A frame shows from the sum of
 * the delays before it until its own delay has passed; instants at or past the end get the last frame.
 */
export function framesAtInstants(gif: DecodedGif, instantsMs: number[]): GifCanvasFrame[] {
  const starts = startTimes(gif.frames);
  const last = gif.frames[gif.frames.length - 1]!;
  return instantsMs.map((instant) => {
    for (let i = 0; i < gif.frames.length; i++) {
      const frame = gif.frames[i]!;
      if (starts[i]! <= instant && instant < starts[i]! + frame.delayMs) return frame;
    }
    return last;
  });
}

/**
 * Whether two GIFs play the same animation: same size and loop count, and the same canvas at every
 * frame-start instant of either, with the same total duration. Consecutive identical canvases are
 * merged first (summing their delays), which is what gifsicle does to them, and the merged
 * sequences are compared whole, so a zero-delay frame still counts (browsers show it ~100 ms).
 */
export function sameAnimation(a: DecodedGif, b: DecodedGif): { equal: boolean; detail: string } {
  if (a.width !== b.width || a.height !== b.height) {
    return { equal: false, detail: `size ${a.width}x${a.height} vs ${b.width}x${b.height}` };
  }
  if (a.loopCount !== b.loopCount) {
    return { equal: false, detail: `loop count ${a.loopCount} vs ${b.loopCount}` };
  }
  const runsA = mergeIdenticalRuns(a.frames);
  const runsB = mergeIdenticalRuns(b.frames);
  const startsA = startTimes(runsA);
  const count = Math.max(runsA.length, runsB.length);
  for (let i = 0; i < count; i++) {
    const x = runsA[i];
    const y = runsB[i];
    const at = `displayed state ${i} (at ${startsA[i] ?? 'end'} ms)`;
    if (!x || !y) return { equal: false, detail: `${at}: only one animation has it` };
    if (!equalBytes(x.rgba, y.rgba)) {
      return { equal: false, detail: `${at}: ${countDifferentPixels(x.rgba, y.rgba)} pixels differ` };
    }
    if (x.delayMs !== y.delayMs)
      return { equal: false, detail: `${at}: lasts ${x.delayMs} vs ${y.delayMs} ms` };
  }
  return {
    equal: true,
    detail: `${runsA.length} displayed states, ${a.frames.length} vs ${b.frames.length} frames`,
  };
}

function startTimes(frames: GifCanvasFrame[]): number[] {
  let time = 0;
  return frames.map((frame) => {
    const start = time;
    time += frame.delayMs;
    return start;
  });
}

function mergeIdenticalRuns(frames: GifCanvasFrame[]): GifCanvasFrame[] {
  const runs: GifCanvasFrame[] = [];
  for (const frame of frames) {
    const previous = runs[runs.length - 1];
    if (previous && equalBytes(previous.rgba, frame.rgba)) {
      runs[runs.length - 1] = { rgba: previous.rgba, delayMs: previous.delayMs + frame.delayMs };
    } else {
      runs.push(frame);
    }
  }
  return runs;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

function countDifferentPixels(a: Uint8Array, b: Uint8Array): number {
  let diff = 0;
  for (let i = 0; i < a.length; i += 4) {
    if (a[i] !== b[i] || a[i + 1] !== b[i + 1] || a[i + 2] !== b[i + 2] || a[i + 3] !== b[i + 3]) diff++;
  }
  return diff;
}

/**
 * Decodes one frame and draws its opaque pixels over the canvas, clipped to the screen. Pixels
 * move as 32-bit words read from a palette laid out as RGBA bytes. Indices past the palette
 * draw opaque black; pixels a truncated stream did not reach are not drawn.
 */
function drawFrame(
  canvas: Uint8Array,
  width: number,
  height: number,
  bytes: Uint8Array,
  frame: GifFrameRecord,
): void {
  const pixelCount = frame.width * frame.height;
  if (pixelCount === 0) return;
  const { indices, decoded } = decodeLzw(bytes, frame.dataStart, frame.dataEnd, pixelCount);
  const palette = paletteWords(bytes, frame);
  const target = new Uint32Array(canvas.buffer, canvas.byteOffset, canvas.length / 4);
  const transparent = frame.transparentIndex ?? -1;
  const rows = rowOrder(frame.height, frame.interlaced);
  const x0 = Math.min(frame.left, width);
  const x1 = Math.min(frame.left + frame.width, width);
  for (let row = 0; row < frame.height; row++) {
    const y = frame.top + rows[row]!;
    if (y >= height) continue;
    const rowStart = row * frame.width;
    const rowEnd = Math.min(rowStart + (x1 - frame.left), decoded);
    let dst = y * width + x0;
    for (let src = rowStart + (x0 - frame.left); src < rowEnd; src++, dst++) {
      const index = indices[src]!;
      if (index !== transparent) target[dst] = palette[index]!;
    }
  }
}

/** The frame's palette as 256 RGBA words (missing entries opaque black). */
function paletteWords(bytes: Uint8Array, frame: GifFrameRecord): Uint32Array {
  const rgba = new Uint8Array(256 * 4);
  for (let i = 0; i < 256; i++) {
    if (i < frame.paletteEntries) {
      const at = frame.paletteOffset + i * 3;
      rgba[i * 4] = bytes[at]!;
      rgba[i * 4 + 1] = bytes[at + 1]!;
      rgba[i * 4 + 2] = bytes[at + 2]!;
    }
    rgba[i * 4 + 3] = 255;
  }
  return new Uint32Array(rgba.buffer);
}

/** Which canvas row each decoded row lands on: interlaced frames come in 4 passes (8, 8, 4, 2). */
function rowOrder(height: number, interlaced: boolean): Uint32Array {
  const rows = new Uint32Array(height);
  if (!interlaced) {
    for (let i = 0; i < height; i++) rows[i] = i;
    return rows;
  }
  let i = 0;
  for (const [begin, step] of [
    [0, 8],
    [4, 8],
    [2, 4],
    [1, 2],
  ] as const) {
    for (let y = begin; y < height; y += step) rows[i++] = y;
  }
  return rows;
}

/** Disposal 2: the frame's area (clipped to the screen) goes back to transparent. */
function clearRect(canvas: Uint8Array, width: number, height: number, frame: GifFrameRecord): void {
  const x0 = Math.min(frame.left, width);
  const x1 = Math.min(frame.left + frame.width, width);
  const y1 = Math.min(frame.top + frame.height, height);
  for (let y = frame.top; y < y1; y++) canvas.fill(0, (y * width + x0) * 4, (y * width + x1) * 4);
}
