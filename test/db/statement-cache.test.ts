import assert from 'node:assert/strict';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { withStatementCache } from '../../src/db/statement-cache.js';

test('a statement is prepared once and reused, and one still iterating is not handed out again', () => {
  const raw = new BetterSqlite3(':memory:');
  raw.exec('create table t (n integer); insert into t values (1), (2), (3);');
  const database = withStatementCache(raw);
  const sql = 'select n from t order by n';

  const first = database.prepare(sql);
  assert.equal(database.prepare(sql), first);

  const seen: unknown[] = [];
  for (const row of first.iterate([])) {
    // The cached statement is busy: the same SQL must still run, on another statement.
    const inner = database.prepare(sql);
    assert.notEqual(inner, first);
    assert.equal(inner.all([]).length, 3);
    seen.push(row);
  }
  assert.equal(seen.length, 3);
  assert.equal(database.prepare(sql), first, 'done iterating: reused again');
  database.close();
});

test('the cache keeps at most its capacity, dropping the least recently used', () => {
  const raw = new BetterSqlite3(':memory:');
  const database = withStatementCache(raw, 2);
  const a = database.prepare('select 1');
  const b = database.prepare('select 2');
  assert.equal(database.prepare('select 1'), a); // a is now the most recent
  database.prepare('select 3'); // evicts b
  assert.equal(database.prepare('select 1'), a);
  assert.notEqual(database.prepare('select 2'), b);
  database.close();
});
