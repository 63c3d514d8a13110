/**
 * The defaults and checks of the options in the QueueBackend contract (queue-backend.ts), in one
 * place so that every backend defaults and refuses alike; the conformance suite holds each to them.
 */
import type { ConsumeOptions, EnqueueOptions } from './queue-backend.js';

const DEFAULT_ATTEMPTS = 3;
const DEFAULT_BACKOFF_MS = 1000;
const DEFAULT_LEASE_MS = 30_000;
const MIN_LEASE_MS = 30;
/** Ended jobs each backend keeps per queue, completed and failed each, unless told otherwise. */
export const DEFAULT_RETENTION = 50_000;
const MAX_NAME_LENGTH = 200;

/** An enqueue's options with their defaults applied. */
export interface EnqueueSettings {
  attempts: number;
  delayMs: number;
  backoffMs: number;
}

/**
 * `options` with the contract's defaults.
 * @throws TypeError naming the option that is out of range
 */
export function enqueueSettings(options: EnqueueOptions): EnqueueSettings {
  const attempts = options.attempts ?? DEFAULT_ATTEMPTS;
  const delayMs = options.delayMs ?? 0;
  const backoffMs = options.backoffMs ?? DEFAULT_BACKOFF_MS;
  if (!Number.isInteger(attempts) || attempts < 1) throw new TypeError('attempts must be an integer ≥ 1');
  if (!(delayMs >= 0) || !Number.isFinite(delayMs)) throw new TypeError('delayMs must be a number ≥ 0');
  if (!(backoffMs >= 0) || !Number.isFinite(backoffMs)) throw new TypeError('backoffMs must be a number ≥ 0');
  return { attempts, delayMs, backoffMs };
}

/**
 * A consumer's options with the contract's defaults.
 * @throws TypeError naming the option that is out of range
 */
export function consumeSettings(options: ConsumeOptions): Required<ConsumeOptions> {
  const { concurrency } = options;
  const leaseMs = options.leaseMs ?? DEFAULT_LEASE_MS;
  if (!Number.isInteger(concurrency) || concurrency < 1) {
    throw new TypeError('concurrency must be an integer ≥ 1');
  }
  if (!Number.isInteger(leaseMs) || leaseMs < MIN_LEASE_MS) {
    throw new TypeError(`leaseMs must be an integer ≥ ${MIN_LEASE_MS}`);
  }
  return { concurrency, leaseMs };
}

/**
 * A queue name or job id: a non-empty string of at most 200 characters.
 * @throws TypeError naming `what`
 */
export function assertName(what: 'queue' | 'id', value: string): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_NAME_LENGTH) {
    throw new TypeError(`${what} must be a non-empty string of at most ${MAX_NAME_LENGTH} characters`);
  }
}
