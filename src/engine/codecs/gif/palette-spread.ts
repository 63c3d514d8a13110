/**
 * Whether any lossy setting could change a pixel at all. When every pair of colours a GIF draws
 * is further apart than the widest change the tools allow, none can, and the lossy search
 * (several encodes and metric runs) is skipped: two-colour pictograms, 16-colour charts and the like.
 */
import { decodeLzw } from '../../decode/gif-lzw.js';
import type { GifFrameRecord, GifStructure } from '../../decode/gif-structure.js';
import { heldDistanceSquared, rgbDistanceSquared } from './colour-distance.js';
import type { WidestChange } from './lossy-settings.js';

/** Beyond this many distinct colours the pairwise scan is not worth it (photos, dithered art). */
const MAX_COLOURS = 256;

/**
 * True when two distinct colours the GIF draws (over all frames; transparent pixels aside) are
 * within `widest` of each other, or when there are too many colours to check. Only colours that
 * are drawn count: palettes often carry far more (pil-dispose_bgnd's 16-entry tables hold
 * firebrick and sienna, 47 apart, its pixels use 2 colours 123 apart). The palettes are checked
 * first, without decoding a pixel; the frames are decoded only when they hold near colours.
 */
export function someColoursWithin(bytes: Uint8Array, structure: GifStructure, widest: WidestChange): boolean {
  const palettes = new ColourSet(widest);
  for (const frame of structure.frames) {
    for (let index = 0; index < frame.paletteEntries; index++) {
      if (index !== frame.transparentIndex && palettes.addNear(colourAt(bytes, frame, index))) {
        return drawnColoursWithin(bytes, structure, widest);
      }
    }
  }
  return false;
}

function drawnColoursWithin(bytes: Uint8Array, structure: GifStructure, widest: WidestChange): boolean {
  const drawn = new ColourSet(widest);
  for (const frame of structure.frames) {
    const count = frame.width * frame.height;
    if (count === 0) continue;
    const { indices, decoded } = decodeLzw(bytes, frame.dataStart, frame.dataEnd, count);
    const used = new Uint8Array(256);
    for (let i = 0; i < decoded; i++) used[indices[i]!] = 1;
    for (let index = 0; index < 256; index++) {
      if (used[index] && index !== frame.transparentIndex && drawn.addNear(colourAt(bytes, frame, index))) {
        return true;
      }
    }
  }
  return false;
}

/** 0xRRGGBB of a palette index; indices past the palette draw black. */
function colourAt(bytes: Uint8Array, frame: GifFrameRecord, index: number): number {
  if (index >= frame.paletteEntries) return 0;
  const at = frame.paletteOffset + index * 3;
  return (bytes[at]! << 16) | (bytes[at + 1]! << 8) | bytes[at + 2]!;
}

/** Distinct colours, each compared with those before it as it comes. */
class ColourSet {
  private readonly colours = new Set<number>();

  constructor(private readonly widest: WidestChange) {}

  /** Adds a colour; true when it is near one already there, or past MAX_COLOURS. */
  addNear(colour: number): boolean {
    if (this.colours.has(colour)) return false;
    for (const other of this.colours) if (this.near(colour, other)) return true;
    this.colours.add(colour);
    return this.colours.size > MAX_COLOURS;
  }

  private near(a: number, b: number): boolean {
    const red = (a >> 16) - (b >> 16);
    const green = ((a >> 8) & 0xff) - ((b >> 8) & 0xff);
    const blue = (a & 0xff) - (b & 0xff);
    return (
      rgbDistanceSquared(red, green, blue) <= this.widest.rgbSquared ||
      heldDistanceSquared(red, green, blue) <= this.widest.heldSquared
    );
  }
}
