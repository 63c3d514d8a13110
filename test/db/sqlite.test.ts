import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { openDatabase } from '../../src/db/index.js';
import { isSquishError } from '../../src/errors/index.js';
import { describeDatabaseConformance } from './conformance.js';

const root = mkdtempSync(join(tmpdir(), 'squish-db-'));
after(() => rmSync(root, { recursive: true, force: true }));

let files = 0;
function freshUrl(): string {
  files += 1;
  return `sqlite:${join(root, `db-${files}`, 'squish.db')}`;
}

describeDatabaseConformance('sqlite', () => openDatabase(freshUrl()));

describe('sqlite: the file', () => {
  test('openDatabase creates the parent folders and the data survives closing and reopening', async () => {
    const path = join(root, 'nested', 'deeper', 'squish.db');
    const first = await openDatabase(`sqlite:${path}`);
    const { account, apiSecret } = await first.accounts.create({ name: 'kept', quotaBytes: 5 });
    await first.accounts.recordUsage(account.id, { bytesIn: 3, bytesOut: 1, savedBytes: 2, dev: false });
    await first.close();

    // Reopening runs the migrations again, which must find nothing to do.
    const second = await openDatabase(`sqlite://${path}`);
    assert.equal(second.dialect, 'sqlite');
    const reopened = await second.accounts.authenticate(account.apiKey, apiSecret);
    assert.equal(reopened?.name, 'kept');
    assert.equal(reopened?.usedBytes, 3);
    await second.close();
  });

  test('the secret is not stored in clear, the file is in WAL mode and enforces foreign keys', async () => {
    const path = join(root, 'secret', 'squish.db');
    const db = await openDatabase(`sqlite:${path}`);
    const { account, apiSecret } = await db.accounts.create({ name: 'hidden', quotaBytes: null });
    await db.close();

    const raw = new BetterSqlite3(path);
    try {
      assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
      const row = raw.prepare('select * from accounts where api_key = ?').get(account.apiKey) as Record<
        string,
        unknown
      >;
      assert.ok(!Object.values(row).some((value) => String(value).includes(apiSecret)));
      raw.pragma('foreign_keys = ON');
      assert.throws(
        () =>
          raw.prepare("insert into usage_days values ('no-such-account', '2026-01-01', 1, 1, 1, 1)").run(),
        /FOREIGN KEY/,
      );
    } finally {
      raw.close();
    }
    const bytes = readFileSync(path);
    assert.equal(bytes.includes(Buffer.from(apiSecret)), false);
  });

  test('two processes-worth of connections can open and migrate the same file at once', async () => {
    const url = freshUrl();
    const [a, b, c] = await Promise.all([openDatabase(url), openDatabase(url), openDatabase(url)]);
    await a!.accounts.create({ name: 'a', quotaBytes: null });
    assert.equal((await c!.accounts.list()).length, 1);
    await Promise.all([a!.close(), b!.close(), c!.close()]);
  });

  test('an unsupported database URL is refused with a clear error', async () => {
    for (const url of ['postgres://user:pw@host/db', 'mysql://host/db', 'sqlite:']) {
      await assert.rejects(openDatabase(url), (error) => {
        assert.ok(isSquishError(error) && error.code === 'INVALID_OPTION', String(error));
        assert.ok(!error.message.includes('pw'));
        return true;
      });
    }
  });
});
