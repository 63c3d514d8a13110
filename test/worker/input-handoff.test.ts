/**
 * The in-memory handoff of wait uploads (src/worker/input-handoff.ts): a worker of the process
 * that accepted the upload takes the bytes and the record from memory; without an offer it
 * reads the store, as a worker in another process does.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, type TestContext, test } from 'node:test';
import { EnginePool } from '../../src/engine/index.js';
import { inputBlobKey } from '../../src/store/index.js';
import { endHandoff, offerInput, pendingHandoffs, takeResult } from '../../src/worker/input-handoff.js';
import { assertSamePixels } from '../helpers/pixels.js';
import { type Harness, startHarness } from './harness.js';

const hopper = readFileSync(new URL('../fixtures/worker/pil-hopper.jpg', import.meta.url));

const pool = new EnginePool({ size: 1 });
after(() => pool.close());

test('a worker takes an offered upload from memory, not from the store', async (t) => {
  const h = await startHarness(t, pool, { startWorker: false });
  const jobId = await h.submit({ input: hopper, fileName: 'hopper.jpg' });
  const record = await h.db.jobs.get(jobId);
  assert.ok(record);
  // With the stored copy gone, only the offer can give the worker the image.
  await h.store.delete(inputBlobKey(jobId));
  offerInput({ record, bytes: hopper });
  h.runWorker();
  const { outcome, record: done } = await h.finished(jobId);
  assert.deepEqual(outcome, { state: 'completed', result: { status: 'done' } });
  assert.equal(done.status, 'done');
  const output = done.result!.outputs[0]!;
  const bytes = await h.store.get(output.blobKey);
  assert.ok(bytes);
  await assertSamePixels(hopper, bytes, 'the output of the handed-over upload');
  assert.equal(pendingHandoffs(), 0, 'the offer was taken');
});

test('without an offer the worker reads the stored upload (another process accepted it)', async (t) => {
  const h = await startHarness(t, pool, { startWorker: false });
  const jobId = await h.submit({ input: hopper, fileName: 'hopper.jpg' });
  await h.store.delete(inputBlobKey(jobId));
  h.runWorker();
  const { record } = await h.finished(jobId);
  assert.equal(record.status, 'failed');
  assert.match(record.error?.message ?? '', /no longer stored/);
});

/** A recorded job whose upload is offered in memory, as a wait request does, and the worker started. */
async function offeredJob(t: TestContext): Promise<{ h: Harness; jobId: string }> {
  const h = await startHarness(t, pool, { startWorker: false });
  const jobId = await h.submit({ input: hopper, fileName: 'hopper.jpg' });
  const record = await h.db.jobs.get(jobId);
  assert.ok(record);
  offerInput({ record, bytes: hopper });
  h.runWorker();
  return { h, jobId };
}

test('the finished job goes back to the waiting request as it was stored, once', async (t) => {
  const { h, jobId } = await offeredJob(t);
  const { record: stored } = await h.finished(jobId);
  const handed = takeResult(jobId);
  assert.ok(handed, 'the worker handed the job back');
  // The same record the database gives: status, result, outputs, finish time and expiry.
  assert.deepEqual(handed, stored);
  assert.equal(takeResult(jobId), undefined, 'taken once; a second look reads the database');
  endHandoff(jobId);
  assert.equal(pendingHandoffs(), 0);
});

test('a job whose wait has ended is not kept in memory', async (t) => {
  const { h, jobId } = await offeredJob(t);
  // The waiter gives up (timeout) while the worker still runs the job.
  endHandoff(jobId);
  const { record: stored } = await h.finished(jobId);
  assert.equal(stored.status, 'done');
  assert.equal(takeResult(jobId), undefined, 'nobody waits: nothing was kept');
});
