/**
 * The download route on S3 storage (real Ceph radosgw): streamed through the API node by default,
 * and with presigned downloads a 302 to a short-lived URL of the store that serves the same
 * pixels, type and file name, expires no later than the result, and is never given for a result
 * that is expired or deleted (those stay 404 from Squish), for an SVG (its CSP needs Squish) or
 * for a HEAD.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { type TestContext, test } from 'node:test';
import sharp from 'sharp';
import { buildServer } from '../../src/api/server.js';
import type { ImageFormat } from '../../src/engine/types.js';
import { parseS3Location } from '../../src/store/index.js';
import { S3BlobStore } from '../../src/store/s3-store.js';
import { assertSamePixels } from '../helpers/pixels.js';
import { serviceValue, skipWithout } from '../helpers/services.js';
import { type Backends, openBackends, storedResult } from './backends.js';

const skip = skipWithout('s3');
const runPrefix = `download-test-${randomBytes(6).toString('hex')}`;

function s3Store(t: TestContext, presignedDownloads: boolean): S3BlobStore {
  const store = new S3BlobStore({
    ...parseS3Location(serviceValue('s3')!),
    prefix: `${runPrefix}/${randomBytes(4).toString('hex')}/`,
    credentials: {
      accessKeyId: process.env.SQUISH_TEST_S3_ACCESS_KEY ?? '',
      secretAccessKey: process.env.SQUISH_TEST_S3_SECRET_KEY ?? '',
    },
    presignedDownloads,
  });
  t.after(async () => {
    for await (const info of store.list('')) await store.delete(info.key);
    await store.close();
  });
  return store;
}

/** A finished job whose one output (12x8) is in the S3 store, as a worker on S3 storage leaves it. */
function storedS3Result(
  backends: Backends,
  store: S3BlobStore,
  result: { bytes: Uint8Array; format: ImageFormat; contentType: string; fileName: string },
) {
  return storedResult(backends, { ...result, width: 12, height: 8 }, store);
}

async function serverOn(t: TestContext, backends: Backends, store: S3BlobStore, now?: () => Date) {
  const app = await buildServer({ ...backends, store, waitTimeoutMs: 5000, isClosing: () => false, now });
  t.after(() => app.close());
  return app;
}

const png = () =>
  sharp({ create: { width: 12, height: 8, channels: 4, background: '#2080c0a0' } })
    .png()
    .toBuffer();
const FILE_NAME = 'été photo.png';
const DISPOSITION = `inline; filename="_t_ photo.png"; filename*=UTF-8''%C3%A9t%C3%A9%20photo.png`;

test('S3 without presigned downloads: the API node streams the result from the bucket', {
  skip,
}, async (t) => {
  const backends = await openBackends(t);
  const store = s3Store(t, false);
  const bytes = await png();
  const { path } = await storedS3Result(backends, store, {
    bytes,
    format: 'png',
    contentType: 'image/png',
    fileName: FILE_NAME,
  });
  const app = await serverOn(t, backends, store);

  const response = await app.inject(path);
  assert.equal(response.statusCode, 200);
  assert.equal(response.headers['content-type'], 'image/png');
  assert.equal(response.headers['content-length'], String(bytes.length));
  assert.equal(response.headers['content-disposition'], DISPOSITION);
  await assertSamePixels(bytes, response.rawPayload, 'streamed from S3');
});

test('presigned downloads: 302 to a URL of the store that serves the pixels, type and file name', {
  skip,
}, async (t) => {
  const backends = await openBackends(t);
  const store = s3Store(t, true);
  const bytes = await png();
  const { path, output, job } = await storedS3Result(backends, store, {
    bytes,
    format: 'png',
    contentType: 'image/png',
    fileName: FILE_NAME,
  });
  // The result has 100.5 s left on the route's clock: the URL may live 100 s, not more.
  const clock = () => new Date(job.expiresAt.getTime() - 100_500);
  const app = await serverOn(t, backends, store, clock);

  const response = await app.inject(path);
  assert.equal(response.statusCode, 302);
  assert.equal(response.headers['cache-control'], 'private, no-store');
  const location = new URL(String(response.headers.location));
  assert.equal(location.origin, parseS3Location(serviceValue('s3')!).endpoint);
  assert.equal(location.searchParams.get('X-Amz-Expires'), '100');

  const fetched = await fetch(location);
  assert.equal(fetched.status, 200);
  assert.equal(fetched.headers.get('content-type'), 'image/png');
  assert.equal(fetched.headers.get('content-disposition'), DISPOSITION);
  await assertSamePixels(
    bytes,
    new Uint8Array(await fetched.arrayBuffer()),
    'fetched through the presigned URL',
  );

  // A URL is signed for its key: changing the key (another result) is refused by the store.
  const forged = new URL(location);
  forged.pathname = forged.pathname.replace(output.token, 'f'.repeat(32));
  const refused = await fetch(forged);
  assert.equal(refused.status, 403);
  await refused.arrayBuffer();
});

test('presigned downloads: lifetime capped at 5 minutes; HEAD and If-None-Match answered by Squish', {
  skip,
}, async (t) => {
  const backends = await openBackends(t);
  const store = s3Store(t, true);
  const bytes = await png();
  const { path, output } = await storedS3Result(backends, store, {
    bytes,
    format: 'png',
    contentType: 'image/png',
    fileName: 'a.png',
  });
  const app = await serverOn(t, backends, store);

  const redirect = await app.inject(path);
  assert.equal(redirect.statusCode, 302);
  assert.equal(new URL(String(redirect.headers.location)).searchParams.get('X-Amz-Expires'), '300');

  const head = await app.inject({ method: 'HEAD', url: path });
  assert.equal(head.statusCode, 200);
  assert.equal(head.headers['content-length'], String(bytes.length));

  const cached = await app.inject({ url: path, headers: { 'if-none-match': output.etag } });
  assert.equal(cached.statusCode, 304);
});

test('presigned downloads: expired or deleted results are 404 from Squish, never a redirect', {
  skip,
}, async (t) => {
  const backends = await openBackends(t);
  const store = s3Store(t, true);
  const { path, output, job } = await storedS3Result(backends, store, {
    bytes: await png(),
    format: 'png',
    contentType: 'image/png',
    fileName: 'a.png',
  });
  let clock = new Date(job.expiresAt.getTime() + 1000);
  const app = await serverOn(t, backends, store, () => clock);

  const late = await app.inject(path);
  assert.equal(late.statusCode, 404);
  assert.equal(late.json().code, 'RESULT_EXPIRED');
  // Less than 10 s left: too little for a URL the client could still follow, so the bytes come
  // through Squish.
  clock = new Date(job.expiresAt.getTime() - 9_500);
  assert.equal((await app.inject(path)).statusCode, 200);
  clock = new Date(job.expiresAt.getTime() - 10_500);
  assert.equal((await app.inject(path)).statusCode, 302);

  clock = new Date();
  await store.delete(output.blobKey);
  const deleted = await app.inject(path);
  assert.equal(deleted.statusCode, 404);
  assert.equal(deleted.json().code, 'RESULT_EXPIRED');
});

test('presigned downloads: an SVG is streamed by Squish with its Content-Security-Policy', {
  skip,
}, async (t) => {
  const backends = await openBackends(t);
  const store = s3Store(t, true);
  const svg =
    '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><path d="M5 0L10 10H0z"/></svg>';
  const { path } = await storedS3Result(backends, store, {
    bytes: new TextEncoder().encode(svg),
    format: 'svg',
    contentType: 'image/svg+xml',
    fileName: 'star.svg',
  });
  const app = await serverOn(t, backends, store);
  const response = await app.inject(path);
  assert.equal(response.statusCode, 200);
  assert.match(String(response.headers['content-security-policy']), /default-src 'none'/);
  assert.equal(response.body, svg);
});
