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
import { treeCpuMs } from './api-lib/cpu-time.js';
import { krakenUploader, multipartBody } from './api-lib/kraken-upload.js';
import { type LoadResult, runLoad } from './api-lib/load-loop.js';
import { BOX, PHOTOS, preparePhotos, WIDTH } from './api-lib/photos.js';
import { createKey, type RunningSquish, startSquish } from './api-lib/squish-process.js';
import { folderBytes, openScaleBackends, type ScaleBackends } from './lib/scale-backends.js';
import {
  commandDelta,
  type PostgresCounters,
  postgresCounters,
  redisCommandCalls,
  redisCpuSeconds,
} from './lib/scale-counters.js';
import { nodeEnv } from './lib/scale-nodes.js';
import { processesCpuMs } from './lib/scale-service-cpu.js';

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
  /** CPU of the PostgreSQL server (postmaster and backends) and of Ceph (radosgw, OSD, monitor), when they run here. */
  postgresCpuMsPerJob?: number;
  cephCpuMsPerJob?: number;
  postgres?: { commitsPerJob: number; rowWritesPerJob: number };
  /** Store bytes per job: to the store (PUT) and from it (GET); for a folder, bytes written only. */
  storeBytesInPerJob: number;
  storeBytesOutPerJob?: number;
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
  const api = await startSquish({ dataDir: dataDir('api'), roles: 'api', concurrency: 1, env });
  const nodes: RunningSquish[] = [api];
  try {
    nodes.push(
      ...(await Promise.all(
        Array.from({ length: workers }, (_, i) =>
          startSquish({ dataDir: dataDir(`worker-${i}`), roles: 'worker', concurrency: 1, env }),
        ),
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
    const upload = krakenUploader(api.url, bodies);
    const clients = 2 * workers + 1;
    // Warm-up: every worker's engine process started, every photo seen once.
    await Promise.all(Array.from({ length: clients }, (_, i) => upload(i)));
    const warmUpJobs = clients;

    const redisBefore = await redisCommandCalls(backends.redis);
    const redisCpuBefore = await redisCpuSeconds(backends.redis);
    const workerCpu = () => nodes.slice(1).reduce((sum, node) => sum + treeCpuMs(node.child.pid!), 0);
    const apiCpuBefore = treeCpuMs(api.child.pid!);
    const workerCpuBefore = workerCpu();
    const { postgres: pgPids, ceph: cephPidList } = backends.servicePids;
    const pgCpuBefore = processesCpuMs(pgPids);
    const cephCpuBefore = processesCpuMs(cephPidList);
    const s3Before = backends.s3Proxy && {
      in: backends.s3Proxy.bytesToTarget,
      out: backends.s3Proxy.bytesFromTarget,
    };
    process.stderr.write(`bench:scale: ${workers} worker(s), ${clients} clients, ${seconds} s...\n`);
    const load = await runLoad(clients, seconds, upload);
    const apiCpuMs = treeCpuMs(api.child.pid!) - apiCpuBefore;
    const workerCpuMs = workerCpu() - workerCpuBefore;
    const pgCpuMs = processesCpuMs(pgPids) - pgCpuBefore;
    const cephCpuMs = processesCpuMs(cephPidList) - cephCpuBefore;
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
      postgresCpuMsPerJob: pgPids.length > 0 ? pgCpuMs / jobs : undefined,
      cephCpuMsPerJob: cephPidList.length > 0 ? cephCpuMs / jobs : undefined,
      postgres,
      storeBytesInPerJob: storeBytes.in,
      storeBytesOutPerJob: storeBytes.out,
    };
  } finally {
    await Promise.all(nodes.map((node) => node.stop()));
  }
}

/** CPU ms per job of every measured process. */
function cpuTotal(run: ScaleRun): number {
  return (
    run.apiCpuMsPerJob +
    run.workerCpuMsPerJob +
    run.redisCpuMsPerJob +
    (run.postgresCpuMsPerJob ?? 0) +
    (run.cephCpuMsPerJob ?? 0)
  );
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
    process.env.SQUISH_TEST_SERVICES_UP === '1'
      ? '(it builds, then runs `bench/scale.ts` under `scripts/with-services.sh`, which starts Redis, PostgreSQL and Ceph radosgw).'
      : `(this run: \`node --import tsx bench/scale.ts --seconds ${meta.seconds} --workers ${runs.map((run) => run.workers).join(',')}\` after \`npm run build\`, against Redis, PostgreSQL and Ceph radosgw started by their \`scripts/services/*.sh\` on a port offset, with the SQUISH_TEST_* variables they print; the same services \`scripts/with-services.sh\` starts).`,
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
    `| worker processes | clients | jobs | failed | jobs/s | efficiency | jobs/s per core (${meta.cores} cores) | efficiency per core in use | p50 ms | Redis cmds/job | DB commits/job | DB rows written/job | store in/job | store out/job |`,
    '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const run of runs) {
    const rate = run.load.requestsPerSecond;
    lines.push(
      `| ${run.workers} | ${run.clients} | ${run.load.ok} | ${run.load.failed} | ${rate.toFixed(2)} | ${percent(rate / run.workers / oneRate)} | ${(rate / meta.cores).toFixed(2)} | ${percent(rate / Math.min(run.workers, meta.cores) / oneRate)} | ${run.load.p50Ms.toFixed(0)} | ${run.redisCommandsPerJob.toFixed(0)} | ${run.postgres?.commitsPerJob.toFixed(1) ?? '–'} | ${run.postgres?.rowWritesPerJob.toFixed(1) ?? '–'} | ${kb(run.storeBytesInPerJob)} | ${kb(run.storeBytesOutPerJob)} |`,
    );
  }
  const ms = (value: number | undefined, digits = 0) => (value === undefined ? '–' : value.toFixed(digits));
  lines.push(
    '',
    `CPU per job of every process on this machine, over the timed window, and the jobs/s that ${meta.cores} fully available cores would do at that cost (${meta.cores} × 1000 / total):`,
    '',
    `| worker processes | api node ms | workers + engines ms | Redis ms | PostgreSQL ms | Ceph (radosgw, OSD, mon) ms | total ms | jobs/s on ${meta.cores} free cores |`,
    '|---|---|---|---|---|---|---|---|',
  );
  for (const run of runs) {
    const total = cpuTotal(run);
    lines.push(
      `| ${run.workers} | ${ms(run.apiCpuMsPerJob)} | ${ms(run.workerCpuMsPerJob)} | ${ms(run.redisCpuMsPerJob, 1)} | ${ms(run.postgresCpuMsPerJob, 1)} | ${ms(run.cephCpuMsPerJob)} | ${ms(total)} | ${((meta.cores * 1000) / total).toFixed(1)} |`,
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
  const defined = (values: (number | undefined)[]) =>
    values.filter((value): value is number => value !== undefined);
  const workerMs = mean(runs.map((run) => run.workerCpuMsPerJob));
  const apiMs = mean(runs.map((run) => run.apiCpuMsPerJob));
  const totalMs = mean(runs.map(cpuTotal));
  const redisCpu = Math.max(...runs.map((run) => run.redisCpuMsPerJob));
  const redisCmds = Math.max(...runs.map((run) => run.redisCommandsPerJob));
  const pgCpus = defined(runs.map((run) => run.postgresCpuMsPerJob));
  const cephCpus = defined(runs.map((run) => run.cephCpuMsPerJob));
  const withDb = runs.filter((run) => run.postgres);
  const commits = withDb.length ? mean(withDb.map((run) => run.postgres!.commitsPerJob)) : undefined;
  const rows = withDb.length ? mean(withDb.map((run) => run.postgres!.rowWritesPerJob)) : undefined;
  const storeIn = mean(runs.map((run) => run.storeBytesInPerJob));
  const outs = defined(runs.map((run) => run.storeBytesOutPerJob));
  const storeOut = outs.length ? mean(outs) : undefined;
  const perWorkerCore = 1000 / workerMs;
  const perCore = (ms: number) => 1000 / Math.max(ms, 0.001);
  const gigabitJobs = 125_000_000 / Math.max(storeIn + (storeOut ?? 0), 1);
  const limits = [
    { name: '1 Gbit/s of network to the store', jobsPerSecond: gigabitJobs },
    { name: 'one Redis core', jobsPerSecond: perCore(redisCpu) },
    ...(pgCpus.length ? [{ name: 'one PostgreSQL core', jobsPerSecond: perCore(mean(pgCpus)) }] : []),
  ];
  return [
    '## How it grows with machines',
    '',
    `A job is independent CPU work in one worker: about ${workerMs.toFixed(0)} ms of CPU per job in a worker and its engine process, and ${apiMs.toFixed(0)} ms in the api node (HTTP, multipart, the wait). One worker core therefore does at most about ${perWorkerCore.toFixed(1)} jobs/s of this workload, and throughput grows with the cores given to workers. On this ${cores}-core machine everything shares the same ${cores} cores (${totalMs.toFixed(0)} ms of CPU per job in all processes, so at most about ${((cores * 1000) / totalMs).toFixed(1)} jobs/s even with the cores to itself), and other work used them too. Here jobs/s went ${runs.map((run) => `${run.load.requestsPerSecond.toFixed(2)} with ${run.workers}`).join(', ')} worker(s): past ${cores} workers more processes can only divide the same cores, and on a shared machine jobs/s follow what the scheduler gives them, while the cost per job (the CPU table) stays steady. Growth past that needs more machines.`,
    '',
    'What the worker machines share, and what each job costs it (measured above):',
    '',
    `- Redis (the queue): about ${redisCmds.toFixed(0)} commands and ${redisCpu.toFixed(2)} ms of Redis CPU per job: BullMQ's scripts to add, take, lock and finish a job, the event stream the api node reads to answer \`wait\`, and the workers' polling. Redis executes commands on one core: at that cost one Redis serves about ${perCore(redisCpu).toFixed(0)} jobs/s, the work of about ${(perCore(redisCpu) / perWorkerCore).toFixed(0)} worker cores. Sentinels only watch the master; they run none of the job's commands.`,
    commits !== undefined && rows !== undefined
      ? `- The database: ${commits.toFixed(1)} commits and ${rows.toFixed(1)} rows written per job (the job accepted, started, finished with its outputs, the account's usage), all on the one PostgreSQL primary${pgCpus.length ? `, ${mean(pgCpus).toFixed(1)} ms of its CPU per job (about ${perCore(mean(pgCpus)).toFixed(0)} jobs/s per PostgreSQL core)` : ''}. Each commit also waits for the WAL on disk (the test server runs without fsync), so the primary's disk sets its commit rate: jobs/s times ${commits.toFixed(1)} is what it must sustain.`
      : '- The database: SQLite in this run (no PostgreSQL): a file on one machine, which other machines cannot share; a cluster uses PostgreSQL.',
    `- The blob store: ${kb(storeIn)} to the store and ${kb(storeOut)} from it per job (the upload written by the api node and read by the worker, the result written by the worker, a listing of the job's results; a download adds the result once more)${cephCpus.length ? `, and ${mean(cephCpus).toFixed(0)} ms of Ceph CPU per job here (radosgw with an in-memory OSD)` : ''}. With photos of this size, 1 Gbit/s to the store carries about ${gigabitJobs.toFixed(0)} jobs/s.`,
    '',
    `So: add worker machines and throughput grows with their cores, about ${perWorkerCore.toFixed(1)} jobs/s per worker core for this workload, until a shared part fills. At the costs measured here, the shared parts fill in this order: ${limits
      .sort((a, b) => a.jobsPerSecond - b.jobsPerSecond)
      .map((limit) => `${limit.name} (about ${limit.jobsPerSecond.toFixed(0)} jobs/s)`)
      .join(
        ', then ',
      )}. API nodes scale out behind nginx the same way; their CPU per job is small next to the engine's.`,
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
