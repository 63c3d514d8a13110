/**
 * SSIMULACRA2 estimate for the truecolor lossy candidate (truecolor-lossy.ts), on white like the
 * palette scorer, but with tiles chosen for what that candidate gets wrong. Opaque images only (see
 * truecolor-choice.ts for why translucent ones are left out).
 *
 * Its error is small everywhere (at most step / 2 per sample), so the tiles where it is largest are
 * the busiest ones, where it is least visible; the damage SSIMULACRA2 sees is in smooth areas, where
 * the rounding leaves flat steps and grain. The palette scorer's tiles (largest squared error, 128 px)
 * scored kodim05 and a gradient logo up to 9 points above the whole image. Here cells are ranked by
 * error relative to the original's own detail, and tiles are larger so the metric's coarser scales
 * see those steps (kodim05 at step 12: 82.4 here, 85.1 whole; Sway wallpaper at step 8: 79.2 vs 79.3).
 */
import { type RgbImage, ssimulacra2 } from '../../metric/ssimulacra2.js';
import { mosaic, pickTiles, type Rect, rectsOverlap } from '../../search/sample.js';
import { onBackground, type Rgba8 } from './pixels.js';

/** Tile side: 256 rather than the palette's 128, see the file comment. */
export const TRUECOLOR_TILE = 256;
/** Images up to this many pixels are measured whole (about 0.4 s of metric per evaluation). */
const WHOLE_IMAGE_PIXELS = 200_000;
/** Tiles where the error stands out most from the detail, and tiles spread over detail levels. */
const MASKED_TILES = 2;
const SPREAD_TILES = 2;
/** Points subtracted from a tiled estimate. */
const TILE_MARGIN = 1;
/**
 * Detail (mean squared difference to the right and lower neighbour) below which an area counts as
 * smooth: the masked error is error / (detail + this).
 */
const DETAIL_FLOOR = 4;
const WHITE = 255;

/** Estimated whole-image SSIMULACRA2 of a candidate on white. */
export type TruecolorScorer = (candidate: Rgba8) => Promise<number>;

/**
 * A scorer comparing candidates with `original` on the same pixels each time; `probe` is one
 * candidate whose errors choose the tiles.
 */
export function truecolorScorer(original: Rgba8, probe: Rgba8): TruecolorScorer {
  const reference = onBackground(original, WHITE);
  if (original.width * original.height <= WHOLE_IMAGE_PIXELS) {
    return (candidate) => ssimulacra2(reference, onBackground(candidate, WHITE));
  }
  const candidateView = onBackground(probe, WHITE);
  const masked = maskedWorst(reference, candidateView, MASKED_TILES);
  const spread = pickTiles(reference, { tile: TRUECOLOR_TILE, count: MASKED_TILES + SPREAD_TILES })
    .filter((rect) => !masked.some((m) => rectsOverlap(m, rect)))
    .slice(0, SPREAD_TILES);
  const tiles = [...masked, ...spread];
  const referenceTiles = mosaic(reference, tiles);
  return async (candidate) =>
    (await ssimulacra2(referenceTiles, mosaic(onBackground(candidate, WHITE), tiles))) - TILE_MARGIN;
}

/** The `count` grid cells with the largest error relative to the reference's detail. */
function maskedWorst(reference: RgbImage, candidate: RgbImage, count: number): Rect[] {
  const { width, height } = reference;
  const a = reference.data;
  const b = candidate.data;
  const cells: { rect: Rect; value: number }[] = [];
  for (let top = 0; top + TRUECOLOR_TILE <= height; top += TRUECOLOR_TILE) {
    for (let left = 0; left + TRUECOLOR_TILE <= width; left += TRUECOLOR_TILE) {
      let error = 0;
      let detail = 0;
      let samples = 0;
      // Every other pixel: the ranking needs no more.
      for (let y = top; y < top + TRUECOLOR_TILE - 1; y += 2) {
        for (let x = left; x < left + TRUECOLOR_TILE - 1; x += 2) {
          const i = (y * width + x) * 3;
          for (let c = 0; c < 3; c++) {
            const here = a[i + c]!;
            const diff = here - b[i + c]!;
            const right = here - a[i + 3 + c]!;
            const down = here - a[i + width * 3 + c]!;
            error += diff * diff;
            detail += (right * right + down * down) / 2;
            samples++;
          }
        }
      }
      const value = error / samples / (detail / samples + DETAIL_FLOOR);
      cells.push({ rect: { left, top, width: TRUECOLOR_TILE, height: TRUECOLOR_TILE }, value });
    }
  }
  cells.sort((p, q) => q.value - p.value);
  return cells.slice(0, count).map((cell) => cell.rect);
}
