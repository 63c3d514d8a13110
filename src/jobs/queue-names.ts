/**
 * The queues of the platform and the ids of their jobs, in one place: the api enqueues into them,
 * the worker and the webhook deliverer consume them, and a job id must be the same everywhere
 * for enqueueing to stay idempotent.
 */
import type { QueueBackend } from './queue-backend.js';

/** Optimization jobs; data `{ jobId }`, the job's id is the JobRecord id. */
export const OPTIMIZE_QUEUE = 'optimize';

/**
 * Webhook delivery attempts. The delivery record (data layer) is the truth; a job of this queue
 * only wakes a delivery for one attempt: data `{ jobId }` for the first attempt (enqueued by
 * whoever stored the job's outcome) or `DeliveryWake` for the later ones.
 */
export const WEBHOOKS_QUEUE = 'webhooks';

/** Wakes a delivery for one attempt. */
export interface DeliveryWake {
  deliveryId: string;
  /** The attempt this wake is for (1-based); a wake for an attempt already made does nothing. */
  attempt: number;
  /** How often this attempt was put back because its host was busy (spaces the next put-back). */
  putBacks?: number;
}

/** The payload of an optimize or webhooks job. */
export interface JobRef {
  jobId: string;
}

/** The queue id of a job's callback delivery (one per job, however often the job is retried). */
export function callbackJobId(jobId: string): string {
  return `cb-${jobId}`;
}

/**
 * Queue-level attempts of a wake job. They cover only crashes and an unreachable database (a
 * handler that throws); a receiver's failures are retried by the delivery's own schedule, each
 * attempt as a new delayed wake job.
 */
const WAKE_ATTEMPTS = 5;

/**
 * The queue id of the wake of one delivery attempt: unique per attempt, and made only of letters,
 * digits, `-` and `_` (BullMQ refuses `:` in custom ids). `tag` makes another wake for the same
 * attempt (a put-back, a redelivery, the janitor's rescue) when the first id may still be held.
 */
export function deliveryAttemptJobId(deliveryId: string, attempt: number, tag?: string): string {
  if (tag !== undefined && !/^[A-Za-z0-9_-]+$/.test(tag)) throw new TypeError(`Bad wake tag ${tag}`);
  return `wh-${deliveryId}-${attempt}${tag === undefined ? '' : `-${tag}`}`;
}

/**
 * Wakes a job's callback delivery for its first attempt, once per job (idempotent by id). Call it
 * after the job's outcome is stored: storing it created the delivery record.
 */
export async function enqueueCallback(queue: QueueBackend, jobId: string): Promise<void> {
  const data: JobRef = { jobId };
  await queue.enqueue(WEBHOOKS_QUEUE, callbackJobId(jobId), data, { attempts: WAKE_ATTEMPTS });
}

/** Wakes a delivery for one attempt after `delayMs` (idempotent by id, see deliveryAttemptJobId). */
export async function enqueueDeliveryAttempt(
  queue: QueueBackend,
  wake: DeliveryWake,
  options: { delayMs?: number; tag?: string } = {},
): Promise<void> {
  await queue.enqueue(
    WEBHOOKS_QUEUE,
    deliveryAttemptJobId(wake.deliveryId, wake.attempt, options.tag),
    wake,
    {
      attempts: WAKE_ATTEMPTS,
      delayMs: Math.max(0, Math.round(options.delayMs ?? 0)),
    },
  );
}
