/**
 * Shared setup of the PNG codec tests: a codec context and fixture loading.
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_LIMITS } from '../../../src/engine/limits.js';
import type { CodecContext } from '../../../src/engine/types.js';
import { type OptimizePlan, parsePlan } from '../../../src/plan/index.js';

/** A context as the orchestrator builds it, with a generous deadline. */
export function pngContext(plan: Partial<OptimizePlan> = {}): CodecContext {
  return {
    info: { format: 'png', width: 0, height: 0, frames: 1, hasAlpha: true, space: 'srgb', hasIcc: false },
    plan: parsePlan(plan),
    limits: DEFAULT_LIMITS,
    deadline: Date.now() + 120_000,
  };
}

/** Bytes of a file in test/fixtures/png. */
export function fixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`../../fixtures/png/${name}`, import.meta.url)));
}
