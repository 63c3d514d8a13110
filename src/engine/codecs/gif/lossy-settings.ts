/**
 * What one lossy GIF quality (1 to 100, 100 = lossless) means: how far a pixel may drift from
 * the original in an animation before it is redrawn (hold-pixels.ts), and gifsicle's --lossy
 * level. One scale for both, so the perceptual search stays one-dimensional.
 */

export interface LossySettings {
  /** Distance (heldDistanceSquared) within which an animated pixel keeps what is shown (0 = off). */
  holdTolerance: number;
  /** gifsicle --lossy level (0 = off). */
  lossyLevel: number;
}

/**
 * The two ways down the scale. `lossy`: gifsicle --lossy alone, 2 levels a step (quality 0 =
 * --lossy=200, past which gifsicle's output hardly shrinks: −2 % from 160 to 200 on the corpus);
 * the only one for stills. `hold`: pixels held first, --lossy joining in below quality 50. Which
 * one pays depends on the animation: on pil-iss634-anim (noisy, 42 frames) at score ~80 holding
 * gives 93 KB where --lossy alone gives 190 KB, while on a 2-frame animation holding barely
 * shrinks the file and costs as many points; the search measures both (lossy.ts).
 */
export type LossyPath = 'hold' | 'lossy';

/** The settings of a quality (0 to 100) on one path. */
export function settingsFor(quality: number, path: LossyPath): LossySettings {
  const step = 100 - Math.min(100, Math.max(0, quality));
  if (path === 'lossy') return { holdTolerance: 0, lossyLevel: Math.round(step * 2) };
  return {
    holdTolerance: step * HOLD_PER_STEP,
    lossyLevel: Math.max(0, Math.round((step - LOSSY_FROM_STEP) * (200 / (100 - LOSSY_FROM_STEP)))),
  };
}

const HOLD_PER_STEP = 0.4;
const LOSSY_FROM_STEP = 50;

/** The widest colour change any setting allows, squared, in each tool's own distance. */
export interface WidestChange {
  /** gifsicle --lossy=N only puts a colour in place of another within 10 × N of it (rgbDistanceSquared;
   * its error diffusion starts from zero, so a first substitution never reaches further). */
  rgbSquared: number;
  /** Holding only keeps a colour within the tolerance (heldDistanceSquared). */
  heldSquared: number;
}

export function widestChange(): WidestChange {
  const strongest = Math.max(settingsFor(0, 'hold').lossyLevel, settingsFor(0, 'lossy').lossyLevel);
  return { rgbSquared: 10 * strongest, heldSquared: settingsFor(0, 'hold').holdTolerance ** 2 };
}

/** How the settings of a quality are described in a candidate's method. */
export function describeSettings(settings: LossySettings): string {
  const gifsicle = settings.lossyLevel > 0 ? `gifsicle -O3 --lossy=${settings.lossyLevel}` : 'gifsicle -O3';
  if (settings.holdTolerance === 0) return gifsicle;
  return `near pixels held (within ${Math.round(settings.holdTolerance * 10) / 10}) + ${gifsicle}`;
}
