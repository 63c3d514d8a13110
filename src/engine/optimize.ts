/**
 * The engine's one entry point: bytes and a plan in, bytes and a report out. Pure: no HTTP, no
 * queue, no database. Runs in the caller's process; EnginePool runs it in isolated children.
 */
import { SquishError } from '../errors/index.js';
import type { OptimizePlan } from '../plan/index.js';
import { toSquishError } from './codec-errors.js';
import { optimizerFor } from './codecs/registry.js';
import { detectFormat } from './detect.js';
import { DEFAULT_LIMITS, type EngineLimits } from './limits.js';
import { checkDeclaredLimits, readImageInfo } from './probe.js';
import type { Candidate, EngineResult, ImageInfo } from './types.js';

/**
 * Optimizes one image. Never returns something larger than the input unless the input itself
 * was unsafe to return (an SVG with script); returns the original bytes, with 0 saved, when no
 * candidate is smaller.
 * @throws SquishError with a stable code for every refusal.
 */
export async function optimize(
  input: Uint8Array,
  plan: OptimizePlan,
  limits: EngineLimits = DEFAULT_LIMITS,
): Promise<EngineResult> {
  const started = performance.now();
  if (input.length > limits.maxInputBytes) {
    throw new SquishError(
      'INPUT_TOO_LARGE',
      `The input is ${input.length} bytes; the limit is ${limits.maxInputBytes} bytes.`,
    );
  }
  const format = input.length === 0 ? undefined : await detectFormat(input);
  if (!format) throw new SquishError('UNSUPPORTED_FORMAT');
  const info = await readImageInfo(input, format);
  checkDeclaredLimits(info, limits);

  const optimizer = optimizerFor(format);
  const ctx = { info, plan, limits, deadline: Date.now() + limits.timeoutMs };
  let candidate: Candidate;
  try {
    candidate = plan.lossy ? await optimizer.lossy(input, ctx) : await optimizer.lossless(input, ctx);
  } catch (error) {
    throw toSquishError(error, format);
  }
  return toResult(input, info, candidate, performance.now() - started);
}

function toResult(input: Uint8Array, info: ImageInfo, candidate: Candidate, ms: number): EngineResult {
  const keepOriginal = candidate.data.length >= input.length && !candidate.unsafeInput;
  const data = keepOriginal ? input : candidate.data;
  return {
    inputFormat: info.format,
    format: info.format,
    data,
    originalSize: input.length,
    optimizedSize: data.length,
    savedBytes: input.length - data.length,
    width: candidate.width ?? info.width,
    height: candidate.height ?? info.height,
    frames: candidate.frames ?? info.frames,
    lossless: keepOriginal || candidate.lossless,
    method: keepOriginal ? 'original' : candidate.method,
    quality: keepOriginal ? undefined : candidate.quality,
    score: keepOriginal ? undefined : candidate.score,
    notes: [
      ...(candidate.notes ?? []),
      ...(keepOriginal ? ['no smaller encoding found; original kept'] : []),
    ],
    ms: Math.round(ms),
  };
}
