import { isSquishError } from '../errors/index.js';

/**
 * Whether a failed job is worth another attempt. A refusal of the input (a 4xx code: corrupt,
 * too large, unsupported, a URL that is not allowed) fails the same way every time, so it ends
 * the job at once; crashes, timeouts of the infrastructure and unknown errors are retried.
 */
export function isRetryable(error: unknown): boolean {
  if (isSquishError(error)) return error.status >= 500;
  return true;
}

/** Delay before attempt `attempt + 1`: exponential from `baseMs`, with full jitter in its upper half. */
export function backoffDelay(attempt: number, baseMs: number): number {
  const ceiling = baseMs * 2 ** Math.max(0, attempt - 1);
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2));
}
