/**
 * Builds the context the orchestrator would hand a codec: header facts read by the engine's own
 * probe, a validated plan and the default limits. Shared by the WebP and AVIF tests.
 */
import { readFileSync } from 'node:fs';
import { DEFAULT_LIMITS } from '../../../src/engine/limits.js';
import { readImageInfo } from '../../../src/engine/probe.js';
import type { CodecContext, ImageFormat } from '../../../src/engine/types.js';
import { type OptimizePlan, parsePlan } from '../../../src/plan/index.js';

export async function contextFor(
  bytes: Uint8Array,
  format: ImageFormat,
  plan: Partial<OptimizePlan> = {},
): Promise<CodecContext> {
  return {
    info: await readImageInfo(bytes, format),
    plan: parsePlan(plan),
    limits: DEFAULT_LIMITS,
    deadline: Date.now() + DEFAULT_LIMITS.timeoutMs,
  };
}

/** A fixture of test/fixtures/<area>/. */
export function fixture(area: 'webp' | 'avif', name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`../../fixtures/${area}/${name}`, import.meta.url)));
}
