/**
 * Durable webhooks end to end, with real `squish serve` processes on one data folder and a real
 * local receiver that checks every signature:
 * - the webhooks role, run as its own process, is SIGKILLed while a slow receiver holds
 *   deliveries in flight; started again, it delivers every result (at least once: duplicates are
 *   counted by delivery id, and the deliveries in flight at the kill arrive again);
 * - dead deliveries (one attempt allowed, the receiver answering 500) are re-sent through the API
 *   and through `squish webhooks redeliver`, and arrive.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import sharp from 'sharp';
import { verifyWebhookSignature } from '../../src/webhooks/index.js';
import { krakenClient, plain } from './kraken-client.js';
import { createKey, runSquish, type ServeProcess, startServe } from './serve-process.js';

/** One request the receiver got (the whole body arrived). */
interface Arrival {
  deliveryId: string;
  attempt: number;
  path: string;
  /** The job id in the body. */
  jobId: string;
  verified: boolean;
  receivedAt: number;
}

/** What the receiver answers to a request, and how long it holds it first. */
type Behaviour = (arrival: Arrival) => { status: number; holdMs: number };

interface SignedReceiver {
  url: string;
  arrivals: Arrival[];
  /** Requests whose answer is being held right now. */
  held: Set<Arrival>;
  behaviour: Behaviour;
  /** Resolves once `check()` holds (re-checked on every arrival and answer), or rejects after the timeout. */
  until(check: () => boolean, what: string, timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

function header(request: IncomingMessage, name: string): string {
  const value = request.headers[name.toLowerCase()];
  return Array.isArray(value) ? value.join(',') : (value ?? '');
}

/** A callback receiver that verifies each request's signature with the key's signing secret. */
async function startSignedReceiver(secret: string, behaviour: Behaviour): Promise<SignedReceiver> {
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const waiter of waiters) waiter();
  };
  const receiver: SignedReceiver = {
    url: '',
    arrivals: [],
    held: new Set(),
    behaviour,
    until: (check, what, timeoutMs) =>
      new Promise<void>((resolve, reject) => {
        const done = () => {
          if (!check()) return;
          clearTimeout(timer);
          waiters.delete(done);
          resolve();
        };
        const timer = setTimeout(() => {
          waiters.delete(done);
          reject(
            new Error(`${what}: not within ${timeoutMs} ms; arrivals: ${JSON.stringify(receiver.arrivals)}`),
          );
        }, timeoutMs);
        waiters.add(done);
        done();
      }),
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      let jobId = '';
      try {
        jobId = String((JSON.parse(body.toString('utf8')) as { id?: unknown }).id ?? '');
      } catch {
        // Left empty: the test fails on the missing job id.
      }
      const arrival: Arrival = {
        deliveryId: header(request, 'Squish-Delivery-Id'),
        attempt: Number(header(request, 'Squish-Attempt')),
        path: new URL(request.url ?? '/', 'http://receiver').pathname,
        jobId,
        verified: verifyWebhookSignature({ secret, body, headers: request.headers }),
        receivedAt: Date.now(),
      };
      receiver.arrivals.push(arrival);
      const { status, holdMs } = receiver.behaviour(arrival);
      receiver.held.add(arrival);
      wake();
      setTimeout(() => {
        receiver.held.delete(arrival);
        // The sender may be gone (killed): the answer then goes nowhere.
        if (!response.destroyed) response.writeHead(status).end();
        wake();
      }, holdMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return receiver;
}

const folders: string[] = [];
const running: ServeProcess[] = [];
const receivers: SignedReceiver[] = [];

after(async () => {
  await Promise.all(running.map((node) => node.stop('SIGKILL')));
  await Promise.all(receivers.map((receiver) => receiver.close()));
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

function dataFolder(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'squish-e2e-webhooks-'));
  folders.push(dir);
  return dir;
}

async function serve(dataDir: string, env: Record<string, string>, roles?: string): Promise<ServeProcess> {
  const node = await startServe(dataDir, { SQUISH_ALLOW_PRIVATE_NETWORKS: '1', ...env }, roles);
  running.push(node);
  return node;
}

/** A small PNG, different per job so that each job has its own result. */
function tinyPng(index: number): Promise<Buffer> {
  return sharp({
    create: { width: 12, height: 12, channels: 3, background: { r: index * 20, g: 90, b: 200 } },
  })
    .png()
    .toBuffer();
}

interface DeliveryJson {
  id: string;
  job_id: string;
  status: string;
  attempts: number;
  history: { attempt: number; http_status: number | null; error: string | null }[];
}

function basicAuth(key: { api_key: string; api_secret: string }): string {
  return `Basic ${Buffer.from(`${key.api_key}:${key.api_secret}`).toString('base64')}`;
}

async function listDeliveries(
  apiUrl: string,
  key: { api_key: string; api_secret: string },
  query = '',
): Promise<DeliveryJson[]> {
  const response = await fetch(`${apiUrl}/squish/v1/webhooks${query}`, {
    headers: { authorization: basicAuth(key) },
  });
  assert.equal(response.status, 200, await response.clone().text());
  return ((await response.json()) as { deliveries: DeliveryJson[] }).deliveries;
}

/** Polls the API until `check` holds for the account's deliveries. */
async function waitForDeliveries(
  apiUrl: string,
  key: { api_key: string; api_secret: string },
  check: (deliveries: DeliveryJson[]) => boolean,
  what: string,
  timeoutMs: number,
): Promise<DeliveryJson[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const deliveries = await listDeliveries(apiUrl, key);
    if (check(deliveries)) return deliveries;
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${timeoutMs} ms: ${JSON.stringify(deliveries)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function submitCallbackJobs(
  apiUrl: string,
  key: { api_key: string; api_secret: string },
  callbackUrls: readonly string[],
): Promise<string[]> {
  const client = krakenClient(key, apiUrl);
  const ids: string[] = [];
  for (const [index, callbackUrl] of callbackUrls.entries()) {
    const answer = plain(
      await client.upload({
        file: { value: await tinyPng(index), filename: `tiny-${index}.png` },
        callback_url: callbackUrl,
      }),
    );
    assert.match(String(answer.id), /^[0-9a-f]{32}$/, JSON.stringify(answer));
    ids.push(answer.id as string);
  }
  return ids;
}

test('SIGKILL of the webhooks role with deliveries in flight: after a restart every result arrives, signed', async (t) => {
  const JOBS = 6;
  const HOLD_MS = 4000;
  const dataDir = dataFolder();
  const key = await createKey(dataDir);
  // Slow at first: each answer is held, so deliveries are in flight when the role is killed.
  let slow = true;
  const receiver = await startSignedReceiver(key.signing_secret, () => ({
    status: 200,
    holdMs: slow ? HOLD_MS : 0,
  }));
  receivers.push(receiver);

  const main = await serve(dataDir, {}, 'api,worker,janitor');
  let webhooks = await serve(dataDir, {}, 'webhooks');
  const jobIds = await submitCallbackJobs(
    main.url,
    key,
    Array.from({ length: JOBS }, (_, index) => `${receiver.url}/slow/${index}`),
  );

  await receiver.until(() => receiver.held.size >= 2, 'two deliveries held by the slow receiver', 90_000);
  assert.equal(await webhooks.stop('SIGKILL'), 'SIGKILL');
  const inFlight = new Set([...receiver.held].map((arrival) => arrival.deliveryId));
  const arrivalsAtKill = receiver.arrivals.length;
  slow = false;

  webhooks = await serve(dataDir, {}, 'webhooks');
  const deliveries = await waitForDeliveries(
    main.url,
    key,
    (list) => list.length === JOBS && list.every((delivery) => delivery.status === 'delivered'),
    'every delivery delivered',
    120_000,
  );

  // Every job's result arrived, under its delivery's id, with a signature that verifies.
  const deliveryOfJob = new Map(deliveries.map((delivery) => [delivery.job_id, delivery.id]));
  assert.deepEqual([...deliveryOfJob.keys()].sort(), [...jobIds].sort());
  for (const jobId of jobIds) {
    const arrivals = receiver.arrivals.filter((arrival) => arrival.jobId === jobId);
    assert.ok(arrivals.length >= 1, `job ${jobId} arrived`);
    for (const arrival of arrivals)
      assert.equal(arrival.deliveryId, deliveryOfJob.get(jobId), 'one delivery id per job');
  }
  const unverified = receiver.arrivals.filter((arrival) => !arrival.verified);
  assert.deepEqual(unverified, [], 'every request carries a valid signature');

  // What was in flight at the kill was sent again after the restart, not lost.
  for (const deliveryId of inFlight) {
    const again = receiver.arrivals
      .slice(arrivalsAtKill)
      .filter((arrival) => arrival.deliveryId === deliveryId);
    assert.ok(again.length >= 1, `delivery ${deliveryId}, in flight at the kill, was sent again`);
  }
  const perDelivery = new Map<string, number>();
  for (const arrival of receiver.arrivals) {
    perDelivery.set(arrival.deliveryId, (perDelivery.get(arrival.deliveryId) ?? 0) + 1);
  }
  const duplicates = [...perDelivery.values()].reduce((sum, count) => sum + count - 1, 0);
  assert.ok(duplicates >= inFlight.size, 'the requests cut off by the kill count as duplicates');
  t.diagnostic(
    `${JOBS} deliveries, ${receiver.arrivals.length} requests, ${duplicates} duplicate(s) by delivery id; ${inFlight.size} in flight at the kill`,
  );

  assert.equal(await webhooks.stop('SIGTERM'), 0, webhooks.stderr());
  assert.equal(await main.stop('SIGTERM'), 0, main.stderr());
});

test('dead deliveries re-sent through the API and through `squish webhooks redeliver` arrive', async () => {
  const dataDir = dataFolder();
  const key = await createKey(dataDir);
  // The receiver refuses everything until it is opened.
  let open = false;
  const receiver = await startSignedReceiver(key.signing_secret, () => ({
    status: open ? 200 : 500,
    holdMs: 0,
  }));
  receivers.push(receiver);
  const node = await serve(dataDir, { SQUISH_WEBHOOK_ATTEMPTS: '1' });
  const [viaApi, viaCli] = await submitCallbackJobs(node.url, key, [
    `${receiver.url}/api`,
    `${receiver.url}/cli`,
  ]);

  const dead = await waitForDeliveries(
    node.url,
    key,
    (list) => list.length === 2 && list.every((delivery) => delivery.status === 'dead'),
    'both deliveries dead after their one attempt',
    90_000,
  );
  for (const delivery of dead) {
    assert.deepEqual(
      delivery.history.map((attempt) => [attempt.attempt, attempt.http_status]),
      [[1, 500]],
    );
  }
  const deliveryOf = (jobId: string | undefined) => dead.find((delivery) => delivery.job_id === jobId)!.id;
  open = true;

  const response = await fetch(`${node.url}/squish/v1/webhooks/${deliveryOf(viaApi)}/redeliver`, {
    method: 'POST',
    headers: { authorization: basicAuth(key) },
  });
  assert.equal(response.status, 202, await response.clone().text());
  assert.equal(((await response.json()) as DeliveryJson).status, 'pending');

  // The CLI waits for the re-sent attempt, made by the serving node, and says how it went.
  const cli = await runSquish([
    'webhooks',
    'redeliver',
    deliveryOf(viaCli),
    '--wait',
    '60',
    '--data',
    dataDir,
  ]);
  assert.equal(cli.code, 0, `${cli.stdout}\n${cli.stderr}`);
  assert.match(cli.stdout, /attempt 2: HTTP 200 in \d+ ms; the delivery is delivered\./);
  const unknown = await runSquish(['webhooks', 'redeliver', 'f'.repeat(32), '--data', dataDir]);
  assert.equal(unknown.code, 1, unknown.stderr);

  const delivered = await waitForDeliveries(
    node.url,
    key,
    (list) => list.every((delivery) => delivery.status === 'delivered'),
    'both re-sent deliveries delivered',
    60_000,
  );
  for (const delivery of delivered) {
    assert.deepEqual(
      delivery.history.map((attempt) => [attempt.attempt, attempt.http_status]),
      [
        [1, 500],
        [2, 200],
      ],
    );
    const arrivals = receiver.arrivals.filter((arrival) => arrival.deliveryId === delivery.id);
    assert.deepEqual(
      arrivals.map((arrival) => [arrival.attempt, arrival.verified]),
      [
        [1, true],
        [2, true],
      ],
    );
  }
  const listed = await runSquish(['webhooks', 'list', '--status', 'delivered', '--json', '--data', dataDir]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.equal(listed.stdout.trimEnd().split('\n').length, 2);
  assert.equal(await node.stop('SIGTERM'), 0, node.stderr());
});
