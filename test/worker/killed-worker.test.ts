/**
 * "A worker killed mid-job: the job completes on restart, nothing lost." A worker process takes a
 * URL job and is SIGKILLed while it holds it (its image download is held open by the test's
 * server); once its lease runs out, a worker started afterwards completes the job.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { EnginePool } from '../../src/engine/index.js';
import { assertSamePixels } from '../helpers/pixels.js';
import { startHarness } from './harness.js';

const hopper = readFileSync(new URL('../fixtures/worker/pil-hopper.jpg', import.meta.url));
const WORKER_PROCESS = fileURLToPath(new URL('./worker-process.ts', import.meta.url));
const LEASE_MS = 500;

const pool = new EnginePool({ size: 1 });
after(() => pool.close());

test('a job whose worker process was killed mid-job is completed by the next worker', async (t) => {
  // The first download is never answered (the worker dies waiting for it); later ones are.
  let requests = 0;
  let firstRequest!: () => void;
  const firstRequestSeen = new Promise<void>((resolve) => {
    firstRequest = resolve;
  });
  const server = http.createServer((_request, response) => {
    requests++;
    if (requests === 1) {
      firstRequest();
      return;
    }
    response.writeHead(200, { 'content-type': 'image/jpeg' }).end(hopper);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hopper.jpg`;

  const h = await startHarness(t, pool, { startWorker: false, allowPrivateNetworks: true });
  const jobId = await h.submit({ url, fileName: 'hopper.jpg' });
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', WORKER_PROCESS, h.file, h.blobRoot, String(LEASE_MS)],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  t.after(() => {
    child.kill('SIGKILL');
  });
  await firstRequestSeen;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  assert.equal((await h.db.jobs.get(jobId))?.status, 'running', 'the killed worker had taken the job');

  h.runWorker(LEASE_MS);
  const { outcome, record } = await h.finished(jobId);
  assert.deepEqual(outcome, { state: 'completed', result: { status: 'done' } });
  assert.equal(record.status, 'done');
  const output = record.result!.outputs[0]!;
  const bytes = await h.store.get(output.blobKey);
  assert.ok(bytes);
  await assertSamePixels(hopper, bytes, 'the rescued job’s output');
  assert.equal(requests, 2);
  assert.equal((await h.db.accounts.getByKey(h.account.apiKey))?.usedBytes, hopper.byteLength);
});
