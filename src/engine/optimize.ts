/**
 * The engine's one entry point: bytes and a plan in, bytes and a report out. Pure: no HTTP, no
 * queue, no database. Runs in the caller's process; EnginePool runs it in isolated children.
 */
import { SquishError } from '../errors/index.js';
import type { OptimizePlan } from '../plan/index.js';
import { detectFormat } from './detect.js';
import { DEFAULT_LIMITS, type EngineLimits } from './limits.js';
import { needsPipeline, optimizeBytes, runPipeline } from './pipeline/output/index.js';
import { checkDeclaredLimits, readImageInfo } from './probe.js';
import type { Candidate, EngineResult, ImageFormat, ImageInfo } from './types.js';

/**
 * Optimizes one image.
 *
 * Without a transform, a conversion, an auto-orient that turns the pixels or an image set, the
 * format's optimizer works on the input bytes, and the result is never larger than the input
 * (the original comes back, with 0 saved, when no candidate is smaller) unless the input itself
 * was unsafe to return (an SVG with script).
 *
 * Otherwise the pipeline decodes once and derives every output (src/engine/pipeline/output).
 * An asked-for transform or conversion is delivered even when it comes out larger than the input;
 * only outputs whose pixels and format are the input's keep the never-larger rule. For an image
 * set, `outputs` lists every output and the result's own fields describe the first.
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
  const deadline = Date.now() + limits.timeoutMs;

  if (!needsPipeline(plan, info)) {
    const candidate = await optimizeBytes(input, info, plan, limits, deadline);
    return toResult(input, info, { format, candidate, neverLarger: true }, performance.now() - started);
  }
  const { outputs, info: shown } = await runPipeline(input, info, plan, limits, deadline);
  const ms = performance.now() - started;
  const results = outputs.map((output) => toResult(input, shown, output, ms));
  const first = results[0]!;
  if (!plan.outputs) return first;
  return {
    ...first,
    outputs: results.map((result, index) => ({ ...result, id: outputs[index]!.id! })),
  };
}

function toResult(
  input: Uint8Array,
  info: ImageInfo,
  output: { format: ImageFormat; candidate: Candidate; neverLarger: boolean },
  ms: number,
): EngineResult {
  const { candidate } = output;
  const keepOriginal = output.neverLarger && candidate.data.length >= input.length && !candidate.unsafeInput;
  const data = keepOriginal ? input : candidate.data;
  return {
    inputFormat: info.format,
    format: keepOriginal ? info.format : output.format,
    data,
    originalSize: input.length,
    optimizedSize: data.length,
    savedBytes: input.length - data.length,
    // A byte-path candidate shows the input's picture, so its size (SVG: rendered) holds for the original too.
    width: candidate.width ?? info.width,
    height: candidate.height ?? info.height,
    originalWidth: output.neverLarger ? (candidate.width ?? info.width) : info.width,
    originalHeight: output.neverLarger ? (candidate.height ?? info.height) : info.height,
    frames: keepOriginal ? info.frames : (candidate.frames ?? info.frames),
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
