/**
 * Run as a child process by postgres-migrate-race.test.ts: one of several nodes starting at the same
 * moment on a fresh database. It connects, prints `ready`, waits for a line on stdin (the parent
 * sends it to every child at once, so that they all migrate together), then either
 * - `migrator`: runs Kysely's Migrator over Squish's migrations, as migrateToLatest does, and prints
 *   the names of the migrations that this process executed (JSON), or
 * - `open`: opens the database as `squish serve` does (openDatabase) and creates an account.
 */
import { createInterface } from 'node:readline';
import { Migrator, sql } from 'kysely';
import { connect } from '../../src/db/connect.js';
import { openDatabase } from '../../src/db/index.js';
import { MIGRATIONS } from '../../src/db/migrations.js';

const [url, mode] = process.argv.slice(2);
if (!url || (mode !== 'migrator' && mode !== 'open'))
  throw new Error('usage: migrate-race-child <url> migrator|open');

const { db } = connect(url);
// Connected before the start signal, so that connection set-up does not stagger the start.
await sql`select 1`.execute(db);
process.stdout.write('ready\n');
const signal = createInterface({ input: process.stdin });
await new Promise<void>((resolve) => signal.once('line', () => resolve()));
// An open stdin would keep this process alive after its work.
signal.close();
process.stdin.destroy();

if (mode === 'migrator') {
  const migrator = new Migrator({ db, provider: { getMigrations: async () => ({ ...MIGRATIONS }) } });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error) throw error;
  const executed = results
    .filter((result) => result.status === 'Success')
    .map((result) => result.migrationName);
  process.stdout.write(`${JSON.stringify(executed)}\n`);
} else {
  const database = await openDatabase(url);
  await database.accounts.create({ name: `node-${process.pid}`, quotaBytes: null });
  await database.close();
  process.stdout.write('[]\n');
}
await db.destroy();
