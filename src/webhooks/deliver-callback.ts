import type { Logger } from 'pino';
import type { CompatResponder } from '../compat/responder.js';
import type { SquishDatabase } from '../db/index.js';
import { isSquishError, SquishError } from '../errors/index.js';
import type { JobRef, QueueJob } from '../jobs/index.js';
import { type OutboundPolicy, postJson } from '../net/index.js';

/** What one delivery needs. */
export interface CallbackDeliveryDeps {
  db: SquishDatabase;
  /** The guarded client's policy for callback URLs. */
  policy: OutboundPolicy;
  /** One per compat API, found by `job.compat.api`. */
  responders: readonly CompatResponder[];
  /** Builds a result's public download URL (under SQUISH_PUBLIC_URL). */
  downloadUrl: (token: string, fileName: string) => string;
  log: Logger;
}

/** The result of a webhooks queue job. */
export type DeliveryResult =
  | { status: 'delivered'; httpStatus: number; attempt: number }
  | { status: 'skipped'; reason: string };

/**
 * A delivery that failed in a way another attempt may fix (the receiver was down, answered an
 * error status, timed out). Not a SquishError, so the queue retries it with backoff while
 * attempts remain (`isRetryable`); FETCH_FAILED, which is final for an image URL, is wrapped in it.
 */
export class RetryableDeliveryError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RetryableDeliveryError';
  }
}

/**
 * Delivers one job's result to its callback URL: loads the job, builds the body with the
 * responder of the compat API that accepted it, and POSTs it through the guarded client.
 *
 * - 2xx: delivered.
 * - any other status, a network error or a timeout: throws RetryableDeliveryError (retried).
 * - a callback URL the guard refuses (URL_NOT_ALLOWED), a job that no longer exists or a compat
 *   API without a responder: throws a 4xx SquishError, which ends the delivery at once.
 * - a job whose result is to be waited for, not called back: nothing to deliver.
 *
 * This is the simple first delivery: unsigned and tracked only by the queue.
 */
export async function deliverCallback(
  deps: CallbackDeliveryDeps,
  job: QueueJob<JobRef>,
): Promise<DeliveryResult> {
  const { jobId } = job.data;
  const log = deps.log.child({ jobId, attempt: job.attempt, maxAttempts: job.maxAttempts });
  const record = await deps.db.jobs.get(jobId);
  if (!record) {
    log.warn('callback not delivered: the job no longer exists');
    throw new SquishError('NOT_FOUND', `Job ${jobId} no longer exists; its callback cannot be delivered.`);
  }
  if (record.delivery.mode !== 'callback') {
    return { status: 'skipped', reason: 'the job has no callback URL' };
  }
  if (record.status !== 'done' && record.status !== 'failed') {
    // Enqueued before the job's outcome was stored (a worker retried after a crash): try later.
    throw new RetryableDeliveryError(`Job ${jobId} has not finished yet (${record.status}).`);
  }
  const responder = deps.responders.find((candidate) => candidate.api === record.compat.api);
  if (!responder) {
    log.error({ api: record.compat.api }, 'callback not delivered: no responder for this compat API');
    throw new SquishError('NOT_FOUND', `No callback responder for the ${record.compat.api} API.`);
  }
  const url = record.delivery.url;
  const body = responder.callbackBody(record, deps.downloadUrl);
  let answer: { status: number };
  try {
    answer = await postJson(url, body, deps.policy);
  } catch (error) {
    if (isSquishError(error) && error.code === 'URL_NOT_ALLOWED') {
      log.warn({ err: error }, 'callback refused: the callback URL is not allowed');
      throw error;
    }
    logFailure(log, job, { err: error }, 'callback could not be sent');
    throw new RetryableDeliveryError(
      `The callback to ${hostOf(url)} could not be sent: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  if (answer.status < 200 || answer.status > 299) {
    logFailure(log, job, { httpStatus: answer.status }, 'callback receiver answered an error status');
    throw new RetryableDeliveryError(
      `The callback receiver at ${hostOf(url)} answered HTTP ${answer.status}.`,
    );
  }
  log.info({ httpStatus: answer.status }, 'callback delivered');
  return { status: 'delivered', httpStatus: answer.status, attempt: job.attempt };
}

/** Logs a failed attempt: a warning while the queue will retry, an error when it gives up. */
function logFailure(log: Logger, job: QueueJob<JobRef>, fields: object, message: string): void {
  if (job.attempt >= job.maxAttempts) log.error(fields, `${message}; no attempts left, giving up`);
  else log.warn(fields, `${message}; will retry`);
}

/** The host only: callback URLs may carry the receiver's secrets in their path or query. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the callback URL';
  }
}
