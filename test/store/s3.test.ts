/**
 * S3BlobStore on a real S3 server (Ceph radosgw, started by scripts/services/ceph.sh): the
 * conformance suite, then what only S3 has to show: refused credentials and a missing bucket are
 * failures (never "no such blob"), listings page, presigned URLs serve the right bytes and headers
 * and stop working when they expire, and the SQUISH_STORAGE URL is read as documented.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { after, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { isSquishError } from '../../src/errors/index.js';
import { type BlobInfo, openStore, parseS3Location, type S3BlobStoreOptions } from '../../src/store/index.js';
import { S3BlobStore } from '../../src/store/s3-store.js';
import { serviceValue, skipWithout } from '../helpers/services.js';
import { describeBlobStoreConformance } from './conformance.js';

const skip = skipWithout('s3');
const s3Url = serviceValue('s3');

function credentials(): { accessKeyId: string; secretAccessKey: string } {
  const accessKeyId = process.env.SQUISH_TEST_S3_ACCESS_KEY;
  const secretAccessKey = process.env.SQUISH_TEST_S3_SECRET_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw new Error(
      'SQUISH_TEST_S3_ACCESS_KEY and SQUISH_TEST_S3_SECRET_KEY must be set with SQUISH_TEST_S3_URL',
    );
  }
  return { accessKeyId, secretAccessKey };
}

/** Every store of this file lives under its own prefix of the shared test bucket: fresh and empty. */
const runPrefix = `s3-test-${randomBytes(6).toString('hex')}`;
let stores = 0;
function freshOptions(overrides: Partial<S3BlobStoreOptions> = {}): S3BlobStoreOptions {
  stores += 1;
  return {
    ...parseS3Location(s3Url!),
    prefix: `${runPrefix}/store-${stores}/`,
    credentials: credentials(),
    ...overrides,
  };
}

async function readAll(iterable: AsyncIterable<BlobInfo>): Promise<BlobInfo[]> {
  const found: BlobInfo[] = [];
  for await (const info of iterable) found.push(info);
  return found;
}

/** GETs `url` from the server at `server`, with `url`'s host as the Host header. */
function getWithHost(server: URL, url: URL): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: server.hostname,
        port: server.port,
        path: url.pathname + url.search,
        headers: { host: url.host },
      },
      (response) => {
        const parts: Buffer[] = [];
        response.on('data', (chunk: Buffer) => parts.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(parts) }));
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end();
  });
}

/** Asserts a failure of the store itself: UNAVAILABLE, with the S3 error kept as the cause. */
function isStoreFailure(causeName: string) {
  return (error: unknown) => {
    assert.ok(isSquishError(error), String(error));
    assert.equal(error.code, 'UNAVAILABLE');
    assert.equal((error.cause as Error | undefined)?.name, causeName, error.message);
    return true;
  };
}

if (!skip) {
  after(async () => {
    // Everything this run wrote, under its own prefix.
    const cleaner = new S3BlobStore({ ...freshOptions(), prefix: `${runPrefix}/` });
    for (const info of await readAll(cleaner.list(''))) await cleaner.delete(info.key);
    await cleaner.close();
  });
  describeBlobStoreConformance('S3BlobStore on Ceph radosgw', async () => new S3BlobStore(freshOptions()));
}

describe('S3BlobStore on Ceph radosgw', { skip }, () => {
  it('refuses a wrong secret on every operation, as a failure and not as a missing blob', async () => {
    const options = freshOptions();
    const good = new S3BlobStore(options);
    const wrong = new S3BlobStore({
      ...options,
      credentials: { ...options.credentials!, secretAccessKey: `${options.credentials!.secretAccessKey}x` },
    });
    after(() => Promise.all([good.close(), wrong.close()]));
    await good.put('kept', new Uint8Array([1, 2, 3]));

    const refused = isStoreFailure('SignatureDoesNotMatch');
    await assert.rejects(wrong.ping(), refused);
    await assert.rejects(wrong.put('written', new Uint8Array([1])), refused);
    await assert.rejects(wrong.get('kept'), refused);
    await assert.rejects(wrong.stream('kept'), refused);
    await assert.rejects(wrong.delete('kept'), refused);
    await assert.rejects(readAll(wrong.list('')), refused);
    // HEAD answers have no body to name the error; it still is a failure, never "missing".
    await assert.rejects(
      wrong.stat('kept'),
      (error: unknown) => isSquishError(error) && error.code === 'UNAVAILABLE',
    );

    assert.deepEqual(
      (await readAll(good.list(''))).map((info) => info.key),
      ['kept'],
    );
    assert.deepEqual([...(await good.get('kept'))!], [1, 2, 3]);
  });

  it('an unknown access key is refused too', async () => {
    const store = new S3BlobStore(
      freshOptions({ credentials: { accessKeyId: 'NOSUCHKEY0000000000', secretAccessKey: 'whatever' } }),
    );
    after(() => store.close());
    await assert.rejects(store.ping(), isStoreFailure('InvalidAccessKeyId'));
  });

  it('a write over a quota is STORAGE_FULL, not an unavailable store', async () => {
    // radosgw refuses it at once with 403 QuotaExceeded; the bucket's small writes still succeed.
    const store = new S3BlobStore({
      ...freshOptions(),
      ...parseS3Location(serviceValue('s3Full')!),
      prefix: `${runPrefix}/quota/`,
    });
    try {
      await store.put('inputs/small', randomBytes(1024));
      await assert.rejects(store.put('inputs/large', randomBytes(64 * 1024)), (error: unknown) => {
        assert.ok(isSquishError(error), String(error));
        assert.equal(error.code, 'STORAGE_FULL');
        assert.equal(error.status, 503);
        assert.equal((error.cause as Error | undefined)?.name, 'QuotaExceeded', error.message);
        return true;
      });
      assert.equal(await store.stat('inputs/large'), undefined);
      assert.ok(await store.stat('inputs/small'));
    } finally {
      await store.delete('inputs/small');
      await store.close();
    }
  });

  it('a missing bucket is a failure of the store, not a missing blob', async () => {
    const store = new S3BlobStore(
      freshOptions({ bucket: `squish-missing-${randomBytes(4).toString('hex')}` }),
    );
    after(() => store.close());
    await assert.rejects(store.ping(), isStoreFailure('NoSuchBucket'));
    await assert.rejects(store.get('any'), isStoreFailure('NoSuchBucket'));
    await assert.rejects(readAll(store.list('')), isStoreFailure('NoSuchBucket'));
  });

  it('lists across pages', async () => {
    const store = new S3BlobStore(freshOptions({ listPageSize: 2 }));
    after(() => store.close());
    const keys = ['paged/1', 'paged/2', 'paged/3', 'paged/4', 'paged/5'];
    for (const key of keys) await store.put(key, new TextEncoder().encode(key));
    assert.deepEqual(
      (await readAll(store.list('paged/'))).map((info) => info.key),
      keys,
    );
  });

  it('keeps blobs under its prefix and lists no foreign objects or ping probes', async () => {
    const options = freshOptions();
    const store = new S3BlobStore(options);
    const bucketWide = new S3BlobStore({ ...options, prefix: '' });
    after(() => Promise.all([store.close(), bucketWide.close()]));
    await store.put('mine', new Uint8Array([1]));
    await store.ping();
    assert.deepEqual([...(await bucketWide.get(`${options.prefix}mine`))!], [1]);
    assert.deepEqual(
      (await readAll(store.list(''))).map((info) => info.key),
      ['mine'],
    );
  });

  it('presigned URLs serve the bytes with the type and file name asked for, and expire', async () => {
    const store = new S3BlobStore(freshOptions({ presignedDownloads: true }));
    after(() => store.close());
    const data = randomBytes(2000);
    await store.put('results/job/token', data, { contentType: 'application/octet-stream' });
    assert.ok(store.presignedGetUrl);
    const disposition = `inline; filename="photo_.jpg"; filename*=UTF-8''photo%C3%A9.jpg`;
    const presign = (expiresInSeconds: number) =>
      store.presignedGetUrl!('results/job/token', {
        expiresInSeconds,
        contentType: 'image/jpeg',
        contentDisposition: disposition,
      });
    const response = await fetch(await presign(60));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'image/jpeg');
    assert.equal(response.headers.get('content-disposition'), disposition);
    assert.deepEqual(Buffer.from(await response.arrayBuffer()), data);

    // SigV4 counts the lifetime from the signing time truncated to the second: a URL of 1 s is
    // refused once 2 s have passed.
    const shortLived = await presign(1);
    await sleep(2100);
    const expired = await fetch(shortLived);
    assert.equal(expired.status, 403);
    await expired.arrayBuffer();
  });

  it('signs presigned URLs for the public endpoint clients use, when one is set', async () => {
    const options = freshOptions({ presignedDownloads: true });
    const inside = new URL(options.endpoint!);
    // Another name of the same server, as clients outside would reach it. The request goes to
    // the inside address with that name as Host, so no DNS is involved.
    const outside = `http://s3.squish.example:${inside.port}`;
    const store = new S3BlobStore({ ...options, publicEndpoint: outside });
    after(() => store.close());
    await store.put('public/blob', new Uint8Array([3, 1, 4]));
    const url = new URL(
      await store.presignedGetUrl!('public/blob', {
        expiresInSeconds: 60,
        contentType: 'application/octet-stream',
        contentDisposition: 'attachment',
      }),
    );
    assert.equal(url.origin, new URL(outside).origin);
    const answer = await getWithHost(inside, url);
    assert.equal(answer.status, 200, answer.body.toString());
    assert.deepEqual([...answer.body], [3, 1, 4]);
  });

  it('offers presigned URLs only when downloads are configured to use them', async () => {
    const store = new S3BlobStore(freshOptions());
    after(() => store.close());
    assert.equal(store.presignedGetUrl, undefined);
  });

  it('openStore opens it from SQUISH_STORAGE with the SDK’s standard credentials', async () => {
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    const { accessKeyId, secretAccessKey } = credentials();
    process.env.AWS_ACCESS_KEY_ID = accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = secretAccessKey;
    const location = new URL(s3Url!);
    location.pathname = `/${runPrefix}/opened`;
    const store = openStore({ storage: location.toString(), s3PresignedDownloads: true });
    try {
      assert.equal(store.kind, 's3');
      assert.equal(typeof store.presignedGetUrl, 'function');
      await store.ping();
      await store.put('via-open-store', new Uint8Array([4, 2]));
      assert.deepEqual([...(await store.get('via-open-store'))!], [4, 2]);
    } finally {
      await store.close();
      for (const [name, value] of [
        ['AWS_ACCESS_KEY_ID', saved.id],
        ['AWS_SECRET_ACCESS_KEY', saved.secret],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});

describe('parseS3Location', () => {
  it('reads the bucket, prefix, endpoint, region and addressing style', () => {
    assert.deepEqual(parseS3Location('s3://images?endpoint=http://127.0.0.1:7480&region=eu-west-1'), {
      bucket: 'images',
      prefix: '',
      endpoint: 'http://127.0.0.1:7480',
      publicEndpoint: undefined,
      region: 'eu-west-1',
      forcePathStyle: true,
    });
    assert.deepEqual(
      parseS3Location(
        's3://images/squish/prod/?endpoint=http://10.0.0.5:7480&publicEndpoint=https://s3.example&forcePathStyle=false',
      ),
      {
        bucket: 'images',
        prefix: 'squish/prod/',
        endpoint: 'http://10.0.0.5:7480',
        publicEndpoint: 'https://s3.example',
        region: 'us-east-1',
        forcePathStyle: false,
      },
    );
    // AWS itself: no endpoint, virtual-hosted addressing.
    assert.equal(parseS3Location('s3://images?region=eu-west-1').forcePathStyle, false);
  });

  it('refuses what it cannot mean', () => {
    for (const raw of [
      'file:/tmp/x',
      's3://',
      's3://images?endpoint=ftp://host',
      's3://images?endpiont=http://host',
      's3://images?forcePathStyle=yes',
      's3://images?endpoint=http://host&publicEndpoint=host',
      's3://images/with space?endpoint=http://host',
    ]) {
      assert.throws(() => parseS3Location(raw), /SQUISH_STORAGE/, raw);
    }
  });
});
