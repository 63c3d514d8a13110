/**
 * Throwaway databases on the test PostgreSQL server (SQUISH_TEST_POSTGRES_URL names a superuser
 * connection that may create databases): each test that needs an empty database makes its own
 * and drops it afterwards, so test files can run side by side on one server.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** A database made for one test: its URL (same server and user) and how to drop it. */
export interface ScratchDatabase {
  name: string;
  url: string;
  /** Drops the database, closing whatever connections are still open to it. */
  drop(): Promise<void>;
}

/** Creates an empty database named `<prefix>_<random>` on the server `adminUrl` points at. */
export async function createScratchDatabase(adminUrl: string, prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  // The name is made here from [a-z0-9_], so quoting it is enough (DDL takes no parameters).
  await adminQuery(adminUrl, `create database "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    drop: async () => {
      await adminQuery(adminUrl, `drop database if exists "${name}" with (force)`);
    },
  };
}

/** Runs one statement on its own connection to `url`. */
export async function adminQuery(url: string, statement: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(statement);
  } finally {
    await client.end();
  }
}
