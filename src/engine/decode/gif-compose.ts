/**
 * Composes a GIF's frames one after another into browser-style canvases: each frame drawn over
 * what the previous ones left, then disposed of (0/1 keep, 2 clear to transparent, 3 restore
 * previous). Written here because libvips composes disposal differently (sharp's round trip
 * breaks pil-dispose_bgnd.gif, SSIMULACRA2 −114, notes/codecs.md §7.4) and omggif leaves
 * compositing to its caller.
 */
import { SquishError } from '../../errors/index.js';
import { decodeLzw } from './gif-lzw.js';
import { DISPOSAL, type GifFrameRecord, type GifStructure } from './gif-structure.js';

/** One displayed state of the animation. */
export interface GifCanvasFrame {
  /** Whole-canvas RGBA, 4 bytes per pixel; transparent pixels are all zero. */
  rgba: Uint8Array;
  /** How long this canvas stays, in ms, as stored in the file (browsers stretch 0–10 ms to ~100 ms). */
  delayMs: number;
}

/**
 * The canvas after each frame, in order. The yielded `rgba` is the live canvas: it is valid only
 * until the generator resumes, so callers copy what they keep (that keeps memory at two canvases
 * whatever the frame count).
 */
export function* composeCanvases(bytes: Uint8Array, structure: GifStructure): Generator<GifCanvasFrame> {
  const { width, height } = structure;
  let canvas = new Uint8Array(width * height * 4);
  for (const record of structure.frames) {
    const saved = record.disposal === DISPOSAL.previous ? canvas.slice() : undefined;
    drawFrame(canvas, width, height, bytes, record);
    yield { rgba: canvas, delayMs: record.delayCs * 10 };
    if (record.disposal === DISPOSAL.background) clearRect(canvas, width, height, record);
    else if (saved) canvas = saved;
  }
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
export function rowOrder(height: number, interlaced: boolean): Uint32Array {
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
