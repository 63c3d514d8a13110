/**
 * Shared setup of the SVG codec tests: a codec context, a sanitize-only run, and an independent
 * render comparison (sharp/librsvg at a fixed size, then SSIMULACRA2).
 */
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import { svgOptimizer } from '../../../src/engine/codecs/svg/index.js';
import { runSvgo } from '../../../src/engine/codecs/svg/run-svgo.js';
import {
  createSanitizePlugin,
  emptySanitizeReport,
  type SanitizeReport,
} from '../../../src/engine/codecs/svg/sanitize.js';
import { DEFAULT_LIMITS } from '../../../src/engine/limits.js';
import { decodeToRgb, ssimulacra2 } from '../../../src/engine/metric/ssimulacra2.js';
import type { Candidate, CodecContext } from '../../../src/engine/types.js';
import { type OptimizePlan, parsePlan } from '../../../src/plan/index.js';

const fixtures = new URL('../../fixtures/svg/', import.meta.url);

/** Bytes of a fixture in test/fixtures/svg. */
export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(name, fixtures)));
}

/** A codec context for `plan` with a generous deadline. */
export function context(plan: Partial<OptimizePlan> = {}): CodecContext {
  return {
    info: { format: 'svg', width: 0, height: 0, frames: 1, hasAlpha: true, space: 'srgb', hasIcc: false },
    plan: parsePlan(plan),
    limits: DEFAULT_LIMITS,
    deadline: Date.now() + 60_000,
  };
}

/** Runs only the sanitizer plugin (the real svgo parse) on `text`. */
export function sanitizeOnly(text: string): { output: string; report: SanitizeReport } {
  const report = emptySanitizeReport();
  const output = runSvgo(text, { plugins: [createSanitizePlugin(report)] });
  return { output, report };
}

/** UTF-8 bytes of a string. */
export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

/**
 * SSIMULACRA2 of `candidate` rendered against `reference` rendered, both at the density that makes
 * the reference's longest side `side` pixels. Throws when the render sizes differ.
 */
export async function renderScore(reference: Uint8Array, candidate: Uint8Array, side = 384): Promise<number> {
  const { width, height } = await sharp(reference).metadata();
  const density = (72 * side) / Math.max(width ?? side, height ?? side);
  const [a, b] = await Promise.all([
    decodeToRgb(reference, { density }),
    decodeToRgb(candidate, { density }),
  ]);
  return ssimulacra2(a, b);
}

/** The lossless and the lossy (default target) result of `input`, `plan` added to both. */
export async function bothModes(
  input: Uint8Array,
  plan: Partial<OptimizePlan> = {},
): Promise<[Candidate, Candidate]> {
  return [
    await svgOptimizer.lossless(input, context(plan)),
    await svgOptimizer.lossy(input, context({ ...plan, lossy: true })),
  ];
}
