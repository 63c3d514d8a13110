/**
 * The job queue contract. The api enqueues job ids, workers consume them, and an api node that
 * holds a `wait` request waits for the outcome. Implementations: the embedded queue (persisted in
 * the SQLite file, `embedded/embedded-queue.ts`) and BullMQ on Redis (scale-out). Every implementation
 * passes the one conformance suite in `test/jobs/conformance.ts`.
 *
 * Delivery is at least once: a job whose worker dies (its lease runs out) is handed out again,
 * so handlers must be idempotent for a given job id. A job whose lease runs out on its last
 * attempt fails with the code INTERNAL.
 */

/** A job as a handler sees it. */
export interface QueueJob<T = unknown> {
  /** The id given at enqueue time (unique per queue). */
  id: string;
  queue: string;
  data: T;
  /** 1 on the first run, 2 on the first retry, and so on. */
  attempt: number;
  maxAttempts: number;
}

export interface EnqueueOptions {
  /** Runs at most this many times in all (default 3). */
  attempts?: number;
  /** First run no earlier than this many milliseconds from now (default 0). */
  delayMs?: number;
  /** Base of the exponential retry backoff, with jitter (default 1000 ms). */
  backoffMs?: number;
}

/** How a job ended. */
export type JobOutcome =
  | { state: 'completed'; result: unknown }
  | { state: 'failed'; error: { code: string; message: string } };

export interface ConsumeOptions {
  /** Jobs this consumer runs at once. */
  concurrency: number;
  /**
   * A running job's lease; the consumer renews it while the handler runs. When a consumer dies,
   * its jobs return to the queue once their lease has run out (default 30 000 ms).
   */
  leaseMs?: number;
}

/**
 * Runs a job. Its resolved value is the job's result (JSON-serializable). A thrown error is
 * retried with backoff while attempts remain, unless `isRetryable(error)` (retry.ts) says no:
 * bad input fails at once.
 */
export type JobHandler<T = unknown> = (job: QueueJob<T>, signal: AbortSignal) => Promise<unknown>;

/** A running consumer. */
export interface Consumer {
  /**
   * Stops taking jobs and waits for the running ones to finish (graceful shutdown); after
   * `timeoutMs` the remaining jobs are handed back to the queue instead (their lease is released).
   */
  close(timeoutMs?: number): Promise<void>;
}

export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  completed: number;
  failed: number;
}

export interface QueueBackend {
  /** "embedded" or "bullmq": shown in /readyz and logs. */
  readonly kind: string;
  /** Adds a job. Adding an id that the queue already holds does nothing (idempotent). */
  enqueue<T>(queue: string, id: string, data: T, options?: EnqueueOptions): Promise<void>;
  /** Starts consuming a queue; the handler runs up to `concurrency` jobs at once. */
  consume<T>(queue: string, handler: JobHandler<T>, options: ConsumeOptions): Consumer;
  /**
   * The outcome of a job: at once when it has already ended, else when it ends, or undefined
   * after `timeoutMs`. Works from any node, not only the one that enqueued or ran the job.
   */
  waitFor(queue: string, id: string, timeoutMs: number): Promise<JobOutcome | undefined>;
  counts(queue: string): Promise<QueueCounts>;
  /** Drops ended jobs older than `olderThanMs` (the janitor calls it). Returns how many. */
  clean(queue: string, olderThanMs: number): Promise<number>;
  /** Throws when the backend cannot be reached (/readyz). */
  ping(): Promise<void>;
  /** Closes connections; consumers must be closed first. */
  close(): Promise<void>;
}
