import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import type { JobDelivery } from '../../src/db/records.js';
import { DEFAULT_PLAN } from '../../src/plan/index.js';
import { pendingHandoffs, takeInput } from '../../src/worker/input-handoff.js';
import { openBackends } from './backends.js';

const png = () =>
  sharp({ create: { width: 8, height: 8, channels: 3, background: '#3366cc' } })
    .png()
    .toBuffer();

test('authenticate: right pair passes; wrong secret, revoked and suspended are refused', async (t) => {
  const { db, jobs } = await openBackends(t);
  const { account, apiSecret } = await db.accounts.create({ name: 'a', quotaBytes: null });
  assert.equal((await jobs.authenticate(account.apiKey, apiSecret)).id, account.id);
  await assert.rejects(jobs.authenticate(account.apiKey, `${apiSecret}x`), { code: 'UNAUTHORIZED' });
  await assert.rejects(jobs.authenticate('0'.repeat(32), apiSecret), { code: 'UNAUTHORIZED' });
  await db.accounts.setStatus(account.apiKey, 'suspended');
  await assert.rejects(jobs.authenticate(account.apiKey, apiSecret), {
    code: 'ACCOUNT_SUSPENDED',
    status: 403,
  });
  await db.accounts.revoke(account.apiKey);
  await assert.rejects(jobs.authenticate(account.apiKey, apiSecret), { code: 'UNAUTHORIZED' });
});

test('checkQuota refuses a used-up account unless dev; unlimited is never refused', async (t) => {
  const { db, jobs } = await openBackends(t);
  const { account } = await db.accounts.create({ name: 'q', quotaBytes: 100 });
  await jobs.checkQuota(account, false);
  await db.accounts.recordUsage(account.id, { bytesIn: 100, bytesOut: 50, savedBytes: 50, dev: false });
  const used = (await db.accounts.getByKey(account.apiKey))!;
  await assert.rejects(jobs.checkQuota(used, false), { code: 'QUOTA_EXCEEDED', status: 429 });
  await jobs.checkQuota(used, true);
  const unlimited = (await db.accounts.create({ name: 'u', quotaBytes: null })).account;
  await jobs.checkQuota(unlimited, false);
});

test('submit stores the upload under inputs/<id>, records the job and queues it', async (t) => {
  const { db, jobs, store, queue } = await openBackends(t);
  const { account } = await db.accounts.create({ name: 'a', quotaBytes: null });
  const bytes = await png();
  const job = await jobs.submit({
    account,
    source: { kind: 'upload', bytes, fileName: 'blue.png' },
    plan: DEFAULT_PLAN,
    delivery: { mode: 'wait' },
    dev: false,
    compat: { api: 'kraken', data: { x: 1 } },
  });
  assert.match(job.id, /^[0-9a-f]{32}$/);
  assert.equal(job.status, 'queued');
  assert.deepEqual(job.source, {
    kind: 'upload',
    blobKey: `inputs/${job.id}`,
    fileName: 'blue.png',
    size: bytes.length,
  });
  assert.deepEqual(await store.get(`inputs/${job.id}`), new Uint8Array(bytes));
  assert.ok(job.expiresAt.getTime() > Date.now() + 3500_000);
  assert.equal((await queue.counts('optimize')).waiting, 1);
  assert.equal(
    jobs.downloadUrl('ab'.repeat(16), 'a b.png'),
    `https://squish.example/dl/${'ab'.repeat(16)}/a%20b.png`,
  );
});

test('submit refuses oversized uploads, private literal URLs, and everything once shutting down', async (t) => {
  const { db, jobs, queue } = await openBackends(t, { maxUploadBytes: 2048 });
  const { account } = await db.accounts.create({ name: 'a', quotaBytes: null });
  const base = {
    account,
    plan: DEFAULT_PLAN,
    delivery: { mode: 'wait' } as const,
    dev: false,
    compat: { api: 'kraken', data: null },
  };
  await assert.rejects(
    jobs.submit({ ...base, source: { kind: 'upload', bytes: new Uint8Array(4096), fileName: 'x' } }),
    { code: 'INPUT_TOO_LARGE', status: 413 },
  );
  for (const url of [
    'http://127.0.0.1/a.png',
    'http://169.254.169.254/latest/meta-data',
    'file:///etc/passwd',
  ]) {
    await assert.rejects(
      jobs.submit({ ...base, source: { kind: 'url', url } }),
      { code: 'URL_NOT_ALLOWED' },
      url,
    );
  }
  // A callback to a literal private address is refused at once, before anything is stored or
  // queued; a host name is judged when the callback is called.
  for (const url of ['http://127.0.0.1:9/hook', 'http://[::1]/hook', 'http://169.254.169.254/hook']) {
    await assert.rejects(
      jobs.submit({
        ...base,
        delivery: { mode: 'callback', url },
        source: { kind: 'upload', bytes: await png(), fileName: 'x' },
      }),
      (error: Error & { code?: string }) =>
        error.code === 'URL_NOT_ALLOWED' &&
        /^The callback URL cannot be used\. .*not a public internet address/.test(error.message),
      url,
    );
  }
  const toHostName = await jobs.submit({
    ...base,
    delivery: { mode: 'callback', url: 'http://localhost/hook' },
    source: { kind: 'upload', bytes: await png(), fileName: 'x' },
  });
  assert.equal(toHostName.delivery.mode, 'callback');
  const byUrl = await jobs.submit({
    ...base,
    source: { kind: 'url', url: 'https://images.example/path/My%20Photo.JPG?x=1' },
  });
  assert.deepEqual(byUrl.source, {
    kind: 'url',
    url: 'https://images.example/path/My%20Photo.JPG?x=1',
    fileName: 'My_Photo.JPG',
  });
  jobs.beginShutdown();
  await assert.rejects(
    jobs.submit({ ...base, source: { kind: 'upload', bytes: await png(), fileName: 'x' } }),
    {
      code: 'UNAVAILABLE',
      status: 503,
    },
  );
  assert.equal((await queue.counts('optimize')).waiting, 2);
});

test('waitForResult answers with the finished record, and 503 on timeout or shutdown', async (t) => {
  const { db, jobs, queue } = await openBackends(t);
  const { account } = await db.accounts.create({ name: 'a', quotaBytes: null });
  const submit = async () =>
    jobs.submit({
      account,
      source: { kind: 'upload', bytes: await png(), fileName: 'x.png' },
      plan: DEFAULT_PLAN,
      delivery: { mode: 'wait' },
      dev: false,
      compat: { api: 'kraken', data: null },
    });
  const first = await submit();
  await assert.rejects(jobs.waitForResult(first.id, 200), { code: 'UNAVAILABLE' });

  const second = await submit();
  const waiting = jobs.waitForResult(second.id, 10_000);
  jobs.abortWaits();
  await assert.rejects(waiting, { code: 'UNAVAILABLE', message: /shut down/ });

  // A consumer standing in for the worker: it records a refusal, as the worker does for bad input.
  const consumer = queue.consume<{ jobId: string }>(
    'optimize',
    async (job) => {
      await db.jobs.fail(job.data.jobId, { code: 'CORRUPT_IMAGE', message: 'broken' });
      return { status: 'failed' };
    },
    { concurrency: 1 },
  );
  t.after(() => consumer.close());
  const failed = await jobs.waitForResult(first.id, 10_000);
  assert.equal(failed.status, 'failed');
  assert.deepEqual(failed.error, { code: 'CORRUPT_IMAGE', message: 'broken' });
});

test('a wait upload is offered to this process’s worker until its wait ends; a callback upload is not', async (t) => {
  const { db, jobs, store } = await openBackends(t);
  const { account } = await db.accounts.create({ name: 'h', quotaBytes: null });
  const bytes = await png();
  const submit = (delivery: JobDelivery) =>
    jobs.submit({
      account,
      source: { kind: 'upload', bytes, fileName: 'x.png' },
      plan: DEFAULT_PLAN,
      delivery,
      dev: false,
      compat: { api: 'kraken', data: null },
    });
  const before = pendingHandoffs();
  const callback = await submit({ mode: 'callback', url: 'https://example.com/hook' });
  assert.equal(pendingHandoffs(), before, 'a callback job reads its input from the store');
  assert.equal(takeInput(callback.id), undefined);

  const waited = await submit({ mode: 'wait' });
  assert.equal(pendingHandoffs(), before + 1);
  // Nothing runs the job here: the wait times out and ends the handoff, which would
  // otherwise stay in memory for a job that another process ran.
  await assert.rejects(jobs.waitForResult(waited.id, 100), { code: 'UNAVAILABLE' });
  assert.equal(pendingHandoffs(), before);
  // The store holds the input either way: for workers in other processes and for retries.
  assert.deepEqual(await store.get(`inputs/${waited.id}`), new Uint8Array(bytes));
  assert.deepEqual(await store.get(`inputs/${callback.id}`), new Uint8Array(bytes));
});
