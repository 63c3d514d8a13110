/**
 * The cluster test (`npm run test:cluster`): brings up, on this machine, Redis with a replica and
 * three Sentinels, PostgreSQL and Ceph radosgw (through scripts/services on their own port
 * offset), nginx from deploy/nginx in front of two API nodes, two workers, one webhooks process
 * and one janitor (each `squish serve --roles ...` from the build), a local image server and a
 * callback receiver. It then sends a steady stream of real optimization requests through nginx
 * while it kills, in turn, an API node, a worker in the middle of a job, the Redis master and
 * the webhooks process, and prints (and writes to docs/cluster-report.md) what the clients saw.
 * It exits 1 when the target is missed: an accepted request lost, a callback not
 * delivered, or a failure that was not in flight on the killed API node.
 *
 * Settings (environment):
 *   SQUISH_CLUSTER_PORT_OFFSET  port offset of everything it starts (default 800: beside the
 *                               offset-0 services of scripts/with-services.sh)
 *   SQUISH_CLUSTER_PHASE_SECONDS length of each phase (default 15)
 *   SQUISH_CLUSTER_REPORT       where the markdown report goes (default docs/cluster-report.md)
 *   SQUISH_CLUSTER_EMBEDDED     development only: comma list of queue, db, store to run on the
 *                               embedded backends (one shared data folder) instead of Redis,
 *                               PostgreSQL or S3; the report says so
 *   SQUISH_CLUSTER_KEEP=1       keep the scratch folder (logs) even when the run passes
 *   SQUISH_CLUSTER_KEEPALIVED=0 skip the keepalived pair test that runs after the cluster
 *   SQUISH_CLUSTER_BIN          development only: another build's bin/squish.js (dist/ is shared)
 *   SQUISH_CLUSTER_SERVICE_SCRIPTS development only: another folder of service scripts
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { startFileServer } from '../e2e/local-servers.js';
import { startCallbackReceiver } from './callback-receiver.js';
import {
  type ApiKill,
  type ClusterEvent,
  type ClusterInput,
  type DownloadCheck,
  judgeCluster,
  renderClusterReport,
} from './cluster-report.js';
import { nginxPid, readAccessLog, startNginx, stopNginx } from './nginx-harness.js';
import { currentMaster, redisPid } from './redis-topology.js';
import { type ClusterService, hasServiceScript, startService, stopService } from './service-scripts.js';
import { cpuTicks, SQUISH_BIN, SquishNode } from './squish-node.js';
import { type RequestRecord, sleep, Traffic } from './traffic.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const IMAGE_DIR = path.join(ROOT, 'test/fixtures/e2e');
/** Small corpus images (see test/fixtures/e2e/SOURCES.md), so that each job is quick. */
const IMAGES = ['pil-hopper.jpg', 'pngsuite-tbbn3p08.png', 'pil-flower.jpg'];

const processStartedAt = Date.now();
const offset = Number(process.env.SQUISH_CLUSTER_PORT_OFFSET ?? 800);
const phaseMs = Number(process.env.SQUISH_CLUSTER_PHASE_SECONDS ?? 15) * 1000;
const reportPath = process.env.SQUISH_CLUSTER_REPORT ?? path.join(ROOT, 'docs/cluster-report.md');
const embedded = new Set((process.env.SQUISH_CLUSTER_EMBEDDED ?? '').split(',').filter(Boolean));
const NGINX_PORT = 7090 + offset;
const API_PORTS = [7091 + offset, 7092 + offset] as const;

const runDir = mkdtempSync(path.join(os.tmpdir(), 'squish-cluster-'));
// PostgreSQL runs as the postgres user, which must reach its folder inside.
chmodSync(runDir, 0o755);
const log = (line: string) => process.stderr.write(`cluster: ${line}\n`);

const events: ClusterEvent[] = [];
const phases: { name: string; startedAt: number; endedAt: number }[] = [];
let currentPhase = 'start-up';
function event(what: string): void {
  events.push({ at: Date.now(), phase: currentPhase, what });
  log(`[${currentPhase}] ${what}`);
}

const started: {
  services: { name: ClusterService; dir: string }[];
  nodes: SquishNode[];
  nginx: boolean;
  closers: (() => Promise<void>)[];
} = {
  services: [],
  nodes: [],
  nginx: false,
  closers: [],
};

let cleanedUp: Promise<void> | undefined;
/** Stops everything this run started (once, whoever asks first). */
function cleanUp(): Promise<void> {
  cleanedUp ??= stopEverything();
  return cleanedUp;
}

async function stopEverything(): Promise<void> {
  await Promise.all(started.nodes.map((node) => node.stop('SIGTERM').catch(() => undefined)));
  if (started.nginx) stopNginx(path.join(runDir, 'nginx'));
  for (const close of started.closers) await close().catch(() => undefined);
  await Promise.all(started.services.map(({ name, dir }) => stopService(name, dir, offset)));
}

/**
 * Starts a service, and once more in a fresh folder when the first start fails: a start can fail
 * on a busy machine for reasons that have nothing to do with Squish (a Ceph OSD refused with
 * "wrong fsid" was seen), and the run is about what Squish does once its services are up. The
 * retry is logged as an event, so the report shows it.
 */
async function startServiceWithRetry(name: ClusterService): Promise<Record<string, string>> {
  const dir = path.join(runDir, name);
  // Listed before it answers: a start that fails half-way is stopped too.
  started.services.push({ name, dir });
  try {
    return await startService(name, dir, offset);
  } catch (error) {
    const lastLine = (error as Error).message.trim().split('\n').at(-1);
    event(`${name} did not start (${lastLine}); stopping it and starting it again in a fresh folder`);
    await stopService(name, dir, offset);
    const again = `${dir}-again`;
    started.services.push({ name, dir: again });
    return startService(name, again, offset);
  }
}

/** The backends: the real services (default), or embedded ones asked for in development. */
async function startBackends(): Promise<{
  env: Record<string, string>;
  description: string[];
  sentinels?: string[];
  master?: string;
}> {
  const wanted: [ClusterService, string][] = [
    ['redis', 'queue'],
    ['postgres', 'db'],
    ['ceph', 'store'],
  ];
  const toStart = wanted.filter(([, part]) => !embedded.has(part)).map(([name]) => name);
  for (const name of toStart) {
    if (!hasServiceScript(name))
      throw new Error(
        `scripts/services/${name}.sh is missing (SQUISH_CLUSTER_EMBEDDED can stand in while developing)`,
      );
  }
  const t0 = Date.now();
  // Settled, not raced: when one fails, the others have finished starting before they are stopped.
  const outcomes = await Promise.allSettled(toStart.map((name) => startServiceWithRetry(name)));
  const failure = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failure) throw failure.reason;
  const values = outcomes.map((outcome) => (outcome as PromiseFulfilledResult<Record<string, string>>).value);
  const vars: Record<string, string> = Object.assign({}, ...values);
  event(`services up (${toStart.join(', ') || 'none'}) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const env: Record<string, string> = {};
  const description: string[] = [];
  let sentinels: string[] | undefined;
  let master: string | undefined;
  if (embedded.has('queue'))
    description.push('queue: embedded (SQLite file in the shared data folder; development run)');
  else {
    env.SQUISH_REDIS_SENTINELS = vars.SQUISH_TEST_REDIS_SENTINELS!;
    env.SQUISH_REDIS_MASTER = vars.SQUISH_TEST_REDIS_MASTER!;
    sentinels = env.SQUISH_REDIS_SENTINELS.split(',');
    master = env.SQUISH_REDIS_MASTER;
    description.push(
      `queue: BullMQ on Redis through 3 Sentinels (${env.SQUISH_REDIS_SENTINELS}, master ${master})`,
    );
  }
  if (embedded.has('db'))
    description.push('database: embedded SQLite in the shared data folder (development run)');
  else {
    env.SQUISH_DATABASE_URL = vars.SQUISH_TEST_POSTGRES_URL!;
    description.push(`database: PostgreSQL (${env.SQUISH_DATABASE_URL})`);
  }
  if (embedded.has('store'))
    description.push('storage: a local folder shared by the processes (development run)');
  else {
    env.SQUISH_STORAGE = vars.SQUISH_TEST_S3_URL!;
    env.AWS_ACCESS_KEY_ID = vars.SQUISH_TEST_S3_ACCESS_KEY!;
    env.AWS_SECRET_ACCESS_KEY = vars.SQUISH_TEST_S3_SECRET_KEY!;
    description.push(`storage: S3 on Ceph radosgw (${env.SQUISH_STORAGE})`);
  }
  return { env, description, sentinels, master };
}

/** Waits until one of the worker's engine processes is using CPU (a job is running), up to a limit. */
async function waitUntilBusy(node: SquishNode, limitMs: number): Promise<boolean> {
  const deadline = Date.now() + limitMs;
  while (Date.now() < deadline) {
    const children = node.childPids();
    const before = children.map(cpuTicks);
    await sleep(60);
    if (children.some((pid, i) => (cpuTicks(pid) ?? 0) > (before[i] ?? Number.POSITIVE_INFINITY)))
      return true;
  }
  return false;
}

async function killAndRestart(node: SquishNode, downMs: number, onExit?: () => void): Promise<void> {
  const pid = node.pid;
  const signalledAt = Date.now();
  await node.stop('SIGKILL');
  onExit?.();
  event(`SIGKILL ${node.name} (pid ${pid}; exit seen after ${Date.now() - signalledAt} ms)`);
  await sleep(downMs);
  const t0 = Date.now();
  await node.start();
  event(`${node.name} restarted (pid ${node.pid}, ready in ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

async function phase(name: string, action?: () => Promise<void>): Promise<void> {
  currentPhase = name;
  const record = { name, startedAt: Date.now(), endedAt: 0 };
  phases.push(record);
  // The failure comes a few seconds into the phase, with traffic flowing.
  const acting = action ? sleep(3000).then(action) : Promise.resolve();
  await Promise.all([sleep(phaseMs), acting]);
  record.endedAt = Date.now();
}

/** Downloads a result through nginx and checks it decodes to the reported size. */
async function checkDownload(body: Record<string, unknown>): Promise<DownloadCheck> {
  const url = body.kraked_url as string;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
    if (response.status !== 200) return { url, ok: false, reason: `HTTP ${response.status}` };
    const bytes = Buffer.from(await response.arrayBuffer());
    if (bytes.length !== body.kraked_size)
      return { url, ok: false, reason: `${bytes.length} bytes, reported ${body.kraked_size}` };
    const meta = await sharp(bytes).metadata();
    if (meta.width !== body.kraked_width || meta.height !== body.kraked_height) {
      return {
        url,
        ok: false,
        reason: `decoded ${meta.width}x${meta.height}, reported ${body.kraked_width}x${body.kraked_height}`,
      };
    }
    return { url, ok: true };
  } catch (error) {
    return { url, ok: false, reason: (error as Error).message };
  }
}

async function main(): Promise<number> {
  if (process.getuid?.() !== 0) {
    // PostgreSQL runs as its own user, and the keepalived pair needs network namespaces.
    log('the cluster test needs root; skipped (run it as root: sudo npm run test:cluster)');
    return process.env.SQUISH_TEST_REQUIRE_SERVICES === '1' ? 1 : 0;
  }
  log(`scratch folder ${runDir}; port offset ${offset}`);
  const backends = await startBackends();
  const nginxUrl = `http://127.0.0.1:${NGINX_PORT}`;
  const dataDir = path.join(runDir, 'data');
  mkdirSync(path.join(runDir, 'logs'), { recursive: true });
  const env: Record<string, string> = {
    ...backends.env,
    SQUISH_DATA_DIR: dataDir,
    SQUISH_HOST: '127.0.0.1',
    SQUISH_PUBLIC_URL: nginxUrl,
    SQUISH_ALLOW_PRIVATE_NETWORKS: '1',
    SQUISH_WORKER_CONCURRENCY: '1',
    SQUISH_SHUTDOWN_TIMEOUT: '5',
    SQUISH_WEBHOOK_FIRST_RETRY: '1',
    SQUISH_WEBHOOK_RETRY_SPAN: '120',
    SQUISH_LOG_LEVEL: 'warn',
  };
  const node = (name: string, roles: string, port = 0) =>
    new SquishNode({ name, roles, port, env, logFile: path.join(runDir, 'logs', `${name}.log`) });
  const apiNodes = [node('api-1', 'api', API_PORTS[0]), node('api-2', 'api', API_PORTS[1])];
  const workers = [node('worker-1', 'worker'), node('worker-2', 'worker')];
  const webhooks = node('webhooks', 'webhooks');
  const janitor = node('janitor', 'janitor');
  const all = [...apiNodes, ...workers, webhooks, janitor];
  started.nodes.push(...all);
  // All at once: the migrations must run once, safely, when several nodes start together.
  const t0 = Date.now();
  await Promise.all(all.map((n) => n.start()));
  event(`${all.length} squish processes up in ${((Date.now() - t0) / 1000).toFixed(1)} s (${SQUISH_BIN})`);

  const nginxDir = path.join(runDir, 'nginx');
  await startNginx({
    dir: nginxDir,
    listen: `127.0.0.1:${NGINX_PORT}`,
    apiNodes: [`127.0.0.1:${API_PORTS[0]}`, `127.0.0.1:${API_PORTS[1]}`],
  });
  started.nginx = true;
  event(`nginx (deploy/nginx/squish.conf) on ${nginxUrl}, pid ${nginxPid(nginxDir)}`);

  const { stdout } = await run(
    process.execPath,
    [SQUISH_BIN, 'keys', 'create', '--json', '--name', 'cluster'],
    {
      env: { ...process.env, ...env },
    },
  );
  const key = JSON.parse(stdout) as { api_key: string; api_secret: string };
  const images = await startFileServer(IMAGE_DIR);
  started.closers.push(images.close);
  const receiver = await startCallbackReceiver(150);
  started.closers.push(receiver.close);

  const traffic = new Traffic({
    baseUrl: nginxUrl,
    key,
    imageDir: IMAGE_DIR,
    images: IMAGES,
    imageServerUrl: images.url,
    callbackUrl: receiver.url,
    lanesPerKind: 1,
    pauseMs: 150,
    requestTimeoutMs: 120_000,
    phase: () => currentPhase,
    callbackArrived: receiver.arrived,
  });
  const apiKills: ApiKill[] = [];
  /** Deliveries the webhooks kill cut off: the deliverer never saw them answered, so it must send them again. */
  const cutDeliveries: string[] = [];
  const notes: string[] = [];
  const startedAt = processStartedAt;
  traffic.start();

  await phase('steady (the first requests warm up the engines)');
  await phase('API node killed', async () => {
    const kill = { at: Date.now(), exitedAt: Number.POSITIVE_INFINITY, address: `127.0.0.1:${API_PORTS[0]}` };
    apiKills.push(kill);
    await killAndRestart(apiNodes[0]!, 2000, () => {
      kill.exitedAt = Date.now();
    });
  });
  await phase('worker killed mid-job', async () => {
    const busy = await waitUntilBusy(workers[0]!, 5000);
    if (!busy) notes.push('worker-1 was not seen busy within 5 s; it was killed anyway');
    else event('worker-1 engine process is busy (CPU rising): killing mid-job');
    await killAndRestart(workers[0]!, 2000);
  });
  if (backends.sentinels && backends.master) {
    const { sentinels, master } = backends;
    await phase('Redis master killed', async () => {
      const address = await currentMaster(sentinels, master);
      const pid = await redisPid(address);
      process.kill(pid, 'SIGKILL');
      const killedAt = Date.now();
      event(`SIGKILL Redis master ${address} (pid ${pid})`);
      for (;;) {
        const now = await currentMaster(sentinels, master).catch(() => address);
        if (now !== address) {
          event(`Sentinels promoted ${now} after ${((Date.now() - killedAt) / 1000).toFixed(1)} s`);
          break;
        }
        if (Date.now() - killedAt > 30_000) {
          event('no failover within 30 s');
          break;
        }
        await sleep(100);
      }
    });
  } else {
    notes.push('Redis master kill skipped: the queue ran embedded (development run)');
  }
  await phase('webhooks killed', async () => {
    // Killed while the receiver holds a delivery unanswered, so that one is cut off mid-way.
    const deadline = Date.now() + 5000;
    while (receiver.inFlight() === 0 && Date.now() < deadline) await sleep(10);
    cutDeliveries.push(...receiver.inFlightDeliveryIds());
    if (receiver.inFlight() > 0) {
      event(
        `${receiver.inFlight()} delivery(ies) in flight at the receiver (${cutDeliveries.join(', ')}): killing`,
      );
    } else {
      notes.push(
        'no delivery was in flight at the receiver within 5 s; the webhooks process was killed anyway',
      );
    }
    await killAndRestart(webhooks, 2000);
  });

  currentPhase = 'drain';
  await traffic.stop();
  event('traffic stopped; every request sent has been answered or has failed');
  const expected = traffic.records
    .filter((r) => r.kind.endsWith('-callback') && r.status === 200 && typeof r.body?.id === 'string')
    .map((r) => r.body!.id as string);
  const deadline = Date.now() + 120_000;
  const delivered = () => new Set(receiver.received.map((c) => String(c.body.id)));
  while (expected.some((id) => !delivered().has(id)) && Date.now() < deadline) await sleep(250);
  event(`${expected.filter((id) => delivered().has(id)).length}/${expected.length} callbacks in`);
  // At least once: a delivery cut off by the kill is sent again once its lease runs out.
  const timesReceived = (id: string) => receiver.received.filter((c) => c.deliveryId === id).length;
  const cutAt = Date.now();
  while (cutDeliveries.some((id) => timesReceived(id) < 2) && Date.now() - cutAt < 90_000) await sleep(250);
  for (const id of cutDeliveries) {
    const copies = receiver.received.filter((c) => c.deliveryId === id);
    event(
      copies.length >= 2
        ? `delivery ${id}, cut off by the kill, was sent again (attempt ${copies.at(-1)!.attempt}) ${((copies.at(-1)!.at - copies[0]!.at) / 1000).toFixed(1)} s after the first copy`
        : `delivery ${id}, cut off by the kill, was not sent again within 90 s`,
    );
  }
  // A last look for late duplicates.
  await sleep(2000);

  const results: Record<string, unknown>[] = [
    ...traffic.records
      .filter((r: RequestRecord) => r.status === 200 && r.body?.success === true && r.body.kraked_url)
      .map((r) => r.body!),
    ...receiver.received.filter((c) => c.body.success === true && c.body.kraked_url).map((c) => c.body),
  ];
  const downloads = new Map<string, DownloadCheck>();
  const queue = [...new Map(results.map((body) => [body.kraked_url as string, body])).values()];
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let body = queue.shift(); body; body = queue.shift())
        downloads.set(body.kraked_url as string, await checkDownload(body));
    }),
  );
  const endedAt = Date.now();

  const input: ClusterInput = {
    startedAt,
    endedAt,
    phases,
    records: traffic.records,
    callbacks: receiver.received,
    accessLog: readAccessLog(nginxDir),
    apiKills,
    events,
    downloads,
    backends: backends.description.join('; '),
    notes,
  };
  const verdict = judgeCluster(input);
  // The raw observations, for reading a failed run afterwards (kept with the logs).
  writeFileSync(
    path.join(runDir, 'observations.json'),
    JSON.stringify({ ...input, downloads: [...downloads.values()] }, null, 1),
  );
  // The keepalived pair runs once the cluster is down (it starts its own nodes in namespaces).
  await cleanUp();
  const keepalived = process.env.SQUISH_CLUSTER_KEEPALIVED === '0' ? undefined : await runKeepalivedTest();
  // The commit of the Squish that ran: the checkout holding the bin (another one with SQUISH_CLUSTER_BIN).
  const headOf = async (dir: string) =>
    (
      await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: dir }).catch(() => ({ stdout: '?' }))
    ).stdout.trim();
  const squishCommit = await headOf(path.dirname(path.dirname(SQUISH_BIN)));
  const testCommit = await headOf(ROOT);
  const commit = squishCommit === testCommit ? squishCommit : `${squishCommit} (test code at ${testCommit})`;
  // What produced this report, as typed (npm sets npm_lifecycle_event for its scripts).
  const command =
    process.env.npm_lifecycle_event === 'test:cluster'
      ? '`npm run test:cluster`'
      : process.env.SQUISH_CLUSTER_BIN
        ? `\`SQUISH_CLUSTER_BIN=${process.env.SQUISH_CLUSTER_BIN} node --import tsx test/cluster/run-cluster-test.ts\` (Squish built in a clone, since dist/ here is shared; port offset ${offset})`
        : `\`node --import tsx test/cluster/run-cluster-test.ts\` (after \`npm run build\`; port offset ${offset})`;
  const header = [
    '# Cluster test report',
    '',
    `${command} at commit ${commit}, ${new Date(startedAt).toISOString().replace(/\.\d+Z$/, 'Z')}, on ${os.cpus().length} cores` +
      ` (load average ${os.loadavg()[0]!.toFixed(1)} at the end); whole run ${((Date.now() - processStartedAt) / 1000).toFixed(0)} s` +
      ` (services, processes, ${phases.length} phases of ${phaseMs / 1000} s, drain, checks and the keepalived test; the build before it not included).`,
    '',
    `nginx (deploy/nginx/squish.conf) in front of 2 API nodes; 2 workers (concurrency 1), 1 webhooks process, 1 janitor, each \`squish serve --roles <role>\` from dist/; one lane per request kind (upload/URL x wait/callback) sending back to back with ${150} ms pauses; images ${IMAGES.join(', ')}, every third request lossy.`,
  ];
  let report = renderClusterReport(input, verdict, header);
  if (keepalived) {
    report += [
      '',
      '## keepalived pair (test/cluster/keepalived.test.ts)',
      '',
      `**Result: ${keepalived.passed ? 'PASS' : 'FAIL'}** (${keepalived.seconds.toFixed(0)} s)`,
      '',
      '```',
      keepalived.text.trim(),
      '```',
      '',
    ].join('\n');
  }
  process.stdout.write(report);
  writeFileSync(reportPath, report);
  log(`report written to ${reportPath}`);
  return verdict.passed && (keepalived?.passed ?? true) ? 0 : 1;
}

/**
 * Runs the keepalived test (its own node:test file) and returns what it reported: the lines it
 * writes for this report, or the end of its output when it failed before writing them.
 */
async function runKeepalivedTest(): Promise<{ passed: boolean; text: string; seconds: number }> {
  const file = path.join(runDir, 'keepalived.txt');
  const t0 = Date.now();
  log('running the keepalived pair test');
  const result = await run(
    process.execPath,
    ['--import', 'tsx', '--test', path.join(ROOT, 'test/cluster/keepalived.test.ts')],
    {
      cwd: ROOT,
      env: { ...process.env, SQUISH_KEEPALIVED_REPORT: file },
      maxBuffer: 16 * 1024 * 1024,
    },
  ).then(
    ({ stdout }) => ({ passed: !/^# skipped [1-9]/m.test(stdout), output: stdout }),
    (error: { stdout?: string }) => ({ passed: false, output: error.stdout ?? String(error) }),
  );
  const seconds = (Date.now() - t0) / 1000;
  const text = existsSync(file) ? readFileSync(file, 'utf8') : result.output.slice(-3000);
  return {
    passed: result.passed,
    text: result.passed ? text : `${text}\n${result.output.slice(-3000)}`,
    seconds,
  };
}

let exitCode = 1;
// Ctrl-C or a CI timeout: stop what was started before leaving.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}: stopping everything`);
    cleanUp().finally(() => process.exit(1));
  });
}
try {
  exitCode = await main();
} catch (error) {
  log(`the run failed: ${(error as Error).stack ?? String(error)}`);
  exitCode = 1;
} finally {
  await cleanUp();
  if (exitCode === 0 && process.env.SQUISH_CLUSTER_KEEP !== '1')
    rmSync(runDir, { recursive: true, force: true });
  else log(`logs kept in ${runDir}`);
}
process.exit(exitCode);
