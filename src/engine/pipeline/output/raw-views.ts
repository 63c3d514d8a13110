/**
 * The transformed image in the layouts the codecs' searches and metrics take: packed RGB for the
 * JPEG search, RGBA frames for the shared sharp-codec search.
 */

import type { RgbaFrames } from '../../codecs/sharp-common/frames.js';
import type { RgbImage } from '../../metric/ssimulacra2.js';
import { frameAt, type PixelFrames } from '../frames.js';

/** Frame `index` as packed RGB (alpha dropped: JPEG outputs are flattened before this). */
export function frameRgb(image: PixelFrames, index = 0): RgbImage {
  const frame = frameAt(image, index);
  if (frame.channels === 3) return { data: frame.data, width: frame.width, height: frame.height };
  const pixels = frame.width * frame.height;
  const out = new Uint8Array(pixels * 3);
  for (let p = 0, q = 0; q < out.length; p += 4, q += 3) {
    out[q] = frame.data[p]!;
    out[q + 1] = frame.data[p + 1]!;
    out[q + 2] = frame.data[p + 2]!;
  }
  return { data: out, width: frame.width, height: frame.height };
}

/** The frames at `pages` as RGBA, stacked (the layout buildReference and readRgbaFrames use). */
export function rgbaFrames(image: PixelFrames, pages: readonly number[]): RgbaFrames {
  const pixels = image.width * image.height;
  const out = new Uint8Array(pixels * 4 * pages.length);
  pages.forEach((page, slot) => {
    const frame = frameAt(image, page);
    const base = slot * pixels * 4;
    if (frame.channels === 4) {
      out.set(frame.data, base);
      return;
    }
    for (let p = 0, q = base; p < frame.data.length; p += 3, q += 4) {
      out[q] = frame.data[p]!;
      out[q + 1] = frame.data[p + 1]!;
      out[q + 2] = frame.data[p + 2]!;
      out[q + 3] = 255;
    }
  });
  return { data: out, width: image.width, frameHeight: image.height, frames: pages.length };
}
