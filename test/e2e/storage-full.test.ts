/**
 * A full disk under the data folder, on a real file system (a small tmpfs): uploads are answered
 * 503 STORAGE_FULL with Retry-After, not 500; a job whose result cannot be written fails with that
 * code after its attempts; /readyz reports the store as not ready while there is no room for an
 * upload at the limit, so a load balancer sends work elsewhere; and everything works again once
 * space is freed. Needs root to mount the tmpfs.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import sharp from 'sharp';
import { type App, createApp } from '../../src/app/index.js';
import { loadConfig } from '../../src/config/index.js';

const FLOWER = readFileSync(fileURLToPath(new URL('../fixtures/e2e/pil-flower.jpg', import.meta.url)));
const MAX_UPLOAD = 1024 * 1024;

const skip = process.getuid?.() !== 0 && 'needs root to mount a small tmpfs';

describe('a full disk under the data folder', { skip }, () => {
  let dataDir: string;
  const filler = () => path.join(dataDir, 'filler');

  before(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'squish-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', dataDir]);
  });
  after(() => {
    execFileSync('umount', [dataDir]);
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Fills the file system until `left` bytes remain for other writers. */
  async function fillLeaving(left: number): Promise<void> {
    const { bavail, bsize } = await statfs(dataDir);
    writeFileSync(filler(), Buffer.alloc(Math.max(0, bavail * bsize - left)));
  }

  function start(roles: string): Promise<App> {
    const config = loadConfig(
      { SQUISH_LOG_LEVEL: 'silent', SQUISH_MAX_UPLOAD_BYTES: String(MAX_UPLOAD) },
      { data: dataDir, port: '0', concurrency: '1', roles },
    );
    return createApp(config, { log: pino({ level: 'silent' }) });
  }

  async function credentials(app: App): Promise<{ api_key: string; api_secret: string }> {
    const { account, apiSecret } = await app.db.accounts.create({ name: 't', quotaBytes: null });
    return { api_key: account.apiKey, api_secret: apiSecret };
  }

  function upload(url: string, auth: object, image: Uint8Array, name: string): Promise<Response> {
    const form = new FormData();
    form.append('data', JSON.stringify({ auth, wait: true }));
    form.append('file', new Blob([image]), name);
    return fetch(`${url}/v1/upload`, { method: 'POST', body: form });
  }

  it('answers uploads 503 STORAGE_FULL and is not ready until space is freed', async (t) => {
    const app = await start('api,worker');
    t.after(() => app.close());
    const url = app.url!;
    const auth = await credentials(app);
    assert.equal((await upload(url, auth, FLOWER, 'a.jpg')).status, 200);
    assert.equal((await fetch(`${url}/readyz`)).status, 200);

    await fillLeaving(8 * 1024);
    const full = await upload(url, auth, FLOWER, 'b.jpg');
    assert.equal(full.status, 503);
    assert.equal(full.headers.get('retry-after'), '5');
    const body = (await full.json()) as { success: boolean; code: string; message: string };
    assert.deepEqual(body, {
      success: false,
      code: 'STORAGE_FULL',
      message: 'The service has no room left to store images; try again later.',
    });
    const ready = await fetch(`${url}/readyz`);
    assert.equal(ready.status, 503);
    const report = (await ready.json()) as { failed: string[]; checks: Record<string, string> };
    assert.deepEqual(report.failed, ['store']);
    assert.match(report.checks.store!, /bytes free under .*, fewer than the 2097152/);
    assert.equal((await fetch(`${url}/healthz`)).status, 200);

    unlinkSync(filler());
    assert.equal((await fetch(`${url}/readyz`)).status, 200);
    assert.equal((await upload(url, auth, FLOWER, 'c.jpg')).status, 200);
  });

  it('fails a job whose result cannot be written with STORAGE_FULL, after its attempts', async (t) => {
    // An api node takes the upload; the disk fills before a worker node (same process, same
    // data folder) runs the job: the result of a noise image, as large as its input, has no room.
    const api = await start('api');
    t.after(() => api.close());
    const auth = await credentials(api);
    const noise = await sharp(
      Buffer.from(Array.from({ length: 256 * 256 * 3 }, () => Math.floor(Math.random() * 256))),
      {
        raw: { width: 256, height: 256, channels: 3 },
      },
    )
      .png()
      .toBuffer();
    const answer = upload(api.url!, auth, noise, 'noise.png');
    const jobId = await queuedJob(api);
    await fillLeaving(96 * 1024);
    const worker = await start('worker');
    t.after(() => worker.close());

    const response = await answer;
    assert.equal(response.status, 503);
    assert.equal(response.headers.get('retry-after'), '5');
    assert.equal(((await response.json()) as { code: string }).code, 'STORAGE_FULL');
    const job = await api.db.jobs.get(jobId);
    assert.equal(job?.status, 'failed');
    assert.equal(job?.error?.code, 'STORAGE_FULL');
    unlinkSync(filler());
  });
});

/** The id of a job the api recorded and no worker has started, once there is one. */
async function queuedJob(app: App): Promise<string> {
  for (let tries = 0; tries < 400; tries++) {
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(path.join(app.config.dataDir, 'squish.db'), { readonly: true });
    try {
      const row = db.prepare<[], { id: string }>("SELECT id FROM jobs WHERE status = 'queued'").get();
      if (row) return row.id;
    } finally {
      db.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error('no job was recorded');
}
