/**
 * The embedded queue's one table and every statement on it. Each method is one SQL statement (or
 * one IMMEDIATE transaction), so that several processes sharing the SQLite file never hand the same
 * job to two consumers: SQLite serializes writers, and a claim is a single UPDATE ... RETURNING.
 *
 * A job's run is identified by (lease_owner, attempt): a consumer that lost its lease (it stalled
 * past the lease and another consumer took the job) can no longer write the job's outcome.
 */
import type Database from 'better-sqlite3';
import type { JobOutcome, QueueCounts } from '../queue-backend.js';

/** A job as a claim returns it. */
export interface ClaimedRow {
  id: string;
  data: string;
  attempt: number;
  maxAttempts: number;
  backoffMs: number;
}

/** A run of a job: who holds it and which attempt it is. */
export interface RunRef {
  queue: string;
  id: string;
  owner: string;
  attempt: number;
}

export interface FailureColumns {
  code: string;
  message: string;
}

/** What `reapAndClaim` did: jobs whose worker died on their last attempt, and the jobs now held. */
export interface ClaimResult {
  reaped: { id: string; error: FailureColumns }[];
  claimed: ClaimedRow[];
}

/** The message of a job whose last attempt's worker died (its lease ran out). */
export const LEASE_EXPIRED_MESSAGE = 'The worker running this job stopped responding on its last attempt.';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS queue_jobs (
  queue TEXT NOT NULL,
  id TEXT NOT NULL,
  data TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('waiting', 'active', 'completed', 'failed')),
  attempt INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL,
  backoff_ms INTEGER NOT NULL,
  run_at INTEGER NOT NULL,
  lease_owner TEXT,
  lease_until INTEGER,
  result TEXT,
  error_code TEXT,
  error_message TEXT,
  created_at INTEGER NOT NULL,
  finished_at INTEGER,
  PRIMARY KEY (queue, id)
);
CREATE INDEX IF NOT EXISTS queue_jobs_runnable ON queue_jobs (queue, state, run_at);
CREATE INDEX IF NOT EXISTS queue_jobs_finished ON queue_jobs (queue, finished_at) WHERE finished_at IS NOT NULL;
`;

type Statement = Database.Statement<unknown[], unknown>;

/*
 * Runnable jobs: waiting and due, or active with an expired lease. Two index searches rather than
 * one `(waiting AND due) OR (active AND expired)` condition, which SQLite can only answer by
 * walking every row of the queue, the ended jobs kept until the janitor cleans them included:
 * every claim grew with the queue's history.
 */
const WAITING_ROWS = `SELECT rowid, run_at FROM queue_jobs WHERE queue = @queue AND state = 'waiting' AND run_at <= @now`;
const EXPIRED_ROWS = `SELECT rowid, run_at FROM queue_jobs WHERE queue = @queue AND state = 'active' AND lease_until < @now`;
const RUNNABLE_ROWS = `${WAITING_ROWS} UNION ALL ${EXPIRED_ROWS}`;

export class QueueTable {
  readonly #db: Database.Database;
  readonly #insert: Statement;
  readonly #reap: Statement;
  readonly #claim: Statement;
  readonly #hasWork: Statement;
  readonly #renew: Statement;
  readonly #complete: Statement;
  readonly #retry: Statement;
  readonly #fail: Statement;
  readonly #release: Statement;
  readonly #outcome: Statement;
  readonly #counts: Statement;
  readonly #nextRunAt: Statement;
  readonly #clean: Statement;
  readonly #trim: Statement;
  readonly #cleanAndTrim: (queue: string, before: number, keep: number) => number;
  readonly #reapAndClaim: (queue: string, owner: string, limit: number, leaseMs: number) => ClaimResult;

  /** Creates the table and its indexes when missing (idempotent, safe from several processes). */
  constructor(db: Database.Database) {
    this.#db = db;
    db.exec(SCHEMA);
    this.#insert = db.prepare(`
      INSERT INTO queue_jobs (queue, id, data, state, max_attempts, backoff_ms, run_at, created_at)
      VALUES (@queue, @id, @data, 'waiting', @maxAttempts, @backoffMs, @runAt, @now)
      ON CONFLICT (queue, id) DO NOTHING`);
    // A job whose lease ran out on its last allowed attempt has used them all: it fails, as a
    // thrown error would. Otherwise a job that kills its worker process would run forever.
    this.#reap = db.prepare(`
      UPDATE queue_jobs
      SET state = 'failed', error_code = 'INTERNAL', error_message = @message, finished_at = @now,
          lease_owner = NULL, lease_until = NULL
      WHERE queue = @queue AND state = 'active' AND lease_until < @now AND attempt >= max_attempts
      RETURNING id`);
    this.#claim = db.prepare(`
      UPDATE queue_jobs
      SET state = 'active', attempt = attempt + 1, lease_owner = @owner, lease_until = @leaseUntil
      WHERE rowid IN (
        SELECT rowid FROM (${RUNNABLE_ROWS})
        ORDER BY run_at, rowid
        LIMIT @limit)
      RETURNING id, data, attempt, max_attempts AS maxAttempts, backoff_ms AS backoffMs`);
    this.#hasWork = db.prepare(`
      SELECT EXISTS (${WAITING_ROWS}) OR EXISTS (${EXPIRED_ROWS}) AS found`);
    const run = `queue = @queue AND id = @id AND state = 'active' AND lease_owner = @owner AND attempt = @attempt`;
    this.#renew = db.prepare(`UPDATE queue_jobs SET lease_until = @leaseUntil WHERE ${run}`);
    this.#complete = db.prepare(`
      UPDATE queue_jobs
      SET state = 'completed', result = @result, error_code = NULL, error_message = NULL,
          finished_at = @now, lease_owner = NULL, lease_until = NULL
      WHERE ${run}`);
    this.#retry = db.prepare(`
      UPDATE queue_jobs
      SET state = 'waiting', run_at = @runAt, error_code = @code, error_message = @message,
          lease_owner = NULL, lease_until = NULL
      WHERE ${run}`);
    this.#fail = db.prepare(`
      UPDATE queue_jobs
      SET state = 'failed', error_code = @code, error_message = @message, finished_at = @now,
          lease_owner = NULL, lease_until = NULL
      WHERE ${run}`);
    // Handing back does not count as an attempt: the job did not fail, its consumer shut down.
    this.#release = db.prepare(`
      UPDATE queue_jobs
      SET state = 'waiting', attempt = attempt - 1, run_at = @now, lease_owner = NULL, lease_until = NULL
      WHERE ${run}`);
    this.#outcome = db.prepare(
      'SELECT state, result, error_code AS code, error_message AS message FROM queue_jobs WHERE queue = ? AND id = ?',
    );
    this.#counts = db.prepare(`
      SELECT
        COALESCE(SUM(state = 'waiting' AND run_at <= @now), 0) AS waiting,
        COALESCE(SUM(state = 'active'), 0) AS active,
        COALESCE(SUM(state = 'waiting' AND run_at > @now), 0) AS delayed,
        COALESCE(SUM(state = 'completed'), 0) AS completed,
        COALESCE(SUM(state = 'failed'), 0) AS failed
      FROM queue_jobs WHERE queue = @queue`);
    this.#nextRunAt = db.prepare(`
      SELECT MIN(CASE state WHEN 'waiting' THEN run_at ELSE lease_until END) AS at
      FROM queue_jobs WHERE queue = ? AND state IN ('waiting', 'active')`);
    this.#clean = db.prepare(`
      DELETE FROM queue_jobs
      WHERE queue = ? AND state IN ('completed', 'failed') AND finished_at < ?`);
    // Ended jobs of one state from the (@keep + 1)-th newest down: all but the newest @keep (none
    // when there are no more; a tie with that one goes too). Both searches use the finished_at
    // index; the subquery walks @keep entries of it from the newest: a clean that kept 50 000
    // took about 20 ms here, once per queue a janitor run.
    this.#trim = db.prepare(`
      DELETE FROM queue_jobs
      WHERE queue = @queue AND state = @state AND finished_at <= (
        SELECT finished_at FROM queue_jobs
        WHERE queue = @queue AND state = @state AND finished_at IS NOT NULL
        ORDER BY finished_at DESC LIMIT 1 OFFSET @keep)`);
    this.#cleanAndTrim = db.transaction((queue: string, before: number, keep: number): number => {
      let removed = this.#clean.run(queue, before).changes;
      for (const state of ['completed', 'failed']) removed += this.#trim.run({ queue, state, keep }).changes;
      return removed;
    });
    // IMMEDIATE: the transaction takes the write lock before reading, so two processes claiming
    // at once wait for each other (busy_timeout) instead of failing with SQLITE_BUSY on upgrade.
    const reapAndClaim = (queue: string, owner: string, limit: number, leaseMs: number): ClaimResult => {
      const now = Date.now();
      const reaped = (this.#reap.all({ queue, now, message: LEASE_EXPIRED_MESSAGE }) as { id: string }[]).map(
        ({ id }) => ({ id, error: { code: 'INTERNAL', message: LEASE_EXPIRED_MESSAGE } }),
      );
      const claimed = this.#claim.all({
        queue,
        owner,
        now,
        leaseUntil: now + leaseMs,
        limit,
      }) as ClaimedRow[];
      return { reaped, claimed };
    };
    const transaction = db.transaction(reapAndClaim);
    this.#reapAndClaim = (...args) => transaction.immediate(...args);
  }

  /** Adds a job unless the queue already holds its id; true when added. */
  insert(job: {
    queue: string;
    id: string;
    data: string;
    maxAttempts: number;
    backoffMs: number;
    runAt: number;
  }): boolean {
    return this.#insert.run({ ...job, now: Date.now() }).changes > 0;
  }

  /**
   * Whether a claim would find anything: a plain read, which in WAL mode never waits for a
   * writer, so that idle consumers polling the file do not take its write lock every time.
   */
  hasWork(queue: string): boolean {
    return (this.#hasWork.get({ queue, now: Date.now() }) as { found: number }).found === 1;
  }

  /**
   * Fails the jobs whose worker died on their last attempt, then takes up to `limit` runnable
   * jobs (waiting and due, or active with an expired lease) for `owner`, in one write transaction.
   */
  reapAndClaim(queue: string, owner: string, limit: number, leaseMs: number): ClaimResult {
    return this.#reapAndClaim(queue, owner, limit, leaseMs);
  }

  /** Extends a run's lease; false when the run no longer holds the job. */
  renew(run: RunRef, leaseMs: number): boolean {
    return this.#renew.run({ ...run, leaseUntil: Date.now() + leaseMs }).changes > 0;
  }

  complete(run: RunRef, result: string): boolean {
    return this.#complete.run({ ...run, result, now: Date.now() }).changes > 0;
  }

  retry(run: RunRef, delayMs: number, error: FailureColumns): boolean {
    return this.#retry.run({ ...run, ...error, runAt: Date.now() + delayMs }).changes > 0;
  }

  fail(run: RunRef, error: FailureColumns): boolean {
    return this.#fail.run({ ...run, ...error, now: Date.now() }).changes > 0;
  }

  /** Returns a held job to the queue at once, without counting the attempt. */
  release(run: RunRef): boolean {
    return this.#release.run({ ...run, now: Date.now() }).changes > 0;
  }

  /** The job's outcome when it has ended, 'pending' while it has not, undefined when unknown. */
  outcome(queue: string, id: string): JobOutcome | 'pending' | undefined {
    const row = this.#outcome.get(queue, id) as
      | { state: string; result: string | null; code: string | null; message: string | null }
      | undefined;
    if (!row) return undefined;
    if (row.state === 'completed') return { state: 'completed', result: JSON.parse(row.result ?? 'null') };
    if (row.state === 'failed') {
      return { state: 'failed', error: { code: row.code ?? 'INTERNAL', message: row.message ?? '' } };
    }
    return 'pending';
  }

  counts(queue: string): QueueCounts {
    return this.#counts.get({ queue, now: Date.now() }) as QueueCounts;
  }

  /**
   * The earliest time a job of the queue may become runnable (a delayed job's start, a lease's
   * end), or undefined when none is waiting or running.
   */
  nextRunAt(queue: string): number | undefined {
    const row = this.#nextRunAt.get(queue) as { at: number | null };
    return row.at ?? undefined;
  }

  /**
   * Deletes the ended jobs that finished before `before` (epoch ms), then all but the newest `keep`
   * of each end state; returns how many.
   */
  clean(queue: string, before: number, keep: number): number {
    return this.#cleanAndTrim(queue, before, keep);
  }

  ping(): void {
    this.#db.prepare('SELECT 1').get();
  }
}
