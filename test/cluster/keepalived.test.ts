/**
 * The keepalived pair of deploy/keepalived, for real, in network namespaces made here: two load
 * balancers (nginx from deploy/nginx and keepalived, master and backup) in front of two Squish
 * API nodes, and a client that sends requests to the floating address the whole time. The active
 * balancer's nginx and keepalived are SIGKILLed together; the address must move to the backup
 * and requests through it must keep succeeding. Needs root (namespaces), nginx and keepalived;
 * skipped otherwise. Everything is removed afterwards, on failure too.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DEPLOY_DIR, renderDeployFile } from './deploy-files.js';
import { holdsAddress, makeLayout, type NetnsLayout } from './netns.js';
import { nginxPid, startNginx } from './nginx-harness.js';
import { childPidsOf, SQUISH_BIN, SquishNode } from './squish-node.js';

const run = promisify(execFile);
const TSX = import.meta.resolve('tsx');
const CLIENT = fileURLToPath(new URL('./vip-client.ts', import.meta.url));
const IMAGE = fileURLToPath(new URL('../fixtures/e2e/pngsuite-tbbn3p08.png', import.meta.url));
/** Subnet of the namespaces' bridge (10.<n>.0.0/24); private to the namespaces, never on the host. */
const SUBNET = 213;
const CLIENT_SECONDS = 22;
const KILL_AFTER_MS = 7000;

function missing(): string | false {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces)';
  for (const tool of ['/usr/sbin/nginx', '/usr/sbin/keepalived', '/usr/bin/curl']) {
    if (!existsSync(tool)) return `needs ${tool}`;
  }
  return false;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(check: () => Promise<boolean>, limitMs: number): Promise<number | undefined> {
  const started = Date.now();
  while (Date.now() - started < limitMs) {
    if (await check()) return Date.now();
    await sleep(100);
  }
  return undefined;
}

function pidFrom(file: string): number | undefined {
  try {
    return Number(readFileSync(file, 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
}

function kill(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

/** Failures grouped by what went wrong, with when they were sent relative to the kill. */
function summarizeFailures(failures: readonly ClientLine[], killedAt: number): string[] {
  const groups = new Map<string, ClientLine[]>();
  for (const line of failures) groups.set(line.detail, [...(groups.get(line.detail) ?? []), line]);
  const since = (t: number) => ((t - killedAt) / 1000).toFixed(1);
  return [...groups].map(
    ([detail, lines]) =>
      `  ${lines.length} x ${detail}, sent from ${since(lines[0]!.sentAt)} s to ${since(lines.at(-1)!.sentAt)} s after the kill`,
  );
}

interface ClientLine {
  sentAt: number;
  answeredAt: number;
  kind: string;
  ok: boolean;
  detail: string;
}

test('keepalived moves the floating address to the backup when the active balancer dies, and requests keep succeeding', {
  skip: missing(),
  timeout: 180_000,
}, async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'squish-keepalived-'));
  const processes: ChildProcess[] = [];
  const nodes: SquishNode[] = [];
  const balancers = ['lb1', 'lb2'] as const;
  let layout: NetnsLayout | undefined;
  t.after(async () => {
    for (const child of processes) if (child.exitCode === null) child.kill('SIGKILL');
    for (const lb of balancers) {
      const master = nginxPid(path.join(dir, lb, 'nginx'));
      for (const pid of master ? [master, ...childPidsOf(master)] : []) kill(pid, 'SIGKILL');
      kill(pidFrom(path.join(dir, lb, 'keepalived.pid')), 'SIGKILL');
      kill(pidFrom(path.join(dir, lb, 'vrrp.pid')), 'SIGKILL');
    }
    await Promise.all(nodes.map((node) => node.stop('SIGKILL')));
    await sleep(200);
    await layout?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  layout = await makeLayout(`sqka${process.pid}`, SUBNET, { lb1: 1, lb2: 2, client: 10, api: 20 });
  const { names, addresses } = layout;
  const vip = `10.${SUBNET}.0.100`;

  // Two API nodes on a shared data folder (the embedded backends: this test is about the
  // balancers), reachable from both balancers over the bridge.
  const dataDir = path.join(dir, 'data');
  const env = {
    SQUISH_HOST: addresses.api!,
    SQUISH_DATA_DIR: dataDir,
    SQUISH_PUBLIC_URL: `http://${vip}`,
    SQUISH_WORKER_CONCURRENCY: '1',
    SQUISH_LOG_LEVEL: 'warn',
  };
  nodes.push(
    new SquishNode({
      name: 'node-a',
      roles: 'api,worker,janitor',
      port: 8081,
      env,
      logFile: path.join(dir, 'node-a.log'),
      netns: names.api,
    }),
    new SquishNode({
      name: 'node-b',
      roles: 'api',
      port: 8082,
      env,
      logFile: path.join(dir, 'node-b.log'),
      netns: names.api,
    }),
  );
  await nodes[0]!.start();
  await nodes[1]!.start();
  const { stdout } = await run(process.execPath, [SQUISH_BIN, 'keys', 'create', '--json', '--data', dataDir]);
  const key = JSON.parse(stdout) as { api_key: string; api_secret: string };

  for (const [index, lb] of balancers.entries()) {
    const lbDir = path.join(dir, lb);
    await startNginx(
      {
        dir: path.join(lbDir, 'nginx'),
        listen: '80',
        apiNodes: [`${addresses.api}:8081`, `${addresses.api}:8082`],
      },
      names[lb],
    );
    const conf = path.join(lbDir, 'keepalived.conf');
    writeFileSync(
      conf,
      renderDeployFile(`keepalived/keepalived-${index === 0 ? 'master' : 'backup'}.conf`, {
        INTERFACE: 'eth0',
        VIRTUAL_IP: `${vip}/24`,
        AUTH_PASS: 'squish',
        CHECK_SCRIPT: path.join(DEPLOY_DIR, 'keepalived', 'check-nginx.sh'),
        HEALTH_URL: 'http://127.0.0.1:80/healthz',
      }),
    );
    const log = openSync(path.join(lbDir, 'keepalived.log'), 'a');
    processes.push(
      spawn(
        'ip',
        [
          'netns',
          'exec',
          names[lb]!,
          'keepalived',
          '--dont-fork',
          '--log-console',
          '--log-detail',
          '--vrrp',
          '--use-file',
          conf,
          '--pid',
          path.join(lbDir, 'keepalived.pid'),
          '--vrrp_pid',
          path.join(lbDir, 'vrrp.pid'),
        ],
        { stdio: ['ignore', log, log] },
      ),
    );
    closeSync(log);
  }
  const upAt = await waitFor(() => holdsAddress(names.lb1!, vip), 20_000);
  assert.ok(upAt, 'the master took the floating address');
  assert.equal(await holdsAddress(names.lb2!, vip), false, 'the backup does not hold it too');

  const client = spawn(
    'ip',
    [
      'netns',
      'exec',
      names.client!,
      process.execPath,
      '--import',
      TSX,
      CLIENT,
      `http://${vip}`,
      String(CLIENT_SECONDS),
      JSON.stringify(key),
      IMAGE,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  processes.push(client);
  let clientOut = '';
  let clientErr = '';
  client.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    clientOut += chunk;
  });
  client.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    clientErr += chunk;
  });
  const clientExited = once(client, 'exit');

  await sleep(KILL_AFTER_MS);
  // The active balancer dies: nginx (master and workers) and keepalived (parent and VRRP
  // child), all SIGKILLed at the same moment, as when its machine fails.
  const lb1Dir = path.join(dir, 'lb1');
  const nginxMaster = nginxPid(path.join(lb1Dir, 'nginx'));
  const victims = [
    ...(nginxMaster ? [nginxMaster, ...childPidsOf(nginxMaster)] : []),
    pidFrom(path.join(lb1Dir, 'keepalived.pid')),
    pidFrom(path.join(lb1Dir, 'vrrp.pid')),
  ];
  assert.equal(
    victims.filter((pid) => pid !== undefined).length >= 4,
    true,
    'found nginx and keepalived pids',
  );
  const killedAt = Date.now();
  for (const pid of victims) kill(pid, 'SIGKILL');
  const movedAt = await waitFor(() => holdsAddress(names.lb2!, vip), 20_000);
  assert.ok(movedAt, 'the backup took the floating address');
  await clientExited;

  const lines = clientOut
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as ClientLine);
  const failures = lines.filter((line) => !line.ok);
  const okTimes = lines.filter((line) => line.ok).map((line) => line.answeredAt);
  let gap = 0;
  for (let i = 1; i < okTimes.length; i++) gap = Math.max(gap, okTimes[i]! - okTimes[i - 1]!);
  const before = lines.filter((line) => line.answeredAt < killedAt);
  const after = lines.filter((line) => line.sentAt > movedAt);
  const report = [
    `keepalived pair: floating address ${vip} up on lb1 ${((upAt - killedAt) / -1000).toFixed(1)} s before the kill`,
    `lb1 nginx + keepalived SIGKILLed; lb2 holds the address ${((movedAt - killedAt) / 1000).toFixed(1)} s later`,
    `lb1 still lists the address after its keepalived died: ${await holdsAddress(names.lb1!, vip)}`,
    `client requests: ${lines.length} (readyz and wait uploads alternating), ok ${lines.length - failures.length}, failed ${failures.length}` +
      `; before the kill ${before.filter((l) => l.ok).length}/${before.length} ok; sent after the move ${after.filter((l) => l.ok).length}/${after.length} ok`,
    `longest gap between successful requests: ${(gap / 1000).toFixed(1)} s`,
    ...summarizeFailures(failures, killedAt),
  ];
  for (const line of report) t.diagnostic(line);
  // The cluster run puts these lines in its report.
  if (process.env.SQUISH_KEEPALIVED_REPORT) {
    writeFileSync(process.env.SQUISH_KEEPALIVED_REPORT, `${report.join('\n')}\n`);
  }

  assert.ok(lines.length > 10, `the client ran (${clientErr.slice(-500)})`);
  assert.ok(before.length > 3 && before.every((line) => line.ok), 'every request before the kill succeeded');
  assert.ok(movedAt - killedAt < 10_000, 'the address moved within 10 s');
  assert.ok(after.length >= 5, 'requests were sent after the move');
  assert.deepEqual(
    after.filter((line) => !line.ok).map((line) => line.detail),
    [],
    'every request sent after the address moved succeeded',
  );
});
