/**
 * Whether any lossy setting could change a pixel at all. When every pair of colours a GIF draws
 * is further apart than the widest change the tools allow, none can, and the lossy search
 * (several encodes and metric runs) is skipped: two-colour pictograms, 16-colour charts and the like.
 */
import { decodeLzw } from '../../decode/gif-lzw.js';
import type { GifStructure } from '../../decode/gif-structure.js';
import { heldDistanceSquared, rgbDistanceSquared } from './colour-distance.js';
import type { WidestChange } from './lossy-settings.js';

/** Beyond this many distinct colours the pairwise scan is not worth it (photos, dithered art). */
const MAX_COLOURS = 256;

/**
 * True when two distinct colours the GIF draws (over all frames; transparent pixels aside) are
 * within `widest` of each other, or when there are too many colours to check. Only colours that
 * are drawn count: palettes often carry far more (pil-dispose_bgnd's 16-entry tables hold
 * firebrick and sienna, 47 apart, its pixels use 2 colours 123 apart).
 */
export function someColoursWithin(bytes: Uint8Array, structure: GifStructure, widest: WidestChange): boolean {
  const distinct = new Set<number>();
  // Each new colour is compared with those seen so far, so a photo answers within its first frame.
  const near = (a: number, b: number): boolean => {
    const red = (a >> 16) - (b >> 16);
    const green = ((a >> 8) & 0xff) - ((b >> 8) & 0xff);
    const blue = (a & 0xff) - (b & 0xff);
    return (
      rgbDistanceSquared(red, green, blue) <= widest.rgbSquared ||
      heldDistanceSquared(red, green, blue) <= widest.heldSquared
    );
  };
  for (const frame of structure.frames) {
    const count = frame.width * frame.height;
    if (count === 0) continue;
    const { indices, decoded } = decodeLzw(bytes, frame.dataStart, frame.dataEnd, count);
    const used = new Uint8Array(256);
    for (let i = 0; i < decoded; i++) used[indices[i]!] = 1;
    for (let index = 0; index < 256; index++) {
      if (!used[index] || index === frame.transparentIndex) continue;
      // Indices past the palette draw black.
      const at = frame.paletteOffset + index * 3;
      const colour =
        index < frame.paletteEntries ? (bytes[at]! << 16) | (bytes[at + 1]! << 8) | bytes[at + 2]! : 0;
      if (distinct.has(colour)) continue;
      for (const other of distinct) if (near(colour, other)) return true;
      distinct.add(colour);
      if (distinct.size > MAX_COLOURS) return true;
    }
  }
  return false;
}
