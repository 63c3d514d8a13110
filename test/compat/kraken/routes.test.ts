import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import exifr from 'exifr';
import Fastify, { type FastifyInstance } from 'fastify';
import sharp from 'sharp';
import {
  fileTooLargeMessage,
  KRAKEN_MESSAGES,
  krakenResponder,
  krakenRoutes,
} from '../../../src/compat/kraken/index.js';
import { assertSamePixels, decodeRaw } from '../../helpers/pixels.js';
import { InMemoryJobService } from './in-memory-job-service.js';
import { multipartBody, type Part } from './multipart-body.js';

const FIXTURES = new URL('../../fixtures/compat/', import.meta.url);
const HOPPER = readFileSync(new URL('pil-hopper.jpg', FIXTURES)); // 6412 B, 128x128 JPEG
const TRANSPARENT = readFileSync(new URL('pil-transparent.png', FIXTURES)); // 26538 B, 200x150 RGBA PNG
const TRUNCATED = readFileSync(new URL('pil-truncated_jpeg.jpg', FIXTURES));

// biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field
type Json = Record<string, any>;

async function serverWith(jobs: InMemoryJobService): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(krakenRoutes, { jobs });
  await app.ready();
  return app;
}

describe('Kraken routes over the real engine', () => {
  const jobs = new InMemoryJobService({ maxUploadBytes: 30_000 });
  const { apiKey, apiSecret, account } = jobs.addAccount();
  const auth = { api_key: apiKey, api_secret: apiSecret };
  let app: FastifyInstance;
  let imageServer: ReturnType<typeof createServer>;
  let imageBase: string;

  before(async () => {
    app = await serverWith(jobs);
    imageServer = createServer((request, response) => {
      if (request.url === '/hopper.jpg')
        response.writeHead(200, { 'content-type': 'image/jpeg' }).end(HOPPER);
      else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => imageServer.listen(0, '127.0.0.1', resolve));
    imageBase = `http://127.0.0.1:${(imageServer.address() as AddressInfo).port}`;
  });
  after(async () => {
    await app.close();
    await new Promise((resolve) => imageServer.close(resolve));
  });

  const upload = async (parts: Part[]) => {
    const { payload, headers } = multipartBody(parts);
    const response = await app.inject({ method: 'POST', url: '/v1/upload', payload, headers });
    return { status: response.statusCode, body: response.json() as Json };
  };
  const postJson = async (url: string, body: unknown) => {
    const response = await app.inject({
      method: 'POST',
      url,
      payload: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    });
    return { status: response.statusCode, body: response.json() as Json };
  };
  const data = (options: Json) => JSON.stringify({ auth, ...options });

  /** The single-output body is complete and its numbers describe the stored bytes. */
  async function assertSingleResult(body: Json, source: Uint8Array): Promise<Uint8Array> {
    assert.equal(body.success, true, JSON.stringify(body));
    const stored = jobs.download(body.kraked_url).bytes;
    const meta = await sharp(stored).metadata();
    assert.equal(body.original_size, source.length);
    assert.equal(body.kraked_size, stored.length);
    assert.equal(body.saved_bytes, source.length - stored.length);
    assert.equal(body.kraked_width, meta.width);
    assert.equal(body.kraked_height, meta.height);
    assert.match(body.kraked_url, /^https:\/\/squish\.test\/dl\/[0-9a-f]{32}\//);
    return stored;
  }

  describe('envelopes (B1.2)', () => {
    test('kraken-node/php/python: `data` part then `file` part with a filename; lossless keeps every pixel', async () => {
      const { status, body } = await upload([
        { name: 'data', body: data({ wait: true }) },
        { name: 'file', filename: 'hopper.jpg', contentType: 'image/jpeg', body: HOPPER },
      ]);
      assert.equal(status, 200);
      const stored = await assertSingleResult(body, HOPPER);
      assert.equal(body.file_name, 'hopper.jpg');
      assert.equal(body.original_width, 128);
      assert.equal(body.original_height, 128);
      await assertSamePixels(HOPPER, stored, 'lossless upload');
    });

    test('kraken-ruby: options in `body`', async () => {
      const { status, body } = await upload([
        { name: 'body', body: data({ wait: true }) },
        { name: 'file', filename: 'ruby.jpg', body: HOPPER },
      ]);
      assert.equal(status, 200);
      assert.equal(body.file_name, 'ruby.jpg');
    });

    test('kraken-java/go: typed application/json `data` part and a file part named `upload`', async () => {
      const { status, body } = await upload([
        { name: 'data', contentType: 'application/json; charset=UTF-8', body: data({ wait: true }) },
        { name: 'upload', filename: 'java.jpg', contentType: 'application/octet-stream', body: HOPPER },
      ]);
      assert.equal(status, 200);
      assert.equal(body.file_name, 'java.jpg');
    });

    test('kraken-net: the file name is the part name', async () => {
      const { status, body } = await upload([
        { name: 'data', body: data({ wait: true }) },
        { name: 'photo.jpg', filename: 'photo.jpg', body: HOPPER },
      ]);
      assert.equal(status, 200);
      assert.equal(body.file_name, 'photo.jpg');
    });

    test('curl -F data=@options.json: an options part sent as a file is still the options', async () => {
      const { status, body } = await upload([
        {
          name: 'data',
          filename: 'options.json',
          contentType: 'application/json',
          body: data({ wait: true }),
        },
        { name: 'file', filename: 'curl.jpg', contentType: 'image/jpeg', body: HOPPER },
      ]);
      assert.equal(status, 200, JSON.stringify(body));
      assert.equal(body.file_name, 'curl.jpg');
    });

    test('a file part without a filename is still the image', async () => {
      const { status, body } = await upload([
        { name: 'data', body: data({ wait: true }) },
        { name: 'upload', contentType: 'image/jpeg', body: HOPPER },
      ]);
      assert.equal(status, 200, JSON.stringify(body));
      await assertSamePixels(HOPPER, jobs.download(body.kraked_url).bytes);
    });

    test('the options part after the file part; a second file is ignored', async () => {
      const { status, body } = await upload([
        {
          name: 'file',
          filename: 'first.png',
          body: TRANSPARENT.subarray(0, 0).length ? TRANSPARENT : HOPPER,
        },
        { name: 'file2', filename: 'second.jpg', body: HOPPER },
        { name: 'data', body: data({ wait: true }) },
      ]);
      assert.equal(status, 200, JSON.stringify(body));
      assert.equal(body.file_name, 'first.jpg');
      assert.equal(body.original_size, HOPPER.length);
    });

    test('JSON for /v1/url', async () => {
      const { status, body } = await postJson('/v1/url', {
        auth,
        url: `${imageBase}/hopper.jpg`,
        wait: true,
      });
      assert.equal(status, 200, JSON.stringify(body));
      await assertSamePixels(HOPPER, await assertSingleResult(body, HOPPER));
      assert.deepEqual(jobs.submitted.at(-1)?.source, { kind: 'url', url: `${imageBase}/hopper.jpg` });
    });

    test('kraken-magento: application/x-www-form-urlencoded with a `data` field, also for /user_status', async () => {
      const form = (options: Json) =>
        new URLSearchParams({ data: JSON.stringify({ auth, ...options }) }).toString();
      const headers = { 'content-type': 'application/x-www-form-urlencoded' };
      const url = await app.inject({
        method: 'POST',
        url: '/v1/url',
        headers,
        payload: form({ url: `${imageBase}/hopper.jpg`, wait: true }),
      });
      assert.equal(url.statusCode, 200, url.body);
      assert.equal(url.json().original_size, HOPPER.length);
      const status = await app.inject({ method: 'POST', url: '/user_status', headers, payload: form({}) });
      assert.equal(status.statusCode, 200);
      assert.equal(status.json().success, true);
    });

    test('a JSON body with another content type, or none, is read as JSON', async () => {
      const payload = JSON.stringify({ auth });
      const headers = { 'content-type': 'text/plain' };
      const plain = await app.inject({ method: 'POST', url: '/user_status', payload, headers });
      assert.equal(plain.statusCode, 200, plain.body);
      const none = await app.inject({ method: 'POST', url: '/user_status', payload });
      assert.equal(none.statusCode, 200, none.body);
    });
  });

  describe('options reach the engine (B1.4, B1.5)', () => {
    test('an image set: a results map by id, each output its own size and download', async () => {
      const { status, body } = await upload([
        {
          name: 'data',
          body: data({
            wait: true,
            resize: [
              { id: 'thumb', strategy: 'square', size: 32 },
              { id: 2, strategy: 'exact', width: 64, height: 40, lossy: true, quality: 60 },
              { id: 'same', strategy: 'none' },
            ],
          }),
        },
        { name: 'file', filename: 'set.jpg', body: HOPPER },
      ]);
      assert.equal(status, 200, JSON.stringify(body));
      assert.equal(body.success, true);
      assert.deepEqual(Object.keys(body.results).sort(), ['2', 'same', 'thumb']);
      for (const [id, [width, height]] of Object.entries({
        thumb: [32, 32],
        2: [64, 40],
        same: [128, 128],
      })) {
        const entry = body.results[id];
        const stored = jobs.download(entry.kraked_url).bytes;
        const meta = await sharp(stored).metadata();
        assert.deepEqual(
          [entry.kraked_width, entry.kraked_height, meta.width, meta.height],
          [width, height, width, height],
          id,
        );
        assert.equal(entry.kraked_size, stored.length, id);
        assert.equal(entry.original_size, HOPPER.length, id);
      }
      assert.equal(new Set(Object.values(body.results).map((entry) => (entry as Json).kraked_url)).size, 3);
    });

    test('convert to JPEG flattens transparency onto convert.background', async () => {
      const { status, body } = await upload([
        { name: 'data', body: data({ wait: true, convert: { format: 'jpeg', background: '#ff0000' } }) },
        { name: 'file', filename: 'transparent.png', body: TRANSPARENT },
      ]);
      assert.equal(status, 200, JSON.stringify(body));
      assert.equal(body.file_name, 'transparent.jpg');
      const stored = jobs.download(body.kraked_url).bytes;
      assert.equal((await sharp(stored).metadata()).format, 'jpeg');
      // Where the input is fully transparent, the output shows the background colour.
      const input = await decodeRaw(TRANSPARENT);
      const output = await decodeRaw(stored);
      const transparentAt = [...Array(input.width * input.height).keys()].find(
        (i) => input.data[i * 4 + 3] === 0,
      );
      assert.ok(transparentAt !== undefined, 'fixture has a transparent pixel');
      const [r, g, b] = output.data.subarray(transparentAt * 4, transparentAt * 4 + 3);
      assert.ok(r! > 230 && g! < 30 && b! < 30, `background pixel ${r},${g},${b}`);
    });

    test('webp:true gives WebP; keep_extension, dev and per-request plan reach the job', async () => {
      const { status, body } = await upload([
        {
          name: 'data',
          body: data({ wait: true, webp: true, dev: true, convert: { keep_extension: true } }),
        },
        { name: 'file', filename: 'keep.jpg', body: HOPPER },
      ]);
      assert.equal(status, 200, JSON.stringify(body));
      assert.equal((await sharp(jobs.download(body.kraked_url).bytes).metadata()).format, 'webp');
      const submitted = jobs.submitted.at(-1)!;
      assert.equal(submitted.keepExtension, true);
      assert.equal(submitted.dev, true);
      assert.equal(submitted.plan.format, 'webp');
      assert.deepEqual(submitted.compat, { api: 'kraken', data: { endpoint: 'upload' } });
    });

    test('preserve_meta and auto_orient: what is kept, and upright pixels', async () => {
      // 64x32, EXIF orientation 6 (shown 32x64), a copyright and a capture date.
      const tagged = await sharp({ create: { width: 64, height: 32, channels: 3, background: '#3a7' } })
        .jpeg({ quality: 90 })
        .withExif({ IFD0: { Copyright: 'Test Owner' }, IFD2: { DateTimeOriginal: '2020:01:02 03:04:05' } })
        .withMetadata({ orientation: 6 })
        .toBuffer();
      const tags = async (options: Json) => {
        const { status, body } = await upload([
          { name: 'data', body: data({ wait: true, ...options }) },
          { name: 'file', filename: 'tagged.jpg', body: tagged },
        ]);
        assert.equal(status, 200, JSON.stringify(body));
        const stored = jobs.download(body.kraked_url).bytes;
        const exif = await exifr.parse(Buffer.from(stored), ['Orientation', 'Copyright', 'DateTimeOriginal']);
        return { size: [body.kraked_width, body.kraked_height], exif: exif ?? {} };
      };
      const plain = await tags({});
      assert.deepEqual(plain.size, [64, 32]);
      assert.equal(plain.exif.Orientation, 'Rotate 90 CW', 'orientation kept by default');
      assert.equal(plain.exif.Copyright, undefined);
      assert.equal(plain.exif.DateTimeOriginal, undefined);
      const kept = await tags({ preserve_meta: ['date', 'copyright'] });
      assert.equal(kept.exif.Copyright, 'Test Owner');
      assert.ok(kept.exif.DateTimeOriginal instanceof Date);
      const upright = await tags({ auto_orient: true });
      assert.deepEqual(upright.size, [32, 64]);
      assert.equal(upright.exif.Orientation, undefined);
    });

    test('resize with crop_mode and lossy quality', async () => {
      const { status, body } = await upload([
        {
          name: 'data',
          body: data({
            wait: true,
            lossy: true,
            quality: 50,
            resize: { strategy: 'fit', width: 50, height: 20, crop_mode: 'b' },
          }),
        },
        { name: 'file', filename: 'fit.jpg', body: HOPPER },
      ]);
      assert.equal(status, 200, JSON.stringify(body));
      assert.deepEqual([body.kraked_width, body.kraked_height], [50, 20]);
      assert.deepEqual(jobs.submitted.at(-1)!.plan.resize, {
        strategy: 'fit',
        width: 50,
        height: 20,
        gravity: 'south',
      });
    });
  });

  describe('callback_url', () => {
    test('answers {id} at once; the callback body is the wait body plus that id', async () => {
      const { status, body } = await upload([
        { name: 'data', body: data({ callback_url: 'https://receiver.example/kraken' }) },
        { name: 'file', filename: 'cb.jpg', body: HOPPER },
      ]);
      assert.equal(status, 200);
      assert.deepEqual(Object.keys(body), ['id']);
      assert.match(body.id, /^[0-9a-f]{32}$/);
      const job = await jobs.waitForResult(body.id);
      assert.deepEqual(job.delivery, { mode: 'callback', url: 'https://receiver.example/kraken' });
      const callback = krakenResponder.callbackBody(job, (token, name) =>
        jobs.downloadUrl(token, name),
      ) as Json;
      assert.equal(callback.id, body.id);
      assert.equal(callback.success, true);
      await assertSingleResult(callback, HOPPER);
    });
  });

  describe('user_status', () => {
    test('reports the account in bytes', async () => {
      const { status, body } = await postJson('/user_status', { auth });
      assert.equal(status, 200);
      assert.equal(body.success, true);
      assert.equal(body.active, true);
      assert.equal(body.quota_used, account.usedBytes);
      assert.ok(body.quota_used > 0, 'uploads so far were counted');
      assert.equal(body.quota_remaining, body.quota_total - body.quota_used);
    });
  });

  describe('errors (B1.6): always JSON with success:false, message and code', () => {
    const assertError = (
      result: { status: number; body: Json },
      status: number,
      code: string,
      message?: string,
    ) => {
      assert.equal(result.status, status, JSON.stringify(result.body));
      assert.equal(result.body.success, false);
      assert.equal(result.body.code, code);
      assert.equal(typeof result.body.message, 'string');
      if (message) assert.equal(result.body.message, message);
    };

    test('400: a body that is not a JSON object', async () => {
      for (const payload of ['{"auth":', '[1,2]', '', 'null', '{"__proto__":{"polluted":1}}']) {
        const response = await app.inject({
          method: 'POST',
          url: '/v1/url',
          payload,
          headers: { 'content-type': 'application/json' },
        });
        assertError(
          { status: response.statusCode, body: response.json() },
          400,
          'INVALID_REQUEST',
          KRAKEN_MESSAGES.invalidJson,
        );
      }
      const form = await app.inject({
        method: 'POST',
        url: '/user_status',
        payload: 'api_key=x',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assertError(
        { status: form.statusCode, body: form.json() },
        400,
        'INVALID_REQUEST',
        KRAKEN_MESSAGES.invalidJson,
      );
    });

    test('400: bad options name the Kraken field; external stores are refused, not ignored', async () => {
      const bad = await postJson('/v1/url', {
        auth,
        wait: true,
        url: `${imageBase}/hopper.jpg`,
        resize: { strategy: 'exact', width: 0, height: 5 },
      });
      assertError(bad, 400, 'INVALID_OPTION');
      assert.match(bad.body.message, /`resize\.width`/);
      const s3 = await postJson('/v1/url', {
        auth,
        wait: true,
        url: `${imageBase}/hopper.jpg`,
        s3_store: { bucket: 'b' },
      });
      assertError(s3, 400, 'INVALID_OPTION');
      assert.match(s3.body.message, /s3_store.*not supported/);
    });

    test('400: /v1/url to a non-http scheme, a missing url, an upload without a file', async () => {
      assertError(
        await postJson('/v1/url', { auth, wait: true, url: 'file:///etc/passwd' }),
        400,
        'URL_NOT_ALLOWED',
      );
      assertError(await postJson('/v1/url', { auth, wait: true }), 400, 'INVALID_OPTION');
      assertError(await upload([{ name: 'data', body: data({ wait: true }) }]), 400, 'INVALID_REQUEST');
      assertError(await postJson('/v1/upload', { auth, wait: true }), 400, 'INVALID_REQUEST');
    });

    test('401: no auth, unknown key, wrong secret, on every endpoint', async () => {
      const unknown = { api_key: 'f'.repeat(32), api_secret: apiSecret };
      assertError(await postJson('/user_status', {}), 401, 'UNAUTHORIZED', KRAKEN_MESSAGES.unknownKey);
      assertError(
        await postJson('/user_status', { auth: unknown }),
        401,
        'UNAUTHORIZED',
        KRAKEN_MESSAGES.unknownKey,
      );
      assertError(
        await postJson('/v1/url', {
          auth: { api_key: apiKey, api_secret: 'wrong' },
          wait: true,
          url: `${imageBase}/hopper.jpg`,
        }),
        401,
        'UNAUTHORIZED',
      );
      assertError(await postJson('/v1/upload', { auth: unknown, wait: true }), 401, 'UNAUTHORIZED');
    });

    test('401 comes before reading the file: a wrong key with an oversized file is 401, not 413', async () => {
      const before = jobs.calls.filter((call) => call === 'submit').length;
      const big = Buffer.alloc(100_000, 7);
      const result = await upload([
        { name: 'data', body: JSON.stringify({ auth: { api_key: 'nope', api_secret: 'nope' }, wait: true }) },
        { name: 'file', filename: 'big.jpg', body: big },
      ]);
      assertError(result, 401, 'UNAUTHORIZED');
      assert.equal(jobs.calls.filter((call) => call === 'submit').length, before);
    });

    test('401 also when the options come after the file', async () => {
      const result = await upload([
        { name: 'file', filename: 'a.jpg', body: HOPPER },
        { name: 'data', body: JSON.stringify({ auth: { api_key: 'nope', api_secret: 'nope' }, wait: true }) },
      ]);
      assertError(result, 401, 'UNAUTHORIZED');
    });

    test('403: a suspended account', async () => {
      const suspended = jobs.addAccount({ status: 'suspended' });
      const result = await postJson('/user_status', {
        auth: { api_key: suspended.apiKey, api_secret: suspended.apiSecret },
      });
      assertError(result, 403, 'ACCOUNT_SUSPENDED', KRAKEN_MESSAGES.suspended);
    });

    test('413: an upload over the limit, with the limit in the message', async () => {
      const result = await upload([
        { name: 'data', body: data({ wait: true }) },
        { name: 'file', filename: 'big.png', body: Buffer.concat([TRANSPARENT, TRANSPARENT]) },
      ]);
      assertError(result, 413, 'INPUT_TOO_LARGE', fileTooLargeMessage(30_000));
    });

    test('415: not an image (sniffed by the engine, whatever the name says)', async () => {
      const result = await upload([
        { name: 'data', body: data({ wait: true }) },
        {
          name: 'file',
          filename: 'notes.jpg',
          contentType: 'image/jpeg',
          body: 'just some text, not a JPEG at all\n',
        },
      ]);
      assertError(result, 415, 'UNSUPPORTED_FORMAT');
    });

    test('hostile file: a truncated JPEG is 422 with a clear message, and the server keeps serving', async () => {
      const result = await upload([
        { name: 'data', body: data({ wait: true, lossy: true }) },
        { name: 'file', filename: 'truncated.jpg', body: TRUNCATED },
      ]);
      assertError(result, 422, 'CORRUPT_IMAGE');
      assert.match(result.body.message, /corrupt or truncated/);
      const next = await postJson('/user_status', { auth });
      assert.equal(next.status, 200);
    });

    test('422: neither wait nor callback_url', async () => {
      const result = await upload([
        { name: 'data', body: data({}) },
        { name: 'file', filename: 'a.jpg', body: HOPPER },
      ]);
      assertError(result, 422, 'DELIVERY_MODE_REQUIRED', KRAKEN_MESSAGES.deliveryMode);
      assertError(
        await postJson('/v1/url', { auth, url: `${imageBase}/hopper.jpg` }),
        422,
        'DELIVERY_MODE_REQUIRED',
      );
    });

    test('429: quota exhausted; dev requests still pass and are not counted', async () => {
      const full = jobs.addAccount({ quotaBytes: 1000, usedBytes: 1000 });
      const fullAuth = { api_key: full.apiKey, api_secret: full.apiSecret };
      const refused = await postJson('/v1/url', {
        auth: fullAuth,
        url: `${imageBase}/hopper.jpg`,
        wait: true,
      });
      assertError(refused, 429, 'QUOTA_EXCEEDED');
      const dev = await postJson('/v1/url', {
        auth: fullAuth,
        url: `${imageBase}/hopper.jpg`,
        wait: true,
        dev: true,
      });
      assert.equal(dev.status, 200, JSON.stringify(dev.body));
      assert.equal(full.account.usedBytes, 1000);
    });
  });
});

describe('Kraken routes when the platform fails', () => {
  test('503 when the platform is shutting down; 500 without internals on an unexpected failure', async (t) => {
    const jobs = new InMemoryJobService();
    const { apiKey, apiSecret } = jobs.addAccount();
    const app = await serverWith(jobs);
    t.after(() => app.close());
    const request = () =>
      app.inject({
        method: 'POST',
        url: '/v1/url',
        payload: {
          auth: { api_key: apiKey, api_secret: apiSecret },
          url: 'https://example.com/a.jpg',
          wait: true,
        },
      });

    const { SquishError } = await import('../../../src/errors/index.js');
    jobs.submit = async () => {
      throw new SquishError('UNAVAILABLE');
    };
    const closing = await request();
    assert.equal(closing.statusCode, 503);
    assert.deepEqual(Object.keys(closing.json()).sort(), ['code', 'message', 'success']);

    jobs.submit = async () => {
      throw new Error('database file /srv/squish.db is locked');
    };
    const crashed = await request();
    assert.equal(crashed.statusCode, 500);
    assert.equal(crashed.json().success, false);
    assert.ok(!crashed.body.includes('/srv/squish.db'));
  });
});
