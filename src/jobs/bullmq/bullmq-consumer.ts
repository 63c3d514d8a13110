/**
 * One consumer of a BullMQ queue: a BullMQ Worker whose processor maps the queue contract onto
 * BullMQ's job life cycle.
 *
 * - attempt: BullMQ's attemptsStarted, which counts every time the job was taken, including runs
 *   whose worker died (a stalled job is taken again with the next number).
 * - retries: a retryable error is rethrown and BullMQ retries it with the job's exponential
 *   backoff; a refusal (`isRetryable` false) or the last attempt becomes an UnrecoverableError,
 *   which BullMQ fails at once.
 * - leases: lockDuration is the lease, renewed by BullMQ while the handler runs; the stalled
 *   checker (every lease) hands the jobs of a dead worker back. BullMQ's own stall limit is set
 *   out of the way: a job taken after its lease ran out on its last attempt fails here, with
 *   INTERNAL, before its handler runs.
 * - close(timeout): BullMQ closes a worker after its running jobs end; past the timeout the
 *   remaining jobs are moved back to the front of the wait list (Job.moveToWait, the lock
 *   released) and their handlers aborted, so another worker takes them at once.
 */

import { type Job, UnrecoverableError, WaitingError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { SquishError } from '../../errors/index.js';
import type { Consumer, JobHandler, QueueJob } from '../queue-backend.js';
import { isRetryable } from '../retry.js';
import { encodeFailure, failureOf } from './job-failure.js';
import { fromBullId } from './job-ids.js';
import type { ErrorSink } from './rate-limited-log.js';
import { createRedis, type RedisConnectionOptions, whenReady } from './redis-connection.js';

export interface BullMqConsumerOptions<T> {
  queue: string;
  prefix: string;
  /** Options of the worker's own connections (BullMQ opens a normal and a blocking one). */
  connection: RedisConnectionOptions;
  /** The queue's shared connection, for handing jobs back. */
  client: Redis;
  handler: JobHandler<T>;
  concurrency: number;
  leaseMs: number;
  log?: Logger;
  onError: ErrorSink;
  /** Called once the consumer has closed (the queue forgets it). */
  onClosed: () => void;
}

interface Run {
  job: Job;
  token: string;
  controller: AbortController;
  /** Handed back on close: whatever the handler does now is not recorded. */
  abandoned: boolean;
  /** Resolves when the run is handed back, so the processor returns without its handler. */
  handedBack: Promise<void>;
  handBack: () => void;
}

/**
 * BullMQ fails a job that stalled more often than this by itself; the contract's attempts decide
 * instead, so the limit is set where it never applies first.
 */
const STALL_LIMIT_OUT_OF_THE_WAY = 1_000_000;
/** How long close(timeout) still waits for BullMQ after handing the running jobs back. */
const HAND_BACK_CLOSE_MS = 2000;

/** Whether the promise settles within `ms` (its rejection counts as settling). */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([
    promise.then(
      () => true,
      () => true,
    ),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]);
  clearTimeout(timer);
  return settled;
}

export class BullMqConsumer<T> implements Consumer {
  readonly #options: BullMqConsumerOptions<T>;
  /** The worker's connection, owned here: BullMQ cannot close a worker whose connection never came up. */
  readonly #connection: Redis;
  /** Made once the connection is up; undefined before (or when closed first). */
  #worker: Worker | undefined;
  readonly #runs = new Set<Run>();
  #stopping = false;
  #closed: Promise<void> | undefined;

  constructor(options: BullMqConsumerOptions<T>) {
    this.#options = options;
    this.#connection = createRedis(options.connection);
    this.#connection.on('error', (error) => options.onError(error, `worker ${options.queue} connection`));
    void whenReady(this.#connection).then(() => {
      if (!this.#stopping) this.#worker = this.#startWorker();
    });
  }

  #startWorker(): Worker {
    const { queue, prefix, concurrency, leaseMs, onError } = this.#options;
    const worker = new Worker(
      queue,
      // Three parameters: BullMQ then passes the signal it aborts when the job's lock is lost.
      (job: Job, token: string | undefined, signal?: AbortSignal) => this.#process(job, token ?? '', signal),
      {
        // BullMQ uses this connection and a copy of it for its blocking reads.
        connection: this.#connection,
        prefix,
        concurrency,
        lockDuration: leaseMs,
        stalledInterval: leaseMs,
        maxStalledCount: STALL_LIMIT_OUT_OF_THE_WAY,
        autorun: true,
      },
    );
    worker.on('error', (error) => onError(error, `worker ${queue}`));
    return worker;
  }

  close(timeoutMs?: number): Promise<void> {
    this.#closed ??= this.#shutdown(timeoutMs);
    return this.#closed;
  }

  async #shutdown(timeoutMs: number | undefined): Promise<void> {
    this.#stopping = true;
    try {
      if (this.#worker) await this.#closeWorker(this.#worker, timeoutMs);
    } finally {
      this.#connection.disconnect();
      this.#options.onClosed();
    }
  }

  async #closeWorker(worker: Worker, timeoutMs: number | undefined): Promise<void> {
    // BullMQ stops taking jobs at once and resolves once the running ones have ended.
    const closing = worker.close();
    if (timeoutMs === undefined) {
      await closing;
      return;
    }
    if (await settlesWithin(closing, timeoutMs)) return;
    await this.#handBackAll();
    // The handed-back runs return at once; if Redis has gone away meanwhile, BullMQ's close can
    // wait for it forever, so this wait is bounded too.
    await settlesWithin(closing, HAND_BACK_CLOSE_MS);
  }

  async #handBackAll(): Promise<void> {
    await Promise.all([...this.#runs].map((run) => this.#handBack(run)));
  }

  /** Puts the job back at the front of the wait list, then aborts its handler. */
  async #handBack(run: Run): Promise<void> {
    if (run.abandoned) return;
    run.abandoned = true;
    const { client, queue, log } = this.#options;
    try {
      // A hand-back is not an attempt: the next worker's take counts this one again. The field is
      // BullMQ's attemptsStarted counter; it is changed while this worker still holds the lock.
      await client.hincrby(`${run.job.queueQualifiedName}:${run.job.id}`, 'ats', -1);
      await run.job.moveToWait(run.token);
    } catch (error) {
      // The lock then runs out by itself and the stalled checker hands the job back a little later.
      log?.error({ err: error, queue, jobId: run.job.id }, 'could not hand a job back to the queue');
    }
    run.controller.abort(new SquishError('UNAVAILABLE', 'The consumer shut down; the job was handed back.'));
    run.handBack();
  }

  async #process(job: Job, token: string, lockSignal: AbortSignal | undefined): Promise<unknown> {
    const { queue, handler, log } = this.#options;
    const attempt = job.attemptsStarted;
    const maxAttempts = job.opts.attempts ?? 1;
    const id = fromBullId(job.id ?? '');
    if (attempt > maxAttempts) {
      // Taken again after its lease ran out on the last attempt: its worker died or stalled.
      log?.warn({ queue, jobId: id, attempt }, 'job lease ran out on its last attempt');
      throw new UnrecoverableError(
        encodeFailure({
          code: 'INTERNAL',
          message: `The job's lease ran out on its last attempt (${maxAttempts}): its worker died or stalled.`,
        }),
      );
    }
    let handBack!: () => void;
    const handedBack = new Promise<void>((resolve) => {
      handBack = resolve;
    });
    const run: Run = {
      job,
      token,
      controller: new AbortController(),
      abandoned: false,
      handedBack,
      handBack,
    };
    const onLockLost = () =>
      run.controller.abort(new SquishError('UNAVAILABLE', 'The job lease was lost to another consumer.'));
    lockSignal?.addEventListener('abort', onLockLost, { once: true });
    this.#runs.add(run);
    try {
      const queueJob: QueueJob<T> = { id, queue, data: job.data as T, attempt, maxAttempts };
      const settled = await Promise.race([
        handler(queueJob, run.controller.signal).then(
          (value) => ({ ok: true as const, value }),
          (error: unknown) => ({ ok: false as const, error }),
        ),
        handedBack.then(() => undefined),
      ]);
      // WaitingError: BullMQ records nothing for a job its processor moved back to wait itself.
      if (run.abandoned || settled === undefined) throw new WaitingError();
      if (settled.ok) return settled.value ?? null;
      const failure = encodeFailure(failureOf(settled.error));
      if (!isRetryable(settled.error) || attempt >= maxAttempts) {
        log?.warn({ err: settled.error, queue, jobId: id, attempt }, 'job failed for good');
        throw new UnrecoverableError(failure);
      }
      log?.warn(
        { err: settled.error, queue, jobId: id, attempt },
        'job failed; BullMQ retries it with backoff',
      );
      throw new Error(failure);
    } finally {
      lockSignal?.removeEventListener('abort', onLockLost);
      this.#runs.delete(run);
    }
  }
}
