/**
 * The data layer's conformance suite: every SquishDatabase implementation (SQLite now, PostgreSQL
 * in issue 6) must pass it. `open` returns a fresh, empty, migrated database each time.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { JobOutput, JobResult, NewJob, SquishDatabase, WebhookDelivery } from '../../src/db/index.js';
import { isSquishError } from '../../src/errors/index.js';
import { parsePlan } from '../../src/plan/index.js';

const HOUR = 3_600_000;

export function describeDatabaseConformance(name: string, open: () => Promise<SquishDatabase>): void {
  /** Runs a test body on a fresh database and closes it afterwards. */
  function withDb(body: (db: SquishDatabase) => Promise<void>): () => Promise<void> {
    return async () => {
      const db = await open();
      try {
        await body(db);
      } finally {
        await db.close();
      }
    };
  }

  describe(`${name}: accounts`, () => {
    test(
      'create makes a random key pair and the account is listed and found by its key',
      withDb(async (db) => {
        const first = await db.accounts.create({ name: 'first', quotaBytes: 1000 });
        const second = await db.accounts.create({ name: 'second', quotaBytes: null });
        assert.match(first.account.apiKey, /^[0-9a-f]{32}$/);
        assert.match(first.apiSecret, /^[0-9a-f]{32,}$/);
        assert.notEqual(first.account.apiKey, second.account.apiKey);
        assert.notEqual(first.apiSecret, second.apiSecret);
        assert.equal(first.account.status, 'active');
        assert.equal(first.account.usedBytes, 0);
        assert.equal(first.account.quotaBytes, 1000);
        assert.equal(second.account.quotaBytes, null);

        // Oldest first; two accounts made in the same millisecond may come in either order.
        const listed = await db.accounts.list();
        assert.deepEqual(listed.map((account) => account.name).sort(), ['first', 'second']);
        assert.ok(listed[0]!.createdAt <= listed[1]!.createdAt);
        assert.deepEqual(await db.accounts.getByKey(first.account.apiKey), first.account);
        assert.equal(await db.accounts.getByKey('0'.repeat(32)), undefined);
      }),
    );

    test(
      'create refuses a quota that is not a whole number of bytes',
      withDb(async (db) => {
        for (const quotaBytes of [-1, 1.5, Number.NaN]) {
          await assert.rejects(db.accounts.create({ name: 'x', quotaBytes }), (error) => {
            return isSquishError(error) && error.code === 'INVALID_OPTION';
          });
        }
        assert.deepEqual(await db.accounts.list(), []);
      }),
    );

    test(
      'authenticate accepts only the right secret of an unrevoked key',
      withDb(async (db) => {
        const { account, apiSecret } = await db.accounts.create({ name: 'a', quotaBytes: null });
        const other = await db.accounts.create({ name: 'b', quotaBytes: null });

        assert.deepEqual(await db.accounts.authenticate(account.apiKey, apiSecret), account);
        assert.equal(await db.accounts.authenticate(account.apiKey, other.apiSecret), undefined);
        assert.equal(await db.accounts.authenticate(account.apiKey, `${apiSecret}0`), undefined);
        assert.equal(await db.accounts.authenticate(account.apiKey, apiSecret.toUpperCase()), undefined);
        assert.equal(await db.accounts.authenticate(account.apiKey, ''), undefined);
        assert.equal(await db.accounts.authenticate('f'.repeat(32), apiSecret), undefined);
        assert.equal(await db.accounts.authenticate('', ''), undefined);
      }),
    );

    test(
      'a suspended account authenticates with its status; a revoked one never does, and stays revoked',
      withDb(async (db) => {
        const { account, apiSecret } = await db.accounts.create({ name: 'a', quotaBytes: null });

        assert.equal(await db.accounts.setStatus(account.apiKey, 'suspended'), true);
        assert.equal((await db.accounts.authenticate(account.apiKey, apiSecret))?.status, 'suspended');
        assert.equal(await db.accounts.setStatus(account.apiKey, 'active'), true);
        assert.equal((await db.accounts.authenticate(account.apiKey, apiSecret))?.status, 'active');

        assert.equal(await db.accounts.revoke(account.apiKey), true);
        assert.equal(await db.accounts.authenticate(account.apiKey, apiSecret), undefined);
        assert.equal((await db.accounts.getByKey(account.apiKey))?.status, 'revoked');
        assert.equal(await db.accounts.setStatus(account.apiKey, 'active'), false);
        assert.equal(await db.accounts.authenticate(account.apiKey, apiSecret), undefined);

        assert.equal(await db.accounts.revoke('0'.repeat(32)), false);
        assert.equal(await db.accounts.setStatus('0'.repeat(32), 'active'), false);
      }),
    );

    test(
      'recordUsage counts input bytes against the quota except in dev mode, and every request in the day rows',
      withDb(async (db) => {
        const { account } = await db.accounts.create({ name: 'a', quotaBytes: 10_000 });
        const at = new Date('2026-03-04T12:00:00Z');
        await db.accounts.recordUsage(
          account.id,
          { bytesIn: 1000, bytesOut: 600, savedBytes: 400, dev: false },
          at,
        );
        await db.accounts.recordUsage(
          account.id,
          { bytesIn: 500, bytesOut: 100, savedBytes: 400, dev: true },
          at,
        );
        await db.accounts.recordUsage(
          account.id,
          { bytesIn: 2000, bytesOut: 1500, savedBytes: 500, dev: false },
          at,
        );

        assert.equal((await db.accounts.getByKey(account.apiKey))?.usedBytes, 3000);
        assert.deepEqual(await db.accounts.usage(account.id, '2026-03-04', '2026-03-04'), [
          {
            accountId: account.id,
            day: '2026-03-04',
            requests: 3,
            bytesIn: 3500,
            bytesOut: 2200,
            savedBytes: 1300,
          },
        ]);
      }),
    );

    test(
      'concurrent recordUsage calls lose no update',
      withDb(async (db) => {
        const { account } = await db.accounts.create({ name: 'a', quotaBytes: null });
        const at = new Date('2026-03-04T12:00:00Z');
        await Promise.all(
          Array.from({ length: 25 }, (_, index) =>
            db.accounts.recordUsage(
              account.id,
              { bytesIn: index + 1, bytesOut: 1, savedBytes: index, dev: false },
              at,
            ),
          ),
        );
        assert.equal((await db.accounts.getByKey(account.apiKey))?.usedBytes, (25 * 26) / 2);
        const [day] = await db.accounts.usage(account.id, '2026-03-04', '2026-03-04');
        assert.equal(day?.requests, 25);
        assert.equal(day?.bytesIn, (25 * 26) / 2);
        assert.equal(day?.bytesOut, 25);
      }),
    );

    test(
      'usage rows are per account and per UTC day, selected by an inclusive day range, and pruned by day',
      withDb(async (db) => {
        const { account } = await db.accounts.create({ name: 'a', quotaBytes: null });
        const other = await db.accounts.create({ name: 'b', quotaBytes: null });
        const usage = { bytesIn: 10, bytesOut: 5, savedBytes: 5, dev: false };
        // 23:30 in UTC-5 is already the next day in UTC.
        await db.accounts.recordUsage(account.id, usage, new Date('2026-01-30T23:59:59.999Z'));
        await db.accounts.recordUsage(account.id, usage, new Date('2026-01-31T00:00:00.000Z'));
        await db.accounts.recordUsage(account.id, usage, new Date('2026-01-31T23:30:00-05:00'));
        await db.accounts.recordUsage(other.account.id, usage, new Date('2026-01-31T10:00:00Z'));

        const days = await db.accounts.usage(account.id, '2026-01-01', '2026-12-31');
        assert.deepEqual(
          days.map((day) => [day.day, day.requests]),
          [
            ['2026-01-30', 1],
            ['2026-01-31', 1],
            ['2026-02-01', 1],
          ],
        );
        assert.deepEqual(
          (await db.accounts.usage(account.id, '2026-01-31', '2026-01-31')).map((day) => day.day),
          ['2026-01-31'],
        );
        assert.deepEqual(await db.accounts.usage(account.id, '2025-01-01', '2025-12-31'), []);

        assert.equal(await db.accounts.pruneUsage('2026-01-31'), 1);
        assert.deepEqual(
          (await db.accounts.usage(account.id, '2026-01-01', '2026-12-31')).map((day) => day.day),
          ['2026-01-31', '2026-02-01'],
        );
        assert.equal((await db.accounts.usage(other.account.id, '2026-01-01', '2026-12-31')).length, 1);
        assert.equal(await db.accounts.pruneUsage('2026-01-31'), 0);
      }),
    );
  });

  describe(`${name}: jobs`, () => {
    test(
      'a job round-trips every field and moves queued -> running -> done',
      withDb(async (db) => {
        const accountId = await newAccount(db);
        const job = newJob(accountId, 'a'.repeat(32), {
          source: { kind: 'url', url: 'https://example.com/x.png', fileName: 'x.png', keepExtension: true },
          delivery: { mode: 'callback', url: 'https://example.com/hook' },
          dev: true,
        });
        const before = Date.now();
        const created = await db.jobs.create(job);

        const queued = await db.jobs.get(job.id);
        assert.ok(queued);
        assert.deepEqual(created, queued, 'create answers what get reads back');
        assert.equal(queued.status, 'queued');
        assert.deepEqual(
          { ...queued, createdAt: undefined },
          { ...jsonCopy(job), expiresAt: job.expiresAt, status: 'queued', createdAt: undefined },
        );
        assert.ok(
          queued.createdAt.getTime() >= before - 1000 && queued.createdAt.getTime() <= Date.now() + 1000,
        );
        assert.equal(queued.result, undefined);
        assert.equal(queued.finishedAt, undefined);
        assert.equal(await db.jobs.get('b'.repeat(32)), undefined);

        await db.jobs.markRunning(job.id);
        assert.equal((await db.jobs.get(job.id))?.status, 'running');

        const result = newResult(job.id, ['small', 'large']);
        await db.jobs.complete(job.id, result);
        const done = await db.jobs.get(job.id);
        assert.equal(done?.status, 'done');
        assert.deepEqual(done?.result, result);
        assert.ok(done?.finishedAt instanceof Date);
        assert.equal(done?.error, undefined);
      }),
    );

    test(
      'complete with usage counts the request in the same step, once, however often it completes',
      withDb(async (db) => {
        const { account } = await db.accounts.create({ name: 'counted', quotaBytes: 10_000 });
        const job = newJob(account.id, 'e'.repeat(32));
        await db.jobs.create(job);
        const usage = { bytesIn: 700, bytesOut: 300, savedBytes: 400, dev: false };
        await db.jobs.complete(job.id, newResult(job.id, [undefined]), usage);
        await db.jobs.complete(job.id, newResult(job.id, [undefined]), usage);
        assert.equal((await db.accounts.getByKey(account.apiKey))?.usedBytes, 700);
        const today = new Date().toISOString().slice(0, 10);
        const [day] = await db.accounts.usage(account.id, today, today);
        assert.equal(day?.requests, 1);
        assert.equal(day?.savedBytes, 400);

        const sandbox = newJob(account.id, 'f'.repeat(32), { dev: true });
        await db.jobs.create(sandbox);
        await db.jobs.complete(sandbox.id, newResult(sandbox.id, [undefined]), { ...usage, dev: true });
        assert.equal((await db.accounts.getByKey(account.apiKey))?.usedBytes, 700, 'dev is not counted');
      }),
    );

    test(
      'unfinished lists queued and running jobs created before a time, oldest first',
      withDb(async (db) => {
        const accountId = await newAccount(db);
        const queued = newJob(accountId, '1'.repeat(32));
        const running = newJob(accountId, '2'.repeat(32));
        const done = newJob(accountId, '3'.repeat(32));
        for (const job of [queued, running, done]) await db.jobs.create(job);
        await db.jobs.markRunning(running.id);
        await db.jobs.complete(done.id, newResult(done.id, [undefined]));
        const later = new Date(Date.now() + 1000);
        assert.deepEqual((await db.jobs.unfinished(later, 10)).sort(), [queued.id, running.id]);
        assert.equal((await db.jobs.unfinished(later, 1)).length, 1);
        assert.deepEqual(await db.jobs.unfinished(new Date(Date.now() - 60_000), 10), []);
      }),
    );

    test(
      "complete is idempotent and a second run replaces the first run's outputs",
      withDb(async (db) => {
        const accountId = await newAccount(db);
        const job = newJob(accountId, 'c'.repeat(32));
        await db.jobs.create(job);
        const first = newResult(job.id, [undefined]);
        await db.jobs.complete(job.id, first);
        await db.jobs.complete(job.id, first);
        assert.deepEqual((await db.jobs.get(job.id))?.result, first);

        const second = newResult(job.id, ['a', 'b']);
        await db.jobs.complete(job.id, second);
        assert.deepEqual((await db.jobs.get(job.id))?.result, second);
        assert.equal(await db.jobs.getDownload(first.outputs[0]!.token), undefined);
        assert.equal((await db.jobs.getDownload(second.outputs[1]!.token))?.setId, 'b');

        await assert.rejects(db.jobs.complete('d'.repeat(32), first), isCode('NOT_FOUND'));
      }),
    );

    test(
      'fail records the error; a done job keeps its result; a late markRunning changes nothing',
      withDb(async (db) => {
        const accountId = await newAccount(db);
        const failing = newJob(accountId, 'e'.repeat(32));
        await db.jobs.create(failing);
        await db.jobs.markRunning(failing.id);
        await db.jobs.fail(failing.id, { code: 'CORRUPT_IMAGE', message: 'truncated' });
        const failed = await db.jobs.get(failing.id);
        assert.equal(failed?.status, 'failed');
        assert.deepEqual(failed?.error, { code: 'CORRUPT_IMAGE', message: 'truncated' });
        assert.ok(failed?.finishedAt instanceof Date);
        await db.jobs.markRunning(failing.id);
        assert.equal((await db.jobs.get(failing.id))?.status, 'failed');

        const succeeding = newJob(accountId, 'f'.repeat(32));
        await db.jobs.create(succeeding);
        const result = newResult(succeeding.id, [undefined]);
        await db.jobs.complete(succeeding.id, result);
        await db.jobs.fail(succeeding.id, { code: 'INTERNAL', message: 'late' });
        await db.jobs.markRunning(succeeding.id);
        const done = await db.jobs.get(succeeding.id);
        assert.equal(done?.status, 'done');
        assert.equal(done?.error, undefined);
        assert.deepEqual(done?.result, result);

        await assert.rejects(
          db.jobs.fail('0'.repeat(32), { code: 'INTERNAL', message: 'x' }),
          isCode('NOT_FOUND'),
        );
        await db.jobs.markRunning('0'.repeat(32));
      }),
    );

    test(
      'a job id is unique',
      withDb(async (db) => {
        const accountId = await newAccount(db);
        await db.jobs.create(newJob(accountId, '1'.repeat(32)));
        await assert.rejects(db.jobs.create(newJob(accountId, '1'.repeat(32))));
      }),
    );

    test(
      'getDownload finds an output by its token, with its job and expiry',
      withDb(async (db) => {
        const accountId = await newAccount(db);
        const job = newJob(accountId, '2'.repeat(32));
        await db.jobs.create(job);
        const result = newResult(job.id, ['thumb', 'full']);
        await db.jobs.complete(job.id, result);

        const [, full] = result.outputs;
        const download = await db.jobs.getDownload(full!.token);
        const { expiresAt } = (await db.jobs.get(job.id))!;
        assert.deepEqual(download, { ...full, jobId: job.id, expiresAt });
        assert.equal(await db.jobs.getDownload('0'.repeat(32)), undefined);
        assert.equal(await db.jobs.getDownload(''), undefined);
      }),
    );

    test(
      'expired lists finished jobs past their expiry, soonest first, with their input and output blob keys, up to the limit',
      withDb(async (db) => {
        const accountId = await newAccount(db);
        const uploaded = newJob(accountId, '3'.repeat(32), { expiresAt: new Date(Date.now() + HOUR) });
        const fetched = newJob(accountId, '4'.repeat(32), {
          source: { kind: 'url', url: 'https://example.com/a.jpg', fileName: 'a.jpg' },
          expiresAt: new Date(Date.now() + 2 * HOUR),
        });
        const failed = newJob(accountId, '5'.repeat(32), { expiresAt: new Date(Date.now() + 3 * HOUR) });
        const live = newJob(accountId, '6'.repeat(32), { expiresAt: new Date(Date.now() + 20 * HOUR) });
        const waiting = newJob(accountId, '9'.repeat(32), { expiresAt: new Date(Date.now() + 1.5 * HOUR) });
        for (const job of [live, waiting, failed, fetched, uploaded]) await db.jobs.create(job);
        const uploadedResult = newResult(uploaded.id, ['a', 'b']);
        const fetchedResult = newResult(fetched.id, [undefined]);
        await db.jobs.complete(uploaded.id, uploadedResult);
        await db.jobs.complete(fetched.id, fetchedResult);
        await db.jobs.fail(failed.id, { code: 'CORRUPT_IMAGE', message: 'truncated' });
        await db.jobs.complete(live.id, newResult(live.id, [undefined]));
        await db.jobs.markRunning(waiting.id);

        const later = new Date(Date.now() + 10 * HOUR);
        assert.deepEqual(await db.jobs.expired(later, 10), [
          {
            id: uploaded.id,
            blobKeys: [`inputs/${uploaded.id}`, ...uploadedResult.outputs.map((output) => output.blobKey)],
          },
          { id: fetched.id, blobKeys: [fetchedResult.outputs[0]!.blobKey] },
          { id: failed.id, blobKeys: [`inputs/${failed.id}`] },
        ]);
        assert.deepEqual(
          (await db.jobs.expired(later, 1)).map((job) => job.id),
          [uploaded.id],
        );
        assert.deepEqual(await db.jobs.expired(new Date(), 10), []);

        // A job that never finished is left alone for a day past its expiry, then listed too.
        const muchLater = new Date(Date.now() + 26 * HOUR);
        assert.deepEqual(
          (await db.jobs.expired(muchLater, 10)).map((job) => job.id),
          [uploaded.id, waiting.id, fetched.id, failed.id, live.id],
        );
      }),
    );

    test(
      'a finished job keeps its lifetime counted from when it finished, also when it finishes again',
      withDb(async (db) => {
        const accountId = await newAccount(db);
        const job = newJob(accountId, 'a1'.repeat(16), { expiresAt: new Date(Date.now() + HOUR) });
        await db.jobs.create(job);
        const created = await db.jobs.get(job.id);
        const lifetime = job.expiresAt.getTime() - created!.createdAt.getTime();

        const result = newResult(job.id, [undefined]);
        for (let run = 0; run < 2; run++) {
          await db.jobs.complete(job.id, result);
          const done = await db.jobs.get(job.id);
          assert.equal(done!.expiresAt.getTime() - done!.finishedAt!.getTime(), lifetime);
          const download = await db.jobs.getDownload(result.outputs[0]!.token);
          assert.deepEqual(download?.expiresAt, done!.expiresAt);
        }

        const failing = newJob(accountId, 'b2'.repeat(16), { expiresAt: new Date(Date.now() + 2 * HOUR) });
        await db.jobs.create(failing);
        const failingLifetime =
          failing.expiresAt.getTime() - (await db.jobs.get(failing.id))!.createdAt.getTime();
        await db.jobs.fail(failing.id, { code: 'CORRUPT_IMAGE', message: 'truncated' });
        const failed = await db.jobs.get(failing.id);
        assert.equal(failed!.expiresAt.getTime() - failed!.finishedAt!.getTime(), failingLifetime);
      }),
    );

    test(
      'delete removes jobs with their downloads and leaves the others',
      withDb(async (db) => {
        const accountId = await newAccount(db);
        const gone = newJob(accountId, '7'.repeat(32));
        const kept = newJob(accountId, '8'.repeat(32));
        await db.jobs.create(gone);
        await db.jobs.create(kept);
        const goneResult = newResult(gone.id, [undefined]);
        const keptResult = newResult(kept.id, [undefined]);
        await db.jobs.complete(gone.id, goneResult);
        await db.jobs.complete(kept.id, keptResult);

        await db.jobs.delete([gone.id, '0'.repeat(32)]);
        await db.jobs.delete([]);
        assert.equal(await db.jobs.get(gone.id), undefined);
        assert.equal(await db.jobs.getDownload(goneResult.outputs[0]!.token), undefined);
        assert.equal((await db.jobs.get(kept.id))?.status, 'done');
        assert.ok(await db.jobs.getDownload(keptResult.outputs[0]!.token));
      }),
    );
  });

  describe(`${name}: webhook signing secrets`, () => {
    test(
      'create makes a signing secret per key, readable by account id, and rotation keeps the old one for its grace',
      withDb(async (db) => {
        const first = await db.accounts.create({ name: 'a', quotaBytes: null });
        const second = await db.accounts.create({ name: 'b', quotaBytes: null });
        assert.match(first.signingSecret, /^whsec_[0-9a-f]{64}$/);
        assert.notEqual(first.signingSecret, second.signingSecret);
        assert.deepEqual(await db.accounts.signingSecrets(first.account.id), {
          current: first.signingSecret,
        });
        assert.equal(await db.accounts.signingSecrets('no-such-account'), undefined);

        const rotated = await db.accounts.rotateSigningSecret(first.account.apiKey);
        assert.ok(rotated);
        assert.match(rotated, /^whsec_[0-9a-f]{64}$/);
        assert.notEqual(rotated, first.signingSecret);
        assert.deepEqual(await db.accounts.signingSecrets(first.account.id), {
          current: rotated,
          previous: first.signingSecret,
        });
        assert.deepEqual(await db.accounts.signingSecrets(second.account.id), {
          current: second.signingSecret,
        });

        // No grace: the old secret stops signing at once.
        const again = await db.accounts.rotateSigningSecret(first.account.apiKey, 0);
        assert.ok(again);
        assert.deepEqual(await db.accounts.signingSecrets(first.account.id), { current: again });
        assert.equal(await db.accounts.rotateSigningSecret('0'.repeat(32)), undefined);
        await assert.rejects(
          db.accounts.rotateSigningSecret(first.account.apiKey, -1),
          isCode('INVALID_OPTION'),
        );
      }),
    );
  });

  describe(`${name}: webhook deliveries`, () => {
    test(
      'storing the outcome of a callback job creates its delivery once; a job that is waited for has none',
      withDb(async (db) => {
        const accountId = await newAccount(db);
        const url = 'https://example.com/hook?token=x';
        const done = newJob(accountId, 'd1'.repeat(16), { delivery: { mode: 'callback', url } });
        const failed = newJob(accountId, 'd2'.repeat(16), { delivery: { mode: 'callback', url } });
        const waited = newJob(accountId, 'd3'.repeat(16));
        for (const job of [done, failed, waited]) await db.jobs.create(job);
        assert.equal(await db.deliveries.forJob(done.id), undefined, 'none before the outcome');

        const before = Date.now();
        await db.jobs.complete(done.id, newResult(done.id, [undefined]));
        const delivery = await db.deliveries.forJob(done.id);
        assert.ok(delivery);
        assert.match(delivery.id, /^[0-9a-f]{32}$/);
        assert.deepEqual(
          { ...delivery, createdAt: undefined, nextAttemptAt: undefined },
          {
            id: delivery.id,
            jobId: done.id,
            accountId,
            url,
            status: 'pending',
            attempts: 0,
            createdAt: undefined,
            nextAttemptAt: undefined,
            history: [],
          },
        );
        assert.ok(delivery.createdAt.getTime() >= before - 1000);
        assert.ok(delivery.nextAttemptAt && delivery.nextAttemptAt.getTime() <= Date.now() + 1000, 'due now');
        assert.deepEqual(await db.deliveries.get(delivery.id), delivery);

        // Completed again (a retried worker), then failed late: still the one delivery.
        await db.jobs.complete(done.id, newResult(done.id, [undefined]));
        await db.jobs.fail(done.id, { code: 'INTERNAL', message: 'late' });
        assert.deepEqual(await db.deliveries.forJob(done.id), delivery);

        await db.jobs.fail(failed.id, { code: 'CORRUPT_IMAGE', message: 'truncated' });
        await db.jobs.fail(failed.id, { code: 'CORRUPT_IMAGE', message: 'truncated' });
        const failedDelivery = await db.deliveries.forJob(failed.id);
        assert.equal(failedDelivery?.status, 'pending');
        assert.notEqual(failedDelivery?.id, delivery.id);

        await db.jobs.complete(waited.id, newResult(waited.id, [undefined]));
        assert.equal(await db.deliveries.forJob(waited.id), undefined);
        assert.equal(await db.deliveries.get('0'.repeat(32)), undefined);
        assert.equal((await db.deliveries.list({ limit: 10 })).length, 2);
      }),
    );

    test(
      'recordAttempt keeps each attempt once, in order, and moves pending -> delivered; nothing moves it back',
      withDb(async (db) => {
        const { delivery } = await callbackJob(db, 'e1');
        const at = new Date('2026-05-01T10:00:00Z');
        const first = {
          attempt: 1,
          startedAt: at,
          durationMs: 120,
          httpStatus: 503,
          error: 'HTTP 503: busy',
        };
        const next = new Date('2026-05-01T10:00:04Z');
        await db.deliveries.recordAttempt(delivery.id, first, { status: 'pending', nextAttemptAt: next });
        // The same attempt again (a wake run twice after a crash): ignored, state included.
        await db.deliveries.recordAttempt(
          delivery.id,
          { ...first, httpStatus: 200, error: null },
          { status: 'delivered' },
        );
        let now = await db.deliveries.get(delivery.id);
        assert.equal(now?.status, 'pending');
        assert.equal(now?.attempts, 1);
        assert.deepEqual(now?.nextAttemptAt, next);
        assert.deepEqual(now?.history, [first]);

        const second = {
          attempt: 2,
          startedAt: new Date('2026-05-01T10:00:05Z'),
          durationMs: 10_000,
          httpStatus: null,
          error: 'example.com did not answer within 10 s.',
        };
        await db.deliveries.recordAttempt(delivery.id, second, {
          status: 'pending',
          nextAttemptAt: new Date('2026-05-01T10:00:20Z'),
        });
        const third = {
          attempt: 3,
          startedAt: new Date('2026-05-01T10:00:21Z'),
          durationMs: 15,
          httpStatus: 204,
          error: null,
        };
        await db.deliveries.recordAttempt(delivery.id, third, { status: 'delivered' });
        now = await db.deliveries.get(delivery.id);
        assert.equal(now?.status, 'delivered');
        assert.equal(now?.attempts, 3);
        assert.equal(now?.nextAttemptAt, undefined);
        assert.deepEqual(now?.deliveredAt, new Date(third.startedAt.getTime() + third.durationMs));
        assert.deepEqual(now?.history, [first, second, third]);

        // A late attempt of a stray wake is kept in the history but does not undo the delivery.
        const stray = {
          attempt: 4,
          startedAt: new Date('2026-05-01T10:01:00Z'),
          durationMs: 5,
          httpStatus: 500,
          error: 'HTTP 500',
        };
        await db.deliveries.recordAttempt(delivery.id, stray, { status: 'dead' });
        now = await db.deliveries.get(delivery.id);
        assert.equal(now?.status, 'delivered');
        assert.equal(now?.attempts, 3);
        assert.equal(now?.history.length, 4);
      }),
    );

    test(
      'a dead delivery can be made pending again by redeliver; its attempts count on',
      withDb(async (db) => {
        const { delivery } = await callbackJob(db, 'e2');
        const attempt = {
          attempt: 1,
          startedAt: new Date(),
          durationMs: 3,
          httpStatus: 410,
          error: 'HTTP 410',
        };
        await db.deliveries.recordAttempt(delivery.id, attempt, { status: 'dead' });
        const dead = await db.deliveries.get(delivery.id);
        assert.equal(dead?.status, 'dead');
        assert.equal(dead?.nextAttemptAt, undefined);

        const at = new Date('2026-06-01T00:00:00Z');
        const again = await db.deliveries.redeliver(delivery.id, at);
        assert.equal(again?.status, 'pending');
        assert.deepEqual(again?.nextAttemptAt, at);
        assert.equal(again?.attempts, 1);
        assert.deepEqual(again, await db.deliveries.get(delivery.id));
        const second = { ...attempt, attempt: 2, httpStatus: 200, error: null };
        await db.deliveries.recordAttempt(delivery.id, second, { status: 'delivered' });
        const delivered = await db.deliveries.get(delivery.id);
        assert.equal(delivered?.status, 'delivered');
        assert.deepEqual(
          delivered?.history.map((entry) => entry.attempt),
          [1, 2],
        );
        assert.equal(await db.deliveries.redeliver('0'.repeat(32), at), undefined);
      }),
    );

    test(
      'list filters by account and status, newest first, up to the limit, with each history',
      withDb(async (db) => {
        const a = await callbackJob(db, 'f1');
        const b = await callbackJob(db, 'f2', a.accountId);
        const other = await callbackJob(db, 'f3');
        await db.deliveries.recordAttempt(
          b.delivery.id,
          { attempt: 1, startedAt: new Date(), durationMs: 1, httpStatus: 200, error: null },
          { status: 'delivered' },
        );
        const mine = await db.deliveries.list({ accountId: a.accountId, limit: 10 });
        assert.deepEqual(mine.map((d) => d.id).sort(), [a.delivery.id, b.delivery.id].sort());
        assert.ok(mine[0]!.createdAt >= mine[1]!.createdAt, 'newest first');
        assert.equal(mine.find((d) => d.id === b.delivery.id)?.history.length, 1);
        assert.deepEqual(
          (await db.deliveries.list({ accountId: a.accountId, status: 'delivered', limit: 10 })).map(
            (d) => d.id,
          ),
          [b.delivery.id],
        );
        assert.deepEqual(
          (await db.deliveries.list({ status: 'pending', limit: 10 })).map((d) => d.id).sort(),
          [a.delivery.id, other.delivery.id].sort(),
        );
        assert.equal((await db.deliveries.list({ limit: 2 })).length, 2);
        assert.deepEqual(await db.deliveries.list({ status: 'dead', limit: 10 }), []);
        await assert.rejects(db.deliveries.list({ limit: 0 }), isCode('INVALID_OPTION'));
      }),
    );

    test(
      'postpone moves the due time of a pending delivery only while the attempt is still its next one',
      withDb(async (db) => {
        const { delivery } = await callbackJob(db, 'a4');
        const until = new Date(Date.now() + 30_000);
        assert.equal(await db.deliveries.postpone(delivery.id, 1, until), true);
        const postponed = await db.deliveries.get(delivery.id);
        assert.deepEqual(postponed?.nextAttemptAt, until);
        assert.equal(postponed?.attempts, 0);
        assert.deepEqual(postponed?.history, []);
        assert.deepEqual(
          await db.deliveries.overdue(new Date(Date.now() + 10_000), 10),
          [],
          'not overdue now',
        );

        assert.equal(await db.deliveries.postpone(delivery.id, 2, new Date()), false, 'not its next attempt');
        await db.deliveries.recordAttempt(
          delivery.id,
          { attempt: 1, startedAt: new Date(), durationMs: 1, httpStatus: 200, error: null },
          { status: 'delivered' },
        );
        assert.equal(await db.deliveries.postpone(delivery.id, 2, until), false, 'delivered');
        assert.equal((await db.deliveries.get(delivery.id))?.status, 'delivered');
        assert.equal(await db.deliveries.postpone('0'.repeat(32), 1, until), false);
      }),
    );

    test(
      'overdue lists pending deliveries due before a time, soonest first, up to the limit',
      withDb(async (db) => {
        const soon = await callbackJob(db, 'a1');
        const later = await callbackJob(db, 'a2');
        const delivered = await callbackJob(db, 'a3');
        const t0 = Date.now();
        const attempt = (n: number) => ({
          attempt: n,
          startedAt: new Date(t0),
          durationMs: 1,
          httpStatus: 500,
          error: 'HTTP 500',
        });
        await db.deliveries.recordAttempt(soon.delivery.id, attempt(1), {
          status: 'pending',
          nextAttemptAt: new Date(t0 + 10_000),
        });
        await db.deliveries.recordAttempt(later.delivery.id, attempt(1), {
          status: 'pending',
          nextAttemptAt: new Date(t0 + 20_000),
        });
        await db.deliveries.recordAttempt(
          delivered.delivery.id,
          { ...attempt(1), httpStatus: 200, error: null },
          { status: 'delivered' },
        );
        assert.deepEqual(await db.deliveries.overdue(new Date(t0), 10), []);
        assert.deepEqual(
          (await db.deliveries.overdue(new Date(t0 + 15_000), 10)).map((d) => d.id),
          [soon.delivery.id],
        );
        assert.deepEqual(
          (await db.deliveries.overdue(new Date(t0 + 60_000), 10)).map((d) => d.id),
          [soon.delivery.id, later.delivery.id],
        );
        const [first] = await db.deliveries.overdue(new Date(t0 + 60_000), 1);
        assert.equal(first?.id, soon.delivery.id);
        assert.equal(first?.history.length, 1);
      }),
    );

    test(
      'a pending delivery keeps its job from expiring; deleting a job deletes its delivery and attempts',
      withDb(async (db) => {
        const { job, delivery } = await callbackJob(db, 'b1');
        const later = new Date(Date.now() + 10 * HOUR);
        assert.deepEqual(await db.jobs.expired(later, 10), [], 'the webhook is still being delivered');
        assert.deepEqual(
          (await db.jobs.expired(new Date(Date.now() + 40 * 24 * HOUR), 10)).map((expired) => expired.id),
          [job.id],
          'but not for ever',
        );
        await db.deliveries.recordAttempt(
          delivery.id,
          { attempt: 1, startedAt: new Date(), durationMs: 1, httpStatus: 410, error: 'HTTP 410' },
          { status: 'dead' },
        );
        assert.deepEqual(await db.jobs.expired(later, 10), [], 'a dead delivery is kept to be re-sent');
        assert.deepEqual(
          (await db.jobs.expired(new Date(Date.now() + 8 * 24 * HOUR), 10)).map((expired) => expired.id),
          [job.id],
          'for a week',
        );
        await db.jobs.delete([job.id]);
        assert.equal(await db.deliveries.get(delivery.id), undefined);
        assert.equal(await db.deliveries.forJob(job.id), undefined);
        assert.deepEqual(await db.deliveries.list({ limit: 10 }), []);
      }),
    );

    test(
      'a delivery that ends after its job expired keeps the job downloadable for its time to live from then',
      withDb(async (db) => {
        const { job, delivery } = await callbackJob(db, 'c1');
        // The job lives one hour; its callback is delivered 20 hours later, after retries.
        const deliveredAt = Date.now() + 20 * HOUR;
        await db.deliveries.recordAttempt(
          delivery.id,
          { attempt: 9, startedAt: new Date(deliveredAt), durationMs: 5, httpStatus: 200, error: null },
          { status: 'delivered' },
        );
        assert.deepEqual(await db.jobs.expired(new Date(deliveredAt + HOUR / 2), 10), []);
        assert.deepEqual(
          (await db.jobs.expired(new Date(deliveredAt + 2 * HOUR), 10)).map((expired) => expired.id),
          [job.id],
        );
      }),
    );
  });

  describe(`${name}: connection`, () => {
    test('ping answers while open and close can be called twice', async () => {
      const db = await open();
      await db.ping();
      await db.close();
      await db.close();
    });
  });
}

/** A finished callback job (id: `prefix` repeated to 32 hex) and the delivery its outcome created. */
async function callbackJob(
  db: SquishDatabase,
  prefix: string,
  accountId?: string,
): Promise<{ job: NewJob; delivery: WebhookDelivery; accountId: string }> {
  const owner = accountId ?? (await newAccount(db));
  const id = prefix.repeat(32 / prefix.length);
  const job = newJob(owner, id, { delivery: { mode: 'callback', url: `https://example.com/hooks/${id}` } });
  await db.jobs.create(job);
  await db.jobs.complete(id, newResult(id, [undefined]));
  const delivery = await db.deliveries.forJob(id);
  assert.ok(delivery, 'completing a callback job creates its delivery');
  return { job, delivery, accountId: owner };
}

async function newAccount(db: SquishDatabase): Promise<string> {
  return (await db.accounts.create({ name: 'jobs', quotaBytes: null })).account.id;
}

function newJob(accountId: string, id: string, overrides: Partial<NewJob> = {}): NewJob {
  return {
    id,
    accountId,
    source: { kind: 'upload', blobKey: `inputs/${id}`, fileName: 'photo.jpg', size: 12_345 },
    plan: parsePlan({ lossy: true, quality: 80, format: ['webp', 'avif'], autoOrient: true }),
    delivery: { mode: 'wait' },
    dev: false,
    compat: { api: 'kraken', data: { lossy: true, resize: [{ id: 'small', width: 100 }] } },
    expiresAt: new Date(Date.now() + HOUR),
    ...overrides,
  };
}

let tokenCounter = 0;

/** A result with one output per entry (an image-set id, or undefined for a single output). */
function newResult(jobId: string, setIds: (string | undefined)[]): JobResult {
  const outputs = setIds.map((setId, index): JobOutput => {
    tokenCounter += 1;
    const token = tokenCounter.toString(16).padStart(32, '0');
    const output: JobOutput = {
      token,
      blobKey: `results/${jobId}/${token}`,
      fileName: `photo-${index}.webp`,
      format: 'webp',
      contentType: 'image/webp',
      size: 1000 + index,
      width: 100 * (index + 1),
      height: 50 * (index + 1),
      originalSize: 12_345,
      originalWidth: 4000,
      originalHeight: 2000,
      savedBytes: 11_345 - index,
      etag: `"${token}"`,
      notes: index === 0 ? [] : ['frames dropped'],
    };
    if (setId !== undefined) output.setId = setId;
    return output;
  });
  return { inputFormat: 'jpeg', originalSize: 12_345, outputs, ms: 42 };
}

function jsonCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value));
}

function isCode(code: string): (error: unknown) => boolean {
  return (error) => isSquishError(error) && error.code === code;
}
