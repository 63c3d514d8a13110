/**
 * Real embedded backends in a fresh temp folder for the api tests: a SQLite file shared by the
 * data layer and the queue, and a local blob folder. Everything is closed and deleted in t.after.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { pino } from 'pino';
import { PlatformJobService } from '../../src/app/platform-job-service.js';
import {
  type JobOutput,
  openDatabase,
  type SquishDatabase,
  type WebhookDelivery,
} from '../../src/db/index.js';
import type { ImageFormat } from '../../src/engine/types.js';
import { EmbeddedQueue } from '../../src/jobs/index.js';
import { DEFAULT_PLAN } from '../../src/plan/index.js';
import { type BlobStore, LocalFolderStore } from '../../src/store/index.js';
import { redeliverWebhook } from '../../src/webhooks/index.js';

export interface Backends {
  dir: string;
  db: SquishDatabase;
  queue: EmbeddedQueue;
  store: LocalFolderStore;
  jobs: PlatformJobService;
  log: pino.Logger;
  /** The webhooks role's re-send, as the composition root hands it to the server. */
  redeliverWebhook: (deliveryId: string) => Promise<WebhookDelivery | undefined>;
}

export async function openBackends(
  t: TestContext,
  options: { maxUploadBytes?: number; waitTimeoutMs?: number } = {},
): Promise<Backends> {
  const dir = mkdtempSync(path.join(tmpdir(), 'squish-api-'));
  const file = path.join(dir, 'squish.db');
  const db = await openDatabase(`sqlite:${file}`);
  const queue = new EmbeddedQueue({ file, pollIntervalMs: 50 });
  const store = new LocalFolderStore({ root: path.join(dir, 'blobs') });
  const log = pino({ level: 'silent' });
  const jobs = new PlatformJobService({
    db,
    queue,
    store,
    policy: { allowPrivateNetworks: false, timeoutMs: 5000, maxBytes: 1 << 20 },
    publicUrl: 'https://squish.example/',
    maxUploadBytes: options.maxUploadBytes ?? 1 << 20,
    resultTtlMs: 3600_000,
    waitTimeoutMs: options.waitTimeoutMs ?? 5000,
    log,
  });
  t.after(async () => {
    await queue.close();
    await store.close();
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const redeliver = (deliveryId: string) => redeliverWebhook({ db, queue }, deliveryId);
  return { dir, db, queue, store, jobs, log, redeliverWebhook: redeliver };
}

/** One result file, as a worker stores it. */
export interface ResultFile {
  bytes: Uint8Array;
  format: ImageFormat;
  contentType: string;
  fileName: string;
  width: number;
  height: number;
}

/**
 * A finished job whose one output is in `store` (the backends' own by default), as the worker
 * leaves it; `path` is its download path.
 */
export async function storedResult(
  backends: Backends,
  result: ResultFile,
  store: BlobStore = backends.store,
) {
  const { db, jobs } = backends;
  const { account } = await db.accounts.create({ name: 'a', quotaBytes: null });
  const job = await jobs.submit({
    account,
    source: { kind: 'upload', bytes: result.bytes, fileName: result.fileName },
    plan: DEFAULT_PLAN,
    delivery: { mode: 'wait' },
    dev: false,
    compat: { api: 'kraken', data: null },
  });
  const token = randomBytes(16).toString('hex');
  const output: JobOutput = {
    token,
    blobKey: `results/${job.id}/${token}`,
    fileName: result.fileName,
    format: result.format,
    contentType: result.contentType,
    size: result.bytes.length,
    width: result.width,
    height: result.height,
    originalSize: result.bytes.length,
    originalWidth: result.width,
    originalHeight: result.height,
    savedBytes: 0,
    etag: `"${createHash('sha256').update(result.bytes).digest('hex').slice(0, 32)}"`,
    notes: [],
  };
  await store.put(output.blobKey, result.bytes, { contentType: result.contentType });
  await db.jobs.complete(job.id, {
    inputFormat: result.format,
    originalSize: result.bytes.length,
    outputs: [output],
    ms: 1,
  });
  return { job, output, path: `/dl/${token}/${encodeURIComponent(result.fileName)}` };
}
