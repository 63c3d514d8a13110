/**
 * How close a palette version looks to the original: SSIMULACRA2 on a few tiles.
 *
 * Tiles: half where the finest palette (the "probe") differs most from the original, half spread
 * over the range of detail (the lead's pickTiles). SSIMULACRA2 pools errors with a 4-norm, so the
 * worst areas dominate the whole image's score; tiles chosen by detail alone missed them and
 * scored 5 to 47 points high on translucent logos, while this mix lands within about -4..+2 of
 * the whole image in the quality range the search ends in (corpus, 2026-11-26, with 6 tiles).
 *
 * The metric sees colour only. Candidates are scored composited on white (as the benchmark and
 * most pages show them); a translucent image's chosen candidate is then also checked on black,
 * where an alpha error hidden on white (light pixels made more or less opaque) shows.
 */
import { type RgbImage, ssimulacra2 } from '../../metric/ssimulacra2.js';
import { mosaic, pickTiles, type Rect, rectsOverlap } from '../../search/sample.js';
import { hasTranslucency, onBackground, type Rgba8 } from './pixels.js';

/** Points subtracted from a tiled score (none when the whole image is measured). */
export const TILE_SCORE_MARGIN = 1;
const TILE = 128;
/**
 * Tiles measured per candidate (65 kpx): the metric dominates the search's cost. 4 instead of 6
 * tiles cut the search's time by ~20 % for scores within 1 point on the corpus, one file 4 lower.
 */
const WORST_TILES = 2;
const SPREAD_TILES = 2;
const WHITE = 255;
const BLACK = 0;

export interface PaletteScorer {
  /** Estimated whole-image SSIMULACRA2 of `candidate` on white. */
  onWhite(candidate: Rgba8): Promise<number>;
  /** The same on black; undefined for an opaque image (the background never shows). */
  onBlack(candidate: Rgba8): Promise<number | undefined>;
}

/** A scorer comparing candidates with `original` on the same tiles each time. */
export function paletteScorer(original: Rgba8, probe: Rgba8): PaletteScorer {
  const white = onBackground(original, WHITE);
  const spread = pickTiles(white, { tile: TILE, count: WORST_TILES + SPREAD_TILES });
  const whole =
    spread.length === 1 && spread[0]!.width === original.width && spread[0]!.height === original.height;
  let tiles = spread;
  if (!whole) {
    const worst = worstTiles(original, probe, WORST_TILES);
    const others = spread.filter(
      (rect) => isVisible(original, rect) && !worst.some((w) => rectsOverlap(w, rect)),
    );
    tiles = [...worst, ...others.slice(0, SPREAD_TILES)];
  }
  const margin = whole ? 0 : TILE_SCORE_MARGIN;
  const view = (image: Rgba8, level: number) =>
    whole ? onBackground(image, level) : tilesOnBackground(image, tiles, level);
  const whiteReference = view(original, WHITE);
  const translucent = hasTranslucency(original);
  let blackReference: RgbImage | undefined;
  return {
    onWhite: async (candidate) => (await ssimulacra2(whiteReference, view(candidate, WHITE))) - margin,
    onBlack: async (candidate) => {
      if (!translucent) return undefined;
      blackReference ??= view(original, BLACK);
      return (await ssimulacra2(blackReference, view(candidate, BLACK))) - margin;
    },
  };
}

/**
 * The mosaic of `tiles` composited on a background, without compositing the whole image first:
 * the tiles are copied into a strip, the strip composited, then laid out by the shared mosaic().
 * Keeps a large candidate's cost at its decode (no full-size RGB copy per evaluation).
 */
function tilesOnBackground(image: Rgba8, tiles: readonly Rect[], level: number): RgbImage {
  const strip = new Uint8Array(tiles.length * TILE * TILE * 4);
  tiles.forEach((rect, index) => {
    for (let y = 0; y < TILE; y++) {
      const from = ((rect.top + y) * image.width + rect.left) * 4;
      strip.set(image.data.subarray(from, from + TILE * 4), (index * TILE + y) * TILE * 4);
    }
  });
  const composited = onBackground({ data: strip, width: TILE, height: tiles.length * TILE }, level);
  const stacked = tiles.map((_, index) => ({ left: 0, top: index * TILE, width: TILE, height: TILE }));
  return mosaic(composited, stacked);
}

/**
 * The `count` grid cells where `probe` differs most from `original`: squared error of
 * alpha-weighted colour plus alpha, on every other pixel (the ranking needs no more).
 */
function worstTiles(original: Rgba8, probe: Rgba8, count: number): Rect[] {
  const cells: { rect: Rect; error: number }[] = [];
  const { width } = original;
  const a = original.data;
  const b = probe.data;
  for (let top = 0; top + TILE <= original.height; top += TILE) {
    for (let left = 0; left + TILE <= width; left += TILE) {
      let error = 0;
      for (let y = top; y < top + TILE; y += 2) {
        for (let x = left; x < left + TILE; x += 2) {
          const i = (y * width + x) * 4;
          const alphaA = a[i + 3]!;
          const alphaB = b[i + 3]!;
          for (let c = 0; c < 3; c++) {
            const diff = (a[i + c]! * alphaA - b[i + c]! * alphaB) / 255;
            error += diff * diff;
          }
          error += (alphaA - alphaB) * (alphaA - alphaB);
        }
      }
      cells.push({ rect: { left, top, width: TILE, height: TILE }, error });
    }
  }
  cells.sort((p, q) => q.error - p.error);
  return cells.slice(0, count).map((cell) => cell.rect);
}

/** Whether any pixel of `rect` is not fully transparent (an invisible tile only pads the score). */
function isVisible(image: Rgba8, rect: Rect): boolean {
  for (let y = rect.top; y < rect.top + rect.height; y++) {
    for (let x = rect.left; x < rect.left + rect.width; x++) {
      if (image.data[(y * image.width + x) * 4 + 3] !== 0) return true;
    }
  }
  return false;
}
