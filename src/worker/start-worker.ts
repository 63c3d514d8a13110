/**
 * The worker role: consumes the optimize queue with a bounded number of jobs at once, each run by
 * the engine pool in its own child process.
 */
import type { Logger } from 'pino';
import type { SquishDatabase } from '../db/index.js';
import type { EnginePool } from '../engine/index.js';
import { type Consumer, type JobRef, OPTIMIZE_QUEUE, type QueueBackend } from '../jobs/index.js';
import type { OutboundPolicy } from '../net/index.js';
import type { BlobStore } from '../store/index.js';
import { runOptimizeJob } from './optimize-job.js';

export interface WorkerDeps {
  db: SquishDatabase;
  queue: QueueBackend;
  store: BlobStore;
  pool: EnginePool;
  /** How image URLs are fetched (the guarded client's policy). */
  policy: OutboundPolicy;
  /** Jobs run at once; the pool should have as many processes. */
  concurrency: number;
  log: Logger;
  /** Lease of a running job, renewed while it runs (default: the queue's, 30 s). */
  leaseMs?: number;
}

/**
 * Starts consuming the optimize queue. Close the returned consumer on shutdown (running jobs
 * finish, or are handed back after the timeout), then the pool.
 */
export function startWorker(deps: WorkerDeps): Consumer {
  const log = deps.log.child({ role: 'worker' });
  const jobDeps = { ...deps, log };
  return deps.queue.consume<JobRef>(OPTIMIZE_QUEUE, (job, signal) => runOptimizeJob(jobDeps, job, signal), {
    concurrency: deps.concurrency,
    ...(deps.leaseMs === undefined ? {} : { leaseMs: deps.leaseMs }),
  });
}
