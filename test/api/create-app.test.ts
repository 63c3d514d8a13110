/**
 * createApp in this process: a shutdown whose timeout runs out while a wait request's job is
 * still running answers that request 503 and hands the job back; a node started again on the
 * same data folder finishes it. Nothing accepted is lost.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import sharp from 'sharp';
import { createApp } from '../../src/app/index.js';
import { loadConfig } from '../../src/config/index.js';

const FLOWER = fileURLToPath(new URL('../fixtures/e2e/pil-flower.jpg', import.meta.url));

test('shutdown timeout: the held wait request gets 503, the job is handed back and finishes after a restart', async (t) => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'squish-app-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const config = loadConfig(
    { SQUISH_SHUTDOWN_TIMEOUT: '0', SQUISH_LOG_LEVEL: 'silent' },
    { data: dataDir, port: '0', concurrency: '1' },
  );
  const log = pino({ level: 'silent' });
  const first = await createApp(config, { log });
  const { apiKey, secret } = await first.db.accounts
    .create({ name: 't', quotaBytes: null })
    .then(({ account, apiSecret }) => ({ apiKey: account.apiKey, secret: apiSecret }));
  // A lossy search on a 2048-wide photo: seconds of work, so the shutdown finds it running.
  const photo = await sharp(FLOWER).resize({ width: 2048 }).jpeg({ quality: 95 }).toBuffer();
  const form = new FormData();
  form.append(
    'data',
    JSON.stringify({ auth: { api_key: apiKey, api_secret: secret }, wait: true, lossy: true }),
  );
  form.append('file', new Blob([photo]), 'slow.jpg');
  const answer = fetch(`${first.url}/v1/upload`, { method: 'POST', body: form });

  // Wait until the worker has the job, then shut down with no time to finish it.
  let jobId: string | undefined;
  for (let tries = 0; tries < 600 && !jobId; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const account = await first.db.accounts.getByKey(apiKey);
    jobId = account ? await runningJob(dataDir) : undefined;
  }
  assert.ok(jobId, 'the job started');
  await first.close();
  const response = await answer;
  assert.equal(response.status, 503);
  const body = (await response.json()) as { success: boolean; message: string };
  assert.equal(body.success, false);
  assert.match(body.message, /shut down/);

  const second = await createApp(config, { log });
  t.after(() => second.close());
  const done = await second.jobs.waitForResult(jobId, 120_000);
  assert.equal(done.status, 'done', JSON.stringify(done.error));
  assert.ok(done.result!.outputs[0]!.size < photo.length);
});

/** The id of a job the worker has started, read beside the app from its SQLite file. */
async function runningJob(dataDir: string): Promise<string | undefined> {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(path.join(dataDir, 'squish.db'), { readonly: true });
  try {
    return db.prepare<[], { id: string }>("SELECT id FROM jobs WHERE status = 'running'").get()?.id;
  } finally {
    db.close();
  }
}
