/** Shared helpers of the pipeline-output tests: fixtures, plans, whole-image scores. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import sharp, { type Sharp } from 'sharp';
import { decodeToRgb, type RgbImage, ssimulacra2 } from '../../../src/engine/metric/ssimulacra2.js';
import { optimize } from '../../../src/engine/optimize.js';
import type { EngineResult } from '../../../src/engine/types.js';
import { type PlanInput, parsePlan } from '../../../src/plan/index.js';

const FIXTURES = fileURLToPath(new URL('../../fixtures/pipeline-output/', import.meta.url));

/** A fixture's bytes. */
export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(FIXTURES + name));
}

/** optimize() with a plan validated like every caller's. */
export function run(input: Uint8Array, plan: PlanInput): Promise<EngineResult> {
  return optimize(input, parsePlan(plan));
}

/** Packed RGB of anything sharp can read, after an optional sharp step (flatten, resize...). */
export async function rgbOf(bytes: Uint8Array, step?: (s: Sharp) => Sharp): Promise<RgbImage> {
  const pipeline = step ? step(sharp(bytes)) : sharp(bytes);
  const { data, info } = await pipeline.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    width: info.width,
    height: info.height,
  };
}

/** Whole-image SSIMULACRA2 of an encoded output against reference pixels. */
export async function scoreAgainst(reference: RgbImage, encoded: Uint8Array): Promise<number> {
  return ssimulacra2(reference, await decodeToRgb(encoded));
}
