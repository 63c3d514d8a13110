/**
 * The hostile set: each file through Squish lossless and lossy in the same pool, each followed by a
 * small known-good job that shows whether the pool survived.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import type { EnginePool } from '../../src/engine/index.js';
import { ERROR_CODES, type ErrorCode } from '../../src/errors/index.js';
import { parsePlan } from '../../src/plan/index.js';
import type { Progress } from './progress.js';
import type { HostileRow } from './types.js';

/** The bound for one hostile job. */
export const HOSTILE_LIMIT_MS = 5000;

export async function runHostile(
  pool: EnginePool,
  paths: readonly string[],
  progress: Progress,
): Promise<HostileRow[]> {
  const probe = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#3a6' } })
    .png()
    .toBuffer();
  // Start the pool's process before timing anything, as the categories' warm-up does.
  await pool.run(probe, parsePlan({ lossy: false })).catch(() => undefined);
  progress.add(paths.length * 2);
  const rows: HostileRow[] = [];
  for (const path of paths) {
    const input = await readFile(path);
    for (const mode of ['lossless', 'lossy'] as const) {
      const file = basename(path);
      progress.show(`hostile ${mode} ${file}`);
      const started = performance.now();
      const outcome = await pool.run(input, parsePlan({ lossy: mode === 'lossy' })).then(
        async (result) => ({ ...(await judgeResult(result.format, result.data)), code: undefined }),
        (error: unknown) => judgeError(error),
      );
      const ms = performance.now() - started;
      const poolSurvived = await pool.run(probe, parsePlan({ lossy: false })).then(
        () => true,
        () => false,
      );
      rows.push({
        file,
        mode,
        outcome: outcome.outcome,
        ...(outcome.code ? { code: outcome.code } : {}),
        clear: outcome.clear,
        ms,
        under5s: ms < HOSTILE_LIMIT_MS,
        poolSurvived,
      });
      progress.tick(`hostile ${mode} ${file}`);
    }
  }
  return rows;
}

/** A refusal is clear when its code is a client-side one (4xx), not "codec failed" or "internal". */
function judgeError(error: unknown): { outcome: string; code?: string; clear: boolean } {
  const code =
    error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  if (!code) return { outcome: `unexpected error: ${message}`, clear: false };
  const status = code in ERROR_CODES ? ERROR_CODES[code as ErrorCode].status : 500;
  return { outcome: `${code}: ${message}`, code, clear: status < 500 };
}

/**
 * A result is safe when it decodes, and for SVG when it carries no script, event handler,
 * javascript: URL or external reference.
 */
async function judgeResult(format: string, data: Uint8Array): Promise<{ outcome: string; clear: boolean }> {
  if (format === 'svg') {
    const text = Buffer.from(data).toString('utf8');
    const active = [
      [/<script\b/i, 'script'],
      [/\son[a-z]+\s*=/i, 'event handler'],
      [/javascript:/i, 'javascript: URL'],
      [/(?:href|src)\s*=\s*["']\s*(?:https?:|\/\/)/i, 'external reference'],
      [/url\(\s*["']?\s*(?:https?:|\/\/)/i, 'external url()'],
    ] as const;
    const found = active.filter(([pattern]) => pattern.test(text)).map(([, name]) => name);
    if (found.length > 0)
      return { outcome: `UNSAFE result (${found.join(', ')}), ${data.length} bytes`, clear: false };
    return { outcome: `safe result, ${data.length} bytes`, clear: true };
  }
  try {
    await sharp(data).metadata();
    return { outcome: `safe result, ${data.length} bytes`, clear: true };
  } catch (error) {
    return {
      outcome: `result does not decode (${(error as Error).message}), ${data.length} bytes`,
      clear: false,
    };
  }
}
