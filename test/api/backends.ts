/**
 * Real embedded backends in a fresh temp folder for the api tests: a SQLite file shared by the
 * data layer and the queue, and a local blob folder. Everything is closed and deleted in t.after.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { pino } from 'pino';
import { PlatformJobService } from '../../src/app/platform-job-service.js';
import { openDatabase, type SquishDatabase, type WebhookDelivery } from '../../src/db/index.js';
import { EmbeddedQueue } from '../../src/jobs/index.js';
import { LocalFolderStore } from '../../src/store/index.js';
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
