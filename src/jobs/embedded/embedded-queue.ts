/**
 * The default job queue: persisted in the same SQLite file as the data layer (its own `queue_`
 * table, its own connection), so that `squish serve` needs nothing installed and accepted jobs
 * survive a restart.
 *
 * Hand-written: of the SQLite queues on npm (liteque, plainjob, better-queue-sqlite,
 * node-persistent-queue), none offers what this contract needs together: caller-chosen ids with idempotent
 * enqueue, leases renewed by a heartbeat (they requeue after a fixed timeout, or not at all),
 * and waiting for a job's outcome from any process; liteque also brings drizzle-orm, plainjob is
 * at 0.0.x, and better-queue-sqlite sits on the older sqlite3 driver. The whole queue is a
 * handful of SQL statements (queue-table.ts).
 *
 * Several processes may share the file (an api node and worker nodes on one machine): claims are
 * atomic in SQLite, added jobs and outcomes reach other processes by polling.
 *
 * Ended jobs are kept for waits and the janitor's `clean`, which also drops all but the newest
 * `retention` of them per queue: the BullMQ backend's bound. The age the janitor cleans by (a
 * day) alone let the history grow with the traffic: in a 10-minute soak of `squish serve` at
 * about 30 queue jobs a second, the file grew by 0.7 MB a minute, about 400 bytes a job.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { SquishError } from '../../errors/index.js';
import type {
  ConsumeOptions,
  Consumer,
  EnqueueOptions,
  JobHandler,
  JobOutcome,
  QueueBackend,
  QueueCounts,
} from '../queue-backend.js';
import { assertName, consumeSettings, DEFAULT_RETENTION, enqueueSettings } from '../queue-options.js';
import { EmbeddedConsumer } from './embedded-consumer.js';
import { QueueEvents } from './queue-events.js';
import { QueueTable } from './queue-table.js';

export interface EmbeddedQueueOptions {
  /** The SQLite file (created when missing, with its folder). */
  file: string;
  /** Ended jobs kept per queue by `clean`, completed and failed each (default 50 000, as BullMQ's). */
  retention?: number;
  /**
   * How often consumers look for jobs that other processes added or that became due, and
   * waiters for outcomes that other processes wrote (default 250 ms). Within one process,
   * both are signalled at once.
   */
  pollIntervalMs?: number;
  log?: Logger;
}

const DEFAULT_POLL_INTERVAL_MS = 250;

export class EmbeddedQueue implements QueueBackend {
  readonly kind = 'embedded';
  readonly #db: Database.Database;
  readonly #table: QueueTable;
  readonly #events: QueueEvents;
  readonly #pollIntervalMs: number;
  readonly #retention: number;
  readonly #log: Logger | undefined;
  readonly #consumers = new Set<Consumer>();
  /** Cancels each pending waitFor (on close). */
  readonly #waits = new Set<() => void>();
  #closed = false;

  constructor(options: EmbeddedQueueOptions) {
    this.#pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
    if (!(this.#pollIntervalMs > 0)) throw new TypeError('pollIntervalMs must be a positive number');
    this.#retention = options.retention ?? DEFAULT_RETENTION;
    if (!Number.isInteger(this.#retention) || this.#retention < 0) {
      throw new TypeError('retention must be an integer ≥ 0');
    }
    this.#log = options.log;
    mkdirSync(dirname(options.file), { recursive: true });
    this.#db = new Database(options.file);
    // WAL: readers (waiters polling) never block the writer. busy_timeout: another process's
    // write makes ours wait rather than fail. synchronous NORMAL is safe in WAL against process
    // crashes; only a power loss could drop the last commits.
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('busy_timeout = 5000');
    this.#db.pragma('synchronous = NORMAL');
    this.#table = new QueueTable(this.#db);
    this.#events = new QueueEvents(options.file);
  }

  async enqueue<T>(queue: string, id: string, data: T, options: EnqueueOptions = {}): Promise<void> {
    this.#assertOpen();
    assertName('queue', queue);
    assertName('id', id);
    const { attempts, delayMs, backoffMs } = enqueueSettings(options);
    const added = this.#table.insert({
      queue,
      id,
      data: JSON.stringify(data ?? null) ?? 'null',
      maxAttempts: attempts,
      backoffMs,
      runAt: Date.now() + delayMs,
    });
    if (added) this.#events.added(queue);
  }

  consume<T>(queue: string, handler: JobHandler<T>, options: ConsumeOptions): Consumer {
    this.#assertOpen();
    assertName('queue', queue);
    const { concurrency, leaseMs } = consumeSettings(options);
    const consumer: Consumer = new EmbeddedConsumer<T>({
      table: this.#table,
      events: this.#events,
      queue,
      handler,
      concurrency,
      leaseMs,
      pollIntervalMs: this.#pollIntervalMs,
      log: this.#log,
      onClosed: () => this.#consumers.delete(consumer),
    });
    this.#consumers.add(consumer);
    return consumer;
  }

  async waitFor(queue: string, id: string, timeoutMs: number): Promise<JobOutcome | undefined> {
    this.#assertOpen();
    const ended = this.#table.outcome(queue, id);
    if (ended !== undefined && ended !== 'pending') return ended;
    return new Promise((resolve) => {
      let settled = false;
      const finish = (outcome: JobOutcome | undefined) => {
        if (settled) return;
        settled = true;
        unsubscribe();
        clearInterval(poll);
        clearTimeout(timer);
        this.#waits.delete(cancel);
        resolve(outcome);
      };
      const cancel = () => finish(undefined);
      // The in-process signal answers at once; the poll sees outcomes other processes wrote.
      const unsubscribe = this.#events.onEnded(queue, id, finish);
      const poll = setInterval(() => {
        try {
          const outcome = this.#table.outcome(queue, id);
          if (outcome !== undefined && outcome !== 'pending') finish(outcome);
        } catch (error) {
          this.#log?.warn({ err: error, queue, jobId: id }, 'could not read a job outcome; still waiting');
        }
      }, this.#pollIntervalMs);
      const timer = setTimeout(cancel, Math.max(0, timeoutMs));
      this.#waits.add(cancel);
    });
  }

  async counts(queue: string): Promise<QueueCounts> {
    this.#assertOpen();
    return this.#table.counts(queue);
  }

  async clean(queue: string, olderThanMs: number): Promise<number> {
    this.#assertOpen();
    return this.#table.clean(queue, Date.now() - olderThanMs, this.#retention);
  }

  async ping(): Promise<void> {
    this.#assertOpen();
    this.#table.ping();
  }

  /** Hands back the jobs of consumers still open (they should have been closed first), ends waits, closes the file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#consumers].map((consumer) => consumer.close(0)));
    for (const cancel of [...this.#waits]) cancel();
    this.#db.close();
  }

  #assertOpen(): void {
    if (this.#closed) throw new SquishError('UNAVAILABLE', 'The job queue is closed.');
  }
}
