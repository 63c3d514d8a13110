/**
 * `squish keys` and the start-up checks of `squish serve`, run as a user runs them, and a node
 * split in two processes by roles on one data folder.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { runKeysChange, runKeysCreate, runKeysList } from '../../src/cli/keys.js';
import type { CliStreams } from '../../src/cli/optimize/run-optimize.js';
import { fixture } from './e2e-fixtures.js';
import { krakenClient, plain } from './kraken-client.js';
import { captureStreams, createKey, runSquish, startServe } from './serve-process.js';

function tempData(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'squish-e2e-cli-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

interface ListedKey {
  api_key: string;
  name: string;
  status: string;
  quota_bytes: number | null;
  used_bytes: number;
}

test('keys create / list / suspend / activate / revoke on a data folder', async (t) => {
  const data = tempData(t);
  // The real command once, found through the environment variable; the rest in this process.
  const json = await runSquish(['keys', 'create', '--json'], { SQUISH_DATA_DIR: data });
  assert.equal(json.code, 0, json.stderr);
  const created = JSON.parse(json.stdout) as { api_key: string; api_secret: string };
  assert.deepEqual(Object.keys(created), ['api_key', 'api_secret', 'signing_secret']);

  const run = async (command: (streams: CliStreams) => Promise<number>) => {
    const capture = captureStreams();
    const code = await command(capture.streams);
    return { code, stdout: capture.stdout(), stderr: capture.stderr() };
  };
  const human = await run((streams) => runKeysCreate({ name: 'shop', quota: 5_000_000, data }, streams, {}));
  assert.equal(human.code, 0, human.stderr);
  const humanKey = /api_key:\s+([0-9a-f]{32})/.exec(human.stdout)?.[1];
  assert.ok(humanKey, human.stdout);
  assert.match(human.stdout, /api_secret:\s+\S{32,}/);

  const list = async () => {
    const listed = await run((streams) => runKeysList({ json: true, data }, streams, {}));
    assert.equal(listed.code, 0, listed.stderr);
    return JSON.parse(listed.stdout) as ListedKey[];
  };
  const listed = await list();
  assert.deepEqual(
    listed
      .map(({ api_key, name, status, quota_bytes, used_bytes }) => ({
        api_key,
        name,
        status,
        quota_bytes,
        used_bytes,
      }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    [
      { api_key: created.api_key, name: 'default', status: 'active', quota_bytes: null, used_bytes: 0 },
      { api_key: humanKey, name: 'shop', status: 'active', quota_bytes: 5_000_000, used_bytes: 0 },
    ],
  );
  assert.ok(!JSON.stringify(listed).includes(created.api_secret), 'secrets are never listed');
  const table = await run((streams) => runKeysList({ data }, streams, {}));
  assert.match(table.stdout, new RegExp(`${humanKey}.*shop.*active`));

  const change = (action: 'revoke' | 'suspend' | 'activate', apiKey: string) =>
    run((streams) => runKeysChange(action, apiKey, { data }, streams, {}));
  assert.equal((await change('suspend', humanKey)).code, 0);
  assert.equal((await list()).find((key) => key.api_key === humanKey)?.status, 'suspended');
  assert.equal((await change('activate', humanKey)).code, 0);
  assert.equal((await list()).find((key) => key.api_key === humanKey)?.status, 'active');
  assert.equal((await change('revoke', humanKey)).code, 0);
  assert.equal((await list()).find((key) => key.api_key === humanKey)?.status, 'revoked');
  const missing = await change('revoke', 'f'.repeat(32));
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /no key/);
});

test('serve refuses wrong settings with exit 2, naming each one', async (t) => {
  const data = tempData(t);
  const run = await runSquish(['serve', '--data', data, '--roles', 'api,cook'], { SQUISH_PORT: 'eighty' });
  assert.equal(run.code, 2);
  assert.match(run.stderr, /SQUISH_PORT/);
  assert.match(run.stderr, /--roles: unknown role "cook"/);
});

test('serve on a port already taken: one clear line and exit 1, no hang', async (t) => {
  const data = tempData(t);
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
  const port = (blocker.address() as { port: number }).port;
  const run = await runSquish(['serve', '--data', data, '--port', String(port)]);
  assert.equal(run.code, 1, run.stderr);
  assert.match(run.stderr, /cannot start: .*EADDRINUSE/);
});

test('roles split over two processes on one data folder: api answers, the worker node does the work', async (t) => {
  const data = tempData(t);
  const key = await createKey(data);
  // Download links are built from SQUISH_PUBLIC_URL, as clients reach the node (here through a
  // proxy that would strip the /squish prefix).
  const api = await startServe(data, { SQUISH_PUBLIC_URL: 'https://images.example.com/squish/' }, 'api');
  const worker = await startServe(data, {}, 'worker,webhooks,janitor');
  t.after(async () => {
    await Promise.all([api.stop(), worker.stop()]);
  });
  const ready = (await (await fetch(`${api.url}/readyz`)).json()) as { status: string };
  assert.equal(ready.status, 'ready');
  const body = plain(
    await krakenClient(key, api.url).upload({
      file: { value: fixture('pil-hopper.jpg'), filename: 'split.jpg' },
      wait: true,
    }),
  );
  assert.equal(body.success, true, JSON.stringify(body));
  const link = new URL(body.kraked_url as string);
  assert.equal(link.origin, 'https://images.example.com');
  assert.match(link.pathname, /^\/squish\/dl\/[0-9a-f]{32}\/split\.jpg$/);
  const download = await fetch(`${api.url}${link.pathname.slice('/squish'.length)}`);
  assert.equal(download.status, 200);
  assert.equal(download.headers.get('content-type'), 'image/jpeg');
  assert.equal(await worker.stop('SIGTERM'), 0, worker.stderr());
  assert.equal(await api.stop('SIGTERM'), 0, api.stderr());
});
