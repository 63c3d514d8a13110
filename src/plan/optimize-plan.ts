import { invalidOption } from '../errors/index.js';

/**
 * The default perceptual target of lossy mode, in SSIMULACRA2 points (see README "Lossy mode").
 * 80 is "very high quality": differences are visible only when flipping between the images at 1:1.
 */
export const DEFAULT_LOSSY_TARGET = 80;

export type ChromaSubsampling = '4:2:0' | '4:2:2' | '4:4:4';

/** What the engine keeps of the metadata that changes how an image looks. */
export interface AppearanceMetadata {
  /** Keep the embedded ICC colour profile (default true). */
  icc: boolean;
  /** Keep the EXIF orientation, so the image still displays upright (default true). */
  orientation: boolean;
}

/**
 * One optimization request, as the engine sees it: typed, validated once at the edge, and
 * serializable (it is the job payload between processes and machines).
 */
export interface OptimizePlan {
  /** false: every output pixel equals the input's. true: aim at a perceptual target. */
  lossy: boolean;
  /** 1 to 100: a fixed encoder quality instead of the perceptual search (lossy only). */
  quality?: number;
  /** SSIMULACRA2 score the lossy search aims at (default {@link DEFAULT_LOSSY_TARGET}). */
  target?: number;
  /** JPEG chroma subsampling; chosen per image when absent. */
  chromaSubsampling?: ChromaSubsampling;
  /** Appearance metadata to keep; everything else is stripped. */
  keep: AppearanceMetadata;
}

export const DEFAULT_PLAN: Readonly<OptimizePlan> = Object.freeze({
  lossy: false,
  keep: Object.freeze({ icc: true, orientation: true }),
});

const SUBSAMPLING: readonly ChromaSubsampling[] = ['4:2:0', '4:2:2', '4:4:4'];

/**
 * Validates a plan built from untrusted input and fills its defaults.
 * @throws SquishError INVALID_OPTION naming the first wrong field.
 */
export function parsePlan(input: Partial<OptimizePlan> = {}): OptimizePlan {
  const plan: OptimizePlan = {
    lossy: input.lossy ?? DEFAULT_PLAN.lossy,
    keep: { ...DEFAULT_PLAN.keep, ...input.keep },
  };
  if (typeof plan.lossy !== 'boolean') throw invalidOption('lossy', 'a boolean', input.lossy);
  if (input.quality !== undefined) {
    if (!Number.isInteger(input.quality) || input.quality < 1 || input.quality > 100) {
      throw invalidOption('quality', 'an integer from 1 to 100', input.quality);
    }
    plan.quality = input.quality;
  }
  if (input.target !== undefined) {
    if (typeof input.target !== 'number' || !(input.target >= 30 && input.target <= 100)) {
      throw invalidOption('target', 'a number from 30 to 100', input.target);
    }
    plan.target = input.target;
  }
  if (input.chromaSubsampling !== undefined) {
    if (!SUBSAMPLING.includes(input.chromaSubsampling)) {
      throw invalidOption('chromaSubsampling', `one of ${SUBSAMPLING.join(', ')}`, input.chromaSubsampling);
    }
    plan.chromaSubsampling = input.chromaSubsampling;
  }
  for (const key of ['icc', 'orientation'] as const) {
    if (typeof plan.keep[key] !== 'boolean') throw invalidOption(`keep.${key}`, 'a boolean', plan.keep[key]);
  }
  return plan;
}
