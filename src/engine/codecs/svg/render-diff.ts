/**
 * Where two renders differ: the overall PSNR and the tiles with the most squared error, so the
 * perceptual metric can be spent on the regions that changed instead of the whole render.
 */
import type { RgbImage } from '../../metric/ssimulacra2.js';
import { mosaic, type Rect } from '../../search/sample.js';

/** Interleaved 8-bit RGBA pixels, as librsvg renders (not premultiplied). */
export interface RgbaImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Composites `count` RGBA pixels from `src` (at byte `from`) on white into `dst` (RGB, at byte `to`). */
function compositeRun(src: Uint8Array, from: number, dst: Uint8Array, to: number, count: number): void {
  for (let p = from, q = to, end = from + count * 4; p < end; p += 4, q += 3) {
    const alpha = src[p + 3]!;
    for (let c = 0; c < 3; c++) dst[q + c] = Math.round((src[p + c]! * alpha + 255 * (255 - alpha)) / 255);
  }
}

/**
 * RGB of `rgba` composited on white, the way the metric and the benchmark look at SVG renders.
 * Done here rather than by libvips: only the few renders that reach the metric need it.
 */
export function onWhite(rgba: RgbaImage): RgbImage {
  const rgb = new Uint8Array(rgba.width * rgba.height * 3);
  compositeRun(rgba.data, 0, rgb, 0, rgba.width * rgba.height);
  return { data: rgb, width: rgba.width, height: rgba.height };
}

/**
 * The mosaic (search/sample.ts layout) of `tiles` of `rgba`, composited on white. Only the tiles are
 * composited: the whole 1024 px render would cost more than the metric's share of the mosaic.
 * @throws RangeError when the tiles differ in size (as `mosaic` does).
 */
export function onWhiteMosaic(rgba: RgbaImage, tiles: readonly Rect[]): RgbImage {
  const first = tiles[0];
  if (!first) throw new RangeError('onWhiteMosaic needs at least one tile');
  if (tiles.length === 1 && first.width === rgba.width && first.height === rgba.height) return onWhite(rgba);
  const { width, height } = first;
  // The tiles composited one under another, then laid out by the shared mosaic code.
  const strip = new Uint8Array(width * height * tiles.length * 3);
  tiles.forEach((rect, index) => {
    if (rect.width !== width || rect.height !== height)
      throw new RangeError('mosaic tiles must have one size');
    for (let y = 0; y < height; y++) {
      const from = ((rect.top + y) * rgba.width + rect.left) * 4;
      compositeRun(rgba.data, from, strip, (index * height + y) * width * 3, width);
    }
  });
  const stacked = tiles.map((_, index) => ({ left: 0, top: index * height, width, height }));
  return mosaic({ data: strip, width, height: height * tiles.length }, stacked);
}

/** PSNR of a render pair and its most-changed tiles. */
export interface RenderDiff {
  /** Peak signal-to-noise ratio in dB; Infinity when the renders are identical. */
  psnr: number;
  /** Up to `count` equally sized tiles, most squared error first (empty when identical). */
  worstTiles: Rect[];
  /** The largest difference of one colour channel on white, 0 to 255. */
  maxDifference: number;
}

/** The pixels of `data` as 32-bit words (one per RGBA pixel), copied only when unaligned. */
function pixelWords(data: Uint8Array): Uint32Array {
  const aligned = data.byteOffset % 4 === 0 ? data : data.slice();
  return new Uint32Array(aligned.buffer, aligned.byteOffset, aligned.length >>> 2);
}

/**
 * Compares two equally sized RGBA renders as they look on white. Tiles are `tile` pixels
 * square (smaller when the image is), laid on a grid clamped inside the image so every tile is whole.
 */
export function diffRenders(a: RgbaImage, b: RgbaImage, tile: number, count: number): RenderDiff {
  const side = Math.min(tile, a.width, a.height);
  const cols = Math.ceil(a.width / side);
  const rows = Math.ceil(a.height / side);
  const errors = new Float64Array(cols * rows);
  // Verified renders are mostly equal pixel for pixel: a memcmp skips each equal row, and in a row
  // that differs, one test skips each run of 8 equal pixels (the XORs of their words ORed together:
  // about twice as fast as testing pixel by pixel where rounding changed a few pixels per row).
  const bytesA = Buffer.from(a.data.buffer, a.data.byteOffset, a.data.length);
  const bytesB = Buffer.from(b.data.buffer, b.data.byteOffset, b.data.length);
  const wordsA = pixelWords(a.data);
  const wordsB = pixelWords(b.data);
  let total = 0;
  let largest = 0;
  for (let y = 0; y < a.height; y++) {
    const rowStart = y * a.width;
    const rowEnd = rowStart + a.width;
    if (bytesA.compare(bytesB, rowStart * 4, rowEnd * 4, rowStart * 4, rowEnd * 4) === 0) continue;
    const rowTiles = Math.min(rows - 1, Math.floor(y / side)) * cols;
    for (let run = rowStart; run < rowEnd; run += 8) {
      const runEnd = Math.min(run + 8, rowEnd);
      if (
        runEnd - run === 8 &&
        ((wordsA[run]! ^ wordsB[run]!) |
          (wordsA[run + 1]! ^ wordsB[run + 1]!) |
          (wordsA[run + 2]! ^ wordsB[run + 2]!) |
          (wordsA[run + 3]! ^ wordsB[run + 3]!) |
          (wordsA[run + 4]! ^ wordsB[run + 4]!) |
          (wordsA[run + 5]! ^ wordsB[run + 5]!) |
          (wordsA[run + 6]! ^ wordsB[run + 6]!) |
          (wordsA[run + 7]! ^ wordsB[run + 7]!)) ===
          0
      )
        continue;
      for (let pixel = run; pixel < runEnd; pixel++) {
        if (wordsA[pixel] === wordsB[pixel]) continue;
        const i = pixel * 4;
        const alphaA = a.data[i + 3]!;
        const alphaB = b.data[i + 3]!;
        if (alphaA === 0 && alphaB === 0) continue;
        // Composited on white: unpremultiplied colour of nearly transparent pixels is noise.
        const whiteA = 255 * (255 - alphaA);
        const whiteB = 255 * (255 - alphaB);
        const d0 = (a.data[i]! * alphaA + whiteA - b.data[i]! * alphaB - whiteB) / 255;
        const d1 = (a.data[i + 1]! * alphaA + whiteA - b.data[i + 1]! * alphaB - whiteB) / 255;
        const d2 = (a.data[i + 2]! * alphaA + whiteA - b.data[i + 2]! * alphaB - whiteB) / 255;
        const squared = d0 * d0 + d1 * d1 + d2 * d2;
        if (squared === 0) continue;
        largest = Math.max(largest, Math.abs(d0), Math.abs(d1), Math.abs(d2));
        total += squared;
        errors[rowTiles + Math.min(cols - 1, Math.floor((pixel - rowStart) / side))]! += squared;
      }
    }
  }
  if (total === 0) return { psnr: Number.POSITIVE_INFINITY, worstTiles: [], maxDifference: 0 };
  const psnr = 10 * Math.log10((255 * 255 * 3 * a.width * a.height) / total);
  const ranked = [...errors.keys()].filter((k) => errors[k]! > 0).sort((p, q) => errors[q]! - errors[p]!);
  const worstTiles = ranked.slice(0, count).map((k) => ({
    left: Math.min((k % cols) * side, a.width - side),
    top: Math.min(Math.floor(k / cols) * side, a.height - side),
    width: side,
    height: side,
  }));
  return { psnr, worstTiles, maxDifference: largest };
}
