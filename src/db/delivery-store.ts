import { randomBytes } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { invalidOption } from '../errors/index.js';
import { chunks, fromMs, int, intOrNull, toMs } from './columns.js';
import type { DeliveryStore } from './database.js';
import type { DeliveryStatus, JobDelivery, WebhookAttempt, WebhookDelivery } from './records.js';
import type { Tables, WebhookAttemptsTable, WebhookDeliveriesTable } from './schema.js';

/**
 * Creates the delivery of a callback job's outcome, inside the transaction that stores that
 * outcome (JobStore.complete and fail), so that a result never exists without its delivery. One
 * per job: a job that completes again keeps the delivery it has (`job_id` is unique).
 */
export async function createDeliveryForJob(
  trx: Kysely<Tables>,
  job: { id: string; accountId: string; delivery: JobDelivery },
  now: number,
): Promise<void> {
  if (job.delivery.mode !== 'callback') return;
  await trx
    .insertInto('webhook_deliveries')
    .values({
      id: randomBytes(16).toString('hex'),
      job_id: job.id,
      account_id: job.accountId,
      url: job.delivery.url,
      status: 'pending',
      attempts: 0,
      next_attempt_at: now,
      created_at: now,
      delivered_at: null,
    })
    .onConflict((conflict) => conflict.column('job_id').doNothing())
    .execute();
}

/** How long a dead delivery, its job and the job's files are kept, so that it can still be re-sent. */
export const DEAD_DELIVERY_RETENTION_MS = 7 * 24 * 3_600_000;

/**
 * Pushes back the expiry of a job whose delivery just ended. A pending delivery keeps its job
 * (JobStore.expired), but a delivery that ends after hours of retries would otherwise leave its
 * job already expired: a late callback's download links would die within a janitor run, and a
 * dead delivery would vanish before anyone could re-send it. So a delivered job stays
 * downloadable for its own time to live counted from the delivery, and a dead one for
 * DEAD_DELIVERY_RETENTION_MS; an expiry already later is kept.
 */
async function keepJobAfterDeliveryEnded(
  trx: Kysely<Tables>,
  deliveryId: string,
  status: 'delivered' | 'dead',
  endedAt: number,
): Promise<void> {
  const job = await trx
    .selectFrom('webhook_deliveries')
    .innerJoin('jobs', 'jobs.id', 'webhook_deliveries.job_id')
    .select(['jobs.id', 'jobs.created_at', 'jobs.expires_at'])
    .where('webhook_deliveries.id', '=', deliveryId)
    .executeTakeFirst();
  if (!job) return;
  const expiresAt = int(job.expires_at);
  const retention = status === 'dead' ? DEAD_DELIVERY_RETENTION_MS : expiresAt - int(job.created_at);
  if (endedAt + retention <= expiresAt) return;
  await trx
    .updateTable('jobs')
    .set({ expires_at: endedAt + retention })
    .where('id', '=', job.id)
    .execute();
}

/** Webhook deliveries and their attempts over Kysely (every dialect). */
export class KyselyDeliveryStore implements DeliveryStore {
  constructor(private readonly db: Kysely<Tables>) {}

  async get(id: string): Promise<WebhookDelivery | undefined> {
    const row = await this.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row && (await this.withHistory([row]))[0];
  }

  async forJob(jobId: string): Promise<WebhookDelivery | undefined> {
    const row = await this.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('job_id', '=', jobId)
      .executeTakeFirst();
    return row && (await this.withHistory([row]))[0];
  }

  async list(filter: {
    accountId?: string;
    status?: DeliveryStatus;
    limit: number;
  }): Promise<WebhookDelivery[]> {
    if (!(Number.isSafeInteger(filter.limit) && filter.limit > 0)) {
      throw invalidOption('limit', 'a whole number above 0', filter.limit);
    }
    let query = this.db.selectFrom('webhook_deliveries').selectAll();
    if (filter.accountId !== undefined) query = query.where('account_id', '=', filter.accountId);
    if (filter.status !== undefined) query = query.where('status', '=', filter.status);
    const rows = await query
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(filter.limit)
      .execute();
    return this.withHistory(rows);
  }

  /**
   * The attempt row goes first: when it is already there (the same attempt recorded twice by a
   * queue job run again after a crash), nothing else changes. The state moves only while the
   * delivery is pending, so a late attempt cannot turn a delivered one back.
   */
  async recordAttempt(
    id: string,
    attempt: WebhookAttempt,
    next: { status: 'delivered' } | { status: 'dead' } | { status: 'pending'; nextAttemptAt: Date },
  ): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('webhook_attempts')
        .values({
          delivery_id: id,
          attempt: attempt.attempt,
          started_at: toMs(attempt.startedAt),
          duration_ms: Math.max(0, Math.round(attempt.durationMs)),
          http_status: attempt.httpStatus,
          error: attempt.error,
        })
        .onConflict((conflict) => conflict.columns(['delivery_id', 'attempt']).doNothing())
        .returning('attempt')
        .executeTakeFirst();
      if (!inserted) return;
      const updated = await trx
        .updateTable('webhook_deliveries')
        .set({
          status: next.status,
          attempts: attempt.attempt,
          next_attempt_at: next.status === 'pending' ? toMs(next.nextAttemptAt) : null,
          ...(next.status === 'delivered'
            ? { delivered_at: toMs(attempt.startedAt) + Math.round(attempt.durationMs) }
            : {}),
        })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .where('attempts', '<', attempt.attempt)
        .executeTakeFirst();
      if (next.status === 'pending' || updated.numUpdatedRows === 0n) return;
      await keepJobAfterDeliveryEnded(
        trx,
        id,
        next.status,
        toMs(attempt.startedAt) + Math.round(attempt.durationMs),
      );
    });
  }

  async postpone(id: string, attempt: number, until: Date): Promise<boolean> {
    const result = await this.db
      .updateTable('webhook_deliveries')
      .set({ next_attempt_at: toMs(until) })
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .where('attempts', '=', attempt - 1)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async redeliver(id: string, at: Date): Promise<WebhookDelivery | undefined> {
    const result = await this.db
      .updateTable('webhook_deliveries')
      .set({ status: 'pending', next_attempt_at: toMs(at), delivered_at: null })
      .where('id', '=', id)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) return undefined;
    return this.get(id);
  }

  async overdue(dueBefore: Date, limit: number): Promise<WebhookDelivery[]> {
    const rows = await this.db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<', toMs(dueBefore))
      .orderBy('next_attempt_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    return this.withHistory(rows);
  }

  /** The records of some delivery rows, with their attempts read in one query per 500. */
  private async withHistory(rows: Selectable<WebhookDeliveriesTable>[]): Promise<WebhookDelivery[]> {
    const history = new Map<string, WebhookAttempt[]>();
    for (const batch of chunks(rows.map((row) => row.id))) {
      const attempts = await this.db
        .selectFrom('webhook_attempts')
        .selectAll()
        .where('delivery_id', 'in', batch)
        .orderBy('delivery_id')
        .orderBy('attempt')
        .execute();
      for (const attempt of attempts) {
        const list = history.get(attempt.delivery_id) ?? [];
        list.push(toAttempt(attempt));
        history.set(attempt.delivery_id, list);
      }
    }
    return rows.map((row) => toDelivery(row, history.get(row.id) ?? []));
  }
}

function toDelivery(row: Selectable<WebhookDeliveriesTable>, history: WebhookAttempt[]): WebhookDelivery {
  const delivery: WebhookDelivery = {
    id: row.id,
    jobId: row.job_id,
    accountId: row.account_id,
    url: row.url,
    status: row.status,
    attempts: int(row.attempts),
    createdAt: fromMs(row.created_at),
    history,
  };
  const next = intOrNull(row.next_attempt_at);
  if (next !== null && row.status === 'pending') delivery.nextAttemptAt = new Date(next);
  const delivered = intOrNull(row.delivered_at);
  if (delivered !== null) delivery.deliveredAt = new Date(delivered);
  return delivery;
}

function toAttempt(row: Selectable<WebhookAttemptsTable>): WebhookAttempt {
  return {
    attempt: int(row.attempt),
    startedAt: fromMs(row.started_at),
    durationMs: int(row.duration_ms),
    httpStatus: intOrNull(row.http_status),
    error: row.error,
  };
}
