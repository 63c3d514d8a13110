import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, type MigrationProvider, Migrator, SqliteDialect } from 'kysely';
import { openDatabase } from '../../src/db/index.js';
import { MIGRATIONS } from '../../src/db/migrations.js';
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

  test('three connections in one process can open and migrate a new file at once', async () => {
    const url = freshUrl();
    const [a, b, c] = await Promise.all([openDatabase(url), openDatabase(url), openDatabase(url)]);
    await a!.accounts.create({ name: 'a', quotaBytes: null });
    assert.equal((await c!.accounts.list()).length, 1);
    await Promise.all([a!.close(), b!.close(), c!.close()]);
  });

  test('another process writing the same file at the same time loses no update', async () => {
    const url = freshUrl();
    const db = await openDatabase(url);
    const { account } = await db.accounts.create({ name: 'shared', quotaBytes: null });
    const child = fileURLToPath(new URL('./record-usage-child.ts', import.meta.url));
    let childDone = false;
    const running = promisify(execFile)(process.execPath, [
      '--import',
      'tsx',
      child,
      url,
      account.id,
      '100',
    ]).finally(() => {
      childDone = true;
    });
    // This process writes for as long as the child runs, so the two contend for the file's lock.
    let writes = 0;
    while (!childDone) {
      await db.accounts.recordUsage(account.id, { bytesIn: 7, bytesOut: 1, savedBytes: 6, dev: false });
      writes += 1;
      await new Promise((resolve) => setImmediate(resolve));
    }
    await running;
    assert.equal((await db.accounts.getByKey(account.apiKey))?.usedBytes, 7 * (100 + writes));
    const days = await db.accounts.usage(account.id, '2000-01-01', '2100-01-01');
    assert.equal(
      days.reduce((sum, day) => sum + day.requests, 0),
      100 + writes,
    );
    await db.close();
  });

  test('three processes can open and migrate a new file at once', async () => {
    const url = freshUrl();
    const child = fileURLToPath(new URL('./record-usage-child.ts', import.meta.url));
    // Each child opens the database (running the migrations) and records nothing.
    await Promise.all(
      [1, 2, 3].map(() =>
        promisify(execFile)(process.execPath, ['--import', 'tsx', child, url, 'none', '0']),
      ),
    );
    const db = await openDatabase(url);
    await db.accounts.create({ name: 'after', quotaBytes: null });
    assert.equal((await db.accounts.list()).length, 1);
    await db.close();
  });

  test('migration 0002 gives accounts made before it a signing secret of their own', async () => {
    const path = join(root, 'upgrade', 'squish.db');
    mkdirSync(dirname(path), { recursive: true });
    // biome-ignore lint/suspicious/noExplicitAny: the schema of an old version, as migrations type it.
    const old = new Kysely<any>({ dialect: new SqliteDialect({ database: new BetterSqlite3(path) }) });
    const onlyFirst: MigrationProvider = {
      getMigrations: async () => ({ '0001_initial': MIGRATIONS['0001_initial']! }),
    };
    const { error } = await new Migrator({ db: old, provider: onlyFirst }).migrateToLatest();
    assert.equal(error, undefined);
    for (const [id, key] of [
      ['old-1', 'a'.repeat(32)],
      ['old-2', 'b'.repeat(32)],
    ]) {
      await old
        .insertInto('accounts')
        .values({
          id,
          name: id,
          api_key: key,
          secret_salt: '00',
          secret_hash: '00',
          used_bytes: 0,
          status: 'active',
          created_at: 1,
        })
        .execute();
    }
    await old.destroy();

    const db = await openDatabase(`sqlite:${path}`);
    const first = await db.accounts.signingSecrets('old-1');
    const second = await db.accounts.signingSecrets('old-2');
    assert.match(first?.current ?? '', /^whsec_[0-9a-f]{64}$/);
    assert.match(second?.current ?? '', /^whsec_[0-9a-f]{64}$/);
    assert.notEqual(first?.current, second?.current);
    await db.close();
  });

  test('an unsupported database URL is refused with a clear error', async () => {
    // postgres:// is a dialect now (issue 6); its own tests are in postgres.test.ts.
    for (const url of ['mysql://user:pw@host/db', 'mysql://host/db', 'sqlite:']) {
      await assert.rejects(openDatabase(url), (error) => {
        assert.ok(isSquishError(error) && error.code === 'INVALID_OPTION', String(error));
        assert.ok(!error.message.includes('pw'));
        return true;
      });
    }
  });
});
