/**
 * The queues of the platform and the ids of their jobs, in one place: the api enqueues into them,
 * the worker and the webhook deliverer consume them, and a job id must be the same everywhere
 * for enqueueing to stay idempotent.
 */
import type { QueueBackend } from './queue-backend.js';

/** Optimization jobs; data `{ jobId }`, the job's id is the JobRecord id. */
export const OPTIMIZE_QUEUE = 'optimize';

/** Callback deliveries; data `{ jobId }`. */
export const WEBHOOKS_QUEUE = 'webhooks';

/** The payload of an optimize or webhooks job. */
export interface JobRef {
  jobId: string;
}

/** The queue id of a job's callback delivery (one per job, however often the job is retried). */
export function callbackJobId(jobId: string): string {
  return `cb-${jobId}`;
}

/**
 * Hands a job's callback to the webhook deliverer, once per job (idempotent by id), with five
 * attempts and exponential backoff: a receiver that is down for a minute still gets it.
 */
export async function enqueueCallback(queue: QueueBackend, jobId: string): Promise<void> {
  const data: JobRef = { jobId };
  await queue.enqueue(WEBHOOKS_QUEUE, callbackJobId(jobId), data, { attempts: 5 });
}
