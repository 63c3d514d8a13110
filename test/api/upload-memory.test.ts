/**
 * The bound on upload bytes held in memory: uploads past it are answered 503 with Retry-After,
 * and what each request held is given back when its answer has gone out or its client left.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildServer } from '../../src/api/server.js';
import { UploadMemory } from '../../src/api/upload-memory.js';
import { SquishError } from '../../src/errors/index.js';
import { pendingHandoffs } from '../../src/worker/input-handoff.js';
import { openBackends } from './backends.js';

test('holds take bytes up to the limit, a refused take takes nothing, and release gives back all once', () => {
  const memory = new UploadMemory(100);
  const first = memory.hold();
  const second = memory.hold();
  first.take(60);
  second.take(30);
  assert.equal(memory.heldBytes, 90);
  assert.throws(
    () => second.take(11),
    (error) => error instanceof SquishError && error.code === 'UNAVAILABLE',
  );
  assert.equal(memory.heldBytes, 90, 'the refused bytes were not taken');
  second.take(10);
  first.release();
  first.release();
  assert.equal(memory.heldBytes, 40);
  assert.throws(() => first.take(1), /already released/);
  second.release();
  assert.equal(memory.heldBytes, 0);
});

const MAX_UPLOAD = 64 * 1024;
const BOUNDARY = 'squish-test-boundary';

function filePartHead(): string {
  return `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n`;
}

/** A connection that sends an upload's file (first, before any options) and then goes quiet. */
function stalledUpload(port: number, fileBytes: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(
        `POST /v1/upload HTTP/1.1\r\nHost: squish.test\r\nContent-Type: multipart/form-data; boundary=${BOUNDARY}\r\nContent-Length: ${fileBytes * 2}\r\n\r\n`,
      );
      socket.write(filePartHead());
      socket.write(Buffer.alloc(fileBytes, 1), () => resolve(socket));
    });
    socket.on('error', reject);
  });
}

/** A whole upload, file first, then options with a key that does not exist: its status and Retry-After. */
async function uploadWithUnknownKey(port: number, fileBytes: number) {
  const options = JSON.stringify({ auth: { api_key: 'nope', api_secret: 'nope' }, wait: true });
  const body = Buffer.concat([
    Buffer.from(filePartHead()),
    Buffer.alloc(fileBytes, 2),
    Buffer.from(
      `\r\n--${BOUNDARY}\r\nContent-Disposition: form-data; name="data"\r\n\r\n${options}\r\n--${BOUNDARY}--\r\n`,
    ),
  ]);
  const response = await fetch(`http://127.0.0.1:${port}/v1/upload`, {
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${BOUNDARY}` },
    body,
  });
  return {
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body: (await response.json()) as { success: boolean; code?: string },
  };
}

test('past the bound an upload gets 503 with Retry-After, and the bytes come back when the holders go', async (t) => {
  const backends = await openBackends(t, { maxUploadBytes: MAX_UPLOAD });
  const app = await buildServer({ ...backends, waitTimeoutMs: 5000, uploadMemoryBytes: 2 * MAX_UPLOAD });
  t.after(() => app.close());
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;

  // Nothing held: the file is read, then the options, and the unknown key is refused.
  assert.equal((await uploadWithUnknownKey(port, 40_000)).status, 401);

  // Two clients that sent 60 KB files and no options hold 120 KB of the 128 KB.
  const stalled = [await stalledUpload(port, 60_000), await stalledUpload(port, 60_000)];
  await sleep(300);
  const refused = await uploadWithUnknownKey(port, 40_000);
  assert.equal(refused.status, 503);
  assert.equal(refused.retryAfter, '5');
  assert.equal(refused.body.code, 'UNAVAILABLE');
  assert.equal(refused.body.success, false);

  // They give up: what they held is given back, and uploads are read again.
  for (const socket of stalled) socket.destroy();
  await sleep(300);
  assert.equal((await uploadWithUnknownKey(port, 40_000)).status, 401);
});

test('a wait upload whose client goes away stops holding its input; the job itself stays queued', async (t) => {
  const backends = await openBackends(t, { maxUploadBytes: MAX_UPLOAD, waitTimeoutMs: 60_000 });
  const { account, apiSecret } = await backends.db.accounts.create({ name: 'gone', quotaBytes: null });
  // No worker runs here: the job waits in the queue, as behind a long backlog.
  const app = await buildServer({ ...backends, waitTimeoutMs: 60_000 });
  t.after(() => app.close());
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as { port: number }).port;

  const before = pendingHandoffs();
  const options = JSON.stringify({ auth: { api_key: account.apiKey, api_secret: apiSecret }, wait: true });
  const body = Buffer.concat([
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="data"\r\n\r\n${options}\r\n`),
    Buffer.from(filePartHead()),
    Buffer.alloc(20_000, 3),
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  ]);
  const socket = connect(port, '127.0.0.1', () => {
    socket.write(
      `POST /v1/upload HTTP/1.1\r\nHost: squish.test\r\nContent-Type: multipart/form-data; boundary=${BOUNDARY}\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    socket.write(body);
  });
  socket.on('error', () => undefined);
  const until = async (condition: () => boolean) => {
    for (let i = 0; i < 100 && !condition(); i++) await sleep(50);
    return condition();
  };
  assert.ok(await until(() => pendingHandoffs() === before + 1), 'the upload is offered to a worker');
  socket.destroy();
  assert.ok(await until(() => pendingHandoffs() === before), 'the offer ends when the client goes away');
  assert.equal((await backends.queue.counts('optimize')).waiting, 1);
});
