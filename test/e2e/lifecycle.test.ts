/**
 * The node's life: a graceful SIGTERM answers the wait request it holds before exiting, and a
 * node killed (SIGKILL) in the middle of a job loses nothing: restarted on the same data folder,
 * it runs the job again and delivers the callback. Its engine processes start with it, so its
 * first request does not wait for them.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { downloadResult, FIXTURES } from './e2e-fixtures.js';
import { jobStatus, waitForRunningJob } from './jobs-table.js';
import { krakenClient, plain } from './kraken-client.js';
import { type CallbackReceiver, startCallbackReceiver } from './local-servers.js';
import { createKey, type ServeProcess, startServe } from './serve-process.js';

/** A photo whose lossy search takes a few seconds: long enough to act while it runs. */
let slowPhoto: Buffer;
let receiver: CallbackReceiver;
const folders: string[] = [];
const running: ServeProcess[] = [];

function dataFolder(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'squish-e2e-life-'));
  folders.push(dir);
  return dir;
}

async function serve(dataDir: string): Promise<ServeProcess> {
  const node = await startServe(dataDir, { SQUISH_ALLOW_PRIVATE_NETWORKS: '1' });
  running.push(node);
  return node;
}

before(async () => {
  slowPhoto = await sharp(path.join(FIXTURES, 'pil-flower.jpg'))
    .resize({ width: 2048 })
    .jpeg({ quality: 95 })
    .toBuffer();
  receiver = await startCallbackReceiver();
});

after(async () => {
  await Promise.all(running.map((node) => node.stop('SIGKILL')));
  await receiver.close();
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

/** The command lines of the processes `pid` started (Linux: each thread's children in /proc). */
function childCommands(pid: number): string[] {
  const children = readdirSync(`/proc/${pid}/task`).flatMap((thread) =>
    readFileSync(`/proc/${pid}/task/${thread}/children`, 'utf8').split(' ').filter(Boolean),
  );
  return children.map((child) => readFileSync(`/proc/${child}/cmdline`, 'utf8').replaceAll('\0', ' '));
}

test('the engine processes are running when the node says it listens, before any job', async () => {
  const node = await serve(dataFolder());
  const engines = childCommands(node.child.pid!).filter((command) =>
    /engine\/pool\/child\.(ts|js)/.test(command),
  );
  assert.equal(engines.length, 1, 'one engine process for --concurrency 1');
  await node.stop();
});

test('SIGTERM with a wait request in flight: the request gets its result, then the node exits 0', async () => {
  const dataDir = dataFolder();
  const key = await createKey(dataDir);
  const node = await serve(dataDir);
  const pending = krakenClient(key, node.url).upload({
    file: { value: slowPhoto, filename: 'slow.jpg' },
    wait: true,
    lossy: true,
  });
  const id = await waitForRunningJob(dataDir);
  const exit = node.stop('SIGTERM');
  const body = plain(await pending);
  assert.equal(body.success, true, JSON.stringify(body));
  assert.ok((body.kraked_size as number) < slowPhoto.length);
  assert.equal(await exit, 0, node.stderr());
  assert.equal(jobStatus(dataDir, id), 'done');
});

test('SIGKILL mid-job: after a restart on the same data folder the job completes and the callback arrives', async () => {
  const dataDir = dataFolder();
  const key = await createKey(dataDir);
  const first = await serve(dataDir);
  const accepted = plain(
    await krakenClient(key, first.url).upload({
      file: { value: slowPhoto, filename: 'slow.jpg' },
      callback_url: `${receiver.url}/killed`,
      lossy: true,
    }),
  );
  const id = accepted.id as string;
  assert.match(id, /^[0-9a-f]{32}$/, JSON.stringify(accepted));
  await waitForRunningJob(dataDir, 60_000, id);
  assert.equal(await first.stop('SIGKILL'), 'SIGKILL');
  assert.equal(jobStatus(dataDir, id), 'running', 'killed while the job ran');
  assert.equal(receiver.bodies.length, 0, 'no callback before the restart');

  const second = await serve(dataDir);
  // The dead node's lease on the job has to run out before another node takes it (10 s).
  const body = await receiver.bodyFor(id, 120_000);
  assert.equal(body.success, true, JSON.stringify(body));
  assert.ok((body.kraked_url as string).startsWith(second.url), 'links point at the running node');
  const { format } = await downloadResult(body, 'after restart');
  assert.equal(format, 'jpeg');
  assert.equal(jobStatus(dataDir, id), 'done');
});
