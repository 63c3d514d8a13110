/**
 * Scaling benchmark: `npm run bench:scale -- [--seconds 20] [--workers 1,2,4]`.
 *
 * The same workload with 1, 2 and 4 `squish serve --roles worker` processes (one engine process
 * each) behind one `squish serve --roles api` node, all on one Redis (BullMQ), one database
 * (PostgreSQL when SQUISH_TEST_POSTGRES_URL is set) and one blob store (S3 on Ceph radosgw when
 * SQUISH_TEST_S3_URL is set): `npm run bench:scale` runs it under scripts/with-services.sh, which
 * starts them. The workload is bench:api's "quality 85" request: three corpus photos resized to
 * 2048 px wide, each request a Kraken upload with resize fit 512x512, quality 85, `wait: true`,
 * from closed-loop clients (two per worker, plus one), so the queue never runs dry.
 *
 * Reported per worker count: throughput, efficiency (throughput per worker relative to one
 * worker), throughput per core of this machine, and what each job costs the shared parts:
 * Redis commands and Redis CPU, database commits and row writes, and bytes to and from the
 * blob store. Writes the report to docs/bench/scale.md and the numbers to bench/results/.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { FormData, Response, request } from 'undici';
import { treeCpuMs } from './api-lib/cpu-time.js';
import { type LoadResult, runLoad } from './api-lib/load-loop.js';
import { folderBytes, openScaleBackends, type ScaleBackends } from './lib/scale-backends.js';
import {
  commandDelta,
  type PostgresCounters,
  postgresCounters,
  redisCommandCalls,
  redisCpuSeconds,
} from './lib/scale-counters.js';
import { createKey, type Node, nodeEnv, startNode } from './lib/scale-nodes.js';

const PHOTOS = [
  '/work/shared/corpus/jpeg/mate-Aqua.jpg',
  '/work/shared/corpus/jpeg/exif-42_IndexError_12MP.jpg',
  '/work/shared/corpus/jpeg/mate-Elephants_3840x2160.jpg',
];
const WIDTH = 2048;
const BOX = 512;
const QUALITY = 85;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function option(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

/** One worker count's measurements. */
interface ScaleRun {
  workers: number;
  clients: number;
  load: LoadResult;
  /** Jobs the counters over the whole run (warm-up included) are divided by. */
  jobsInWindow: number;
  /** CPU of the api node, and of the worker processes with their engine processes. */
  apiCpuMsPerJob: number;
  workerCpuMsPerJob: number;
  redisCommandsPerJob: number;
  redisTopCommands: [string, number][];
  redisCpuMsPerJob: number;
  postgres?: { commitsPerJob: number; rowWritesPerJob: number };
  /** Store bytes per job: to the store (PUT) and from it (GET); for a folder, bytes written only. */
  storeBytesInPerJob: number;
  storeBytesOutPerJob?: number;
}

async function preparePhotos(): Promise<Buffer[]> {
  return Promise.all(
    PHOTOS.map((file) => sharp(file).rotate().resize({ width: WIDTH }).jpeg({ quality: 90 }).toBuffer()),
  );
}

/** A Kraken upload's multipart body, encoded once per photo (the same bytes on the wire each time). */
async function multipartBody(options: string, file: Uint8Array, name: string) {
  const form = new FormData();
  form.append('data', options);
  form.append('file', new Blob([file]), name);
  const encoded = new Response(form);
  return {
    bytes: new Uint8Array(await encoded.arrayBuffer()),
    contentType: encoded.headers.get('content-type')!,
  };
}

async function runWorkers(
  backends: ScaleBackends,
  workDir: string,
  photos: Buffer[],
  key: { api_key: string; api_secret: string },
  workers: number,
  seconds: number,
): Promise<ScaleRun> {
  const env = nodeEnv(backends.settings);
  const dataDir = (name: string) => {
    const dir = path.join(workDir, `${workers}-${name}`);
    mkdirSync(dir, { recursive: true });
    return dir;
  };
  const pgBefore =
    backends.postgres && (await postgresCounters(backends.postgres.client, backends.postgres.database));
  const api = await startNode('api', dataDir('api'), env);
  const nodes: Node[] = [api];
  try {
    nodes.push(
      ...(await Promise.all(
        Array.from({ length: workers }, (_, i) => startNode('worker', dataDir(`worker-${i}`), env)),
      )),
    );
    const options = JSON.stringify({
      auth: key,
      wait: true,
      quality: QUALITY,
      resize: { strategy: 'fit', width: BOX, height: BOX },
    });
    const bodies = await Promise.all(
      photos.map((photo, index) => multipartBody(options, photo, `photo-${index}.jpg`)),
    );
    const upload = async (index: number) => {
      const { bytes, contentType } = bodies[index % bodies.length]!;
      const response = await request(`${api.url}/v1/upload`, {
        method: 'POST',
        body: bytes,
        headers: { 'content-type': contentType },
      });
      const body = (await response.body.json()) as { success?: boolean; message?: string };
      if (response.statusCode !== 200 || body.success !== true) {
        throw new Error(`HTTP ${response.statusCode}: ${body.message ?? JSON.stringify(body)}`);
      }
    };
    const clients = 2 * workers + 1;
    // Warm-up: every worker's engine process started, every photo seen once.
    await Promise.all(Array.from({ length: clients }, (_, i) => upload(i)));
    const warmUpJobs = clients;

    const redisBefore = await redisCommandCalls(backends.redis);
    const redisCpuBefore = await redisCpuSeconds(backends.redis);
    const workerCpu = () => nodes.slice(1).reduce((sum, node) => sum + treeCpuMs(node.child.pid!), 0);
    const apiCpuBefore = treeCpuMs(api.child.pid!);
    const workerCpuBefore = workerCpu();
    const s3Before = backends.s3Proxy && {
      in: backends.s3Proxy.bytesToTarget,
      out: backends.s3Proxy.bytesFromTarget,
    };
    process.stderr.write(`bench:scale: ${workers} worker(s), ${clients} clients, ${seconds} s...\n`);
    const load = await runLoad(clients, seconds, upload);
    const apiCpuMs = treeCpuMs(api.child.pid!) - apiCpuBefore;
    const workerCpuMs = workerCpu() - workerCpuBefore;
    const redisCpuMs = ((await redisCpuSeconds(backends.redis)) - redisCpuBefore) * 1000;
    const commands = commandDelta(redisBefore, await redisCommandCalls(backends.redis));
    const s3After = backends.s3Proxy && {
      in: backends.s3Proxy.bytesToTarget,
      out: backends.s3Proxy.bytesFromTarget,
    };
    const jobs = Math.max(1, load.ok);
    const totalCommands = [...commands.values()].reduce((sum, calls) => sum + calls, 0);

    await Promise.all(nodes.map((node) => node.stop()));
    nodes.length = 0;
    let postgres: ScaleRun['postgres'];
    if (backends.postgres && pgBefore) {
      // Backends report their counters when they exit; give the stats collector a moment.
      await sleep(1500);
      const after = await postgresCounters(backends.postgres.client, backends.postgres.database);
      const windowJobs = warmUpJobs + load.ok;
      postgres = {
        commitsPerJob: (after.commits - pgBefore.commits) / windowJobs,
        rowWritesPerJob: rowWrites(after, pgBefore) / windowJobs,
      };
    }
    const storeBytes =
      s3Before && s3After
        ? { in: (s3After.in - s3Before.in) / jobs, out: (s3After.out - s3Before.out) / jobs }
        : { in: folderBytes(backends.blobDir!) / (warmUpJobs + load.ok), out: undefined };
    return {
      workers,
      clients,
      load,
      jobsInWindow: warmUpJobs + load.ok,
      apiCpuMsPerJob: apiCpuMs / jobs,
      workerCpuMsPerJob: workerCpuMs / jobs,
      redisCommandsPerJob: totalCommands / jobs,
      redisTopCommands: [...commands.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 6)
        .map(([name, calls]) => [name, calls / jobs]),
      redisCpuMsPerJob: redisCpuMs / jobs,
      postgres,
      storeBytesInPerJob: storeBytes.in,
      storeBytesOutPerJob: storeBytes.out,
    };
  } finally {
    await Promise.all(nodes.map((node) => node.stop()));
  }
}

function rowWrites(after: PostgresCounters, before: PostgresCounters): number {
  return (
    after.inserted - before.inserted + (after.updated - before.updated) + (after.deleted - before.deleted)
  );
}

const kb = (bytes: number | undefined) => (bytes === undefined ? '–' : `${(bytes / 1024).toFixed(0)} KiB`);

function report(
  runs: ScaleRun[],
  meta: {
    startedAt: Date;
    seconds: number;
    cores: number;
    model: string;
    loadBefore: string;
    loadAfter: string;
  },
  backends: ScaleBackends,
  photoBytes: number[],
): string {
  const one = runs.find((run) => run.workers === 1) ?? runs[0]!;
  const oneRate = one.load.requestsPerSecond;
  const percent = (value: number) => `${(value * 100).toFixed(0)} %`;
  const lines = [
    '# Scaling benchmark: worker processes on one Redis',
    '',
    `Command: \`npm run bench:scale -- --seconds ${meta.seconds} --workers ${runs.map((run) => run.workers).join(',')}\``,
    '(it builds, then runs `bench/scale.ts` under `scripts/with-services.sh`, which starts Redis, PostgreSQL and Ceph radosgw).',
    '',
    `- ${meta.startedAt.toISOString()}; **this machine has ${meta.cores} cores** (${meta.model}), shared with other work: load average ${meta.loadBefore} before, ${meta.loadAfter} after. Jobs/s follow that load; CPU per job hardly does.`,
    `- One \`squish serve --roles api\` node and N \`squish serve --roles worker\` processes (one engine process each), from the build; queue: BullMQ on one Redis; database: ${backends.describe.database}; blob store: ${backends.describe.storage}. All of them, and Redis, the database and the store, share the same ${meta.cores} cores.`,
    `- Workload: ${PHOTOS.length} corpus JPEG photos resized to ${WIDTH} px wide (${photoBytes.map((bytes) => kb(bytes)).join(', ')}); each request a Kraken upload, resize fit ${BOX}x${BOX}, quality ${QUALITY}, \`wait: true\`, from 2N+1 closed-loop clients, ${meta.seconds} s per row after a warm-up.`,
    "- Efficiency: jobs/s per worker relative to one worker. Per core: jobs/s divided by the machine's cores; efficiency per core in use: jobs/s per min(N, cores) relative to one worker.",
    '- CPU per job from /proc: the api node, and the worker processes with their engine processes.',
    "- Redis: commands per job from INFO commandstats (commands run inside BullMQ's Lua scripts count too; `evalsha` is the number of script calls) and Redis CPU (INFO cpu), over the timed window.",
    "- Database: commits and rows written (inserted + updated + deleted) per job from pg_stat_database of the benchmark's own database, over the whole row including the warm-up (PostgreSQL reports them when the nodes exit).",
    '- Store: bytes through a counting TCP proxy in front of radosgw (HTTP headers included), over the timed window: in = to the store, out = from it.',
    '',
    `| worker processes | clients | jobs | failed | jobs/s | efficiency | jobs/s per core (${meta.cores} cores) | efficiency per core in use | p50 ms | CPU ms/job api | CPU ms/job workers | Redis cmds/job | Redis CPU ms/job | DB commits/job | DB rows written/job | store in/job | store out/job |`,
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const run of runs) {
    const rate = run.load.requestsPerSecond;
    lines.push(
      `| ${run.workers} | ${run.clients} | ${run.load.ok} | ${run.load.failed} | ${rate.toFixed(2)} | ${percent(rate / run.workers / oneRate)} | ${(rate / meta.cores).toFixed(2)} | ${percent(rate / Math.min(run.workers, meta.cores) / oneRate)} | ${run.load.p50Ms.toFixed(0)} | ${run.apiCpuMsPerJob.toFixed(0)} | ${run.workerCpuMsPerJob.toFixed(0)} | ${run.redisCommandsPerJob.toFixed(0)} | ${run.redisCpuMsPerJob.toFixed(2)} | ${run.postgres?.commitsPerJob.toFixed(1) ?? '–'} | ${run.postgres?.rowWritesPerJob.toFixed(1) ?? '–'} | ${kb(run.storeBytesInPerJob)} | ${kb(run.storeBytesOutPerJob)} |`,
    );
  }
  lines.push('', 'Redis commands per job, most frequent first:', '');
  for (const run of runs) {
    lines.push(
      `- ${run.workers} worker(s): ${run.redisTopCommands.map(([name, calls]) => `${name} ${calls.toFixed(1)}`).join(', ')}`,
    );
  }
  for (const run of runs) {
    if (run.load.errors.length > 0)
      lines.push('', `${run.workers} worker(s) errors: ${run.load.errors.join('; ')}`);
  }
  lines.push('', ...growthSection(runs, meta.cores));
  return lines.join('\n');
}

/** The "how it grows with machines" section, from the measured numbers. */
function growthSection(runs: ScaleRun[], cores: number): string[] {
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const workerMs = mean(runs.map((run) => run.workerCpuMsPerJob));
  const apiMs = mean(runs.map((run) => run.apiCpuMsPerJob));
  const redisCpu = Math.max(...runs.map((run) => run.redisCpuMsPerJob));
  const redisCmds = Math.max(...runs.map((run) => run.redisCommandsPerJob));
  const withDb = runs.filter((run) => run.postgres);
  const commits = withDb.length ? mean(withDb.map((run) => run.postgres!.commitsPerJob)) : undefined;
  const rows = withDb.length ? mean(withDb.map((run) => run.postgres!.rowWritesPerJob)) : undefined;
  const storeIn = mean(runs.map((run) => run.storeBytesInPerJob));
  const outs = runs
    .map((run) => run.storeBytesOutPerJob)
    .filter((value): value is number => value !== undefined);
  const storeOut = outs.length ? mean(outs) : undefined;
  const perWorkerCore = 1000 / workerMs;
  const redisJobsPerCore = 1000 / Math.max(redisCpu, 0.001);
  return [
    '## How it grows with machines',
    '',
    `A job is independent CPU work: here about ${workerMs.toFixed(0)} ms of CPU per job in a worker and its engine process, and ${apiMs.toFixed(0)} ms in the api node (HTTP, multipart, the wait). So one worker core does at most about ${perWorkerCore.toFixed(1)} jobs/s of this workload, and throughput grows with the cores given to workers. On this ${cores}-core machine every process, Redis, PostgreSQL and radosgw share the same ${cores} cores, so past ${cores} workers more processes only divide them: the table shows the cost per job, which stays flat, rather than growth that this machine cannot show.`,
    '',
    'What the workers share, and what each job costs it (measured above):',
    '',
    `- Redis (the queue): about ${redisCmds.toFixed(0)} commands and ${redisCpu.toFixed(2)} ms of Redis CPU per job: BullMQ's scripts to add, take, lock and finish a job, the event stream the api node reads to answer \`wait\`, and the workers' polling. Redis executes commands on one core; at that CPU cost one Redis core runs out near ${redisJobsPerCore.toFixed(0)} jobs/s, about ${(redisJobsPerCore / perWorkerCore).toFixed(0)} worker cores' worth of this workload. Sentinels add no work per job.`,
    commits !== undefined && rows !== undefined
      ? `- The database: ${commits.toFixed(1)} commits and ${rows.toFixed(1)} rows written per job (the job accepted, started, finished with its outputs, and the account's usage), all on the one PostgreSQL primary. Its capacity depends on its disk (each commit waits for the WAL), so measure it on the target hardware: jobs/s times ${commits.toFixed(1)} is the commit rate it must sustain.`
      : '- The database: SQLite in this run (no PostgreSQL): a file on one machine, which other machines cannot share; a cluster uses PostgreSQL.',
    `- The blob store: ${kb(storeIn)} to the store and ${kb(storeOut)} from it per job (the upload written by the api node, read by the worker; the result written by the worker; a download adds the result once more). Jobs/s times that is the store's and the network's load: with photos of this size, a 1 Gbit/s link carries about ${(125_000_000 / Math.max(storeIn + (storeOut ?? 0), 1)).toFixed(0)} jobs/s.`,
    '',
    `So: add worker machines and throughput grows with their cores until a shared part fills. With photos like these, 1 Gbit/s to the store carries about ${(125_000_000 / Math.max(storeIn + (storeOut ?? 0), 1)).toFixed(0)} jobs/s and one Redis core about ${redisJobsPerCore.toFixed(0)}; the database primary's limit is its commit rate on its own disk. API nodes scale out behind nginx the same way; their CPU per job is small next to the engine's.`,
  ];
}

async function main(): Promise<void> {
  const seconds = Number(option('seconds', '20'));
  const workerCounts = option('workers', '1,2,4').split(',').map(Number);
  if (!(seconds > 0) || workerCounts.some((count) => !Number.isInteger(count) || count < 1)) {
    throw new Error('usage: bench/scale.ts [--seconds 20] [--workers 1,2,4]');
  }
  const startedAt = new Date();
  const stamp = `${startedAt.getTime()}_${process.pid}`;
  const workDir = mkdtempSync(path.join(tmpdir(), 'squish-bench-scale-'));
  const loadBefore = loadavg()[0]!.toFixed(2);
  const photos = await preparePhotos();
  const backends = await openScaleBackends(workDir, stamp);
  const runs: ScaleRun[] = [];
  try {
    // Creating the key runs the migrations: done before any row, so no row counts them.
    const keyDir = path.join(workDir, 'keys');
    mkdirSync(keyDir, { recursive: true });
    const key = createKey(keyDir, nodeEnv(backends.settings));
    for (const workers of workerCounts) {
      runs.push(await runWorkers(backends, workDir, photos, key, workers, seconds));
    }
  } finally {
    await backends.close();
    rmSync(workDir, { recursive: true, force: true });
  }
  const meta = {
    startedAt,
    seconds,
    cores: cpus().length,
    model: cpus()[0]?.model ?? 'unknown',
    loadBefore,
    loadAfter: loadavg()[0]!.toFixed(2),
  };
  const text = report(
    runs,
    meta,
    backends,
    photos.map((photo) => photo.length),
  );
  process.stdout.write(`${text}\n`);
  const root = path.join(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '..');
  mkdirSync(path.join(root, 'docs', 'bench'), { recursive: true });
  writeFileSync(path.join(root, 'docs', 'bench', 'scale.md'), `${text}\n`);
  const resultsDir = path.join(root, 'bench', 'results');
  mkdirSync(resultsDir, { recursive: true });
  const file = path.join(resultsDir, `scale-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify({ ...meta, describe: backends.describe, runs }, null, 2)}\n`);
  process.stderr.write(`written: docs/bench/scale.md and ${file}\n`);
}

await main();
