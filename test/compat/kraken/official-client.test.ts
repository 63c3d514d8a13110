/**
 * The official `kraken` npm client (1.0.1) against the Kraken plugin on a real HTTP server: its
 * uploads are chunked multipart (no Content-Length) with a random 40-hex file name (B1.8).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { fileTooLargeMessage, KRAKEN_MESSAGES, krakenRoutes } from '../../../src/compat/kraken/index.js';
import { assertSamePixels } from '../../helpers/pixels.js';
import { InMemoryJobService } from './in-memory-job-service.js';
import { multipartBody } from './multipart-body.js';

const require = createRequire(import.meta.url);
const Kraken = require('kraken');
const HOPPER_PATH = new URL('../../fixtures/compat/pil-hopper.jpg', import.meta.url).pathname;
const HOPPER = readFileSync(HOPPER_PATH);

// biome-ignore lint/suspicious/noExplicitAny: the client is untyped JavaScript
type Json = Record<string, any>;

describe('official kraken client', () => {
  const jobs = new InMemoryJobService({ maxUploadBytes: 50_000 });
  const { apiKey, apiSecret } = jobs.addAccount();
  let app: FastifyInstance;
  let url: string;
  let dir: string;
  const client = (key = apiKey, secret = apiSecret) => {
    const kraken = new Kraken(key, secret);
    kraken.api = new Kraken.KrakenApiList(url);
    return kraken;
  };

  before(async () => {
    app = Fastify();
    await app.register(krakenRoutes, { jobs });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
    dir = mkdtempSync(join(tmpdir(), 'squish-kraken-client-'));
  });
  after(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('upload, wait: chunked multipart; the result decodes to the same pixels', async () => {
    const result: Json = await client().upload({ file: HOPPER_PATH, wait: true });
    assert.equal(result.success, true, JSON.stringify(result));
    assert.match(result.file_name, /^[0-9a-f]{40}\.jpg$/, 'the client sends a random 40-hex name');
    const stored = jobs.download(result.kraked_url).bytes;
    assert.equal(result.kraked_size, stored.length);
    await assertSamePixels(HOPPER, stored);
  });

  test('upload with a resize set and conversion to PNG', async () => {
    const result: Json = await client().upload({
      file: HOPPER_PATH,
      wait: true,
      convert: { format: 'png' },
      resize: [
        { id: 'small', strategy: 'auto', width: 40, height: 40 },
        { id: 'medium', strategy: 'landscape', width: 100 },
      ],
    });
    assert.equal(result.success, true, JSON.stringify(result));
    for (const [id, side] of [
      ['small', 40],
      ['medium', 100],
    ] as const) {
      const entry = result.results[id];
      const meta = await sharp(jobs.download(entry.kraked_url).bytes).metadata();
      assert.equal(meta.format, 'png', id);
      assert.deepEqual(
        [meta.width, meta.height, entry.kraked_width, entry.kraked_height],
        [side, side, side, side],
        id,
      );
    }
  });

  test('callback_url: the id at once', async () => {
    const result: Json = await client().upload({
      file: HOPPER_PATH,
      callback_url: 'https://receiver.example/cb',
    });
    assert.deepEqual(Object.keys(result), ['id']);
    const job = await jobs.waitForResult(result.id);
    assert.equal(job.status, 'done');
  });

  test('userStatus, and failures resolve with success:false and a message', async () => {
    const status: Json = await client().userStatus();
    assert.equal(status.success, true);
    assert.equal(typeof status.quota_remaining, 'number');

    const wrongKey: Json = await client('0'.repeat(32), 'x').upload({ file: HOPPER_PATH, wait: true });
    assert.deepEqual([wrongKey.success, wrongKey.message], [false, KRAKEN_MESSAGES.unknownKey]);
    const noMode: Json = await client().upload({ file: HOPPER_PATH });
    assert.deepEqual([noMode.success, noMode.message], [false, KRAKEN_MESSAGES.deliveryMode]);
  });

  test('an oversized streamed upload reads as 413 JSON, not a broken connection', async () => {
    const big = join(dir, 'big.png');
    writeFileSync(big, Buffer.concat([HOPPER, Buffer.alloc(60_000, 1)]));
    const result: Json = await client().upload({ file: big, wait: true });
    assert.deepEqual(
      [result.success, result.message, result.code],
      [false, fileTooLargeMessage(50_000), 'INPUT_TOO_LARGE'],
    );
  });
});

describe('chunked upload by hand', () => {
  test('a multipart body sent in small chunks without Content-Length', async (t) => {
    const jobs = new InMemoryJobService();
    const { apiKey, apiSecret } = jobs.addAccount();
    const app = Fastify();
    await app.register(krakenRoutes, { jobs });
    const base = new URL(await app.listen({ port: 0, host: '127.0.0.1' }));
    t.after(() => app.close());

    const { payload, headers } = multipartBody([
      {
        name: 'data',
        body: JSON.stringify({ auth: { api_key: apiKey, api_secret: apiSecret }, wait: true }),
      },
      { name: 'file', filename: 'chunked.jpg', body: HOPPER },
    ]);
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(
        {
          host: base.hostname,
          port: base.port,
          method: 'POST',
          path: '/v1/upload',
          headers: { ...headers, 'transfer-encoding': 'chunked' },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk) => {
            text += chunk;
          });
          res.on('end', () => resolve(text));
        },
      );
      req.on('error', reject);
      for (let offset = 0; offset < payload.length; offset += 1000)
        req.write(payload.subarray(offset, offset + 1000));
      req.end();
    });
    const result = JSON.parse(body);
    assert.equal(result.success, true, body);
    assert.equal(result.file_name, 'chunked.jpg');
    await assertSamePixels(HOPPER, jobs.download(result.kraked_url).bytes);
  });
});
