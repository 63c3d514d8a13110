import type BetterSqlite3 from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/**
 * better-sqlite3 with its prepared statements kept for reuse. Kysely's SQLite driver prepares
 * every statement anew on each query; that was 22 % of the data layer's CPU time in a profile of
 * the API's per-request queries, and the stores send the same few SQL texts over and over.
 * Bounded (least recently used out), since `in (?, ?, ...)` lists of every length are distinct texts.
 */
export function withStatementCache(database: BetterSqlite3.Database, capacity = 256): SqliteDatabase {
  const statements = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => database.close(),
    prepare(sql) {
      const cached = statements.get(sql);
      // A statement still iterating (a streamed query) cannot run again until it is done.
      if (cached && !cached.busy) {
        statements.delete(sql);
        statements.set(sql, cached);
        return cached;
      }
      const statement = database.prepare(sql);
      if (!cached) {
        statements.set(sql, statement);
        if (statements.size > capacity) statements.delete(statements.keys().next().value as string);
      }
      return statement;
    },
  };
}
