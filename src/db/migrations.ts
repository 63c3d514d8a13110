/**
 * The schema's history, in code: a Kysely migration provider that returns this list, so that
 * migrations run the same from `dist/` and from `tsx` (no folder of files to glob). Migrations
 * are never edited once released; a change is a new entry. Every statement is written with
 * Kysely's schema builder in the subset SQLite and PostgreSQL share.
 */
import { type Kysely, type Migration, type MigrationProvider, Migrator, sql } from 'kysely';
import { isSquishError, SquishError } from '../errors/index.js';
import { newSigningSecret } from './delivery-signing-secret.js';

// Migrations must not depend on today's table types, which change with later migrations.
// biome-ignore lint/suspicious/noExplicitAny: Kysely's documented type for migrations.
type AnyDb = Kysely<any>;

const initial: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createTable('accounts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('api_key', 'text', (c) => c.notNull().unique())
      .addColumn('secret_salt', 'text', (c) => c.notNull())
      .addColumn('secret_hash', 'text', (c) => c.notNull())
      .addColumn('quota_bytes', 'bigint')
      .addColumn('used_bytes', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addCheckConstraint('accounts_status_check', sql`status in ('active', 'suspended', 'revoked')`)
      .execute();

    await db.schema
      .createTable('usage_days')
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('day', 'text', (c) => c.notNull())
      .addColumn('requests', 'bigint', (c) => c.notNull())
      .addColumn('bytes_in', 'bigint', (c) => c.notNull())
      .addColumn('bytes_out', 'bigint', (c) => c.notNull())
      .addColumn('saved_bytes', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('usage_days_pk', ['account_id', 'day'])
      .addForeignKeyConstraint('usage_days_account_fk', ['account_id'], 'accounts', ['id'], (fk) =>
        fk.onDelete('cascade'),
      )
      .execute();
    // The janitor prunes by day across all accounts.
    await db.schema.createIndex('usage_days_day').on('usage_days').column('day').execute();

    await db.schema
      .createTable('jobs')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('plan', 'text', (c) => c.notNull())
      .addColumn('delivery', 'text', (c) => c.notNull())
      .addColumn('dev', 'integer', (c) => c.notNull())
      .addColumn('compat', 'text', (c) => c.notNull())
      .addColumn('result', 'text')
      .addColumn('error', 'text')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('finished_at', 'bigint')
      .addColumn('expires_at', 'bigint', (c) => c.notNull())
      .addCheckConstraint('jobs_status_check', sql`status in ('queued', 'running', 'done', 'failed')`)
      .addForeignKeyConstraint('jobs_account_fk', ['account_id'], 'accounts', ['id'])
      .execute();
    // The janitor looks for expired jobs; PostgreSQL does not index foreign keys by itself.
    await db.schema.createIndex('jobs_expires_at').on('jobs').column('expires_at').execute();
    await db.schema.createIndex('jobs_account_id').on('jobs').column('account_id').execute();

    await db.schema
      .createTable('job_outputs')
      .addColumn('token', 'text', (c) => c.primaryKey())
      .addColumn('job_id', 'text', (c) => c.notNull())
      .addColumn('position', 'integer', (c) => c.notNull())
      .addColumn('set_id', 'text')
      .addColumn('blob_key', 'text', (c) => c.notNull())
      .addColumn('file_name', 'text', (c) => c.notNull())
      .addColumn('format', 'text', (c) => c.notNull())
      .addColumn('content_type', 'text', (c) => c.notNull())
      .addColumn('size', 'bigint', (c) => c.notNull())
      .addColumn('width', 'integer', (c) => c.notNull())
      .addColumn('height', 'integer', (c) => c.notNull())
      .addColumn('original_size', 'bigint', (c) => c.notNull())
      .addColumn('original_width', 'integer', (c) => c.notNull())
      .addColumn('original_height', 'integer', (c) => c.notNull())
      .addColumn('saved_bytes', 'bigint', (c) => c.notNull())
      .addColumn('etag', 'text', (c) => c.notNull())
      .addColumn('notes', 'text', (c) => c.notNull())
      .addForeignKeyConstraint('job_outputs_job_fk', ['job_id'], 'jobs', ['id'], (fk) =>
        fk.onDelete('cascade'),
      )
      .execute();
    await db.schema.createIndex('job_outputs_job_id').on('job_outputs').column('job_id').execute();
  },
  async down(db: AnyDb) {
    for (const table of ['job_outputs', 'jobs', 'usage_days', 'accounts']) {
      await db.schema.dropTable(table).execute();
    }
  },
};

/**
 * Issue 5: durable webhooks. Each account gets a signing secret (with the previous one and until
 * when it stays valid, for rotation); each callback job's outcome gets a delivery row and its
 * attempts. SQLite cannot add a NOT NULL column without a default, so the secret column is
 * nullable and existing accounts are given a fresh secret here, one row at a time.
 */
const webhookDeliveries: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('accounts').addColumn('signing_secret', 'text').execute();
    await db.schema.alterTable('accounts').addColumn('previous_signing_secret', 'text').execute();
    await db.schema.alterTable('accounts').addColumn('previous_signing_secret_until', 'bigint').execute();
    const accounts = await db.selectFrom('accounts').select('id').execute();
    for (const { id } of accounts) {
      await db
        .updateTable('accounts')
        .set({ signing_secret: newSigningSecret() })
        .where('id', '=', id)
        .execute();
    }

    await db.schema
      .createTable('webhook_deliveries')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('job_id', 'text', (c) => c.notNull().unique())
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('url', 'text', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull())
      .addColumn('next_attempt_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('delivered_at', 'bigint')
      .addCheckConstraint('webhook_deliveries_status_check', sql`status in ('pending', 'delivered', 'dead')`)
      .addForeignKeyConstraint('webhook_deliveries_job_fk', ['job_id'], 'jobs', ['id'], (fk) =>
        fk.onDelete('cascade'),
      )
      .execute();
    // The janitor looks for overdue pending deliveries; listings filter by account and status.
    await db.schema
      .createIndex('webhook_deliveries_due')
      .on('webhook_deliveries')
      .columns(['status', 'next_attempt_at'])
      .execute();
    await db.schema
      .createIndex('webhook_deliveries_account')
      .on('webhook_deliveries')
      .columns(['account_id', 'created_at'])
      .execute();
    await db.schema
      .createIndex('webhook_deliveries_created')
      .on('webhook_deliveries')
      .column('created_at')
      .execute();

    await db.schema
      .createTable('webhook_attempts')
      .addColumn('delivery_id', 'text', (c) => c.notNull())
      .addColumn('attempt', 'integer', (c) => c.notNull())
      .addColumn('started_at', 'bigint', (c) => c.notNull())
      .addColumn('duration_ms', 'integer', (c) => c.notNull())
      .addColumn('http_status', 'integer')
      .addColumn('error', 'text')
      .addPrimaryKeyConstraint('webhook_attempts_pk', ['delivery_id', 'attempt'])
      .addForeignKeyConstraint(
        'webhook_attempts_delivery_fk',
        ['delivery_id'],
        'webhook_deliveries',
        ['id'],
        (fk) => fk.onDelete('cascade'),
      )
      .execute();
  },
  async down(db: AnyDb) {
    await db.schema.dropTable('webhook_attempts').execute();
    await db.schema.dropTable('webhook_deliveries').execute();
    for (const column of ['previous_signing_secret_until', 'previous_signing_secret', 'signing_secret']) {
      await db.schema.alterTable('accounts').dropColumn(column).execute();
    }
  },
};

/**
 * The janitor asks every run for jobs still queued or running past a time (JobStore.unfinished):
 * without this index that is a scan of the whole jobs table, which grows with traffic.
 */
const unfinishedJobsIndex: Migration = {
  async up(db: AnyDb) {
    await db.schema
      .createIndex('jobs_status_created_at')
      .on('jobs')
      .columns(['status', 'created_at'])
      .execute();
  },
  async down(db: AnyDb) {
    await db.schema.dropIndex('jobs_status_created_at').execute();
  },
};

/** Every migration, by name; names sort in the order they run. */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '0001_initial': initial,
  '0002_webhook_deliveries': webhookDeliveries,
  '0003_unfinished_jobs_index': unfinishedJobsIndex,
};

const provider: MigrationProvider = { getMigrations: async () => ({ ...MIGRATIONS }) };

/**
 * Brings the schema up to date. Several processes may open one database at once (`squish serve`
 * and `squish keys create`). On PostgreSQL Kysely serializes them with an advisory lock; on SQLite
 * its lock is a no-op, and the loser of the race fails inside its migration transaction (SQLITE_BUSY
 * or "table already exists", depending on timing), which is rolled back. So a failed run is tried
 * again: the next run reads the migrations table afresh and finds nothing left to do, while a
 * migration that is really broken fails every time and is reported after the last attempt.
 * @throws SquishError INTERNAL naming the failed migration, or UNAVAILABLE when the database cannot be reached
 */
export async function migrateToLatest(db: AnyDb, attempts = 4): Promise<void> {
  const migrator = new Migrator({ db, provider });
  for (let attempt = 1; ; attempt++) {
    const { error, results } = await migrator.migrateToLatest();
    if (!error) return;
    if (attempt < attempts) {
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      continue;
    }
    // A database that cannot be reached is not a broken migration: keep the error that says so.
    if (isSquishError(error) && error.code === 'UNAVAILABLE') throw error;
    const failed = results?.find((result) => result.status === 'Error')?.migrationName ?? 'setup';
    throw new SquishError('INTERNAL', `Database migration ${failed} failed`, { cause: error });
  }
}
