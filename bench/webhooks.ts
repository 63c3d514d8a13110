/**
 * Webhook delivery benchmark: `npm run bench:webhooks -- [--jobs 200] [--hosts 8]`.
 *
 * Runs `squish serve` from the build (as `npx squish` does) on a fresh data folder (SQLite, the
 * embedded queue, a local folder) and fast local receivers (204 at once, every signature
 * checked), with the default webhook settings (32 deliveries at once per process, 4 per host).
 *
 * Throughput: `--jobs` callback jobs (a 16x16 PNG each) are run by a node without the webhooks
 * role, so that their deliveries wait, pending; then a webhooks node starts and delivers the
 * backlog. Deliveries per second = jobs / (last first arrival - the node's start line). Once with
 * every callback to one receiver (host), once spread over `--hosts` receivers (each its own host:
 * the per-host limit counts host and port).
 *
 * Latency: `--jobs` callback jobs submitted by 2 clients to a node that runs every role, then to
 * a node split in two (api, worker, janitor | webhooks: two processes on one data folder, as when
 * scaled out). For each job: its finishedAt (stored with its result) to the delivery's first
 * attempt (the attempt's startedAt) and to the first request arriving at the receiver.
 * Prints a markdown table on stdout.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { openDatabase, type SquishDatabase } from '../src/db/index.js';
import { canMeasureCpu, processCpuMs } from './api-lib/cpu-time.js';
import { quantile } from './api-lib/load-loop.js';
import { createKey, type RunningSquish, startSquish } from './api-lib/squish-process.js';
import { wholeNumberOption } from './lib/number-options.js';
import { type BenchReceiver, startBenchReceiver } from './lib/webhooks-receiver.js';

type Key = { api_key: string; api_secret: string; signing_secret: string };

const log = (text: string) => process.stderr.write(`${text}\n`);

/** Polls `check` until it holds; throws after `timeoutMs`. */
async function waitUntil(
  check: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs: number,
  everyMs = 50,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** Submits one Kraken upload with a callback per URL, from `clients` concurrent clients; the job ids. */
async function submitCallbackJobs(
  apiUrl: string,
  key: Key,
  image: Buffer,
  callbackUrls: readonly string[],
  clients: number,
): Promise<string[]> {
  const ids: string[] = new Array(callbackUrls.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let index = next++; index < callbackUrls.length; index = next++) {
        const form = new FormData();
        form.append(
          'data',
          JSON.stringify({
            auth: { api_key: key.api_key, api_secret: key.api_secret },
            callback_url: callbackUrls[index],
          }),
        );
        form.append('file', new Blob([image]), `tiny-${index}.png`);
        const response = await fetch(`${apiUrl}/v1/upload`, { method: 'POST', body: form });
        const body = (await response.json()) as { id?: string; message?: string };
        if (response.status !== 200 || !body.id)
          throw new Error(`upload: HTTP ${response.status} ${JSON.stringify(body)}`);
        ids[index] = body.id;
      }
    }),
  );
  return ids;
}

async function countDeliveries(
  db: SquishDatabase,
  status: 'pending' | 'delivered',
  jobs: number,
): Promise<number> {
  return (await db.deliveries.list({ status, limit: jobs + 1 })).length;
}

/** A fresh data folder, its key, its database (read beside the nodes) and receivers; all removed by `close`. */
async function scenario(receiverCount: number) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'squish-bench-webhooks-'));
  const key = createKey(dataDir);
  const db = await openDatabase(`sqlite:${path.join(dataDir, 'squish.db')}`);
  const receivers = await Promise.all(
    Array.from({ length: receiverCount }, () => startBenchReceiver(key.signing_secret)),
  );
  const nodes: RunningSquish[] = [];
  return {
    dataDir,
    key,
    db,
    receivers,
    nodes,
    serve: async (roles: string) => {
      const node = await startSquish({
        dataDir,
        roles,
        concurrency: 2,
        env: { ...process.env, SQUISH_LOG_LEVEL: 'error', SQUISH_ALLOW_PRIVATE_NETWORKS: '1' },
      });
      nodes.push(node);
      return node;
    },
    close: async () => {
      await Promise.all(nodes.map((node) => node.stop()));
      await Promise.all(receivers.map((receiver) => receiver.close()));
      await db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

function arrivals(receivers: readonly BenchReceiver[]) {
  const first = new Map<string, number>();
  for (const receiver of receivers) for (const [id, at] of receiver.firstArrival) first.set(id, at);
  return {
    first,
    requests: receivers.reduce((sum, receiver) => sum + receiver.requests, 0),
    badSignatures: receivers.reduce((sum, receiver) => sum + receiver.badSignatures, 0),
  };
}

interface ThroughputRow {
  hosts: number;
  jobs: number;
  seconds: number;
  perSecond: number;
  /** The node's start line to the first arrival. */
  firstMs: number;
  /**
   * CPU milliseconds of the webhooks process per delivery (from /proc, start-up excluded): unlike
   * deliveries/s, hardly moved by the machine's other load.
   */
  cpuMsPerDelivery: number | undefined;
  requests: number;
  badSignatures: number;
}

async function throughput(jobs: number, hosts: number, image: Buffer): Promise<ThroughputRow> {
  const run = await scenario(hosts);
  try {
    const main = await run.serve('api,worker,janitor');
    const urls = Array.from(
      { length: jobs },
      (_, index) => `${run.receivers[index % hosts]!.url}/hook/${index}`,
    );
    await submitCallbackJobs(main.url, run.key, image, urls, 2);
    await waitUntil(
      async () => (await countDeliveries(run.db, 'pending', jobs)) === jobs,
      'the backlog of pending deliveries',
      600_000,
      250,
    );
    log(`  backlog of ${jobs} pending deliveries; starting the webhooks role`);
    const webhooks = await run.serve('webhooks');
    const pid = webhooks.child.pid;
    const measureCpu = canMeasureCpu() && pid !== undefined;
    const cpuAtStart = measureCpu ? processCpuMs(pid) : 0;
    await waitUntil(() => arrivals(run.receivers).first.size >= jobs, 'every delivery arrived', 600_000, 10);
    const seen = arrivals(run.receivers);
    const times = [...seen.first.values()];
    const last = Math.max(...times);
    await waitUntil(
      async () => (await countDeliveries(run.db, 'delivered', jobs)) === jobs,
      'every delivery recorded delivered',
      60_000,
      100,
    );
    const cpuMsPerDelivery = measureCpu ? (processCpuMs(pid) - cpuAtStart) / jobs : undefined;
    const seconds = (last - webhooks.startedAt) / 1000;
    return {
      hosts,
      jobs,
      seconds,
      perSecond: jobs / seconds,
      firstMs: Math.min(...times) - webhooks.startedAt,
      cpuMsPerDelivery,
      requests: seen.requests,
      badSignatures: seen.badSignatures,
    };
  } finally {
    await run.close();
  }
}

interface LatencyRow {
  layout: string;
  jobs: number;
  toAttempt: number[];
  toArrival: number[];
  requests: number;
  badSignatures: number;
}

async function latency(jobs: number, layout: 'one' | 'split', image: Buffer): Promise<LatencyRow> {
  const run = await scenario(1);
  try {
    const api = await run.serve(layout === 'one' ? 'api,worker,webhooks,janitor' : 'api,worker,janitor');
    if (layout === 'split') await run.serve('webhooks');
    const receiver = run.receivers[0]!;
    const urls = Array.from({ length: jobs }, (_, index) => `${receiver.url}/hook/${index}`);
    const ids = await submitCallbackJobs(api.url, run.key, image, urls, 2);
    await waitUntil(
      async () => (await countDeliveries(run.db, 'delivered', jobs)) === jobs,
      'every delivery delivered',
      600_000,
      250,
    );
    const toAttempt: number[] = [];
    const toArrival: number[] = [];
    for (const id of ids) {
      const [job, delivery] = await Promise.all([run.db.jobs.get(id), run.db.deliveries.forJob(id)]);
      const finishedAt = job?.finishedAt?.getTime();
      const firstAttempt = delivery?.history[0]?.startedAt.getTime();
      const arrived = delivery ? receiver.firstArrival.get(delivery.id) : undefined;
      if (finishedAt === undefined || firstAttempt === undefined || arrived === undefined) {
        throw new Error(`job ${id}: finishedAt, first attempt or arrival missing`);
      }
      toAttempt.push(firstAttempt - finishedAt);
      toArrival.push(arrived - finishedAt);
    }
    return {
      layout: layout === 'one' ? 'all roles in one process' : 'webhooks role in its own process',
      jobs,
      toAttempt: toAttempt.sort((a, b) => a - b),
      toArrival: toArrival.sort((a, b) => a - b),
      requests: receiver.requests,
      badSignatures: receiver.badSignatures,
    };
  } finally {
    await run.close();
  }
}

async function main(): Promise<void> {
  const jobs = wholeNumberOption('jobs', 200);
  const hosts = wholeNumberOption('hosts', 8);
  const startedAt = new Date();
  const loadBefore = loadavg()[0]!.toFixed(2);
  const image = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#3366cc' } })
    .png()
    .toBuffer();

  const spreads = hosts === 1 ? [1] : [1, hosts];
  const throughputRows: ThroughputRow[] = [];
  for (const spread of spreads) {
    log(`throughput: ${jobs} deliveries to ${spread} receiver host(s)...`);
    throughputRows.push(await throughput(jobs, spread, image));
  }
  const latencyRows: LatencyRow[] = [];
  for (const layout of ['one', 'split'] as const) {
    log(`latency: ${jobs} callback jobs, ${layout === 'one' ? 'one process' : 'split roles'}...`);
    latencyRows.push(await latency(jobs, layout, image));
  }

  const ms = (values: readonly number[], q: number) => quantile(values, q).toFixed(0);
  const lines = [
    '# Squish webhook delivery benchmark',
    '',
    `- ${startedAt.toISOString()}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), load average ${loadBefore} before, ${loadavg()[0]!.toFixed(2)} after (the cores are shared with other work)`,
    '- `squish serve` from the build, SQLite and the embedded queue in a fresh data folder, default webhook settings',
    '  (SQUISH_WEBHOOK_CONCURRENCY 32 per process, SQUISH_WEBHOOK_HOST_CONCURRENCY 4 per receiver host);',
    '  receivers on 127.0.0.1 answer 204 at once and verify every signature',
    '',
    '## Throughput: a backlog of pending deliveries, one webhooks process',
    '',
    '| receiver hosts | deliveries | seconds | deliveries/s | CPU ms/delivery (webhooks process) | start line to first arrival, ms | requests | bad signatures |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...throughputRows.map(
      (row) =>
        `| ${row.hosts} | ${row.jobs} | ${row.seconds.toFixed(2)} | ${row.perSecond.toFixed(1)} | ${row.cpuMsPerDelivery?.toFixed(2) ?? '–'} | ${row.firstMs.toFixed(0)} | ${row.requests} | ${row.badSignatures} |`,
    ),
    '',
    '## Latency: job completion (finishedAt) to the delivery',
    '',
    '| layout | deliveries | to first attempt p50 / p95 / max, ms | to arrival at the receiver p50 / p95 / max, ms | requests | bad signatures |',
    '|---|---:|---:|---:|---:|---:|',
    ...latencyRows.map(
      (row) =>
        `| ${row.layout} | ${row.jobs} | ${ms(row.toAttempt, 0.5)} / ${ms(row.toAttempt, 0.95)} / ${ms(row.toAttempt, 1)} | ${ms(row.toArrival, 0.5)} / ${ms(row.toArrival, 0.95)} / ${ms(row.toArrival, 1)} | ${row.requests} | ${row.badSignatures} |`,
    ),
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

await main();
