/**
 * How close a palette version looks to the original: SSIMULACRA2 on representative tiles.
 *
 * The metric sees colour only, so a translucent image is judged on both a white and a black
 * background and the worse score counts: an alpha error that hides on white (light pixels made
 * more or less opaque) shows on black, and the other way round.
 */
import { ssimulacra2 } from '../../metric/ssimulacra2.js';
import { mosaic, pickTiles, type Rect } from '../../search/sample.js';
import { hasTranslucency, onBackground, type Rgba8 } from './pixels.js';

const WHITE = 255;
const BLACK = 0;

/**
 * Points subtracted from a score measured on tiles rather than the whole image. Palette errors
 * (banding in wide gradients) show at SSIMULACRA2's coarse scales, which 128-px tiles barely
 * have, so tiles score high: by 0.4 to 8 points on the corpus (median ~5) at equal settings.
 */
export const TILE_SCORE_MARGIN = 5;

export type PaletteScorer = (candidate: Rgba8) => Promise<number>;

/**
 * A scorer comparing candidates with `original` on the same tiles each time; its scores estimate
 * the whole image's (tiled scores are lowered by TILE_SCORE_MARGIN).
 */
export function paletteScorer(original: Rgba8): PaletteScorer {
  const backgrounds = hasTranslucency(original) ? [WHITE, BLACK] : [WHITE];
  // Tiles are chosen once, on the white composite, so every candidate is measured at the same places.
  const tiles: Rect[] = pickTiles(onBackground(original, WHITE));
  const whole =
    tiles.length === 1 && tiles[0]!.width === original.width && tiles[0]!.height === original.height;
  const margin = whole ? 0 : TILE_SCORE_MARGIN;
  const references = backgrounds.map((level) => mosaic(onBackground(original, level), tiles));
  return async (candidate) => {
    let worst = Number.POSITIVE_INFINITY;
    for (const [index, level] of backgrounds.entries()) {
      const score = await ssimulacra2(references[index]!, mosaic(onBackground(candidate, level), tiles));
      worst = Math.min(worst, score);
    }
    return worst - margin;
  };
}
