/**
 * How close the colours a GIF can draw are to each other. When every pair is further apart than
 * the widest change a lossy setting allows, no lossy setting can alter a single pixel, and the
 * lossy search (several encodes and metric runs) is skipped: two-colour pictograms, 16-colour
 * charts and the like.
 */
import type { GifStructure } from '../../decode/gif-structure.js';

/** Beyond this many distinct colours the pairwise scan is not worth it (photos, dithered art). */
const MAX_COLOURS = 256;

/**
 * Smallest squared RGB distance between two distinct colours of the GIF's palettes (global and
 * local, used or not, so the answer can only err towards "close"); Infinity with fewer than two
 * colours, 0 when there are too many colours to check.
 */
export function closestColourPair(bytes: Uint8Array, structure: GifStructure): number {
  const distinct = new Set<number>();
  const seenPalettes = new Set<number>();
  for (const frame of structure.frames) {
    if (seenPalettes.has(frame.paletteOffset)) continue;
    seenPalettes.add(frame.paletteOffset);
    for (let i = 0; i < frame.paletteEntries; i++) {
      const at = frame.paletteOffset + i * 3;
      distinct.add((bytes[at]! << 16) | (bytes[at + 1]! << 8) | bytes[at + 2]!);
      if (distinct.size > MAX_COLOURS) return 0;
    }
  }
  const colours = [...distinct];
  let closest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < colours.length; i++) {
    for (let j = i + 1; j < colours.length; j++) {
      closest = Math.min(closest, distanceSquared(colours[i]!, colours[j]!));
    }
  }
  return closest;
}

function distanceSquared(a: number, b: number): number {
  const red = (a >> 16) - (b >> 16);
  const green = ((a >> 8) & 0xff) - ((b >> 8) & 0xff);
  const blue = (a & 0xff) - (b & 0xff);
  return red * red + green * green + blue * blue;
}
