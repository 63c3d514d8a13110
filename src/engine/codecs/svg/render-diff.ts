/**
 * Where two renders differ: the overall PSNR and the tiles with the most squared error, so the
 * perceptual metric can be spent on the regions that changed instead of the whole render.
 */
import type { RgbImage } from '../../metric/ssimulacra2.js';
import type { Rect } from '../../search/sample.js';

/** PSNR of a render pair and its most-changed tiles. */
export interface RenderDiff {
  /** Peak signal-to-noise ratio in dB; Infinity when the renders are identical. */
  psnr: number;
  /** Up to `count` equally sized tiles, most squared error first (empty when identical). */
  worstTiles: Rect[];
}

/**
 * Compares two equally sized renders. Tiles are `tile` pixels square (smaller when the image is),
 * laid on a grid clamped inside the image so every tile is whole.
 */
export function diffRenders(a: RgbImage, b: RgbImage, tile: number, count: number): RenderDiff {
  const side = Math.min(tile, a.width, a.height);
  const cols = Math.ceil(a.width / side);
  const rows = Math.ceil(a.height / side);
  const errors = new Float64Array(cols * rows);
  let total = 0;
  for (let y = 0; y < a.height; y++) {
    const rowTiles = Math.min(rows - 1, Math.floor(y / side)) * cols;
    let i = y * a.width * 3;
    for (let x = 0; x < a.width; x++, i += 3) {
      const d0 = a.data[i]! - b.data[i]!;
      const d1 = a.data[i + 1]! - b.data[i + 1]!;
      const d2 = a.data[i + 2]! - b.data[i + 2]!;
      const squared = d0 * d0 + d1 * d1 + d2 * d2;
      if (squared === 0) continue;
      total += squared;
      errors[rowTiles + Math.min(cols - 1, Math.floor(x / side))]! += squared;
    }
  }
  if (total === 0) return { psnr: Number.POSITIVE_INFINITY, worstTiles: [] };
  const psnr = 10 * Math.log10((255 * 255 * a.data.length) / total);
  const ranked = [...errors.keys()].filter((k) => errors[k]! > 0).sort((p, q) => errors[q]! - errors[p]!);
  const worstTiles = ranked.slice(0, count).map((k) => ({
    left: Math.min((k % cols) * side, a.width - side),
    top: Math.min(Math.floor(k / cols) * side, a.height - side),
    width: side,
    height: side,
  }));
  return { psnr, worstTiles };
}
