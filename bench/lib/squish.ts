/**
 * Squish as a benchmark tool: every job goes through one EnginePool of size 1, so jobs run one
 * at a time in the engine's own child process, exactly as the worker role runs them.
 */
import type { EnginePool } from '../../src/engine/index.js';
import { parsePlan } from '../../src/plan/index.js';
import type { BenchCategory, BenchTool, ToolOutput } from './types.js';

/**
 * Opens the engine pool with one child process. The engine is imported lazily so that a broken
 * engine build turns into "Squish unavailable" rows instead of stopping the reference runs.
 */
export async function openEnginePool(): Promise<EnginePool> {
  const engine = await import('../../src/engine/index.js');
  return new engine.EnginePool({ size: 1 });
}

/** Squish lossless and Squish lossy (default target) for one category. */
export function squishTools(category: BenchCategory, pool: EnginePool | string): BenchTool[] {
  const make = (lossy: boolean): BenchTool => ({
    id: lossy ? 'squish-lossy' : 'squish-lossless',
    label: lossy ? 'Squish lossy (default target)' : 'Squish lossless',
    category,
    lossy,
    squish: true,
    ...(typeof pool === 'string' ? { unavailable: pool } : {}),
    run: async (input): Promise<ToolOutput> => {
      if (typeof pool === 'string') throw new Error(pool);
      const result = await pool.run(input, parsePlan({ lossy }));
      const method = result.quality === undefined ? result.method : `${result.method} q${result.quality}`;
      return {
        data: result.data,
        method,
        ...(result.peakRssBytes === undefined ? {} : { peakRssBytes: result.peakRssBytes }),
        ...(result.score === undefined ? {} : { engineScore: result.score }),
        ...(result.notes.length > 0 ? { note: result.notes.join('; ') } : {}),
      };
    },
  });
  return [make(false), make(true)];
}
