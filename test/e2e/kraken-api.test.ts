/**
 * The official `kraken` client against a real `squish serve` process (all roles, SQLite file,
 * local folder): uploads and URL fetches in wait and callback modes, image sets, conversion,
 * downloads, quotas, and the failure statuses of the compat spec (B1.6).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import sharp from 'sharp';
import { openDatabase } from '../../src/db/index.js';
import { decodeToRgb, ssimulacra2 } from '../../src/engine/metric/ssimulacra2.js';
import { startJanitor } from '../../src/janitor/index.js';
import { EmbeddedQueue } from '../../src/jobs/index.js';
import { LocalFolderStore } from '../../src/store/index.js';
import { assertSamePixels } from '../helpers/pixels.js';
import { assertResultShape, downloadResult, FIXTURES, fixture, RESULT_FIELDS } from './e2e-fixtures.js';
import { krakenClient, plain } from './kraken-client.js';
import { type CallbackReceiver, startCallbackReceiver, startFileServer } from './local-servers.js';
import { createKey, type ServeProcess, startServe } from './serve-process.js';

/** Small, so that a generated image can exceed it (413) without a big file. */
const MAX_UPLOAD_BYTES = 100_000;

let dataDir: string;
let serve: ServeProcess;
let files: { url: string; close(): Promise<void> };
let receiver: CallbackReceiver;
let key: { api_key: string; api_secret: string };

before(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'squish-e2e-'));
  [files, receiver, key] = await Promise.all([
    startFileServer(FIXTURES),
    startCallbackReceiver(),
    createKey(dataDir),
  ]);
  serve = await startServe(dataDir, {
    SQUISH_ALLOW_PRIVATE_NETWORKS: '1',
    SQUISH_MAX_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES),
  });
});

after(async () => {
  const code = await serve?.stop('SIGTERM');
  await Promise.all([files?.close(), receiver?.close()]);
  rmSync(dataDir, { recursive: true, force: true });
  assert.equal(code, 0, `graceful exit; stderr:\n${serve?.stderr()}`);
});

test('upload, wait: the lossless result matches the contract and downloads to the same pixels', async () => {
  const input = fixture('pil-hopper.jpg');
  const client = krakenClient(key, serve.url);
  const body = plain(await client.upload({ file: { value: input, filename: 'hopper.jpg' }, wait: true }));
  assert.equal(body.success, true, JSON.stringify(body));
  assert.deepEqual(Object.keys(body).sort(), ['success', ...RESULT_FIELDS].sort(), 'exactly the B1.6 fields');
  assertResultShape(body, 'hopper');
  assert.equal(body.file_name, 'hopper.jpg');
  assert.equal(body.original_size, input.length);
  assert.deepEqual(
    [body.original_width, body.original_height, body.kraked_width, body.kraked_height],
    [128, 128, 128, 128],
  );
  assert.ok((body.kraked_url as string).startsWith(`${serve.url}/dl/`), String(body.kraked_url));
  assert.match(body.kraked_url as string, /\/dl\/[0-9a-f]{32}\/hopper\.jpg$/);

  const { bytes, response } = await downloadResult(body, 'hopper');
  await assertSamePixels(input, bytes, 'lossless hopper');
  assert.equal(response.headers.get('content-type'), 'image/jpeg');
  const etag = response.headers.get('etag');
  assert.match(String(etag), /^"[^"]+"$/);
  assert.match(String(response.headers.get('cache-control')), /^private, max-age=(3[0-5]\d\d|3600)$/);
  assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
  const revalidated = await fetch(body.kraked_url as string, { headers: { 'if-none-match': etag! } });
  assert.equal(revalidated.status, 304);
});

test('upload, wait: an image set with conversion answers a results map, each output as reported', async () => {
  const client = krakenClient(key, serve.url);
  const body = plain(
    await client.upload({
      file: path.join(FIXTURES, 'pil-flower.jpg'),
      wait: true,
      resize: [
        { id: 'thumb', strategy: 'fit', width: 100, height: 100 },
        { id: 7, strategy: 'landscape', width: 240 },
        { id: 'exact', strategy: 'exact', width: 50, height: 30 },
      ],
      convert: { format: 'png' },
    }),
  );
  assert.equal(body.success, true, JSON.stringify(body));
  const results = body.results as Record<string, Record<string, unknown>>;
  assert.deepEqual(Object.keys(results).sort(), ['7', 'exact', 'thumb']);
  const expected: Record<string, [number, number]> = { thumb: [100, 100], '7': [240, 180], exact: [50, 30] };
  for (const [id, [width, height]] of Object.entries(expected)) {
    const result = results[id]!;
    assertResultShape(result, id);
    assert.deepEqual([result.original_width, result.original_height], [480, 360], id);
    assert.deepEqual([result.kraked_width, result.kraked_height], [width, height], id);
    const { format } = await downloadResult(result, id);
    assert.equal(format, 'png', `${id} converted to PNG`);
  }
});

test('url, wait: a lossy WebP from an image the server fetches, perceptually close to the source', async () => {
  const client = krakenClient(key, serve.url);
  const body = plain(
    await client.url({ url: `${files.url}/pil-flower.jpg`, wait: true, lossy: true, webp: true }),
  );
  assert.equal(body.success, true, JSON.stringify(body));
  assertResultShape(body, 'flower');
  assert.equal(body.original_size, fixture('pil-flower.jpg').length);
  const { bytes, format } = await downloadResult(body, 'flower');
  assert.equal(format, 'webp');
  const score = await ssimulacra2(await decodeToRgb(fixture('pil-flower.jpg')), await decodeToRgb(bytes));
  assert.ok(score >= 60, `SSIMULACRA2 ${score.toFixed(1)}`);
});

test('callback_url: upload and url answer {id} at once; the result is POSTed to the callback', async () => {
  const client = krakenClient(key, serve.url);
  const callback_url = `${receiver.url}/hook`;
  const uploaded = plain(
    await client.upload({
      file: { value: fixture('pngsuite-tbbn3p08.png'), filename: 'palette.png' },
      callback_url,
      resize: { strategy: 'square', size: 16 },
    }),
  );
  const fetched = plain(await client.url({ url: `${files.url}/pil-hopper.jpg`, callback_url }));
  for (const accepted of [uploaded, fetched]) {
    assert.deepEqual(Object.keys(accepted), ['id'], JSON.stringify(accepted));
    assert.match(accepted.id as string, /^[0-9a-f]{32}$/);
  }
  const first = await receiver.bodyFor(uploaded.id as string);
  assert.equal(first.success, true, JSON.stringify(first));
  assertResultShape(first, 'callback upload');
  assert.deepEqual([first.kraked_width, first.kraked_height], [16, 16]);
  const { bytes } = await downloadResult(first, 'callback upload');
  assert.equal((await sharp(bytes).metadata()).format, 'png');

  const second = await receiver.bodyFor(fetched.id as string);
  assert.equal(second.success, true, JSON.stringify(second));
  assertResultShape(second, 'callback url');
  await assertSamePixels(fixture('pil-hopper.jpg'), (await downloadResult(second, 'callback url')).bytes);
});

test('user_status counts input bytes against the quota; dev requests are not counted', async () => {
  const counted = await createKey(dataDir, { quota: 1_000_000, name: 'status' });
  const client = krakenClient(counted, serve.url);
  const before = plain(await client.userStatus());
  assert.equal(before.success, true, JSON.stringify(before));
  assert.deepEqual(
    [before.quota_total, before.quota_used, before.quota_remaining],
    [1_000_000, 0, 1_000_000],
  );
  assert.equal(before.active, true);

  const input = fixture('pil-hopper.jpg');
  assert.equal(
    plain(await client.upload({ file: { value: input, filename: 'a.jpg' }, wait: true })).success,
    true,
  );
  const dev = plain(
    await client.upload({ file: { value: input, filename: 'b.jpg' }, wait: true, dev: true }),
  );
  assert.equal(dev.success, true, JSON.stringify(dev));
  const afterUse = plain(await client.userStatus());
  assert.equal(afterUse.quota_used, input.length);
  assert.equal(afterUse.quota_remaining, 1_000_000 - input.length);
});

test('quota exhausted: 429 with success:false', async () => {
  const small = await createKey(dataDir, { quota: 1000, name: 'small' });
  const client = krakenClient(small, serve.url);
  const input = { value: fixture('pil-hopper.jpg'), filename: 'a.jpg' };
  assert.equal(plain(await client.upload({ file: input, wait: true })).success, true);
  const refused = plain(await client.upload({ file: input, wait: true }));
  assert.equal(refused.success, false);
  assert.ok(typeof refused.message === 'string' && refused.message.length > 0);
  const status = await postUpload(small, { wait: true }, fixture('pil-hopper.jpg'));
  assert.equal(status.status, 429);
});

/** A multipart upload sent with fetch, to see the HTTP status (the kraken client hides it). */
async function postUpload(
  credentials: { api_key: string; api_secret: string },
  options: Record<string, unknown>,
  bytes: Uint8Array,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const form = new FormData();
  form.append('data', JSON.stringify({ auth: credentials, ...options }));
  form.append('file', new Blob([bytes]), 'upload.bin');
  const response = await fetch(`${serve.url}/v1/upload`, { method: 'POST', body: form });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

test('failures: wrong key 401, no wait/callback 422, oversized 413, not an image 415', async () => {
  const hopper = fixture('pil-hopper.jpg');
  const wrong = { api_key: key.api_key, api_secret: 'f'.repeat(32) };
  const noise = await sharp(
    Buffer.from(Array.from({ length: 200 * 200 * 3 }, () => Math.floor(Math.random() * 256))),
    {
      raw: { width: 200, height: 200, channels: 3 },
    },
  )
    .png()
    .toBuffer();
  assert.ok(noise.length > MAX_UPLOAD_BYTES);
  const cases: [string, Promise<{ status: number; body: Record<string, unknown> }>, number][] = [
    ['wrong key', postUpload(wrong, { wait: true }, hopper), 401],
    ['no wait or callback_url', postUpload(key, {}, hopper), 422],
    ['oversized', postUpload(key, { wait: true }, noise), 413],
    [
      'not an image',
      postUpload(key, { wait: true }, new TextEncoder().encode('hello, I am text\n'.repeat(20))),
      415,
    ],
  ];
  for (const [label, pending, status] of cases) {
    const { status: got, body } = await pending;
    assert.equal(got, status, `${label}: ${JSON.stringify(body)}`);
    assert.equal(body.success, false, label);
    assert.ok(typeof body.message === 'string' && body.message.length > 0, label);
  }
  // The official client sees the same refusals as resolved bodies with success:false.
  const client = krakenClient(wrong, serve.url);
  const body = plain(await client.url({ url: `${files.url}/pil-hopper.jpg`, wait: true }));
  assert.equal(body.success, false);
  assert.match(String(body.message), /API Key/i);
  const noMode = plain(await krakenClient(key, serve.url).url({ url: `${files.url}/pil-hopper.jpg` }));
  assert.equal(noMode.success, false);
  assert.match(String(noMode.message), /callback_url or wait/);
});

test('hostile files fail with a clear error, and the server keeps serving', async () => {
  for (const name of [
    'pil-decompression_bomb.gif',
    'pil-truncated_jpeg.jpg',
    'pngsuite-xcsn0g01-bad-idat-crc.png',
  ]) {
    const { status, body } = await postUpload(key, { wait: true }, fixture(name));
    assert.ok(status >= 400 && status < 500, `${name}: ${status} ${JSON.stringify(body)}`);
    assert.equal(body.success, false, name);
    assert.ok(typeof body.message === 'string' && body.message.length > 10, `${name}: ${body.message}`);
  }
  assert.equal((await fetch(`${serve.url}/healthz`)).status, 200);
  const ready = await fetch(`${serve.url}/readyz`);
  assert.equal(ready.status, 200);
  assert.equal(((await ready.json()) as { checks: Record<string, string> }).checks.engine, 'ok');
  const client = krakenClient(key, serve.url);
  const ok = plain(
    await client.upload({ file: { value: fixture('pil-hopper.jpg'), filename: 'h.jpg' }, wait: true }),
  );
  assert.equal(ok.success, true, JSON.stringify(ok));
});

test('https_proxy: the client with no code change reaches the server in absolute form', async (t) => {
  const saved = { https_proxy: process.env.https_proxy, HTTPS_PROXY: process.env.HTTPS_PROXY };
  process.env.https_proxy = serve.url;
  delete process.env.HTTPS_PROXY;
  t.after(() => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  const client = krakenClient(key);
  const body = plain(await client.url({ url: `${files.url}/pil-hopper.jpg`, wait: true }));
  assert.equal(body.success, true, JSON.stringify(body));
  assert.ok((body.kraked_url as string).startsWith(serve.url));
  const status = plain(await client.userStatus());
  assert.equal(status.success, true, JSON.stringify(status));
});

test('a base URL with a trailing slash (requests to //v1/...) works', async () => {
  const client = krakenClient(key, `${serve.url}/`);
  const body = plain(await client.url({ url: `${files.url}/pngsuite-tbbn3p08.png`, wait: true }));
  assert.equal(body.success, true, JSON.stringify(body));
  assert.equal(plain(await client.userStatus()).success, true);
});

test('an expired result answers 404 with a clear message', async () => {
  const client = krakenClient(key, serve.url);
  const body = plain(
    await client.upload({ file: { value: fixture('pil-hopper.jpg'), filename: 'old.jpg' }, wait: true }),
  );
  assert.equal(body.success, true, JSON.stringify(body));
  await expireAllJobs(dataDir);
  const response = await fetch(body.kraked_url as string);
  assert.equal(response.status, 404);
  const answer = (await response.json()) as Record<string, unknown>;
  assert.equal(answer.code, 'RESULT_EXPIRED');
  assert.match(String(answer.message), /expired/);

  // A janitor beside the server's (several may run) deletes the expired files and rows now
  // rather than at its next scheduled run.
  const file = path.join(dataDir, 'squish.db');
  const [db, queue, store] = [
    await openDatabase(`sqlite:${file}`),
    new EmbeddedQueue({ file }),
    new LocalFolderStore({ root: path.join(dataDir, 'blobs') }),
  ];
  const janitor = startJanitor({
    db,
    queue,
    store,
    log: pino({ level: 'silent' }),
    firstRunDelayMs: 3600_000,
  });
  const run = await janitor.runOnce();
  await janitor.stop();
  await Promise.all([queue.close(), store.close(), db.close()]);
  assert.ok(run.jobs >= 1 && run.blobs >= 1, JSON.stringify(run));
  assert.deepEqual(await filesUnder(path.join(dataDir, 'blobs', 'results')), [], 'no result file is left');
  const gone = await fetch(body.kraked_url as string);
  assert.equal(gone.status, 404);
  assert.match(String(((await gone.json()) as { message: string }).message), /expired and was deleted/);
});

async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isFile()).map((entry) => entry.name);
}

/** Moves every job's expiry into the past, as an hour passing would (the TTL's minimum is 60 s). */
async function expireAllJobs(dir: string): Promise<void> {
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(path.join(dir, 'squish.db'));
  try {
    db.prepare('UPDATE jobs SET expires_at = ?').run(Date.now() - 1000);
  } finally {
    db.close();
  }
}
