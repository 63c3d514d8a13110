/**
 * PostgreSQL failover under `squish serve`: a primary with a synchronous streaming standby (both
 * made here by scripts/services/postgres.sh, on free ports of their own), real requests through
 * the official `kraken` client, then the primary is killed (SIGKILL), the standby promoted with
 * pg_promote(), and `squish serve` restarted pointing at it. Everything acknowledged before the
 * crash must still be there: the key, its usage, the jobs and their downloads, the delivered
 * webhook; and the promoted server takes new work.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { adminQuery } from '../db/postgres-scratch.js';
import { assertSamePixels } from '../helpers/pixels.js';
import { skipWithout } from '../helpers/services.js';
import { assertResultShape, downloadResult, fixture } from './e2e-fixtures.js';
import { krakenClient, plain } from './kraken-client.js';
import { type CallbackReceiver, startCallbackReceiver } from './local-servers.js';
import { runSquish, type ServeProcess, startServe } from './serve-process.js';

const SCRIPT = fileURLToPath(new URL('../../scripts/services/postgres.sh', import.meta.url));
const QUOTA = 10_000_000;

/** Runs the service script and returns the KEY=VALUE lines it printed. */
async function postgresScript(
  args: string[],
  env: Record<string, string> = {},
): Promise<Record<string, string>> {
  const { stdout } = await promisify(execFile)('bash', [SCRIPT, ...args], {
    env: { ...process.env, ...env },
  });
  return Object.fromEntries(
    stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

/** A TCP port nothing listens on right now (the kernel's pick). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// The servers run as the postgres user, which only root can switch to.
const skip =
  skipWithout('postgres') || (process.getuid?.() !== 0 && 'needs root to run PostgreSQL as its user');

describe('squish serve keeps its data across a PostgreSQL failover', { skip }, () => {
  let root: string;
  let dataDir: string;
  let primaryUrl: string;
  let standbyUrl: string;
  let serve: ServeProcess | undefined;
  let receiver: CallbackReceiver;

  before(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'squish-pg-failover-'));
    // The postgres user must reach the clusters' folders inside it.
    chmodSync(root, 0o755);
    dataDir = path.join(root, 'data');
    const [primaryPort, standbyPort] = [await freePort(), await freePort()];
    primaryUrl = (
      await postgresScript(['start', path.join(root, 'primary')], {
        SQUISH_POSTGRES_PORT: String(primaryPort),
        SQUISH_POSTGRES_SYNC_STANDBY: '1',
      })
    ).SQUISH_TEST_POSTGRES_URL!;
    standbyUrl = (
      await postgresScript(['start-standby', path.join(root, 'standby'), String(primaryPort)], {
        SQUISH_POSTGRES_PORT: String(standbyPort),
      })
    ).SQUISH_TEST_POSTGRES_STANDBY_URL!;
    receiver = await startCallbackReceiver();
  });

  after(async () => {
    await serve?.stop('SIGTERM');
    await receiver?.close();
    for (const cluster of ['standby', 'primary']) await postgresScript(['stop', path.join(root, cluster)]);
    rmSync(root, { recursive: true, force: true });
  });

  test('kill the primary, promote the standby, restart on it: nothing acknowledged is lost', async (t) => {
    // Before: a key made by the CLI, a wait-mode upload and a callback-mode upload on the primary.
    const created = await runSquish(['keys', 'create', '--json', '--quota', String(QUOTA)], {
      SQUISH_DATABASE_URL: primaryUrl,
      SQUISH_DATA_DIR: dataDir,
    });
    assert.equal(created.code, 0, created.stderr);
    const key = JSON.parse(created.stdout) as { api_key: string; api_secret: string };
    const env = { SQUISH_DATA_DIR: dataDir, SQUISH_ALLOW_PRIVATE_NETWORKS: '1' };
    serve = await startServe(dataDir, { ...env, SQUISH_DATABASE_URL: primaryUrl });

    const hopper = fixture('pil-hopper.jpg');
    const waited = plain(
      await krakenClient(key, serve.url).upload({
        file: { value: hopper, filename: 'hopper.jpg' },
        wait: true,
      }),
    );
    assert.equal(waited.success, true, JSON.stringify(waited));
    const { bytes: hopperResult } = await downloadResult(waited, 'before the failover');

    const palette = fixture('pngsuite-tbbn3p08.png');
    const accepted = plain(
      await krakenClient(key, serve.url).upload({
        file: { value: palette, filename: 'palette.png' },
        callback_url: `${receiver.url}/hook`,
      }),
    );
    const callbackJob = accepted.id as string;
    assert.equal((await receiver.bodyFor(callbackJob)).success, true);
    // The receiver has the body before the attempt is recorded; wait for the record.
    await until('the delivery is recorded', async () => {
      const { rows } = await adminQuery(
        primaryUrl,
        `select status from webhook_deliveries where job_id = '${callbackJob}'`,
      );
      return rows[0]?.status === 'delivered';
    });

    // The crash: the primary's postmaster is killed outright, then the standby is promoted.
    const postmaster = Number(
      readFileSync(path.join(root, 'primary', 'data', 'postmaster.pid'), 'utf8').split('\n')[0],
    );
    process.kill(postmaster, 'SIGKILL');
    await until('the primary is gone', async () => !isAlive(postmaster));
    // The node lost its database; it must still stop when told (its exit code is only reported).
    t.diagnostic(`squish serve stopped with ${await serve.stop('SIGTERM')} after its database died`);
    const promoted = await adminQuery(standbyUrl, 'select pg_promote(true, 30) as promoted');
    assert.equal(promoted.rows[0].promoted, true);

    // After: the same data folder, the database URL now naming the promoted standby.
    serve = await startServe(dataDir, { ...env, SQUISH_DATABASE_URL: standbyUrl });
    const ready = await fetch(`${serve.url}/readyz`);
    assert.equal(ready.status, 200, await ready.clone().text());

    const client = krakenClient(key, serve.url);
    const status = plain(await client.userStatus());
    assert.equal(status.success, true, JSON.stringify(status));
    assert.equal(status.quota_used, hopper.length + palette.length, 'usage of both requests survived');

    // The result made before the crash still downloads from the restarted node.
    const moved = {
      ...waited,
      kraked_url: new URL(new URL(waited.kraked_url as string).pathname, serve.url).href,
    };
    const { bytes: again } = await downloadResult(moved, 'after the failover');
    await assertSamePixels(hopperResult, again, 'the result made before the failover');

    const { rows: deliveries } = await adminQuery(
      standbyUrl,
      `select status, attempts from webhook_deliveries where job_id = '${callbackJob}'`,
    );
    assert.deepEqual(deliveries, [{ status: 'delivered', attempts: 1 }], 'the delivery is not sent again');

    // The promoted server takes writes: a new request completes.
    const after = plain(await client.upload({ file: { value: hopper, filename: 'again.jpg' }, wait: true }));
    assert.equal(after.success, true, JSON.stringify(after));
    assertResultShape(after, 'after the failover');
    const { rows: jobs } = await adminQuery(
      standbyUrl,
      `select status, count(*)::int as n from jobs group by status`,
    );
    assert.deepEqual(jobs, [{ status: 'done', n: 3 }]);
  });
});
