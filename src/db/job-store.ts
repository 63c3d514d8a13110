import type { ExpressionBuilder, Insertable, Kysely, Selectable } from 'kysely';
import type { ImageFormat } from '../engine/types.js';
import { type ErrorReport, SquishError } from '../errors/index.js';
import { chunks, fromMs, int, toMs } from './columns.js';
import type { CompletedJob, JobStore, RequestUsage } from './database.js';
import { createDeliveryForJob } from './delivery-store.js';
import type { Download, JobOutput, JobRecord, JobResult, JobSource, NewJob } from './records.js';
import type { JobOutputsTable, JobsTable, Tables } from './schema.js';
import { addUsage } from './usage-rows.js';

/** How long after its expiry a job that never finished is deleted anyway. */
const UNFINISHED_GRACE_MS = 24 * 3_600_000;

/**
 * How long after its expiry a finished job whose webhook is still pending is deleted anyway: a
 * pending delivery keeps its job (and so the files its body links to) until it is delivered or
 * dead, which the longest retry span (30 days) bounds; this bounds it when no webhooks role runs.
 */
const UNDELIVERED_GRACE_MS = 31 * 24 * 3_600_000;

/**
 * The new expiry of a job that finishes at `now`: its lifetime (as the api set it: expiry minus
 * creation, or minus the previous finish when it finishes again) counted from now, so a result
 * stays downloadable that long after it exists, however long the job waited in the queue. One
 * expression over the row's old values, so it needs no read first.
 */
function expiryFromNow(eb: ExpressionBuilder<Tables, 'jobs'>, now: number) {
  const lifetime = eb(eb.ref('expires_at'), '-', eb.fn.coalesce('finished_at', 'created_at'));
  return eb(eb.val(now), '+', lifetime);
}

/** The part of a JobResult kept in the job row; the outputs are rows of `job_outputs`. */
type StoredResult = Omit<JobResult, 'outputs'>;

/** Jobs, their results and downloads over Kysely (every dialect). */
export class KyselyJobStore implements JobStore {
  constructor(private readonly db: Kysely<Tables>) {}

  async create(job: NewJob): Promise<JobRecord> {
    const createdAt = new Date();
    await this.db
      .insertInto('jobs')
      .values({
        id: job.id,
        account_id: job.accountId,
        status: 'queued',
        source: JSON.stringify(job.source),
        plan: JSON.stringify(job.plan),
        delivery: JSON.stringify(job.delivery),
        dev: job.dev ? 1 : 0,
        compat: JSON.stringify(job.compat),
        result: null,
        error: null,
        created_at: toMs(createdAt),
        finished_at: null,
        expires_at: toMs(job.expiresAt),
      })
      .execute();
    return { ...job, status: 'queued', createdAt };
  }

  async get(id: string): Promise<JobRecord | undefined> {
    const row = await this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    if (!row) return undefined;
    const outputs =
      row.result === null
        ? []
        : await this.db
            .selectFrom('job_outputs')
            .selectAll()
            .where('job_id', '=', id)
            .orderBy('position')
            .execute();
    return toJobRecord(row, outputs);
  }

  /** Moves a queued job to running; a job that already ended stays as it is (a late redelivery). */
  async markRunning(id: string): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({ status: 'running' })
      .where('id', '=', id)
      .where('status', '=', 'queued')
      .execute();
  }

  /**
   * Replaces the job's result and outputs, so a retried job that ran again ends with exactly
   * the outputs of its last run, never both runs' (the blobs of an earlier run are swept with
   * the job by the janitor, which deletes everything under `results/<jobId>/`).
   * @throws SquishError NOT_FOUND when there is no such job
   */
  async complete(id: string, result: JobResult, usage?: RequestUsage): Promise<CompletedJob> {
    const stored: StoredResult = {
      inputFormat: result.inputFormat,
      originalSize: result.originalSize,
      ms: result.ms,
    };
    return this.db.transaction().execute(async (trx) => {
      // Updating the job row first takes its row lock on PostgreSQL, so two concurrent completes of
      // one job run one after the other and the second's delete sees the first's outputs.
      const now = toMs(new Date());
      const firstCompletion = await trx
        .updateTable('jobs')
        .set({ status: 'done' })
        .where('id', '=', id)
        .where('status', '!=', 'done')
        .returning('account_id')
        .executeTakeFirst();
      const updated = await trx
        .updateTable('jobs')
        .set((eb) => ({
          status: 'done',
          result: JSON.stringify(stored),
          error: null,
          finished_at: now,
          expires_at: expiryFromNow(eb, now),
        }))
        .where('id', '=', id)
        .returning(['account_id', 'delivery', 'expires_at'])
        .executeTakeFirst();
      if (!updated) throw new SquishError('NOT_FOUND', `There is no job ${id}.`);
      if (usage && firstCompletion) await addUsage(trx, firstCompletion.account_id, usage, new Date(now));
      await createDeliveryForJob(
        trx,
        { id, accountId: updated.account_id, delivery: JSON.parse(updated.delivery) },
        now,
      );
      await trx.deleteFrom('job_outputs').where('job_id', '=', id).execute();
      if (result.outputs.length > 0) {
        await trx
          .insertInto('job_outputs')
          .values(result.outputs.map((output, position) => toOutputRow(id, position, output)))
          .execute();
      }
      return { finishedAt: fromMs(now), expiresAt: fromMs(updated.expires_at) };
    });
  }

  /**
   * Records a final failure. A job that is already done keeps its result: its download links
   * may have been handed out.
   * @throws SquishError NOT_FOUND when there is no such job
   */
  async fail(id: string, error: ErrorReport): Promise<void> {
    const now = toMs(new Date());
    const failed = await this.db.transaction().execute(async (trx) => {
      const updated = await trx
        .updateTable('jobs')
        .set((eb) => ({
          status: 'failed',
          error: JSON.stringify(error),
          finished_at: now,
          expires_at: expiryFromNow(eb, now),
        }))
        .where('id', '=', id)
        .where('status', '!=', 'done')
        .returning(['account_id', 'delivery'])
        .executeTakeFirst();
      if (!updated) return false;
      await createDeliveryForJob(
        trx,
        { id, accountId: updated.account_id, delivery: JSON.parse(updated.delivery) },
        now,
      );
      return true;
    });
    if (failed) return;
    const exists = await this.db.selectFrom('jobs').select('id').where('id', '=', id).executeTakeFirst();
    if (!exists) throw new SquishError('NOT_FOUND', `There is no job ${id}.`);
  }

  async getDownload(token: string): Promise<Download | undefined> {
    const row = await this.db
      .selectFrom('job_outputs')
      .innerJoin('jobs', 'jobs.id', 'job_outputs.job_id')
      .selectAll('job_outputs')
      .select('jobs.expires_at')
      .where('job_outputs.token', '=', token)
      .executeTakeFirst();
    if (!row) return undefined;
    return { ...toJobOutput(row), jobId: row.job_id, expiresAt: fromMs(row.expires_at) };
  }

  /**
   * Finished jobs past their expiry (once their webhook, if any, is no longer pending), and
   * unfinished ones only a day later: a job still waiting in
   * a backlog longer than the result's lifetime must not lose its input before it runs, while
   * one that will never finish (its queue entry lost) is still cleaned up eventually.
   */
  async unfinished(createdBefore: Date, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('jobs')
      .select('id')
      .where('status', 'in', ['queued', 'running'])
      .where('created_at', '<', toMs(createdBefore))
      .orderBy('created_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((row) => row.id);
  }

  async expired(now: Date, limit: number): Promise<{ id: string; blobKeys: string[] }[]> {
    const jobs = await this.db
      .selectFrom('jobs')
      .select(['id', 'source'])
      .where((eb) => {
        const deliveryPending = eb.exists(
          eb
            .selectFrom('webhook_deliveries')
            .select('webhook_deliveries.id')
            .whereRef('webhook_deliveries.job_id', '=', 'jobs.id')
            .where('webhook_deliveries.status', '=', 'pending'),
        );
        return eb.or([
          eb.and([
            eb('status', 'in', ['done', 'failed']),
            eb('expires_at', '<=', toMs(now)),
            eb.not(deliveryPending),
          ]),
          eb.and([
            eb('status', 'in', ['queued', 'running']),
            eb('expires_at', '<=', toMs(now) - UNFINISHED_GRACE_MS),
          ]),
          eb('expires_at', '<=', toMs(now) - UNDELIVERED_GRACE_MS),
        ]);
      })
      .orderBy('expires_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    if (jobs.length === 0) return [];
    const outputs = await this.db
      .selectFrom('job_outputs')
      .select(['job_id', 'blob_key'])
      .where(
        'job_id',
        'in',
        jobs.map((job) => job.id),
      )
      .orderBy('job_id')
      .orderBy('position')
      .execute();
    return jobs.map((job) => {
      const source = JSON.parse(job.source) as JobSource;
      const blobKeys = source.kind === 'upload' ? [source.blobKey] : [];
      for (const output of outputs) if (output.job_id === job.id) blobKeys.push(output.blob_key);
      return { id: job.id, blobKeys };
    });
  }

  async delete(ids: string[]): Promise<void> {
    for (const batch of chunks(ids)) {
      await this.db.transaction().execute(async (trx) => {
        // Dependent rows first, explicitly: the cascade needs SQLite's foreign_keys pragma, this does not.
        await trx
          .deleteFrom('webhook_attempts')
          .where('delivery_id', 'in', (eb) =>
            eb.selectFrom('webhook_deliveries').select('id').where('job_id', 'in', batch),
          )
          .execute();
        await trx.deleteFrom('webhook_deliveries').where('job_id', 'in', batch).execute();
        await trx.deleteFrom('job_outputs').where('job_id', 'in', batch).execute();
        await trx.deleteFrom('jobs').where('id', 'in', batch).execute();
      });
    }
  }
}

function toJobRecord(row: Selectable<JobsTable>, outputs: Selectable<JobOutputsTable>[]): JobRecord {
  const record: JobRecord = {
    id: row.id,
    accountId: row.account_id,
    status: row.status,
    source: JSON.parse(row.source),
    plan: JSON.parse(row.plan),
    delivery: JSON.parse(row.delivery),
    dev: int(row.dev) === 1,
    compat: JSON.parse(row.compat),
    createdAt: fromMs(row.created_at),
    expiresAt: fromMs(row.expires_at),
  };
  if (row.result !== null) {
    record.result = { ...(JSON.parse(row.result) as StoredResult), outputs: outputs.map(toJobOutput) };
  }
  if (row.error !== null) record.error = JSON.parse(row.error);
  if (row.finished_at !== null) record.finishedAt = fromMs(row.finished_at);
  return record;
}

function toOutputRow(jobId: string, position: number, output: JobOutput): Insertable<JobOutputsTable> {
  return {
    token: output.token,
    job_id: jobId,
    position,
    set_id: output.setId ?? null,
    blob_key: output.blobKey,
    file_name: output.fileName,
    format: output.format,
    content_type: output.contentType,
    size: output.size,
    width: output.width,
    height: output.height,
    original_size: output.originalSize,
    original_width: output.originalWidth,
    original_height: output.originalHeight,
    saved_bytes: output.savedBytes,
    etag: output.etag,
    notes: JSON.stringify(output.notes),
  };
}

function toJobOutput(row: Selectable<JobOutputsTable>): JobOutput {
  const output: JobOutput = {
    token: row.token,
    blobKey: row.blob_key,
    fileName: row.file_name,
    format: row.format as ImageFormat,
    contentType: row.content_type,
    size: int(row.size),
    width: int(row.width),
    height: int(row.height),
    originalSize: int(row.original_size),
    originalWidth: int(row.original_width),
    originalHeight: int(row.original_height),
    savedBytes: int(row.saved_bytes),
    etag: row.etag,
    notes: JSON.parse(row.notes),
  };
  if (row.set_id !== null) output.setId = row.set_id;
  return output;
}
