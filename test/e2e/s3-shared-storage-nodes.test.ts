/**
 * Downloads from any API node: two `squish serve --roles api` processes and one worker process,
 * each with its own data folder, sharing only the database (one SQLite file, which also holds the
 * embedded queue) and the blob storage: an S3 bucket on Ceph radosgw, then a folder on a
 * GlusterFS mount. A result made through one node downloads from the other, with the official
 * kraken client sending the images. On S3, the second API node answers downloads by redirect to a
 * presigned URL (SQUISH_S3_PRESIGNED_DOWNLOADS=1) while the first streams them.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { parseS3Location } from '../../src/store/index.js';
import { S3BlobStore } from '../../src/store/s3-store.js';
import { assertSamePixels } from '../helpers/pixels.js';
import { serviceValue, skipWithout } from '../helpers/services.js';
import { downloadResult, FIXTURES, fixture } from './e2e-fixtures.js';
import { type KrakenBody, krakenClient, plain } from './kraken-client.js';
import { startFileServer } from './local-servers.js';
import { createKey, type ServeProcess, startServe } from './serve-process.js';

interface Cluster {
  /** The folder of the shared SQLite database (and where the key was created). */
  shared: string;
  apiA: ServeProcess;
  apiB: ServeProcess;
  worker: ServeProcess;
  key: { api_key: string; api_secret: string };
}

/**
 * Starts the three nodes on `env` (the storage settings), each on its own data folder so that
 * nothing but the database file and the storage is shared. `envB` is added for the second API node.
 */
async function startCluster(
  folders: string[],
  env: Record<string, string>,
  envB: Record<string, string> = {},
): Promise<Cluster> {
  const folder = (name: string) => {
    const dir = mkdtempSync(path.join(tmpdir(), `squish-e2e-${name}-`));
    folders.push(dir);
    return dir;
  };
  const shared = folder('shared');
  const key = await createKey(shared);
  const common = {
    ...env,
    SQUISH_DATABASE_URL: `sqlite:${path.join(shared, 'squish.db')}`,
    SQUISH_ALLOW_PRIVATE_NETWORKS: '1',
  };
  const [apiA, apiB, worker] = await Promise.all([
    startServe(folder('api-a'), common, 'api'),
    startServe(folder('api-b'), { ...common, ...envB }, 'api'),
    startServe(folder('worker'), common, 'worker'),
  ]);
  return { shared, apiA, apiB, worker, key };
}

async function stopCluster(cluster: Cluster | undefined): Promise<void> {
  if (!cluster) return;
  const codes = await Promise.all(
    [cluster.apiA, cluster.apiB, cluster.worker].map((node) => node.stop('SIGTERM')),
  );
  assert.deepEqual(codes, [0, 0, 0], cluster.worker.stderr());
}

/** The same download path on another node. */
function onNode(krakedUrl: string, node: ServeProcess): string {
  const link = new URL(krakedUrl);
  return `${node.url}${link.pathname}`;
}

/** Moves a job's expiry into the past in the shared database, as time would. */
function expireJobOf(shared: string, krakedUrl: string): void {
  const token = new URL(krakedUrl).pathname.split('/')[2] ?? '';
  const db = new Database(path.join(shared, 'squish.db'), { fileMustExist: true });
  try {
    const changed = db
      .prepare('UPDATE jobs SET expires_at = ? WHERE id = (SELECT job_id FROM job_outputs WHERE token = ?)')
      .run(Date.now() - 1000, token).changes;
    assert.equal(changed, 1);
  } finally {
    db.close();
  }
}

function jobExpiresAt(shared: string, krakedUrl: string): number {
  const token = new URL(krakedUrl).pathname.split('/')[2] ?? '';
  const db = new Database(path.join(shared, 'squish.db'), { readonly: true, fileMustExist: true });
  try {
    const row = db
      .prepare<[string], { expires_at: number }>(
        'SELECT expires_at FROM jobs WHERE id = (SELECT job_id FROM job_outputs WHERE token = ?)',
      )
      .get(token);
    return Number(row?.expires_at);
  } finally {
    db.close();
  }
}

/** An upload through node A and a URL request through node B, both waiting for their results. */
async function optimizeThroughBothNodes(
  cluster: Cluster,
  imageServerUrl: string,
): Promise<[KrakenBody, KrakenBody]> {
  const viaA = plain(
    await krakenClient(cluster.key, cluster.apiA.url).upload({
      file: { value: fixture('pil-hopper.jpg'), filename: 'hopper été.jpg' },
      wait: true,
      lossy: true,
    }),
  );
  assert.equal(viaA.success, true, JSON.stringify(viaA));
  const viaB = plain(
    await krakenClient(cluster.key, cluster.apiB.url).url({
      url: `${imageServerUrl}/pngsuite-tbbn3p08.png`,
      wait: true,
    }),
  );
  assert.equal(viaB.success, true, JSON.stringify(viaB));
  return [viaA, viaB];
}

describe('two API nodes and a worker on one S3 bucket (Ceph radosgw)', { skip: skipWithout('s3') }, () => {
  const folders: string[] = [];
  let cluster: Cluster | undefined;
  let images: { url: string; close(): Promise<void> };
  let bucket: S3BlobStore;
  const prefix = `e2e-${randomBytes(6).toString('hex')}`;

  before(async () => {
    const location = new URL(serviceValue('s3')!);
    location.pathname = `/${prefix}`;
    const credentials = {
      accessKeyId: process.env.SQUISH_TEST_S3_ACCESS_KEY ?? '',
      secretAccessKey: process.env.SQUISH_TEST_S3_SECRET_KEY ?? '',
    };
    bucket = new S3BlobStore({ ...parseS3Location(location.toString()), credentials });
    images = await startFileServer(FIXTURES);
    cluster = await startCluster(
      folders,
      {
        SQUISH_STORAGE: location.toString(),
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      },
      { SQUISH_S3_PRESIGNED_DOWNLOADS: '1' },
    );
  });

  after(async () => {
    await stopCluster(cluster);
    await images?.close();
    if (bucket) {
      for await (const info of bucket.list('')) await bucket.delete(info.key);
      await bucket.close();
    }
    for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  });

  it('results made through either node download from the other, streamed or by presigned redirect', async () => {
    for (const node of [cluster!.apiA, cluster!.apiB]) {
      const ready = (await (await fetch(`${node.url}/readyz`)).json()) as { checks: Record<string, string> };
      assert.equal(ready.checks.store, 'ok', JSON.stringify(ready));
    }
    const [viaA, viaB] = await optimizeThroughBothNodes(cluster!, images.url);
    // The results are in the bucket, not in any node's folder.
    const keys: string[] = [];
    for await (const info of bucket.list('results/')) keys.push(info.key);
    assert.equal(keys.length, 2, JSON.stringify(keys));

    // Node A streams what node B's request made (downloadResult checks bytes, length, size).
    const fromA = await downloadResult(
      { ...viaB, kraked_url: onNode(viaB.kraked_url as string, cluster!.apiA) },
      'B on A',
    );
    assert.equal(fromA.response.headers.get('content-type'), 'image/png');

    // Node B redirects to the bucket for what node A's request made.
    const onB = onNode(viaA.kraked_url as string, cluster!.apiB);
    const redirect = await fetch(onB, { redirect: 'manual' });
    assert.equal(redirect.status, 302);
    await redirect.arrayBuffer();
    const presigned = new URL(redirect.headers.get('location')!);
    assert.equal(presigned.origin, parseS3Location(serviceValue('s3')!).endpoint);
    // The URL expires within five minutes, and no later than the result.
    const signedAt = Date.parse(
      presigned.searchParams
        .get('X-Amz-Date')!
        .replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'),
    );
    const lifetime = Number(presigned.searchParams.get('X-Amz-Expires'));
    assert.ok(lifetime > 0 && lifetime <= 300, `lifetime ${lifetime}`);
    assert.ok(signedAt + lifetime * 1000 <= jobExpiresAt(cluster!.shared, viaA.kraked_url as string));

    const fromBucket = await fetch(presigned);
    assert.equal(fromBucket.status, 200);
    assert.equal(fromBucket.headers.get('content-type'), 'image/jpeg');
    // The file name of the result (as the server named it), kept by the bucket's answer.
    const fileName = decodeURIComponent(path.basename(new URL(viaA.kraked_url as string).pathname));
    assert.match(fromBucket.headers.get('content-disposition') ?? '', /^inline; filename="/);
    assert.ok(fromBucket.headers.get('content-disposition')!.includes(`filename="${fileName}"`), fileName);
    const redirected = new Uint8Array(await fromBucket.arrayBuffer());
    assert.equal(redirected.length, viaA.kraked_size);
    // The same result as node A streams itself.
    const streamedByA = await downloadResult(viaA, 'A on A');
    await assertSamePixels(streamedByA.bytes, redirected, 'presigned download');
    assert.equal(
      streamedByA.response.headers.get('content-disposition'),
      fromBucket.headers.get('content-disposition'),
    );
  });

  it('an expired result is 404 RESULT_EXPIRED from both nodes, never a redirect', async () => {
    const viaA = plain(
      await krakenClient(cluster!.key, cluster!.apiA.url).upload({
        file: { value: fixture('pngsuite-tbbn3p08.png'), filename: 'soon-gone.png' },
        wait: true,
      }),
    );
    assert.equal(viaA.success, true, JSON.stringify(viaA));
    assert.equal(
      (await fetch(onNode(viaA.kraked_url as string, cluster!.apiB), { redirect: 'manual' })).status,
      302,
    );
    expireJobOf(cluster!.shared, viaA.kraked_url as string);
    for (const node of [cluster!.apiA, cluster!.apiB]) {
      const response = await fetch(onNode(viaA.kraked_url as string, node), { redirect: 'manual' });
      assert.equal(response.status, 404);
      assert.equal(((await response.json()) as { code: string }).code, 'RESULT_EXPIRED');
    }
  });
});

describe('two API nodes and a worker on one GlusterFS folder', { skip: skipWithout('gluster') }, () => {
  const folders: string[] = [];
  let cluster: Cluster | undefined;
  let images: { url: string; close(): Promise<void> };
  let blobs: string;

  before(async () => {
    blobs = mkdtempSync(path.join(serviceValue('gluster')!, 'e2e-'));
    folders.push(blobs);
    images = await startFileServer(FIXTURES);
    cluster = await startCluster(folders, { SQUISH_STORAGE: `file:${blobs}` });
  });

  after(async () => {
    await stopCluster(cluster);
    await images?.close();
    for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  });

  it('results made through either node download from the other', async () => {
    const [viaA, viaB] = await optimizeThroughBothNodes(cluster!, images.url);
    for (const [body, other, label] of [
      [viaA, cluster!.apiB, 'A on B'],
      [viaB, cluster!.apiA, 'B on A'],
    ] as const) {
      const elsewhere = await downloadResult(
        { ...body, kraked_url: onNode(body.kraked_url as string, other) },
        label,
      );
      const home = await downloadResult(body, `${label}: home node`);
      await assertSamePixels(home.bytes, elsewhere.bytes, label);
    }
  });
});
