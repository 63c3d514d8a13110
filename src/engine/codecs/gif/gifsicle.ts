/**
 * Runs Debian's gifsicle on stdin/stdout. gifsicle does the GIF optimization work (frame
 * cropping, transparency tricks, LZW-aware --lossy) far better than any npm package here;
 * notes/codecs.md §4 explains why its WASM builds are not usable in Node.
 */
import { SquishError } from '../../../errors/index.js';
import { findTool, remainingMs, runTool } from '../../tools/run-tool.js';

export const GIFSICLE = 'gifsicle';

/** Whether gifsicle is installed (squish doctor reports it when not). */
export function hasGifsicle(): boolean {
  return findTool(GIFSICLE) !== undefined;
}

/**
 * Output of `gifsicle <args>` on `input`, or undefined when gifsicle reported an error or wrote
 * nothing (its output is validated by the caller anyway).
 * @throws SquishError PROCESSING_TIMEOUT when the deadline passes.
 */
export async function runGifsicle(
  input: Uint8Array,
  args: readonly string[],
  deadline: number,
): Promise<Uint8Array | undefined> {
  if (Date.now() > deadline) throw new SquishError('PROCESSING_TIMEOUT');
  const result = await runTool(GIFSICLE, ['--no-warnings', ...args], {
    input,
    timeoutMs: remainingMs(deadline),
    // Unoptimizing can inflate a GIF several times over; far beyond that is a runaway.
    maxOutputBytes: Math.max(16 * 1024 * 1024, input.length * 8),
  });
  if (result.exitCode !== 0 || result.stdout.length === 0) return undefined;
  return new Uint8Array(result.stdout.buffer, result.stdout.byteOffset, result.stdout.length);
}
