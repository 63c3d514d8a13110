/**
 * The shared backends of the scaling benchmark, from the SQUISH_TEST_* variables that
 * `scripts/with-services.sh` sets: Redis (required), PostgreSQL (a database of the benchmark's
 * own, dropped at the end; else one SQLite file that every node opens) and S3 on Ceph radosgw
 * behind a byte-counting proxy (else a local folder that every node shares).
 */
import { mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { type CountingProxy, startCountingProxy } from './scale-counters.js';
import { cephPids, listenerPid } from './scale-service-cpu.js';

export interface ScaleBackends {
  /** Squish's settings for every node. */
  settings: Record<string, string>;
  redis: Redis;
  /** A connection to the benchmark's PostgreSQL database's server, or undefined on SQLite. */
  postgres?: { client: pg.Client; database: string };
  /** The S3 proxy, or undefined when blobs go to a local folder. */
  s3Proxy?: CountingProxy;
  /** The shared blob folder when there is no S3. */
  blobDir?: string;
  /** Pids of the services on this machine whose CPU is counted (empty when not found here). */
  servicePids: { postgres: number[]; ceph: number[] };
  /** "PostgreSQL 15" or "SQLite (one file)", "S3 (Ceph radosgw)" or "local folder": for the report. */
  describe: { database: string; storage: string };
  close(): Promise<void>;
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `${name} is not set: run the benchmark with \`npm run bench:scale\` (scripts/with-services.sh)`,
    );
  }
  return value;
}

export async function openScaleBackends(workDir: string, stamp: string): Promise<ScaleBackends> {
  const redisUrl = required('SQUISH_TEST_REDIS_URL');
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3 });
  const settings: Record<string, string> = { SQUISH_REDIS_URL: redisUrl };
  const closers: (() => Promise<void>)[] = [async () => void redis.disconnect()];
  const result: Partial<ScaleBackends> = { redis, settings };
  const describe = { database: 'SQLite (one file on this machine)', storage: 'local folder' };
  const servicePids: ScaleBackends['servicePids'] = { postgres: [], ceph: [] };

  const postgresUrl = process.env.SQUISH_TEST_POSTGRES_URL;
  if (postgresUrl) {
    const database = `squish_scale_${stamp}`;
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    const url = new URL(postgresUrl);
    url.pathname = `/${database}`;
    settings.SQUISH_DATABASE_URL = url.href;
    const { rows } = await admin.query<{ server_version: string }>('SHOW server_version');
    describe.database = `PostgreSQL ${rows[0]?.server_version ?? ''}`.trim();
    result.postgres = { client: admin, database };
    const postmaster = listenerPid(Number(url.port || 5432));
    if (postmaster !== undefined) servicePids.postgres.push(postmaster);
    closers.push(async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
    });
  } else {
    settings.SQUISH_DATABASE_URL = `sqlite:${path.join(workDir, 'squish.db')}`;
  }

  const s3Url = process.env.SQUISH_TEST_S3_URL;
  if (s3Url) {
    const location = new URL(s3Url);
    const endpoint = new URL(
      location.searchParams.get('endpoint') ?? required('endpoint in SQUISH_TEST_S3_URL'),
    );
    const proxy = await startCountingProxy(endpoint.hostname, Number(endpoint.port || 80));
    servicePids.ceph.push(...cephPids(Number(endpoint.port || 80)));
    location.pathname = `/scale-${stamp}`;
    location.searchParams.set('endpoint', `http://127.0.0.1:${proxy.port}`);
    settings.SQUISH_STORAGE = location.href;
    settings.AWS_ACCESS_KEY_ID = required('SQUISH_TEST_S3_ACCESS_KEY');
    settings.AWS_SECRET_ACCESS_KEY = required('SQUISH_TEST_S3_SECRET_KEY');
    describe.storage = 'S3 (Ceph radosgw on this machine)';
    result.s3Proxy = proxy;
    closers.push(() => proxy.close());
  } else {
    const blobDir = path.join(workDir, 'blobs');
    mkdirSync(blobDir, { recursive: true });
    settings.SQUISH_STORAGE = `file:${blobDir}`;
    result.blobDir = blobDir;
  }

  return {
    ...(result as ScaleBackends),
    describe,
    servicePids,
    close: async () => {
      for (const close of closers.reverse()) await close();
    },
  };
}

/** Total size of the files under a folder (bytes written to a local blob store, which never rewrites). */
export function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return total;
}
