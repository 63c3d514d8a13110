/**
 * `squish serve` with its data in PostgreSQL (SQUISH_DATABASE_URL=postgres://...; the queue is then
 * the embedded one in the data folder) and `squish keys create` on the same database, driven by
 * the official `kraken` client: uploads in wait and callback mode, and what the database holds
 * afterwards.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { decodeToRgb, ssimulacra2 } from '../../src/engine/metric/ssimulacra2.js';
import { adminQuery, createScratchDatabase, type ScratchDatabase } from '../db/postgres-scratch.js';
import { assertSamePixels } from '../helpers/pixels.js';
import { serviceValue, skipWithout } from '../helpers/services.js';
import { assertResultShape, downloadResult, FIXTURES, fixture } from './e2e-fixtures.js';
import { krakenClient, plain } from './kraken-client.js';
import { type CallbackReceiver, startCallbackReceiver, startFileServer } from './local-servers.js';
import { runSquish, type ServeProcess, startServe } from './serve-process.js';

const skip = skipWithout('postgres');

describe('squish serve on PostgreSQL', { skip }, () => {
  let scratch: ScratchDatabase;
  let dataDir: string;
  let serve: ServeProcess | undefined;
  let files: { url: string; close(): Promise<void> };
  let receiver: CallbackReceiver;
  let key: { api_key: string; api_secret: string };
  /** Requests the tests made, to count them in the database afterwards. */
  let requests = 0;

  before(async () => {
    scratch = await createScratchDatabase(serviceValue('postgres')!, 'squish_test_e2e');
    dataDir = mkdtempSync(path.join(tmpdir(), 'squish-e2e-pg-'));
    const env = { SQUISH_DATABASE_URL: scratch.url, SQUISH_DATA_DIR: dataDir };
    [files, receiver] = await Promise.all([startFileServer(FIXTURES), startCallbackReceiver()]);
    // The key is made by the command an operator runs, in its own process, on the same database.
    const created = await runSquish(['keys', 'create', '--json', '--name', 'pg-e2e'], env);
    assert.equal(created.code, 0, created.stderr);
    key = JSON.parse(created.stdout);
    serve = await startServe(dataDir, { ...env, SQUISH_ALLOW_PRIVATE_NETWORKS: '1' });
  });

  after(async () => {
    const code = await serve?.stop('SIGTERM');
    await Promise.all([files?.close(), receiver?.close()]);
    await scratch?.drop();
    rmSync(dataDir, { recursive: true, force: true });
    assert.equal(code, 0, `graceful exit; stderr:\n${serve?.stderr()}`);
  });

  test('/readyz names the database and finds it answering', async () => {
    const response = await fetch(`${serve!.url}/readyz`);
    const body = (await response.json()) as { status: string; checks: Record<string, string> };
    assert.equal(response.status, 200, JSON.stringify(body));
    assert.equal(body.checks.database, 'ok', JSON.stringify(body));
  });

  test('upload, wait: the lossless result downloads to the same pixels', async () => {
    const input = fixture('pil-hopper.jpg');
    const body = plain(
      await krakenClient(key, serve!.url).upload({
        file: { value: input, filename: 'hopper.jpg' },
        wait: true,
      }),
    );
    assert.equal(body.success, true, JSON.stringify(body));
    assertResultShape(body, 'hopper');
    assert.equal(body.original_size, input.length);
    requests += 1;
    const { bytes } = await downloadResult(body, 'hopper');
    await assertSamePixels(input, bytes, 'lossless hopper');
  });

  test('upload and url, callback: {id} at once, then the results are POSTed to the callback', async () => {
    const client = krakenClient(key, serve!.url);
    const callback_url = `${receiver.url}/hook`;
    const uploaded = plain(
      await client.upload({
        file: { value: fixture('pngsuite-tbbn3p08.png'), filename: 'palette.png' },
        callback_url,
        resize: { strategy: 'exact', width: 16, height: 16 },
      }),
    );
    const fetched = plain(
      await client.url({ url: `${files.url}/pil-flower.jpg`, callback_url, lossy: true, webp: true }),
    );
    for (const accepted of [uploaded, fetched]) {
      assert.deepEqual(Object.keys(accepted), ['id'], JSON.stringify(accepted));
      assert.match(accepted.id as string, /^[0-9a-f]{32}$/);
      requests += 1;
    }

    const first = await receiver.bodyFor(uploaded.id as string);
    assert.equal(first.success, true, JSON.stringify(first));
    assertResultShape(first, 'callback upload');
    assert.deepEqual([first.kraked_width, first.kraked_height], [16, 16]);
    const { bytes: small } = await downloadResult(first, 'callback upload');
    assert.equal((await sharp(small).metadata()).format, 'png');

    const second = await receiver.bodyFor(fetched.id as string);
    assert.equal(second.success, true, JSON.stringify(second));
    assertResultShape(second, 'callback url');
    const { bytes: webp, format } = await downloadResult(second, 'callback url');
    assert.equal(format, 'webp');
    const score = await ssimulacra2(await decodeToRgb(fixture('pil-flower.jpg')), await decodeToRgb(webp));
    assert.ok(score >= 60, `SSIMULACRA2 ${score.toFixed(1)}`);
  });

  test('the jobs, their outputs and the usage are rows in PostgreSQL, not in a SQLite file', async () => {
    assert.equal(requests, 3, 'the tests above ran');
    const jobs = await adminQuery(
      scratch.url,
      `select j.status, count(*)::int as n from jobs j join accounts a on a.id = j.account_id
       where a.api_key = '${key.api_key}' group by j.status`,
    );
    assert.deepEqual(jobs.rows, [{ status: 'done', n: 3 }]);
    const outputs = await adminQuery(scratch.url, 'select count(*)::int as n from job_outputs');
    assert.equal(outputs.rows[0].n, 3);
    const usage = await adminQuery(
      scratch.url,
      `select u.requests::int as requests, a.used_bytes::int as used from usage_days u
       join accounts a on a.id = u.account_id where a.api_key = '${key.api_key}'`,
    );
    const inputBytes =
      fixture('pil-hopper.jpg').length +
      fixture('pngsuite-tbbn3p08.png').length +
      fixture('pil-flower.jpg').length;
    assert.deepEqual(usage.rows, [{ requests: 3, used: inputBytes }]);
    assert.equal(existsSync(path.join(dataDir, 'squish.db')), false, 'no SQLite database in the data folder');
  });
});
