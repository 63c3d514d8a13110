/**
 * The data layer on a real PostgreSQL (SQUISH_TEST_POSTGRES_URL, set by scripts/with-services.sh):
 * the same conformance suite as SQLite through `openDatabase(url)`, each test on a database of its
 * own, plus what only PostgreSQL has (the pool's settings, several processes writing at once).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import { connect } from '../../src/db/connect.js';
import { type JobResult, openDatabase } from '../../src/db/index.js';
import { isSquishError } from '../../src/errors/index.js';
import { parsePlan } from '../../src/plan/index.js';
import { serviceValue, skipWithout } from '../helpers/services.js';
import { describeDatabaseConformance } from './conformance.js';
import { adminQuery, createScratchDatabase, type ScratchDatabase } from './postgres-scratch.js';

const skip = skipWithout('postgres');
const adminUrl = serviceValue('postgres') ?? '';

const scratches: ScratchDatabase[] = [];
after(async () => {
  for (const scratch of scratches) await scratch.drop();
});

/** A new empty database for one test, dropped when the file's tests end. */
async function freshUrl(): Promise<string> {
  const scratch = await createScratchDatabase(adminUrl, 'squish_test_db');
  scratches.push(scratch);
  return scratch.url;
}

if (skip) {
  test('postgres: the data layer', { skip }, () => {});
} else {
  describeDatabaseConformance('postgres', async () => openDatabase(await freshUrl()));
}

describe('postgres: the connection', { skip }, () => {
  test('postgres:// and postgresql:// open the postgres dialect, and the data survives reopening', async () => {
    const url = await freshUrl();
    const first = await openDatabase(url);
    assert.equal(first.dialect, 'postgres');
    const { account, apiSecret } = await first.accounts.create({ name: 'kept', quotaBytes: 5 });
    await first.accounts.recordUsage(account.id, { bytesIn: 3, bytesOut: 1, savedBytes: 2, dev: false });
    await first.close();

    // Reopening runs the migrations again, which must find nothing to do.
    const second = await openDatabase(url.replace(/^postgres:/, 'postgresql:'));
    assert.equal(second.dialect, 'postgres');
    const reopened = await second.accounts.authenticate(account.apiKey, apiSecret);
    assert.equal(reopened?.name, 'kept');
    // A number, as on SQLite, not the string node-postgres returns for int8 by default.
    assert.equal(reopened?.usedBytes, 3);
    await second.close();
  });

  test('the pool reads int8 as numbers (exact strings beyond 2^53) and sets its server-side limits', async () => {
    const url = await freshUrl();
    const { db } = connect(url);
    try {
      const { rows } = await sql<{
        small: unknown;
        huge: unknown;
        count: unknown;
        statement_timeout: string;
        idle: string;
        application_name: string;
      }>`select 1234567890123::int8 as small, 9223372036854775807::int8 as huge, count(*) as count,
           current_setting('statement_timeout') as statement_timeout,
           current_setting('idle_in_transaction_session_timeout') as idle,
           current_setting('application_name') as application_name`.execute(db);
      assert.deepEqual(rows[0], {
        small: 1234567890123,
        huge: '9223372036854775807',
        count: 1,
        statement_timeout: '30s',
        idle: '1min',
        application_name: `squish/${process.pid}`,
      });
      // A libpq parameter in the URL wins over the default.
      const { db: named } = connect(`${url}?application_name=squish-api-1`);
      try {
        const { rows: namedRows } = await sql<{
          name: string;
        }>`select current_setting('application_name') as name`.execute(named);
        assert.equal(namedRows[0]?.name, 'squish-api-1');
      } finally {
        await named.destroy();
      }
    } finally {
      await db.destroy();
    }
  });

  test('a server that cannot be reached is UNAVAILABLE (503, retried), never showing the password', async () => {
    // Port 1 on loopback: nothing listens there, so the connection is refused at once.
    const url = 'postgres://squish:hunter2-secret@127.0.0.1:1/squish';
    const { db } = connect(url);
    try {
      await assert.rejects(sql`select 1`.execute(db), (error) => {
        assert.ok(isSquishError(error) && error.code === 'UNAVAILABLE', String(error));
        assert.equal((error.cause as { code?: string }).code, 'ECONNREFUSED');
        assert.doesNotMatch(error.message, /127\.0\.0\.1/, 'no address in what clients see');
        return true;
      });
    } finally {
      await db.destroy();
    }
    // Opening it fails in the migrations, with the cause kept and no password anywhere.
    await assert.rejects(openDatabase(url), (error) => {
      assert.ok(isSquishError(error), String(error));
      let text = '';
      for (let current: unknown = error; current instanceof Error; current = current.cause) {
        text += `${current.message}\n${current.stack ?? ''}\n`;
      }
      assert.match(text, /ECONNREFUSED/);
      assert.doesNotMatch(text, /hunter2/);
      return true;
    });
  });

  test('a read-only server (a standby not yet promoted) is UNAVAILABLE, a wrong query is not', async () => {
    const url = await freshUrl();
    await (await openDatabase(url)).close();
    const { db } = connect(`${url}?options=${encodeURIComponent('-c default_transaction_read_only=on')}`);
    try {
      await assert.rejects(sql`update accounts set name = name`.execute(db), (error) => {
        assert.ok(isSquishError(error) && error.code === 'UNAVAILABLE', String(error));
        assert.match(String((error.cause as Error).message), /read-only transaction/);
        return true;
      });
      await assert.rejects(sql`select no_such_column from accounts`.execute(db), (error) => {
        assert.ok(!isSquishError(error), String(error));
        assert.equal((error as { code?: string }).code, '42703');
        return true;
      });
    } finally {
      await db.destroy();
    }
  });

  test('a connection the server ends mid-query is UNAVAILABLE, and the pool carries on with a new one', async () => {
    const url = await freshUrl();
    const { db } = connect(`${url}?application_name=squish-terminated`);
    try {
      const sleeping = sql`select pg_sleep(20)`.execute(db);
      const outcome = assert.rejects(sleeping, (error) => {
        assert.ok(isSquishError(error) && error.code === 'UNAVAILABLE', String(error));
        return true;
      });
      // Terminate the backend once it is running the sleep (what a server shutdown does to it).
      // The sleep is shorter than the statement timeout, whose error would be another one.
      let terminated = false;
      for (let tries = 0; tries < 200 && !terminated; tries++) {
        const { rows } = await adminQuery(
          adminUrl,
          "select pg_terminate_backend(pid) as done from pg_stat_activity where application_name = 'squish-terminated' and query like '%pg_sleep%' and state = 'active'",
        );
        terminated = rows.length > 0;
        if (!terminated) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.ok(terminated, 'the sleeping query was found and terminated');
      await outcome;
      const { rows } = await sql<{ one: number }>`select 1 as one`.execute(db);
      assert.deepEqual(rows, [{ one: 1 }]);
    } finally {
      await db.destroy();
    }
  });

  test('a server that stops answering is UNAVAILABLE after the query timeout, and its connection is replaced', {
    // The backend serving the connection is paused with SIGSTOP, as a frozen or cut-off server looks.
    skip: process.getuid?.() !== 0 && 'needs root to signal the server process',
  }, async () => {
    const url = await freshUrl();
    const { db } = connect(`${url}?application_name=squish-paused&query_timeout=2000`);
    let paused: number | undefined;
    try {
      await sql`select 1`.execute(db);
      const { rows } = await adminQuery(
        adminUrl,
        "select pid from pg_stat_activity where application_name = 'squish-paused'",
      );
      assert.equal(rows.length, 1);
      paused = rows[0].pid as number;
      process.kill(paused, 'SIGSTOP');
      await assert.rejects(sql`select 2`.execute(db), (error) => {
        assert.ok(isSquishError(error) && error.code === 'UNAVAILABLE', String(error));
        assert.match(String((error.cause as Error).message), /Query read timeout/);
        return true;
      });
      // The paused connection is not handed out again: the next query runs on a new one.
      const { rows: again } = await sql<{ two: number }>`select 2 as two`.execute(db);
      assert.deepEqual(again, [{ two: 2 }]);
    } finally {
      if (paused !== undefined) process.kill(paused, 'SIGCONT');
      await db.destroy();
    }
  });

  test('a URL that does not parse is refused without the password', async () => {
    await assert.rejects(openDatabase('postgres://squish:hunter2-secret@[bad/squish'), (error) => {
      assert.ok(isSquishError(error) && error.code === 'INVALID_OPTION', String(error));
      assert.doesNotMatch(error.message, /hunter2/);
      return true;
    });
  });

  test('other processes writing the same account at the same time lose no update', async () => {
    const url = await freshUrl();
    const db = await openDatabase(url);
    const { account } = await db.accounts.create({ name: 'shared', quotaBytes: null });
    const child = fileURLToPath(new URL('./record-usage-child.ts', import.meta.url));
    const perChild = 60;
    const children = [1, 2, 3].map(() =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', child, url, account.id, String(perChild)]),
    );
    let childrenDone = false;
    const running = Promise.all(children).finally(() => {
      childrenDone = true;
    });
    // This process writes for as long as the children run, so all four contend for the same rows.
    let writes = 0;
    while (!childrenDone) {
      await db.accounts.recordUsage(account.id, { bytesIn: 7, bytesOut: 1, savedBytes: 6, dev: false });
      writes += 1;
    }
    await running;
    const total = 3 * perChild + writes;
    assert.equal((await db.accounts.getByKey(account.apiKey))?.usedBytes, 7 * total);
    const days = await db.accounts.usage(account.id, '2000-01-01', '2100-01-01');
    assert.equal(
      days.reduce((sum, day) => sum + day.requests, 0),
      total,
    );
    assert.equal(
      days.reduce((sum, day) => sum + day.savedBytes, 0),
      6 * total,
    );
    await db.close();
  });

  test('one job completed at the same moment by several nodes: counted once, one delivery, one run of outputs', async () => {
    // SQLite runs one writer at a time; PostgreSQL runs these transactions side by side, so the
    // row lock taken by complete's first update is what keeps them apart.
    const url = await freshUrl();
    const nodes = await Promise.all([1, 2, 3, 4].map(() => openDatabase(url)));
    try {
      const [first] = nodes;
      const { account } = await first!.accounts.create({ name: 'raced', quotaBytes: null });
      const jobId = 'c'.repeat(32);
      await first!.jobs.create({
        id: jobId,
        accountId: account.id,
        source: { kind: 'upload', blobKey: `inputs/${jobId}`, fileName: 'a.jpg', size: 700 },
        plan: parsePlan({ lossy: true }),
        delivery: { mode: 'callback', url: 'http://receiver.example/hook' },
        dev: false,
        compat: { api: 'kraken', data: {} },
        expiresAt: new Date(Date.now() + 3_600_000),
      });
      const usage = { bytesIn: 700, bytesOut: 300, savedBytes: 400, dev: false };
      // Each node completes it with outputs of its own (two per run), all at once, several times.
      const runs = nodes.flatMap((node, index) =>
        [0, 1, 2].map((round) => node.jobs.complete(jobId, raceResult(jobId, `${index}${round}`), usage)),
      );
      await Promise.all(runs);

      const job = await first!.jobs.get(jobId);
      assert.equal(job?.status, 'done');
      const runTags = new Set(job?.result?.outputs.map((output) => output.token.slice(0, 2)));
      assert.equal(job?.result?.outputs.length, 2, 'the outputs of one run');
      assert.equal(runTags.size, 1, 'never outputs of two runs mixed');
      assert.equal((await first!.accounts.getByKey(account.apiKey))?.usedBytes, 700, 'counted once');
      const days = await first!.accounts.usage(account.id, '2000-01-01', '2100-01-01');
      assert.equal(days[0]?.requests, 1);
      const deliveries = await first!.deliveries.list({ accountId: account.id, limit: 10 });
      assert.equal(deliveries.length, 1, 'one delivery');
      assert.equal(deliveries[0]?.jobId, jobId);
    } finally {
      await Promise.all(nodes.map((node) => node.close()));
    }
  });

  test('the connections of a closed database are gone from the server', async () => {
    const url = await freshUrl();
    const name = new URL(url).pathname.slice(1);
    const db = await openDatabase(url);
    await db.accounts.list();
    const open = await adminQuery(
      adminUrl,
      `select count(*)::int as n from pg_stat_activity where datname = '${name}'`,
    );
    assert.ok(open.rows[0].n >= 1);
    await db.close();
    // A backend leaves pg_stat_activity a moment after its client hung up.
    let remaining = -1;
    for (let tries = 0; tries < 50 && remaining !== 0; tries++) {
      if (tries > 0) await new Promise((resolve) => setTimeout(resolve, 100));
      const closed = await adminQuery(
        adminUrl,
        `select count(*)::int as n from pg_stat_activity where datname = '${name}'`,
      );
      remaining = closed.rows[0].n;
    }
    assert.equal(remaining, 0);
  });
});

/** A result of one run: two outputs whose tokens start with the run's tag. */
function raceResult(jobId: string, tag: string): JobResult {
  const outputs = [0, 1].map((index) => {
    const token = `${tag}${index}`.padEnd(32, '0');
    return {
      token,
      blobKey: `results/${jobId}/${token}`,
      fileName: 'a.jpg',
      format: 'jpeg' as const,
      contentType: 'image/jpeg',
      size: 300,
      width: 10,
      height: 10,
      originalSize: 700,
      originalWidth: 10,
      originalHeight: 10,
      savedBytes: 400,
      etag: `"${token}"`,
      notes: [],
    };
  });
  return { inputFormat: 'jpeg', originalSize: 700, outputs, ms: 5 };
}
