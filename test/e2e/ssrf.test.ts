/**
 * A node on its defaults (private networks NOT allowed) refuses image URLs that point at the
 * machine itself or at the cloud metadata address, whether the address is literal (refused when
 * the request arrives) or behind a name (refused by the worker after DNS resolution).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { FIXTURES } from './e2e-fixtures.js';
import { krakenClient, plain } from './kraken-client.js';
import { startFileServer } from './local-servers.js';
import { createKey, type ServeProcess, startServe } from './serve-process.js';

let dataDir: string;
let serve: ServeProcess;
let files: { url: string; close(): Promise<void> };
let key: { api_key: string; api_secret: string };

before(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'squish-e2e-ssrf-'));
  [files, key] = await Promise.all([startFileServer(FIXTURES), createKey(dataDir)]);
  serve = await startServe(dataDir);
});

after(async () => {
  const code = await serve?.stop('SIGTERM');
  await files?.close();
  rmSync(dataDir, { recursive: true, force: true });
  assert.equal(code, 0);
});

async function postUrl(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${serve.url}/v1/url`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ auth: key, url, wait: true }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

test('literal loopback and metadata addresses are refused with 400', async () => {
  const port = new URL(files.url).port;
  for (const url of [
    `http://127.0.0.1:${port}/pil-hopper.jpg`,
    'http://169.254.169.254/latest/meta-data/',
    `http://[::ffff:127.0.0.1]:${port}/pil-hopper.jpg`,
  ]) {
    const { status, body } = await postUrl(url);
    assert.equal(status, 400, `${url}: ${JSON.stringify(body)}`);
    assert.equal(body.success, false);
    assert.match(String(body.message), /not a public internet address|not allowed/i, url);
  }
  const viaClient = plain(
    await krakenClient(key, serve.url).url({ url: 'http://169.254.169.254/latest/meta-data/', wait: true }),
  );
  assert.equal(viaClient.success, false);
});

test('a name that resolves to loopback is refused after DNS resolution', async () => {
  const { status, body } = await postUrl(`http://localhost:${new URL(files.url).port}/pil-hopper.jpg`);
  assert.equal(status, 400, JSON.stringify(body));
  assert.equal(body.success, false);
  assert.match(String(body.message), /not a public internet address|not allowed/i);
});
