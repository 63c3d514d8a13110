/**
 * The data layer: accounts, key pairs, usage, jobs and downloads, on SQLite by default (and on
 * PostgreSQL once issue 6 adds its branch in connect.ts), through Kysely.
 */
import { connect } from './connect.js';
import type { SquishDatabase } from './database.js';
import { KyselyDatabase } from './kysely-database.js';
import { migrateToLatest } from './migrations.js';

export { utcDay } from './columns.js';
export type {
  AccountStore,
  CompletedJob,
  DeliveryStore,
  JobStore,
  RequestUsage,
  SquishDatabase,
} from './database.js';
export type * from './records.js';

/**
 * Opens the database a URL names and brings its schema up to date. `sqlite:<path>` creates the
 * file and its parent folders when missing.
 * @throws SquishError INVALID_OPTION for an unsupported URL; INTERNAL when a migration fails
 */
export async function openDatabase(url: string): Promise<SquishDatabase> {
  const { dialect, db } = connect(url);
  try {
    await migrateToLatest(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return new KyselyDatabase(dialect, db);
}
