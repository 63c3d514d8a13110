/**
 * sharp throws plain Errors with libvips' message. Squish reports typed errors instead: a failure to
 * read the input is the image's fault (CORRUPT_IMAGE), a failure to write is ours (CODEC_FAILED).
 */
import { isSquishError, SquishError } from '../../../errors/index.js';

/** Runs a decoding step; libvips errors become CORRUPT_IMAGE (the detail stays in `cause`). */
export async function decoding<T>(what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (isSquishError(error)) throw error;
    throw new SquishError('CORRUPT_IMAGE', undefined, { cause: withContext(what, error) });
  }
}

/** Runs an encoding step; libvips errors become CODEC_FAILED. */
export async function encoding<T>(what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (isSquishError(error)) throw error;
    throw new SquishError('CODEC_FAILED', `${what} failed`, { cause: withContext(what, error) });
  }
}

function withContext(what: string, error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  return new Error(`${what}: ${message}`, { cause: error });
}
