/**
 * A real worker for the tests: a SQLite file shared by the data layer and the embedded queue, a
 * local blob folder, in a fresh temp folder that is deleted when the test ends, and the engine
 * pool the test file shares between its tests (starting an engine process is the slow part). `submit` records a job the way the api does and enqueues it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { pino } from 'pino';
import { openDatabase, type SquishDatabase } from '../../src/db/index.js';
import type { Account, JobDelivery, JobRecord, JobSource } from '../../src/db/records.js';
import type { EnginePool } from '../../src/engine/index.js';
import { type Consumer, EmbeddedQueue, type JobOutcome, OPTIMIZE_QUEUE } from '../../src/jobs/index.js';
import type { OutboundPolicy } from '../../src/net/index.js';
import { type OptimizePlan, parsePlan } from '../../src/plan/index.js';
import { LocalFolderStore } from '../../src/store/index.js';
import { startWorker } from '../../src/worker/index.js';

export interface Harness {
  /** The SQLite file and the blob folder, for a worker in another process. */
  file: string;
  blobRoot: string;
  db: SquishDatabase;
  queue: EmbeddedQueue;
  store: LocalFolderStore;
  pool: EnginePool;
  policy: OutboundPolicy;
  log: pino.Logger;
  account: Account;
  /** Starts a worker in this process (closed when the test ends). */
  runWorker(leaseMs?: number): void;
  /** Records a job as the api does (input blob, job row) and enqueues it; returns its id. */
  submit(job: {
    input?: Uint8Array;
    url?: string;
    fileName: string;
    plan?: OptimizePlan;
    delivery?: JobDelivery;
    dev?: boolean;
    keepExtension?: boolean;
  }): Promise<string>;
  /** The queue outcome and the job record once the worker ended the job. */
  finished(jobId: string): Promise<{ outcome: JobOutcome; record: JobRecord }>;
}

export async function startHarness(
  t: TestContext,
  pool: EnginePool,
  options: { allowPrivateNetworks?: boolean; startWorker?: boolean } = {},
): Promise<Harness> {
  const dir = mkdtempSync(path.join(tmpdir(), 'squish-worker-'));
  const file = path.join(dir, 'squish.db');
  const db = await openDatabase(`sqlite:${file}`);
  const queue = new EmbeddedQueue({ file, pollIntervalMs: 50 });
  const blobRoot = path.join(dir, 'blobs');
  const store = new LocalFolderStore({ root: blobRoot });
  const log = pino({ level: 'silent' });
  const policy: OutboundPolicy = {
    allowPrivateNetworks: options.allowPrivateNetworks ?? false,
    timeoutMs: 10_000,
    maxBytes: 1 << 20,
  };
  const { account } = await db.accounts.create({ name: 'worker test', quotaBytes: 10_000_000 });
  const consumers: Consumer[] = [];
  const runWorker = (leaseMs = 2000) => {
    consumers.push(startWorker({ db, queue, store, pool, policy, concurrency: 1, log, leaseMs }));
  };
  if (options.startWorker !== false) runWorker();
  t.after(async () => {
    await Promise.all(consumers.map((consumer) => consumer.close(0)));
    await queue.close();
    await store.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  return {
    file,
    blobRoot,
    runWorker,
    db,
    queue,
    store,
    pool,
    policy,
    log,
    account,
    async submit(job) {
      const id = randomBytes(16).toString('hex');
      let source: JobSource;
      if (job.input) {
        const blobKey = `inputs/${id}`;
        await store.put(blobKey, job.input);
        source = { kind: 'upload', blobKey, fileName: job.fileName, size: job.input.byteLength };
      } else {
        source = { kind: 'url', url: job.url!, fileName: job.fileName };
      }
      if (job.keepExtension !== undefined) source.keepExtension = job.keepExtension;
      await db.jobs.create({
        id,
        accountId: account.id,
        source,
        plan: job.plan ?? parsePlan(),
        delivery: job.delivery ?? { mode: 'wait' },
        dev: job.dev ?? false,
        compat: { api: 'test', data: null },
        expiresAt: new Date(Date.now() + 3600_000),
      });
      await queue.enqueue(OPTIMIZE_QUEUE, id, { jobId: id });
      return id;
    },
    async finished(jobId) {
      const outcome = await queue.waitFor(OPTIMIZE_QUEUE, jobId, 60_000);
      if (!outcome) throw new Error(`job ${jobId} did not end within 60 s`);
      const record = await db.jobs.get(jobId);
      if (!record) throw new Error(`job ${jobId} has no record`);
      return { outcome, record };
    },
  };
}
