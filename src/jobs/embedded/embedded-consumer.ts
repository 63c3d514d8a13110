/**
 * One consumer of the embedded queue: claims up to `concurrency` jobs, runs the handler on each,
 * keeps their leases alive with a heartbeat, and writes each outcome (completed, retried with
 * backoff, or failed). It looks for work when a job is added in this process, when one of its
 * runs ends, and otherwise every poll interval (jobs added by other processes, delays running out,
 * leases of dead consumers running out).
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { isSquishError, SquishError } from '../../errors/index.js';
import type { Consumer, JobHandler, JobOutcome, QueueJob } from '../queue-backend.js';
import { backoffDelay, isRetryable } from '../retry.js';
import type { QueueEvents } from './queue-events.js';
import type { ClaimedRow, FailureColumns, QueueTable, RunRef } from './queue-table.js';

export interface EmbeddedConsumerOptions<T> {
  table: QueueTable;
  events: QueueEvents;
  queue: string;
  handler: JobHandler<T>;
  concurrency: number;
  leaseMs: number;
  pollIntervalMs: number;
  log?: Logger;
  /** Called once the consumer has closed (the queue forgets it). */
  onClosed: () => void;
}

interface Run {
  ref: RunRef;
  controller: AbortController;
  /** The outcome is being written or was written: the lease needs no more renewal. */
  settled: boolean;
  /** Handed back or taken over: whatever the handler does now is not written. */
  abandoned: boolean;
  done: Promise<void>;
}

/** Below this, a poll timer would spin when the table says a job is due but another consumer got it. */
const MIN_POLL_DELAY_MS = 10;

export class EmbeddedConsumer<T> implements Consumer {
  readonly #options: EmbeddedConsumerOptions<T>;
  /** Lease owner of every run this consumer claims; (owner, attempt) names one run. */
  readonly #owner = randomUUID();
  readonly #runs = new Map<string, Run>();
  readonly #unsubscribe: () => void;
  readonly #heartbeat: NodeJS.Timeout;
  #pollTimer: NodeJS.Timeout | undefined;
  #wakePending = false;
  #stopping = false;
  #closed: Promise<void> | undefined;

  constructor(options: EmbeddedConsumerOptions<T>) {
    this.#options = options;
    this.#unsubscribe = options.events.onAdded(options.queue, () => this.#wake());
    // Three renewals per lease: one late timer (a busy event loop) does not lose the lease.
    this.#heartbeat = setInterval(() => this.#renewLeases(), Math.max(5, Math.floor(options.leaseMs / 3)));
    this.#wake();
  }

  close(timeoutMs?: number): Promise<void> {
    this.#closed ??= this.#shutdown(timeoutMs);
    return this.#closed;
  }

  async #shutdown(timeoutMs: number | undefined): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#pollTimer);
    this.#unsubscribe();
    const finished = Promise.all([...this.#runs.values()].map((run) => run.done));
    if (timeoutMs === undefined) {
      await finished;
    } else {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        finished.then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), timeoutMs);
        }),
      ]);
      clearTimeout(timer);
      if (timedOut) this.#handBack();
    }
    clearInterval(this.#heartbeat);
    this.#options.onClosed();
  }

  /** Releases every unfinished run's lease so another consumer takes the job at once, then aborts it. */
  #handBack(): void {
    const { table, events, queue, log } = this.#options;
    let released = 0;
    for (const run of this.#runs.values()) {
      if (run.settled || run.abandoned) continue;
      run.abandoned = true;
      try {
        if (table.release(run.ref)) released++;
      } catch (error) {
        // The lease then runs out by itself and the job is redelivered a little later.
        log?.error({ err: error, queue, jobId: run.ref.id }, 'could not hand a job back to the queue');
      }
      run.controller.abort(
        new SquishError('UNAVAILABLE', 'The consumer shut down; the job was handed back.'),
      );
    }
    if (released > 0) events.added(queue);
  }

  /** Looks for work on the next turn of the event loop (several wake-ups make one poll). */
  #wake(): void {
    if (this.#stopping || this.#wakePending) return;
    this.#wakePending = true;
    setImmediate(() => {
      this.#wakePending = false;
      this.#poll();
    });
  }

  #poll(): void {
    clearTimeout(this.#pollTimer);
    this.#pollTimer = undefined;
    if (this.#stopping) return;
    const { table, events, queue, concurrency, leaseMs, log } = this.#options;
    const free = concurrency - this.#runs.size;
    if (free <= 0) return; // the end of a run wakes the consumer
    try {
      if (!table.hasWork(queue)) {
        this.#schedulePoll();
        return;
      }
      const { reaped, claimed } = table.reapAndClaim(queue, this.#owner, free, leaseMs);
      for (const { id, error } of reaped) events.ended(queue, id, { state: 'failed', error });
      for (const row of claimed) this.#start(row);
    } catch (error) {
      log?.error({ err: error, queue }, 'could not claim jobs; retrying at the next poll');
    }
    this.#schedulePoll();
  }

  #schedulePoll(): void {
    if (this.#stopping || this.#runs.size >= this.#options.concurrency) return;
    const { table, queue, pollIntervalMs } = this.#options;
    let delay = pollIntervalMs;
    try {
      const next = table.nextRunAt(queue);
      if (next !== undefined) delay = Math.min(delay, Math.max(MIN_POLL_DELAY_MS, next - Date.now()));
    } catch {
      // keep the plain interval; the poll itself reports errors
    }
    this.#pollTimer = setTimeout(() => this.#poll(), delay);
  }

  #start(row: ClaimedRow): void {
    const { queue } = this.#options;
    const ref: RunRef = { queue, id: row.id, owner: this.#owner, attempt: row.attempt };
    const run: Run = {
      ref,
      controller: new AbortController(),
      settled: false,
      abandoned: false,
      done: Promise.resolve(),
    };
    // The key includes the attempt: after a stall past its own lease, this consumer may reclaim
    // a job it still runs, and the two runs must not overwrite each other's entry.
    const key = `${row.attempt}:${row.id}`;
    this.#runs.set(key, run);
    run.done = this.#execute(run, row).finally(() => {
      this.#runs.delete(key);
      this.#wake();
    });
  }

  async #execute(run: Run, row: ClaimedRow): Promise<void> {
    let outcome: { ok: true; json: string } | { ok: false; error: unknown };
    try {
      const job: QueueJob<T> = {
        id: row.id,
        queue: this.#options.queue,
        data: JSON.parse(row.data) as T,
        attempt: row.attempt,
        maxAttempts: row.maxAttempts,
      };
      const value = await this.#options.handler(job, run.controller.signal);
      outcome = { ok: true, json: JSON.stringify(value ?? null) ?? 'null' };
    } catch (error) {
      outcome = { ok: false, error };
    }
    if (run.abandoned) return;
    run.settled = true;
    try {
      if (outcome.ok) this.#complete(run, outcome.json);
      else this.#settleFailure(run, row, outcome.error);
    } catch (error) {
      // The lease runs out and the job is redelivered: at least once, never lost.
      this.#options.log?.error(
        { err: error, queue: run.ref.queue, jobId: run.ref.id },
        'could not record the outcome of a job',
      );
    }
  }

  #complete(run: Run, json: string): void {
    const { table, events, queue } = this.#options;
    if (table.complete(run.ref, json)) {
      events.ended(queue, run.ref.id, { state: 'completed', result: JSON.parse(json) });
    }
  }

  #settleFailure(run: Run, row: ClaimedRow, error: unknown): void {
    const { table, events, queue, log } = this.#options;
    const failure = failureOf(error);
    if (isRetryable(error) && row.attempt < row.maxAttempts) {
      const delay = backoffDelay(row.attempt, row.backoffMs);
      log?.warn({ err: error, queue, jobId: row.id, attempt: row.attempt, retryInMs: delay }, 'job failed');
      table.retry(run.ref, delay, failure);
      return;
    }
    log?.warn({ err: error, queue, jobId: row.id, attempt: row.attempt }, 'job failed for good');
    if (table.fail(run.ref, failure)) {
      const outcome: JobOutcome = { state: 'failed', error: failure };
      events.ended(queue, row.id, outcome);
    }
  }

  /** Renews every running job's lease; a run whose job was taken over is aborted and abandoned. */
  #renewLeases(): void {
    const { table, queue, leaseMs, log } = this.#options;
    for (const run of this.#runs.values()) {
      if (run.settled || run.abandoned) continue;
      try {
        if (table.renew(run.ref, leaseMs)) continue;
      } catch (error) {
        log?.error({ err: error, queue, jobId: run.ref.id }, 'could not renew a job lease');
        continue;
      }
      run.abandoned = true;
      log?.warn({ queue, jobId: run.ref.id }, 'job lease lost (another consumer took the job over)');
      run.controller.abort(new SquishError('UNAVAILABLE', 'The job lease was lost to another consumer.'));
    }
  }
}

/** The stored form of a failure: a SquishError keeps its code, anything else is INTERNAL. */
function failureOf(error: unknown): FailureColumns {
  if (isSquishError(error)) return { code: error.code, message: error.message };
  if (error instanceof Error) return { code: 'INTERNAL', message: error.message };
  return { code: 'INTERNAL', message: String(error) };
}
