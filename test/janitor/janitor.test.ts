import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, test } from 'node:test';
import { pino } from 'pino';
import sharp from 'sharp';
import {
  type JobOutput,
  type NewJob,
  openDatabase,
  type SquishDatabase,
  utcDay,
} from '../../src/db/index.js';
import { type Janitor, type JanitorDeps, startJanitor } from '../../src/janitor/index.js';
import { EmbeddedQueue } from '../../src/jobs/index.js';
import { parsePlan } from '../../src/plan/index.js';
import { type BlobStore, LocalFolderStore } from '../../src/store/index.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const silent = pino({ level: 'silent' });

const root = mkdtempSync(join(tmpdir(), 'squish-janitor-'));
after(() => rmSync(root, { recursive: true, force: true }));

interface Platform {
  db: SquishDatabase;
  store: LocalFolderStore;
  queue: EmbeddedQueue;
  accountId: string;
  close(): Promise<void>;
}

let platforms = 0;
/** A real database, blob folder and embedded queue in a fresh folder, as `squish serve` lays them out. */
async function openPlatform(): Promise<Platform> {
  platforms += 1;
  const dir = join(root, `p${platforms}`);
  const file = join(dir, 'squish.db');
  const db = await openDatabase(`sqlite:${file}`);
  const store = new LocalFolderStore({ root: join(dir, 'blobs') });
  const queue = new EmbeddedQueue({ file, pollIntervalMs: 20 });
  const { account } = await db.accounts.create({ name: 'janitor test', quotaBytes: null });
  return {
    db,
    store,
    queue,
    accountId: account.id,
    async close() {
      await queue.close();
      await db.close();
    },
  };
}

const image = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#3a6' } })
  .png()
  .toBuffer();

function newId(): string {
  return randomBytes(16).toString('hex');
}

/**
 * Stores a job as the api and the worker would: its input (for uploads), its row, and `outputs`
 * results, completed.
 */
async function storeJob(
  p: Platform,
  options: { expiresAt: Date; upload?: boolean; outputs?: number },
): Promise<{ id: string; keys: string[]; tokens: string[] }> {
  const id = newId();
  const keys: string[] = [];
  let source: NewJob['source'] = { kind: 'url', url: 'https://example.com/a.png', fileName: 'a.png' };
  if (options.upload ?? true) {
    source = { kind: 'upload', blobKey: `inputs/${id}`, fileName: 'a.png', size: image.length };
    await p.store.put(source.blobKey, image);
    keys.push(source.blobKey);
  }
  await p.db.jobs.create({
    id,
    accountId: p.accountId,
    source,
    plan: parsePlan({}),
    delivery: { mode: 'wait' },
    dev: false,
    compat: { api: 'kraken', data: {} },
    expiresAt: options.expiresAt,
  });
  const outputs: JobOutput[] = [];
  for (let index = 0; index < (options.outputs ?? 1); index++) {
    const token = newId();
    const blobKey = `results/${id}/${token}`;
    await p.store.put(blobKey, image);
    keys.push(blobKey);
    outputs.push({
      token,
      blobKey,
      fileName: 'a.png',
      format: 'png',
      contentType: 'image/png',
      size: image.length,
      width: 8,
      height: 8,
      originalSize: image.length,
      originalWidth: 8,
      originalHeight: 8,
      savedBytes: 0,
      etag: `"${token}"`,
      notes: [],
    });
  }
  await p.db.jobs.complete(id, { inputFormat: 'png', originalSize: image.length, outputs, ms: 1 });
  return { id, keys, tokens: outputs.map((output) => output.token) };
}

/** A janitor that runs only when asked (its schedule's first run is an hour away). */
function manualJanitor(p: Platform, options: Partial<JanitorDeps> = {}): Janitor {
  return startJanitor({
    db: p.db,
    queue: p.queue,
    store: p.store,
    log: silent,
    firstRunDelayMs: HOUR,
    ...options,
  });
}

async function exists(store: BlobStore, key: string): Promise<boolean> {
  return (await store.stat(key)) !== undefined;
}

test('a run deletes expired jobs with all their files, and leaves live jobs alone', async (t) => {
  const p = await openPlatform();
  t.after(() => p.close());
  const past = new Date(Date.now() - HOUR);
  const expiredUpload = await storeJob(p, { expiresAt: past, outputs: 2 });
  const expiredFetch = await storeJob(p, { expiresAt: past, upload: false });
  const live = await storeJob(p, { expiresAt: new Date(Date.now() + HOUR) });
  // A first run of the job that died after storing its output left this file behind.
  const leftover = `results/${expiredUpload.id}/${newId()}`;
  await p.store.put(leftover, image);

  const janitor = manualJanitor(p);
  t.after(() => janitor.stop());
  const run = await janitor.runOnce();

  assert.equal(run.jobs, 2);
  assert.equal(run.blobs, 3 + 1 + 1);
  for (const job of [expiredUpload, expiredFetch]) {
    assert.equal(await p.db.jobs.get(job.id), undefined);
    for (const token of job.tokens) assert.equal(await p.db.jobs.getDownload(token), undefined);
    for (const key of job.keys) assert.equal(await exists(p.store, key), false, key);
  }
  assert.equal(await exists(p.store, leftover), false);

  assert.equal((await p.db.jobs.get(live.id))?.status, 'done');
  assert.ok(await p.db.jobs.getDownload(live.tokens[0]!));
  for (const key of live.keys) assert.deepEqual(await p.store.get(key), new Uint8Array(image));

  const again = await janitor.runOnce();
  assert.deepEqual(again, {
    jobs: 0,
    blobs: 0,
    usageDays: 0,
    queueJobs: 0,
    settledJobs: 0,
    wokenDeliveries: 0,
  });
});

test('a run prunes usage days older than the retention and keeps the recent ones', async (t) => {
  const p = await openPlatform();
  t.after(() => p.close());
  const usage = { bytesIn: 100, bytesOut: 50, savedBytes: 50, dev: false };
  const now = new Date('2026-06-15T12:00:00Z');
  await p.db.accounts.recordUsage(p.accountId, usage, new Date(now.getTime() - 31 * DAY));
  await p.db.accounts.recordUsage(p.accountId, usage, new Date(now.getTime() - 29 * DAY));
  await p.db.accounts.recordUsage(p.accountId, usage, now);

  const janitor = manualJanitor(p, { usageRetentionDays: 30, now: () => now });
  t.after(() => janitor.stop());
  const run = await janitor.runOnce();

  assert.equal(run.usageDays, 1);
  const days = await p.db.accounts.usage(p.accountId, '2000-01-01', '2100-01-01');
  assert.deepEqual(
    days.map((day) => day.day),
    [utcDay(new Date(now.getTime() - 29 * DAY)), utcDay(now)],
  );
  // The account's total is not history: pruning days leaves it as it was.
  assert.equal((await p.db.accounts.list())[0]?.usedBytes, 300);
});

test('a run drops ended queue jobs past the queue retention', async (t) => {
  const p = await openPlatform();
  t.after(() => p.close());
  for (const name of ['optimize', 'webhooks']) {
    const consumer = p.queue.consume(name, async () => ({ status: 'done' }), { concurrency: 1 });
    await p.queue.enqueue(name, `${name}-1`, { jobId: 'x' });
    assert.equal((await p.queue.waitFor(name, `${name}-1`, 30_000))?.state, 'completed');
    await consumer.close();
  }
  const janitor = manualJanitor(p);
  t.after(() => janitor.stop());

  assert.equal((await janitor.runOnce()).queueJobs, 0, 'younger than the default day: kept');
  assert.equal((await p.queue.counts('optimize')).completed, 1);

  const eager = manualJanitor(p, { queueRetentionMs: -1000 });
  t.after(() => eager.stop());
  assert.equal((await eager.runOnce()).queueJobs, 2);
  assert.equal((await p.queue.counts('optimize')).completed, 0);
  assert.equal((await p.queue.counts('webhooks')).completed, 0);
});

test('orphan inputs and results are deleted once old; young ones and those of existing jobs are kept', async (t) => {
  const p = await openPlatform();
  t.after(() => p.close());
  const live = await storeJob(p, { expiresAt: new Date(Date.now() + 10 * DAY) });
  const orphanId = newId();
  const orphans = [`inputs/${orphanId}`, `results/${orphanId}/${newId()}`, `results/${orphanId}/${newId()}`];
  for (const key of orphans) await p.store.put(key, image);
  // Not under inputs/ or results/: not the janitor's.
  await p.store.put(`other/${orphanId}`, image);

  const options = { db: p.db, queue: p.queue, store: p.store, log: silent, firstRunDelayMs: HOUR };
  const today = startJanitor(options);
  t.after(() => today.stop());
  assert.equal((await today.runOnce()).blobs, 0);
  for (const key of orphans) assert.equal(await exists(p.store, key), true, 'an hour has not passed yet');

  const later = startJanitor({ ...options, now: () => new Date(Date.now() + 2 * HOUR) });
  t.after(() => later.stop());
  const run = await later.runOnce();
  assert.equal(run.blobs, 3);
  assert.equal(run.jobs, 0);
  for (const key of orphans) assert.equal(await exists(p.store, key), false, key);
  for (const key of live.keys) assert.equal(await exists(p.store, key), true, key);
  assert.equal(await exists(p.store, `other/${orphanId}`), true);
});

/** A real store whose deletes of chosen keys fail, as a store that is down would. */
class FailingDeletes implements BlobStore {
  readonly kind = 'failing';
  readonly failing = new Set<string>();
  constructor(private readonly inner: BlobStore) {}
  put: BlobStore['put'] = (key, data) => this.inner.put(key, data);
  get: BlobStore['get'] = (key) => this.inner.get(key);
  stream: BlobStore['stream'] = (key) => this.inner.stream(key);
  stat: BlobStore['stat'] = (key) => this.inner.stat(key);
  list: BlobStore['list'] = (prefix) => this.inner.list(prefix);
  ping: BlobStore['ping'] = () => this.inner.ping();
  close: BlobStore['close'] = () => this.inner.close();
  delete: BlobStore['delete'] = async (key) => {
    if (this.failing.has(key)) throw new Error(`EIO: cannot delete ${key}`);
    await this.inner.delete(key);
  };
}

test('a job whose files cannot be deleted keeps its row until they can; the error is logged, not thrown', async (t) => {
  const p = await openPlatform();
  t.after(() => p.close());
  const past = new Date(Date.now() - HOUR);
  const stuck = await storeJob(p, { expiresAt: past });
  const fine = await storeJob(p, { expiresAt: past });
  const store = new FailingDeletes(p.store);
  store.failing.add(stuck.keys[1]!);

  const lines: { level: number; msg: string; jobId?: string }[] = [];
  const log = pino(
    { level: 'warn' },
    new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    }),
  );
  const janitor = startJanitor({ db: p.db, queue: p.queue, store, log, firstRunDelayMs: HOUR });
  t.after(() => janitor.stop());

  const run = await janitor.runOnce();
  assert.equal(run.jobs, 1);
  assert.equal(await p.db.jobs.get(fine.id), undefined);
  assert.equal((await p.db.jobs.get(stuck.id))?.status, 'done', 'blob first: the row stays');
  assert.ok(lines.some((line) => line.jobId === stuck.id && /could not delete/.test(line.msg)));

  store.failing.clear();
  assert.equal((await janitor.runOnce()).jobs, 1);
  assert.equal(await p.db.jobs.get(stuck.id), undefined);
  for (const key of stuck.keys) assert.equal(await exists(p.store, key), false);
});

test('a failing step is logged and the other steps still run', async (t) => {
  const p = await openPlatform();
  t.after(() => p.close());
  const expired = await storeJob(p, { expiresAt: new Date(Date.now() - HOUR) });
  await p.queue.close(); // every queue call now throws

  const lines: { level: number; step?: string }[] = [];
  const log = pino(
    { level: 'error' },
    new Writable({
      write(chunk, _encoding, done) {
        lines.push(JSON.parse(String(chunk)));
        done();
      },
    }),
  );
  const janitor = startJanitor({ db: p.db, queue: p.queue, store: p.store, log, firstRunDelayMs: HOUR });
  t.after(() => janitor.stop());
  const run = await janitor.runOnce();
  assert.equal(run.jobs, 1);
  assert.equal(await p.db.jobs.get(expired.id), undefined);
  assert.deepEqual(
    lines.map((line) => line.step),
    ['queue optimize', 'queue webhooks'],
  );
});

/** A real store that records how many listings are in progress at once. */
class CountingLists extends FailingDeletes {
  inFlight = 0;
  maxInFlight = 0;
  constructor(private readonly store: BlobStore) {
    super(store);
    this.list = (prefix) => this.counted(prefix);
  }
  private async *counted(prefix: string) {
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      // Yields to the event loop, so an overlapping run would get the chance to start.
      await new Promise((resolve) => setTimeout(resolve, 5));
      yield* this.store.list(prefix);
    } finally {
      this.inFlight -= 1;
    }
  }
}

test('runs never overlap, and each explicit run sees what happened before it was asked for', async (t) => {
  const p = await openPlatform();
  t.after(() => p.close());
  const store = new CountingLists(p.store);
  const janitor = startJanitor({ db: p.db, queue: p.queue, store, log: silent, firstRunDelayMs: HOUR });
  t.after(() => janitor.stop());

  const first = janitor.runOnce();
  const second = janitor.runOnce();
  const expired = await storeJob(p, { expiresAt: new Date(Date.now() - HOUR) });
  const third = janitor.runOnce();
  const runs = await Promise.all([first, second, third]);

  assert.equal(store.maxInFlight, 1);
  assert.equal(
    runs.reduce((sum, run) => sum + run.jobs, 0),
    1,
  );
  assert.equal(await p.db.jobs.get(expired.id), undefined);
});

test('the schedule runs soon after start and again on its interval, and stops', async (t) => {
  const p = await openPlatform();
  t.after(() => p.close());
  // The janitor's clock is held back while a job is being stored, so it cannot expire the job
  // between its row and its result; moving the clock on is what lets the schedule find it.
  let clock = new Date(0);
  const janitor = startJanitor({
    db: p.db,
    queue: p.queue,
    store: p.store,
    log: silent,
    firstRunDelayMs: 10,
    intervalMs: 20,
    now: () => clock,
  });
  for (let round = 0; round < 2; round++) {
    clock = new Date(0);
    const job = await storeJob(p, { expiresAt: new Date(Date.now() - HOUR) });
    clock = new Date();
    await until(async () => (await p.db.jobs.get(job.id)) === undefined);
  }

  await janitor.stop();
  const afterStop = await storeJob(p, { expiresAt: new Date(Date.now() - HOUR) });
  await new Promise((resolve) => setTimeout(resolve, 200));
  assert.equal((await p.db.jobs.get(afterStop.id))?.status, 'done', 'no run after stop');
  assert.deepEqual(await janitor.runOnce(), {
    jobs: 0,
    blobs: 0,
    usageDays: 0,
    queueJobs: 0,
    settledJobs: 0,
    wokenDeliveries: 0,
  });
});

/** Polls a condition until it holds; fails only after a generous bound (not a timing assertion). */
async function until(condition: () => Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail('the condition never held');
}

test('a job that ended in the queue without its worker (died on the last attempt) is recorded as failed and its callback sent', async (t) => {
  const p = await openPlatform();
  t.after(() => p.close());
  const id = newId();
  const job: NewJob = {
    id,
    accountId: p.accountId,
    source: { kind: 'url', url: 'https://example.com/a.png', fileName: 'a.png' },
    plan: parsePlan({}),
    delivery: { mode: 'callback', url: 'https://example.com/hook' },
    dev: false,
    compat: { api: 'kraken', data: {} },
    expiresAt: new Date(Date.now() + HOUR),
  };
  await p.db.jobs.create(job);
  await p.db.jobs.markRunning(id);
  // The queue ends the job as it does when the last lease runs out: failed, with no handler to record it.
  await p.queue.enqueue('optimize', id, { jobId: id }, { attempts: 1 });
  const consumer = p.queue.consume(
    'optimize',
    async () => {
      throw new Error('worker lost');
    },
    { concurrency: 1 },
  );
  assert.equal((await p.queue.waitFor('optimize', id, 5000))?.state, 'failed');
  await consumer.close();

  const young = manualJanitor(p);
  assert.equal((await young.runOnce()).settledJobs, 0, 'a job of the last minute may still be worked on');
  await young.stop();

  const janitor = manualJanitor(p, { now: () => new Date(Date.now() + 2 * 60_000) });
  t.after(() => janitor.stop());
  assert.equal((await janitor.runOnce()).settledJobs, 1);
  const settled = await p.db.jobs.get(id);
  assert.equal(settled?.status, 'failed');
  assert.equal(settled?.error?.code, 'INTERNAL');
  assert.equal((await p.queue.counts('webhooks')).waiting, 1, 'the callback is handed to the deliverer');
  const delivery = await p.db.deliveries.forJob(id);
  assert.equal(delivery?.status, 'pending', 'recording the failure created the delivery');
  assert.equal(delivery?.url, 'https://example.com/hook');
  assert.equal((await janitor.runOnce()).settledJobs, 0, 'settled once');
});

test('a pending webhook delivery whose queue job was lost is woken again, once per overdue period', async (t) => {
  const p = await openPlatform();
  t.after(() => p.close());
  const id = newId();
  await p.db.jobs.create({
    id,
    accountId: p.accountId,
    source: { kind: 'url', url: 'https://example.com/a.png', fileName: 'a.png' },
    plan: parsePlan({}),
    delivery: { mode: 'callback', url: 'https://example.com/hook' },
    dev: false,
    compat: { api: 'kraken', data: {} },
    expiresAt: new Date(Date.now() + HOUR),
  });
  // The outcome is stored (and with it the delivery) but the process died before enqueueing it.
  await p.db.jobs.fail(id, { code: 'CORRUPT_IMAGE', message: 'truncated' });
  const delivery = await p.db.deliveries.forJob(id);
  assert.ok(delivery);

  const now = manualJanitor(p);
  t.after(() => now.stop());
  assert.equal((await now.runOnce()).wokenDeliveries, 0, 'not overdue yet: its wake may still be on its way');

  const later = manualJanitor(p, { now: () => new Date(Date.now() + 11 * 60_000) });
  t.after(() => later.stop());
  assert.equal((await later.runOnce()).wokenDeliveries, 1);
  assert.equal((await later.runOnce()).wokenDeliveries, 1, 'still pending: reported again');
  const counts = await p.queue.counts('webhooks');
  assert.equal(counts.waiting, 1, 'one wake per overdue period, however many runs');

  const wake = await new Promise<unknown>((resolve) => {
    const consumer = p.queue.consume(
      'webhooks',
      async (job) => {
        resolve(job.data);
        return 'seen';
      },
      { concurrency: 1 },
    );
    t.after(() => consumer.close());
  });
  assert.deepEqual(wake, { deliveryId: delivery.id, attempt: 1 });
});
