/**
 * Counting distinct RGBA colours, to spot images a palette can hold exactly.
 */
import type { Rgba8 } from './pixels.js';

/**
 * Whether the image has at most `limit` distinct colours (fully transparent pixels count as one).
 * Stops counting as soon as the limit is passed, so photos cost a few rows only.
 */
export function hasAtMostColours(image: Rgba8, limit: number): boolean {
  const words = new Uint32Array(image.data.buffer, image.data.byteOffset, image.data.length / 4);
  const seen = new Set<number>();
  for (let i = 0; i < words.length; i++) {
    const alpha = image.data[i * 4 + 3]!;
    seen.add(alpha === 0 ? 0 : words[i]!);
    if (seen.size > limit) return false;
  }
  return true;
}
