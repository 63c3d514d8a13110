import type { Logger } from 'pino';
import type { SquishDatabase } from '../db/index.js';
import type { QueueBackend } from '../jobs/index.js';
import { enqueueDeliveryAttempt } from '../jobs/queue-names.js';

/**
 * How long past its due time a pending delivery is taken for lost. Longer than an attempt can
 * run (SQUISH_WEBHOOK_TIMEOUT is at most 300 s) plus a queue lease, so that a delivery whose
 * attempt is in flight, or whose wake waits in a short backlog, is not woken twice.
 */
export const DELIVERY_OVERDUE_MS = 10 * 60_000;

/** Deliveries woken per run at most; the rest wait for the next run. */
const BATCH = 200;

/**
 * Wakes pending deliveries that are long overdue: their queue job was lost (a process died
 * between storing a job's outcome and enqueueing its callback, a queue was flushed, a wake
 * failed on every queue-level attempt). The wake is tagged with the overdue period, so that runs
 * in the same period add it once, and a later period adds a fresh one even if the queue still
 * holds the earlier (ended) wake. A wake for an attempt already made does nothing, so waking a
 * delivery that was not lost after all costs one query. Returns how many were woken.
 */
export async function wakeOverdueDeliveries(
  db: SquishDatabase,
  queue: QueueBackend,
  now: Date,
  log: Logger,
  overdueMs = DELIVERY_OVERDUE_MS,
): Promise<number> {
  const overdue = await db.deliveries.overdue(new Date(now.getTime() - overdueMs), BATCH);
  const period = Math.floor(now.getTime() / overdueMs).toString(36);
  for (const delivery of overdue) {
    await enqueueDeliveryAttempt(
      queue,
      { deliveryId: delivery.id, attempt: delivery.attempts + 1 },
      { tag: `j${period}` },
    );
    log.warn(
      { deliveryId: delivery.id, jobId: delivery.jobId, dueAt: delivery.nextAttemptAt },
      'janitor: woke a webhook delivery whose queue job was lost',
    );
  }
  return overdue.length;
}
