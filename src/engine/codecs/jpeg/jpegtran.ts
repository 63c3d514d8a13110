/**
 * Runs Debian's jpegtran (libjpeg-turbo) on stdin/stdout: lossless re-coding of the DCT
 * coefficients, so every decoded pixel stays the same while the entropy coding gets smaller.
 */
import { SquishError } from '../../../errors/index.js';
import { findTool, remainingMs, runTool } from '../../tools/run-tool.js';

export const JPEGTRAN = 'jpegtran';

/** Whether jpegtran is installed (squish doctor reports it when not). */
export function hasJpegtran(): boolean {
  return findTool(JPEGTRAN) !== undefined;
}

/**
 * `jpegtran -copy none <args>` on `input`.
 * @throws SquishError CORRUPT_IMAGE when jpegtran warns (exit 2: libjpeg recovered from corrupt or
 *   truncated data by inventing coefficients, so its output would be a damaged image) or fails to
 *   read the input (exit 1); UNSUPPORTED_FORMAT for JPEG processes libjpeg-turbo does not
 *   implement; MEMORY_LIMIT; PROCESSING_TIMEOUT when the deadline passes.
 */
export async function runJpegtran(
  input: Uint8Array,
  args: readonly string[],
  deadline: number,
): Promise<Uint8Array> {
  if (Date.now() > deadline) throw new SquishError('PROCESSING_TIMEOUT');
  const result = await runTool(JPEGTRAN, ['-copy', 'none', ...args], {
    input,
    timeoutMs: remainingMs(deadline),
    // Re-coding changes the size by a few percent; far beyond that is a runaway.
    maxOutputBytes: input.length * 2 + 1024 * 1024,
  });
  const message = result.stderr.trim().split('\n')[0] ?? '';
  if (result.exitCode !== 0) {
    if (/insufficient memory/i.test(message)) {
      throw new SquishError('MEMORY_LIMIT', undefined, { cause: new Error(`jpegtran: ${message}`) });
    }
    // 12-bit samples, lossless (SOF3) and hierarchical JPEGs: valid files libjpeg-turbo 2.1 cannot read.
    if (/unsupported jpeg process|unsupported jpeg data precision/i.test(message)) {
      throw new SquishError('UNSUPPORTED_FORMAT', `This kind of JPEG is not supported (${message}).`);
    }
    throw new SquishError(
      'CORRUPT_IMAGE',
      `The JPEG data is corrupt or truncated${message ? ` (${message})` : ''}.`,
      { cause: new Error(`jpegtran exited with ${result.exitCode}: ${result.stderr}`) },
    );
  }
  const out = result.stdout;
  if (out.length < 4 || out[0] !== 0xff || out[1] !== 0xd8 || out.at(-2) !== 0xff || out.at(-1) !== 0xd9) {
    throw new SquishError('CODEC_FAILED', 'jpegtran wrote an incomplete JPEG.');
  }
  return new Uint8Array(out.buffer, out.byteOffset, out.length);
}
