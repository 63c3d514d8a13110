/**
 * Counting distinct RGBA colours, to spot images a palette can hold exactly.
 */
import type { Rgba8 } from './pixels.js';

/**
 * Whether the image has at most `limit` distinct colours (fully transparent pixels count as one).
 * Stops counting as soon as the limit is passed, so photos cost a few rows only.
 */
export function hasAtMostColours(image: Rgba8, limit: number): boolean {
  // A Uint32Array view needs 4-byte alignment; copy in the rare case the decoder's buffer lacks it.
  const bytes = image.data.byteOffset % 4 === 0 ? image.data : image.data.slice();
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  const seen = new Set<number>();
  for (let i = 0; i < words.length; i++) {
    const alpha = bytes[i * 4 + 3]!;
    seen.add(alpha === 0 ? 0 : words[i]!);
    if (seen.size > limit) return false;
  }
  return true;
}
