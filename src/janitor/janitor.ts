/**
 * The janitor role: on a schedule it deletes what has outlived its use, so that a node's disk and
 * tables stay bounded with no operator action, and wakes webhook deliveries whose queue job was lost. Several janitors may run against the same
 * backends (each step tolerates another having done the work); within one process, runs never
 * overlap.
 */
import type { Logger } from 'pino';
import { type SquishDatabase, utcDay } from '../db/index.js';
import type { QueueBackend } from '../jobs/index.js';
import type { BlobStore } from '../store/index.js';
import { deleteExpiredJobs } from './expire-jobs.js';
import { settleAbandonedJobs } from './settle-abandoned.js';
import { sweepOrphanBlobs } from './sweep-orphans.js';
import { DELIVERY_OVERDUE_MS, wakeOverdueDeliveries } from './wake-overdue-deliveries.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export interface JanitorDeps {
  db: SquishDatabase;
  queue: QueueBackend;
  store: BlobStore;
  log: Logger;
  /** Time between the end of one run and the start of the next (default 60 s). */
  intervalMs?: number;
  /** Delay of the first run after start (default 1 s: soon, but not in the middle of start-up). */
  firstRunDelayMs?: number;
  /** Days of per-account usage kept (default 400: a year and a month of daily rows). */
  usageRetentionDays?: number;
  /** Ended queue jobs are dropped once older than this (default 1 day). */
  queueRetentionMs?: number;
  /**
   * A stored input or result whose job has no row is deleted once older than this (default 1 h):
   * an upload is stored a moment before its job row is written, so only old blobs are orphans.
   */
  orphanAgeMs?: number;
  /**
   * A pending webhook delivery this long past its due time is taken for lost and woken again
   * (default 10 min: longer than an attempt and a queue lease).
   */
  deliveryOverdueMs?: number;
  /** The clock (tests move it forward). */
  now?: () => Date;
}

/** What one run removed. */
export interface JanitorRun {
  /** Expired job rows deleted. */
  jobs: number;
  /** Blobs deleted: the files of expired jobs and orphans. */
  blobs: number;
  /** Usage day rows pruned. */
  usageDays: number;
  /** Ended queue jobs dropped. */
  queueJobs: number;
  /** Jobs that ended in the queue without their worker recording it, now recorded as failed. */
  settledJobs: number;
  /** Pending webhook deliveries whose queue job was lost, woken again. */
  wokenDeliveries: number;
}

export interface Janitor {
  /** Stops the schedule and waits for a run in progress to end. */
  stop(): Promise<void>;
  /** Runs every step now (after a run in progress, never beside it); errors are logged, never thrown. */
  runOnce(): Promise<JanitorRun>;
}

/** The queues whose ended jobs the janitor cleans. */
const QUEUES = ['optimize', 'webhooks'] as const;

/** Starts the janitor's schedule. */
export function startJanitor(deps: JanitorDeps): Janitor {
  const intervalMs = deps.intervalMs ?? MINUTE;
  const log = deps.log.child({ role: 'janitor' });
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  // Runs are chained, so an explicit runOnce during a scheduled run waits for it.
  let tail: Promise<unknown> = Promise.resolve();

  const schedule = (delayMs: number): void => {
    timer = setTimeout(() => {
      void runOnce().finally(() => {
        if (!stopped) schedule(intervalMs);
      });
    }, delayMs);
    // The janitor alone must not keep a process alive (the CLI, tests).
    timer.unref();
  };

  const runOnce = (): Promise<JanitorRun> => {
    const run = tail.then(() => (stopped ? emptyRun() : runSteps(deps, log)));
    tail = run.catch(() => undefined);
    return run;
  };

  schedule(deps.firstRunDelayMs ?? 1000);
  return {
    runOnce,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await tail;
    },
  };
}

async function runSteps(deps: JanitorDeps, log: Logger): Promise<JanitorRun> {
  const started = Date.now();
  const now = deps.now?.() ?? new Date();
  const run = emptyRun();

  // Each step is on its own: one that fails (a store or queue that is down) is logged and the
  // others still run; the next run tries again.
  await step(log, 'expired jobs', async () => {
    const removed = await deleteExpiredJobs(deps.db, deps.store, now, log);
    run.jobs += removed.jobs;
    run.blobs += removed.blobs;
  });
  // Before the queue history is cleaned: the outcome of an abandoned job lives there.
  await step(log, 'abandoned jobs', async () => {
    run.settledJobs += await settleAbandonedJobs(deps.db, deps.queue, now, log);
  });
  // After settling: a job settled there has a delivery now, woken by its own enqueue.
  await step(log, 'overdue webhook deliveries', async () => {
    run.wokenDeliveries += await wakeOverdueDeliveries(
      deps.db,
      deps.queue,
      now,
      log,
      deps.deliveryOverdueMs ?? DELIVERY_OVERDUE_MS,
    );
  });
  await step(log, 'usage', async () => {
    const retentionDays = deps.usageRetentionDays ?? 400;
    const firstKeptDay = utcDay(new Date(now.getTime() - retentionDays * DAY));
    run.usageDays += await deps.db.accounts.pruneUsage(firstKeptDay);
  });
  for (const queue of QUEUES) {
    await step(log, `queue ${queue}`, async () => {
      run.queueJobs += await deps.queue.clean(queue, deps.queueRetentionMs ?? DAY);
    });
  }
  await step(log, 'orphan blobs', async () => {
    run.blobs += await sweepOrphanBlobs(deps.db, deps.store, now, deps.orphanAgeMs ?? HOUR);
  });

  const removedAnything =
    run.jobs + run.blobs + run.usageDays + run.queueJobs + run.settledJobs + run.wokenDeliveries > 0;
  log[removedAnything ? 'info' : 'debug']({ ...run, ms: Date.now() - started }, 'janitor run done');
  return run;
}

async function step(log: Logger, name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    log.error({ err, step: name }, `janitor: cleaning ${name} failed; the next run tries again`);
  }
}

function emptyRun(): JanitorRun {
  return { jobs: 0, blobs: 0, usageDays: 0, queueJobs: 0, settledJobs: 0, wokenDeliveries: 0 };
}
