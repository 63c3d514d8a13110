/**
 * Pixel-exactness of a lossless output, as the issue defines it: rasters decoded to RGBA at native
 * depth and compared sample by sample, GIFs compared as animations (every displayed canvas and its
 * duration), SVGs rendered by librsvg and accepted at SSIMULACRA2 >= 90.
 */
import { decodeGifFrames, sameAnimation } from '../../src/engine/decode/gif-frames.js';
import { decodeRgba, type RgbaImage } from './decode-display.js';
import { svgScore } from './perceptual-score.js';
import type { BenchCategory } from './types.js';

/** SVGs count as rendering the same from this SSIMULACRA2 score up. */
export const SVG_SAME_RENDERING = 90;

export interface ExactVerdict {
  exact: boolean;
  detail?: string;
  /** SVG only: the rendering score the verdict is based on. */
  score?: number;
}

export async function checkExact(
  category: BenchCategory,
  original: Uint8Array,
  output: Uint8Array,
): Promise<ExactVerdict> {
  if (category === 'svg') {
    const score = await svgScore(original, output);
    return score >= SVG_SAME_RENDERING
      ? { exact: true, score }
      : { exact: false, score, detail: `renders at SSIMULACRA2 ${score.toFixed(1)}` };
  }
  if (category === 'gif') {
    const verdict = sameAnimation(decodeGifFrames(original), decodeGifFrames(output));
    return verdict.equal ? { exact: true } : { exact: false, detail: verdict.detail };
  }
  const [a, b] = await Promise.all([decodeRgba(original), decodeRgba(output)]);
  if (a.width !== b.width || a.height !== b.height) {
    return { exact: false, detail: `size ${a.width}x${a.height} vs ${b.width}x${b.height}` };
  }
  const differing = countDifferentPixels(a, b);
  return differing === 0 ? { exact: true } : { exact: false, detail: `${differing} pixels differ` };
}

/**
 * Pixels whose RGBA differs. Pixels fully transparent in both are equal whatever their colour
 * (optimizers may rewrite invisible colours). An 8-bit image is compared with a 16-bit one by
 * widening its samples (v * 257), which is exact: a PNG optimizer may only narrow 16-bit samples
 * that were such widened values.
 */
export function countDifferentPixels(a: RgbaImage, b: RgbaImage): number {
  const sampleA = sampleReader(a);
  const sampleB = sampleReader(b);
  const pixels = a.width * a.height;
  let differing = 0;
  for (let p = 0; p < pixels; p++) {
    const base = p * 4;
    if (sampleA(base + 3) === 0 && sampleB(base + 3) === 0) continue;
    for (let c = 0; c < 4; c++) {
      if (sampleA(base + c) !== sampleB(base + c)) {
        differing++;
        break;
      }
    }
  }
  return differing;
}

/** Sample `index` of the image as a 16-bit value. */
function sampleReader(image: RgbaImage): (index: number) => number {
  const { data } = image;
  if (image.depth === 1) return (index) => data[index]! * 257;
  // raw 16-bit samples from libvips are in machine (little-endian) order
  return (index) => data[index * 2]! | (data[index * 2 + 1]! << 8);
}
