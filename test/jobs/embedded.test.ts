/**
 * The embedded queue (SQLite file) against the queue conformance suite, plus what only a file
 * queue promises: jobs survive closing and reopening the file, and the table lives beside others.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { EmbeddedQueue } from '../../src/jobs/index.js';
import { describeQueueConformance } from './conformance.js';
import { openEmbeddedQueue } from './embedded-backend.js';

const dir = mkdtempSync(join(tmpdir(), 'squish-queue-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const file = join(dir, 'squish.db');

describeQueueConformance('embedded', () => openEmbeddedQueue({ file }), {
  module: new URL('./embedded-backend.ts', import.meta.url).href,
  exportName: 'openEmbeddedQueue',
  arg: { file },
});

test('an accepted job survives closing the queue and is run after reopening the file', async () => {
  const restartFile = join(dir, 'restart.db');
  const before = new EmbeddedQueue({ file: restartFile, pollIntervalMs: 25 });
  await before.enqueue('optimize', 'kept', { jobId: 'kept' });
  await before.close();

  const reopened = new EmbeddedQueue({ file: restartFile, pollIntervalMs: 25 });
  try {
    const consumer = reopened.consume('optimize', async (job) => job.data, { concurrency: 1 });
    assert.deepEqual(await reopened.waitFor('optimize', 'kept', 10_000), {
      state: 'completed',
      result: { jobId: 'kept' },
    });
    await consumer.close();
  } finally {
    await reopened.close();
  }
});

test('the queue keeps to its own table in a file that other code uses too', async () => {
  const sharedFile = join(dir, 'shared.db');
  const other = new Database(sharedFile);
  other.exec('CREATE TABLE accounts (id TEXT PRIMARY KEY)');
  const queue = new EmbeddedQueue({ file: sharedFile });
  // A second instance on an existing file creates nothing twice.
  const again = new EmbeddedQueue({ file: sharedFile });
  try {
    const tables = other
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .all()
      .map((row) => (row as { name: string }).name);
    assert.deepEqual(tables, ['accounts', 'queue_jobs']);
    assert.equal(other.pragma('journal_mode', { simple: true }), 'wal');
  } finally {
    await again.close();
    await queue.close();
    other.close();
  }
});

test('clean also drops all but the newest `retention` ended jobs of each end state', async () => {
  const queue = new EmbeddedQueue({ file: join(dir, 'retention.db'), pollIntervalMs: 25, retention: 2 });
  try {
    const ids = [0, 1, 2, 3, 4].map((n) => `done-${n}`);
    const failing = [0, 1, 2].map((n) => `failed-${n}`);
    for (const id of ids) await queue.enqueue('q', id, { fail: false });
    for (const id of failing) await queue.enqueue('q', id, { fail: true }, { attempts: 1 });
    const consumer = queue.consume<{ fail: boolean }>(
      'q',
      async (job) => {
        // Distinct finish times: the newest are the last to run.
        await new Promise((resolve) => setTimeout(resolve, 5));
        if (job.data.fail) throw new Error('refused');
        return job.id;
      },
      { concurrency: 1 },
    );
    for (const id of [...ids, ...failing]) assert.ok(await queue.waitFor('q', id, 10_000));
    await consumer.close();

    // Nothing is a day old: only the count bound drops anything.
    assert.equal(await queue.clean('q', 86_400_000), 4);
    const kept = await Promise.all([...ids, ...failing].map((id) => queue.waitFor('q', id, 0)));
    assert.deepEqual(
      kept.map((outcome) => outcome?.state),
      [undefined, undefined, undefined, 'completed', 'completed', undefined, 'failed', 'failed'],
    );
    assert.equal(await queue.clean('q', 86_400_000), 0);
  } finally {
    await queue.close();
  }
  assert.throws(() => new EmbeddedQueue({ file: join(dir, 'retention.db'), retention: -1 }), TypeError);
});
