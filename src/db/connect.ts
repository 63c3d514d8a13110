/**
 * The one place where the SQL dialects differ: the database URL picks a dialect and this module
 * opens it with its driver-level settings. Everything above (migrations, stores) is written once
 * against Kysely in the subset both dialects share: SQLite through better-sqlite3, PostgreSQL
 * through a `pg` pool (postgres-pool.ts) whose int8 parser returns numbers, as better-sqlite3 does.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import { SquishError } from '../errors/index.js';
import type { SquishDatabase } from './database.js';
import type { Tables } from './schema.js';
import { withStatementCache } from './statement-cache.js';

export interface Connection {
  dialect: SquishDatabase['dialect'];
  db: Kysely<Tables>;
}

/** How long a SQLite writer waits for another process's write lock before SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

/**
 * Opens the database a URL names: `sqlite:<path>` (or `sqlite://<path>`; `sqlite::memory:` for a
 * throwaway), or `postgres://` / `postgresql://` in libpq's URL form (the query may set libpq
 * parameters such as `sslmode`, `application_name` or `statement_timeout`, which win over the
 * defaults here). Nothing is connected yet: the first query (the migrations) connects.
 * @throws SquishError INVALID_OPTION for an unknown scheme or a URL that does not parse
 */
export function connect(url: string): Connection {
  if (url.startsWith('sqlite:')) return { dialect: 'sqlite', db: openSqlite(sqlitePath(url)) };
  if (/^postgres(ql)?:\/\//.test(url)) return { dialect: 'postgres', db: openPostgres(url) };
  throw new SquishError('INVALID_OPTION', `Unknown database URL scheme in ${JSON.stringify(redact(url))}`);
}

function sqlitePath(url: string): string {
  const path = url.slice('sqlite:'.length).replace(/^\/\/(?=.)/, '');
  if (!path) throw new SquishError('INVALID_OPTION', 'The database URL sqlite: needs a file path');
  return path;
}

function openSqlite(path: string): Kysely<Tables> {
  if (path !== ':memory:') mkdirSync(dirname(resolve(path)), { recursive: true });
  const database = new BetterSqlite3(path);
  // WAL lets readers (the api) run beside a writer (a worker, the embedded queue's own
  // connection); NORMAL sync is durable across process crashes in WAL mode, which is what
  // "nothing accepted is lost" needs; foreign keys are off by default in SQLite.
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  database.pragma('foreign_keys = ON');
  // Kysely holds this one connection for a whole transaction, across awaits. The stores' transactions
  // await only their own statements, which better-sqlite3 runs synchronously, so a transaction
  // begins and commits within one turn of the event loop: no timer or I/O callback (where the
  // embedded queue, on its own connection to this file, does most of its writing) runs in between.
  // Keep it that way: no other I/O inside a transaction, or the queue's writes would stall on the
  // lock for up to busy_timeout with the whole process blocked.
  return new Kysely<Tables>({ dialect: new SqliteDialect({ database: withStatementCache(database) }) });
}

function openPostgres(url: string): Kysely<Tables> {
  try {
    new URL(url);
  } catch {
    throw new SquishError('INVALID_OPTION', `The database URL ${JSON.stringify(redact(url))} does not parse`);
  }
  // pg is loaded when the first query needs the pool: a node on the default SQLite file never
  // holds its modules in memory (a smaller heap is a cheaper garbage collection of every request).
  const pool = async () => (await import('./postgres-pool.js')).openPostgresPool(url);
  return new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) });
}

/** A URL fit for an error message: no password. */
function redact(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
}
