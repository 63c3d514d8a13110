/**
 * How close a palette version looks to the original: SSIMULACRA2 on representative tiles.
 *
 * The metric sees colour only. The search scores candidates composited on white (as the
 * benchmark and most pages show them); a translucent image's chosen candidate is then also
 * checked on black, where an alpha error hidden on white (light pixels made more or less opaque)
 * shows. Checking black once at the end instead of at every step halves the metric's cost.
 */
import { ssimulacra2 } from '../../metric/ssimulacra2.js';
import { mosaic, pickTiles, type Rect } from '../../search/sample.js';
import { hasTranslucency, onBackground, type Rgba8 } from './pixels.js';

/**
 * Points subtracted from a score measured on tiles rather than the whole image. Palette errors
 * (banding in wide gradients) show at SSIMULACRA2's coarse scales, which 128-px tiles barely
 * have, so tiles score high: by 0.4 to 8 points on the corpus (median ~5) at equal settings.
 */
export const TILE_SCORE_MARGIN = 5;

/** Tiles of 128 px measured per candidate (98 kpx): the metric dominates the search's cost. */
const TILE_COUNT = 6;
const WHITE = 255;
const BLACK = 0;

export interface PaletteScorer {
  /** Estimated whole-image SSIMULACRA2 of `candidate` on white. */
  onWhite(candidate: Rgba8): Promise<number>;
  /** The same on black; undefined for an opaque image (the background never shows). */
  onBlack(candidate: Rgba8): Promise<number | undefined>;
}

/**
 * Up to TILE_COUNT of `tiles`, evenly spread over their order, skipping tiles with no visible
 * pixel: a fully transparent tile matches in every candidate and would only pad the score.
 */
function visibleTiles(original: Rgba8, tiles: Rect[]): Rect[] {
  const visible = tiles.filter((rect) => {
    for (let y = rect.top; y < rect.top + rect.height; y++) {
      for (let x = rect.left; x < rect.left + rect.width; x++) {
        if (original.data[(y * original.width + x) * 4 + 3] !== 0) return true;
      }
    }
    return false;
  });
  if (visible.length <= TILE_COUNT) return visible.length > 0 ? visible : tiles.slice(0, 1);
  return Array.from(
    { length: TILE_COUNT },
    (_, i) => visible[Math.round((i * (visible.length - 1)) / (TILE_COUNT - 1))]!,
  );
}

function isWhole(tiles: Rect[], image: Rgba8): boolean {
  return tiles.length === 1 && tiles[0]!.width === image.width && tiles[0]!.height === image.height;
}

/** A scorer comparing candidates with `original` on the same tiles each time. */
export function paletteScorer(original: Rgba8): PaletteScorer {
  const white = onBackground(original, WHITE);
  const translucent = hasTranslucency(original);
  let tiles = pickTiles(white, { count: TILE_COUNT });
  const whole = isWhole(tiles, original);
  if (!whole && translucent) {
    // Pick from twice as many so that TILE_COUNT remain after the invisible ones are skipped.
    const more = pickTiles(white, { count: TILE_COUNT * 2 });
    tiles = visibleTiles(original, isWhole(more, original) ? tiles : more);
  }
  const margin = whole ? 0 : TILE_SCORE_MARGIN;
  const whiteReference = mosaic(white, tiles);
  let blackReference: ReturnType<typeof mosaic> | undefined;
  return {
    onWhite: async (candidate) =>
      (await ssimulacra2(whiteReference, mosaic(onBackground(candidate, WHITE), tiles))) - margin,
    onBlack: async (candidate) => {
      if (!translucent) return undefined;
      blackReference ??= mosaic(onBackground(original, BLACK), tiles);
      return (await ssimulacra2(blackReference, mosaic(onBackground(candidate, BLACK), tiles))) - margin;
    },
  };
}
