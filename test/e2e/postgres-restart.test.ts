/**
 * PostgreSQL restarting under a running `squish serve` (an upgrade, a crash and restart): the node
 * reports itself unready while the database is away and serves again once it is back, without a
 * restart of its own, because the pool drops dead connections and opens new ones. Runs its own
 * cluster (scripts/services/postgres.sh, on a free port), since it stops it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { skipWithout } from '../helpers/services.js';
import { fixture } from './e2e-fixtures.js';
import { krakenClient, plain } from './kraken-client.js';
import { runSquish, type ServeProcess, startServe } from './serve-process.js';

const SCRIPT = fileURLToPath(new URL('../../scripts/services/postgres.sh', import.meta.url));

async function postgresScript(args: string[], env: Record<string, string> = {}): Promise<string> {
  const { stdout } = await promisify(execFile)('bash', [SCRIPT, ...args], {
    env: { ...process.env, ...env },
  });
  return stdout;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function readiness(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${url}/readyz`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

// The server runs as the postgres user, which only root can switch to.
const skip =
  skipWithout('postgres') || (process.getuid?.() !== 0 && 'needs root to run PostgreSQL as its user');

describe('squish serve while PostgreSQL restarts', { skip }, () => {
  let root: string;
  let cluster: string;
  let portEnv: Record<string, string>;
  let serve: ServeProcess | undefined;

  before(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'squish-pg-restart-'));
    chmodSync(root, 0o755);
    cluster = path.join(root, 'pg');
    portEnv = { SQUISH_POSTGRES_PORT: String(await freePort()) };
  });

  after(async () => {
    await serve?.stop('SIGTERM');
    await postgresScript(['stop', cluster]);
    rmSync(root, { recursive: true, force: true });
  });

  test('unready while the database is down, serving again once it is back, with no restart of its own', async (t) => {
    const url = (await postgresScript(['start', cluster], portEnv))
      .trim()
      .replace(/^SQUISH_TEST_POSTGRES_URL=/, '');
    const dataDir = path.join(root, 'data');
    const env = { SQUISH_DATABASE_URL: url, SQUISH_DATA_DIR: dataDir };
    const created = await runSquish(['keys', 'create', '--json', '--quota', '10000000'], env);
    assert.equal(created.code, 0, created.stderr);
    const key = JSON.parse(created.stdout) as { api_key: string; api_secret: string };
    serve = await startServe(dataDir, { ...env, SQUISH_ALLOW_PRIVATE_NETWORKS: '1' });
    const client = krakenClient(key, serve.url);
    const hopper = fixture('pil-hopper.jpg');
    const upload = async (name: string) =>
      plain(await client.upload({ file: { value: hopper, filename: name }, wait: true }));

    assert.equal((await upload('before.jpg')).success, true);

    // The server stops (fast: it ends every session, also those running a query) while requests
    // are in flight, so some of the node's connections die in use.
    const inFlight = Promise.all(
      [1, 2, 3, 4].map((n) => upload(`in-flight-${n}.jpg`).catch((error) => error)),
    );
    await new Promise((resolve) => setTimeout(resolve, 150));
    await postgresScript(['stop', cluster]);
    const inFlightAnswers = await inFlight;
    assert.equal(serve.child.exitCode, null, `squish serve is still running; stderr:\n${serve.stderr()}`);
    const down = await readiness(serve.url);
    assert.equal(down.status, 503, JSON.stringify(down.body));
    assert.deepEqual(down.body.failed, ['database']);
    const refused = await upload('during.jpg');
    // 503 "try again shortly", not an internal error (and no database address in it).
    assert.deepEqual(
      [refused.success, refused.code, refused.message],
      [false, 'UNAVAILABLE', 'The database is not available; try again shortly.'],
    );

    await postgresScript(['start', cluster], portEnv);
    // The first query after the restart may still meet a connection the server closed; the pool
    // replaces it, so readiness comes back within a few probes.
    let up = await readiness(serve.url);
    for (let probe = 0; probe < 50 && up.status !== 200; probe++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      up = await readiness(serve.url);
    }
    assert.equal(up.status, 200, JSON.stringify(up.body));
    const again = await upload('after.jpg');
    assert.equal(again.success, true, JSON.stringify(again));
    const status = plain(await client.userStatus());
    // The refused request is not counted; an in-flight one may finish after its answer was lost.
    const answered = 2 + inFlightAnswers.filter((answer) => answer?.success === true).length;
    const used = status.quota_used as number;
    assert.ok(
      used >= answered * hopper.length && used <= 6 * hopper.length,
      `quota_used ${used} for ${answered} answered requests`,
    );
    t.diagnostic(
      `in-flight answers: ${JSON.stringify(inFlightAnswers.map((answer) => answer?.code ?? answer?.success))}`,
    );
  });
});
