import type { ErrorReport } from '../../errors/index.js';
import type { OptimizePlan } from '../../plan/index.js';
import type { EngineLimits } from '../limits.js';
import type { EngineResult } from '../types.js';

/** Parent → child: one job. */
export interface JobMessage {
  id: number;
  input: Uint8Array;
  plan: OptimizePlan;
  limits: EngineLimits;
}

/** Child → parent: ready once at start, then one reply per job. */
export type ChildMessage =
  | { type: 'ready' }
  | { type: 'done'; id: number; result: EngineResult }
  | { type: 'failed'; id: number; error: ErrorReport };
