/**
 * The worker role end to end on the embedded backends: real SQLite, real folder, real queue, a
 * real engine pool of one process, small real images.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { pino } from 'pino';
import sharp from 'sharp';
import { utcDay } from '../../src/db/index.js';
import type { JobOutput } from '../../src/db/records.js';
import { EnginePool } from '../../src/engine/index.js';
import { callbackJobId, WEBHOOKS_QUEUE } from '../../src/jobs/index.js';
import { parsePlan } from '../../src/plan/index.js';
import { resultsPrefix } from '../../src/store/index.js';
import { runOptimizeJob } from '../../src/worker/optimize-job.js';
import { assertSamePixels } from '../helpers/pixels.js';
import { startHarness } from './harness.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/worker/${name}`, import.meta.url));
const hopper = fixture('pil-hopper.jpg');
const icon = fixture('tango-network_local-32.png');

/** One engine process for the whole file, as a worker node has. */
const pool = new EnginePool({ size: 1 });
after(() => pool.close());

async function storedBytes(store: { get(key: string): Promise<Uint8Array | undefined> }, output: JobOutput) {
  const bytes = await store.get(output.blobKey);
  assert.ok(bytes, `no blob at ${output.blobKey}`);
  return bytes;
}

async function blobKeysOf(store: { list(prefix: string): AsyncIterable<{ key: string }> }, jobId: string) {
  const keys: string[] = [];
  for await (const blob of store.list(resultsPrefix(jobId))) keys.push(blob.key);
  return keys.sort();
}

test('an uploaded JPEG is optimized: one stored output that decodes to the same pixels', async (t) => {
  const h = await startHarness(t, pool);
  const jobId = await h.submit({ input: hopper, fileName: 'hopper.jpeg' });
  const { outcome, record } = await h.finished(jobId);

  assert.deepEqual(outcome, { state: 'completed', result: { status: 'done' } });
  assert.equal(record.status, 'done');
  assert.equal(record.result?.inputFormat, 'jpeg');
  assert.equal(record.result?.originalSize, hopper.byteLength);
  assert.equal(record.result?.outputs.length, 1);
  const output = record.result!.outputs[0]!;
  const bytes = await storedBytes(h.store, output);
  await assertSamePixels(hopper, bytes, 'lossless output');
  assert.equal(output.setId, undefined);
  assert.match(output.token, /^[0-9a-f]{32}$/);
  assert.equal(output.blobKey, `results/${jobId}/${output.token}`);
  assert.equal(output.fileName, 'hopper.jpeg', 'an extension that names the format is kept');
  assert.equal(output.format, 'jpeg');
  assert.equal(output.contentType, 'image/jpeg');
  assert.equal(output.size, bytes.byteLength);
  assert.ok(output.size <= hopper.byteLength);
  assert.equal(output.savedBytes, hopper.byteLength - output.size);
  assert.deepEqual(
    [output.width, output.height, output.originalWidth, output.originalHeight],
    [128, 128, 128, 128],
  );
  assert.equal(output.etag, `"${createHash('sha256').update(bytes).digest('base64url')}"`);
  assert.deepEqual(await blobKeysOf(h.store, jobId), [output.blobKey]);

  // Counted against the quota as Kraken counts: the original's bytes.
  const account = await h.db.accounts.getByKey(h.account.apiKey);
  assert.equal(account?.usedBytes, hopper.byteLength);
  const [usage] = await h.db.accounts.usage(h.account.id, utcDay(new Date()), utcDay(new Date()));
  assert.deepEqual(
    [usage?.requests, usage?.bytesIn, usage?.bytesOut, usage?.savedBytes],
    [1, hopper.byteLength, output.size, output.savedBytes],
  );
  // wait mode: no callback.
  assert.equal((await h.queue.counts(WEBHOOKS_QUEUE)).waiting, 0);
});

test('an image set stores one output per entry, resized and converted, and dev mode is not counted', async (t) => {
  const h = await startHarness(t, pool);
  const plan = parsePlan({
    outputs: [
      { id: 'small', resize: { strategy: 'exact', width: 16, height: 16 }, format: 'webp' },
      { id: 'same', format: 'png' },
    ],
  });
  const jobId = await h.submit({
    input: icon,
    fileName: 'a3f9c2d1e4b5a6978877665544332211aabbccdd',
    plan,
    dev: true,
    delivery: { mode: 'callback', url: 'https://hooks.example/done' },
  });
  const { outcome, record } = await h.finished(jobId);
  assert.deepEqual(outcome, { state: 'completed', result: { status: 'done' } });
  const outputs = record.result!.outputs;
  assert.deepEqual(
    outputs.map((output) => [output.setId, output.format, output.contentType, output.width, output.height]),
    [
      ['small', 'webp', 'image/webp', 16, 16],
      ['same', 'png', 'image/png', 32, 32],
    ],
  );
  assert.deepEqual(
    outputs.map((output) => output.fileName),
    ['a3f9c2d1e4b5a6978877665544332211aabbccdd.webp', 'a3f9c2d1e4b5a6978877665544332211aabbccdd.png'],
    'a name without an extension gets the format’s',
  );
  assert.notEqual(outputs[0]!.token, outputs[1]!.token);
  const small = await sharp(await storedBytes(h.store, outputs[0]!)).metadata();
  assert.deepEqual([small.format, small.width, small.height], ['webp', 16, 16]);
  await assertSamePixels(icon, await storedBytes(h.store, outputs[1]!), 'lossless PNG entry');
  assert.deepEqual(await blobKeysOf(h.store, jobId), outputs.map((output) => output.blobKey).sort());

  // Kraken's sandbox: processed and recorded, but the quota is untouched.
  assert.equal((await h.db.accounts.getByKey(h.account.apiKey))?.usedBytes, 0);
  const [usage] = await h.db.accounts.usage(h.account.id, utcDay(new Date()), utcDay(new Date()));
  assert.equal(usage?.bytesOut, outputs[0]!.size + outputs[1]!.size);
  // callback mode: the delivery is handed to the webhooks queue, once.
  const counts = await h.queue.counts(WEBHOOKS_QUEUE);
  assert.equal(counts.waiting, 1);
  assert.equal(await h.queue.waitFor(WEBHOOKS_QUEUE, callbackJobId(jobId), 0), undefined);
});

test('keep_extension keeps the source name whatever the output format', async (t) => {
  const h = await startHarness(t, pool);
  const jobId = await h.submit({
    input: icon,
    fileName: 'icon.png',
    plan: parsePlan({ format: 'webp' }),
    keepExtension: true,
  });
  const { record } = await h.finished(jobId);
  const output = record.result!.outputs[0]!;
  assert.equal(output.format, 'webp');
  assert.equal(output.contentType, 'image/webp');
  assert.equal(output.fileName, 'icon.png');
});

test('an image the engine refuses fails at once with the engine’s code, and is not counted', async (t) => {
  const h = await startHarness(t, pool);
  const jobId = await h.submit({
    input: fixture('pil-truncated_jpeg.jpg'),
    fileName: 'broken.jpg',
    delivery: { mode: 'callback', url: 'https://hooks.example/done' },
  });
  const { outcome, record } = await h.finished(jobId);
  // The queue job itself completed: a refused image is an answer, not a reason to retry.
  assert.deepEqual(outcome, { state: 'completed', result: { status: 'failed' } });
  assert.equal(record.status, 'failed');
  assert.equal(record.error?.code, 'CORRUPT_IMAGE');
  assert.match(record.error?.message ?? '', /corrupt or truncated/);
  assert.deepEqual(await blobKeysOf(h.store, jobId), []);
  assert.equal((await h.db.accounts.getByKey(h.account.apiKey))?.usedBytes, 0);
  // The caller still hears about the failure through its callback.
  assert.equal((await h.queue.counts(WEBHOOKS_QUEUE)).waiting, 1);
});

test('a URL source is fetched through the guarded client', async (t) => {
  const requests: string[] = [];
  const server = http.createServer((request, response) => {
    requests.push(request.url ?? '');
    response.writeHead(200, { 'content-type': 'image/jpeg' }).end(hopper);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const open = await startHarness(t, pool, { allowPrivateNetworks: true });
  const jobId = await open.submit({ url: `${origin}/images/photo.jpg`, fileName: 'photo.jpg' });
  const { outcome, record } = await open.finished(jobId);
  assert.deepEqual(outcome, { state: 'completed', result: { status: 'done' } });
  assert.equal(record.result?.originalSize, hopper.byteLength);
  const output = record.result!.outputs[0]!;
  assert.equal(output.fileName, 'photo.jpg');
  await assertSamePixels(hopper, await storedBytes(open.store, output), 'fetched and optimized');
  assert.equal(requests.length, 1);

  // The same URL under the default policy is refused before any connection is made.
  const guarded = await startHarness(t, pool);
  const refusedId = await guarded.submit({ url: `${origin}/images/photo.jpg`, fileName: 'photo.jpg' });
  const refused = await guarded.finished(refusedId);
  assert.equal(refused.record.status, 'failed');
  assert.equal(refused.record.error?.code, 'URL_NOT_ALLOWED');
  assert.equal(requests.length, 1);
});

test('a retried job replaces what an earlier attempt stored, and a finished job is not redone', async (t) => {
  const h = await startHarness(t, pool, { startWorker: false });
  const jobId = await h.submit({ input: hopper, fileName: 'hopper.jpg' });
  // What an attempt that died after storing an output, before recording it, leaves behind.
  const stale = `${resultsPrefix(jobId)}0123456789abcdef0123456789abcdef`;
  await h.store.put(stale, hopper);
  const deps = { db: h.db, queue: h.queue, store: h.store, pool: h.pool, policy: h.policy, log: h.log };
  const job = (attempt: number) => ({
    id: jobId,
    queue: 'optimize',
    data: { jobId },
    attempt,
    maxAttempts: 3,
  });

  assert.deepEqual(await runOptimizeJob(deps, job(2), new AbortController().signal), { status: 'done' });
  const record = await h.db.jobs.get(jobId);
  const keys = await blobKeysOf(h.store, jobId);
  assert.deepEqual(keys, [record!.result!.outputs[0]!.blobKey]);
  assert.ok(!keys.includes(stale));

  // A late redelivery of a job that ended changes nothing and counts nothing twice.
  assert.deepEqual(await runOptimizeJob(deps, job(3), new AbortController().signal), { status: 'done' });
  assert.deepEqual(await blobKeysOf(h.store, jobId), keys);
  assert.equal((await h.db.accounts.getByKey(h.account.apiKey))?.usedBytes, hopper.byteLength);

  // A job whose record is gone (expired before a worker got to it) is simply done.
  const ghost = { ...job(1), data: { jobId: 'f'.repeat(32) } };
  assert.deepEqual(await runOptimizeJob(deps, ghost, new AbortController().signal), { status: 'done' });
});

test("the job's log line says where its time went: queue, input, engine, store, record", async (t) => {
  const h = await startHarness(t, pool, { startWorker: false });
  const jobId = await h.submit({ input: hopper, fileName: 'hopper.jpg' });
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  const deps = { db: h.db, queue: h.queue, store: h.store, pool: h.pool, policy: h.policy, log };
  const job = { id: jobId, queue: 'optimize', data: { jobId }, attempt: 1, maxAttempts: 3 };
  const outcome = await runOptimizeJob(deps, job, new AbortController().signal);
  assert.deepEqual(outcome, { status: 'done' }, JSON.stringify(lines));
  const done = lines.find((line) => line.msg === 'optimize job done');
  assert.ok(done, JSON.stringify(lines));
  assert.equal(done.jobId, jobId);
  for (const field of ['queuedMs', 'inputMs', 'engineMs', 'storeMs', 'recordMs']) {
    const value = done[field];
    assert.ok(typeof value === 'number' && Number.isFinite(value) && value >= 0, `${field}: ${value}`);
  }
  // The engine's wall time in this process includes its own work in the child (`ms`, rounded).
  assert.ok((done.engineMs as number) + 1 >= (done.ms as number), JSON.stringify(done));
});

test('an aborted run (handed back at shutdown) records nothing', async (t) => {
  const h = await startHarness(t, pool, { startWorker: false });
  const jobId = await h.submit({ input: hopper, fileName: 'hopper.jpg' });
  const deps = { db: h.db, queue: h.queue, store: h.store, pool: h.pool, policy: h.policy, log: h.log };
  const controller = new AbortController();
  controller.abort(new Error('handed back'));
  await assert.rejects(
    runOptimizeJob(
      deps,
      { id: jobId, queue: 'optimize', data: { jobId }, attempt: 3, maxAttempts: 3 },
      controller.signal,
    ),
    /handed back/,
  );
  const record = await h.db.jobs.get(jobId);
  assert.equal(record?.status, 'running');
  assert.deepEqual(await blobKeysOf(h.store, jobId), []);
});
