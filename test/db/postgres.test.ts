/**
 * The conformance suite on a real PostgreSQL, through psql (see psql-driver.ts), to keep the
 * schema and every query portable before issue 6 adds the `postgres:` URL. Runs only when
 * `SQUISH_TEST_POSTGRES=host:port:user` names a server where that user may create databases.
 */
import { after, test } from 'node:test';
import { KyselyDatabase } from '../../src/db/kysely-database.js';
import { migrateToLatest } from '../../src/db/migrations.js';
import type { Tables } from '../../src/db/schema.js';
import { describeDatabaseConformance } from './conformance.js';
import { createPsqlDatabase, dropPsqlDatabase, psqlTargetFromEnv } from './psql-driver.js';

const target = psqlTargetFromEnv();

if (!target) {
  test('postgres conformance (set SQUISH_TEST_POSTGRES=host:port:user to run it)', { skip: true }, () => {});
} else {
  const server = target;
  const created: string[] = [];
  after(async () => {
    for (const name of created) await dropPsqlDatabase(server, name);
  });

  describeDatabaseConformance('postgres', async () => {
    const name = `squish_test_${process.pid}_${created.length + 1}`;
    created.push(name);
    const db = await createPsqlDatabase<Tables>(server, name);
    await migrateToLatest(db, 1);
    return new KyselyDatabase('postgres', db);
  });
}
