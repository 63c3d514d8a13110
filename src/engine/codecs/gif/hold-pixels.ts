/**
 * Lossy inter-frame coding for animations: a pixel whose new colour is within a tolerance of what
 * the screen already shows there is left as it is (made transparent in its frame) instead of
 * being redrawn. gifsicle's own frame differencing only skips pixels that are exactly equal, so
 * in dithered or re-quantized animations (each frame with its own palette and noise) it redraws
 * almost the whole frame every time; holding near-equal pixels turns those areas into long
 * transparent runs that LZW stores almost for free (pil-iss634-anim: 210 KB after gifsicle -O3,
 * 100 KB holding within 18, scoring 85 as the benchmark measures it).
 *
 * The error stays bounded: every displayed pixel is within the tolerance of the original's pixel
 * at the same instant, because a pixel is held only when the colour on screen is near the colour
 * the original draws there, and disposal is replayed exactly as the original's.
 */
import { rowOrder } from '../../decode/gif-compose.js';
import { decodeLzw } from '../../decode/gif-lzw.js';
import { DISPOSAL, type GifFrameRecord, type GifStructure } from '../../decode/gif-structure.js';
import { heldDistanceSquared } from './colour-distance.js';
import { type IndexedFrame, writeGif } from './gif-writer.js';

/** What holding did: the rewritten GIF, and how many drawn pixels were left as shown (equal ones included). */
export interface HeldAnimation {
  data: Uint8Array;
  heldPixels: number;
}

/** Frame pixels (over all frames) up to which an animation is held: its indices stay in memory. */
const MAX_HELD_PIXELS = 32 * 1024 * 1024;

/**
 * An animation decoded once to palette indices, then rewritten at any tolerance. Undefined from
 * `open` for a still, and when the file has something this rewrite would not carry over faithfully (truncated
 * frames, indices past the palette) or is too large to keep in memory: the caller then works on
 * the input as it is.
 */
export class PixelHolder {
  private constructor(
    private readonly bytes: Uint8Array,
    private readonly structure: GifStructure,
    private readonly frames: IndexedFrame[],
  ) {}

  static open(bytes: Uint8Array, structure: GifStructure): PixelHolder | undefined {
    const pixels = structure.frames.reduce((sum, frame) => sum + frame.width * frame.height, 0);
    if (structure.frames.length < 2 || pixels > MAX_HELD_PIXELS) return undefined;
    const frames: IndexedFrame[] = [];
    for (const record of structure.frames) {
      const frame = indexedFrame(bytes, record);
      if (!frame) return undefined;
      frames.push(frame);
    }
    return new PixelHolder(bytes, structure, frames);
  }

  /**
   * The animation with every pixel within `tolerance` (heldDistanceSquared, in 8-bit RGB units)
   * of the colour already on screen left undrawn; undefined when no pixel was held.
   */
  hold(tolerance: number): HeldAnimation | undefined {
    const { bytes, structure } = this;
    const { width, height } = structure;
    const limit = tolerance * tolerance;
    // What our output shows, as paletteColours numbers; transparent is 0.
    let shown = new Uint32Array(width * height);
    const frames: IndexedFrame[] = [];
    let heldPixels = 0;
    structure.frames.forEach((record, f) => {
      const frame = { ...this.frames[f]! };
      frame.indices = frame.indices.slice();
      const saved = record.disposal === DISPOSAL.previous ? shown.slice() : undefined;
      const colours = paletteColours(bytes, record);
      const original = record.transparentIndex;
      const hold = frame.transparentIndex;
      const x1 = Math.min(record.left + record.width, width);
      for (let row = 0; row < record.height; row++) {
        const y = record.top + row;
        if (y >= height) break;
        for (let x = record.left; x < x1; x++) {
          const src = row * record.width + (x - record.left);
          const index = frame.indices[src]!;
          if (index === original) continue;
          const colour = colours[index]!;
          const dst = y * width + x;
          const below = shown[dst]!;
          if (hold !== undefined && below >>> 24 === 0xff && distanceSquared(colour, below) <= limit) {
            frame.indices[src] = hold;
            heldPixels++;
          } else shown[dst] = colour;
        }
      }
      frames.push(frame);
      if (record.disposal === DISPOSAL.background) clearRect(shown, width, height, record);
      else if (saved) shown = saved;
    });
    if (heldPixels === 0) return undefined;
    return {
      data: writeGif({ width, height, loopCount: structure.loopCount, frames }),
      heldPixels,
    };
  }
}

/**
 * A frame's indices in row order with a transparent index to hold pixels with: its own, else a
 * palette entry it never draws, else one added to its palette (none when all 256 are drawn).
 */
function indexedFrame(bytes: Uint8Array, record: GifFrameRecord): IndexedFrame | undefined {
  const count = record.width * record.height;
  if (count === 0) return undefined;
  const { indices: stream, decoded } = decodeLzw(bytes, record.dataStart, record.dataEnd, count);
  if (decoded < count) return undefined;
  const indices = new Uint8Array(count);
  const rows = rowOrder(record.height, record.interlaced);
  for (let row = 0; row < record.height; row++) {
    const from = row * record.width;
    indices.set(stream.subarray(from, from + record.width), rows[row]! * record.width);
  }
  const used = new Uint8Array(256);
  for (let i = 0; i < count; i++) used[indices[i]!] = 1;
  let entries = record.paletteEntries;
  let transparentIndex = record.transparentIndex;
  for (let index = entries; index < 256; index++) {
    // An index past the palette draws black in browsers and ours, but not in every decoder.
    if (used[index] && index !== transparentIndex) return undefined;
  }
  if (transparentIndex === undefined) {
    const free = used.subarray(0, entries).indexOf(0);
    if (free >= 0) transparentIndex = free;
    else if (entries < 256) transparentIndex = entries++;
  } else entries = Math.max(entries, transparentIndex + 1);
  const palette = new Uint8Array(entries * 3);
  palette.set(bytes.subarray(record.paletteOffset, record.paletteOffset + record.paletteEntries * 3));
  return {
    left: record.left,
    top: record.top,
    width: record.width,
    height: record.height,
    palette,
    indices,
    transparentIndex,
    // Values 4 to 7 are reserved and act like 0.
    disposal: record.disposal <= 3 ? record.disposal : 0,
    delayCs: record.delayCs,
  };
}

/**
 * The frame's palette as numbers 0xAABBGGRR (opaque; missing entries black), built by arithmetic
 * so the layout does not depend on the machine's byte order.
 */
function paletteColours(bytes: Uint8Array, frame: GifFrameRecord): Uint32Array {
  const colours = new Uint32Array(256).fill(OPAQUE_BLACK);
  for (let i = 0; i < frame.paletteEntries; i++) {
    const at = frame.paletteOffset + i * 3;
    colours[i] = (OPAQUE_BLACK | (bytes[at + 2]! << 16) | (bytes[at + 1]! << 8) | bytes[at]!) >>> 0;
  }
  return colours;
}

const OPAQUE_BLACK = 0xff000000;

/** heldDistanceSquared of two colours laid out as paletteColours makes them. */
function distanceSquared(a: number, b: number): number {
  return heldDistanceSquared(
    (a & 0xff) - (b & 0xff),
    ((a >>> 8) & 0xff) - ((b >>> 8) & 0xff),
    ((a >>> 16) & 0xff) - ((b >>> 16) & 0xff),
  );
}

/** Disposal 2: the frame's area (clipped to the screen) goes back to transparent. */
function clearRect(shown: Uint32Array, width: number, height: number, frame: GifFrameRecord): void {
  const x1 = Math.min(frame.left + frame.width, width);
  const y1 = Math.min(frame.top + frame.height, height);
  for (let y = frame.top; y < y1; y++) shown.fill(0, y * width + frame.left, y * width + x1);
}
