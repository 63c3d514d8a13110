import type { Logger } from 'pino';
import type { SquishDatabase } from '../db/index.js';
import { enqueueCallback, OPTIMIZE_QUEUE, type QueueBackend } from '../jobs/index.js';

/** Jobs younger than this are left alone: their worker is most likely still on them. */
const SETTLE_AFTER_MS = 60_000;
/** Jobs looked at per run; the rest wait for the next run. */
const BATCH = 200;

/**
 * Records the end of jobs that ended in the queue without a worker recording it: when a
 * worker dies on a job's last attempt, the queue fails the job once its lease runs out, but no
 * handler runs, so the job's row would stay "running" and its callback would never be sent.
 * Here the row gets the queue's error and the callback is handed to the webhooks queue (by the
 * same id the worker uses, so it is sent once). Returns how many jobs were settled.
 */
export async function settleAbandonedJobs(
  db: SquishDatabase,
  queue: QueueBackend,
  now: Date,
  log: Logger,
): Promise<number> {
  const ids = await db.jobs.unfinished(new Date(now.getTime() - SETTLE_AFTER_MS), BATCH);
  let settled = 0;
  for (const id of ids) {
    const outcome = await queue.waitFor(OPTIMIZE_QUEUE, id, 0);
    if (outcome?.state !== 'failed') continue;
    const job = await db.jobs.get(id);
    if (!job || job.status === 'done' || job.status === 'failed') continue;
    await db.jobs.fail(id, { code: 'INTERNAL', message: outcome.error.message });
    if (job.delivery.mode === 'callback') {
      await enqueueCallback(queue, id);
    }
    log.warn(
      { jobId: id, code: outcome.error.code },
      'janitor: recorded a job that ended without its worker',
    );
    settled += 1;
  }
  return settled;
}
