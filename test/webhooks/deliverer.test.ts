/**
 * The webhooks role on real backends: a SQLite file holding the jobs and their deliveries, the
 * queue (the embedded one in that file, and BullMQ on the test Redis), and real HTTP receivers on
 * loopback addresses. Jobs are stored as the worker
 * leaves them (done or failed, with a callback URL, which creates their delivery) and woken as the
 * worker wakes them (enqueueCallback). Small retry settings: 3 attempts, the first retry after
 * 1 s, the whole schedule over 3 s, a 1 s timeout. Assertions are on order and counts, not time.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { krakenResponder } from '../../src/compat/kraken/index.js';
import type { CompatResponder } from '../../src/compat/responder.js';
import {
  type JobResult,
  type NewJob,
  openDatabase,
  type SquishDatabase,
  type WebhookDelivery,
} from '../../src/db/index.js';
import { BullMqQueue } from '../../src/jobs/bullmq/bullmq-queue.js';
import { type Consumer, EmbeddedQueue, enqueueCallback, type QueueBackend } from '../../src/jobs/index.js';
import type { OutboundPolicy } from '../../src/net/index.js';
import { closeOutboundAgents } from '../../src/net/index.js';
import { parsePlan } from '../../src/plan/index.js';
import {
  redeliverWebhook,
  startWebhookDeliverer,
  verifyWebhookSignature,
  WEBHOOK_HEADERS,
  type WebhookSettings,
} from '../../src/webhooks/index.js';
import { serviceValue, skipWithout } from '../helpers/services.js';
import { type ReceivedRequest, type Receiver, startReceiver } from './receiver.js';

const open: OutboundPolicy = { allowPrivateNetworks: true, timeoutMs: 30_000, maxBytes: 1 << 20 };
const strict: OutboundPolicy = { ...open, allowPrivateNetworks: false };
const downloadUrl = (token: string, fileName: string) => `https://squish.example/dl/${token}/${fileName}`;
const log = pino({ level: 'silent' });

const SETTINGS: WebhookSettings = {
  webhookTimeoutSeconds: 1,
  webhookAttempts: 3,
  webhookFirstRetrySeconds: 1,
  webhookRetrySpanSeconds: 3,
  webhookConcurrency: 4,
  webhookHostConcurrency: 4,
};

/** A second compat API, to show the responder is chosen by the job's `compat.api`. */
const echoResponder: CompatResponder = {
  api: 'echo',
  callbackBody: (job) => ({ echo: job.id, status: job.status }),
};

let jobCounter = 0;
function nextJobId(): string {
  jobCounter += 1;
  return jobCounter.toString(16).padStart(32, 'c');
}

function result(jobId: string): JobResult {
  const token = `${'0'.repeat(16)}${jobId.slice(-16)}`;
  return {
    inputFormat: 'png',
    originalSize: 5000,
    ms: 12,
    outputs: [
      {
        token,
        blobKey: `results/${jobId}/${token}`,
        fileName: 'photo.png',
        format: 'png',
        contentType: 'image/png',
        size: 3000,
        width: 40,
        height: 30,
        originalSize: 5000,
        originalWidth: 40,
        originalHeight: 30,
        savedBytes: 2000,
        etag: `"${token}"`,
        notes: [],
      },
    ],
  };
}

/** Polls until `check` returns a value; fails only after a generous bound (not a timing assertion). */
async function until<T>(what: string, check: () => Promise<T | undefined>): Promise<T> {
  for (let poll = 0; poll < 1200; poll++) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  assert.fail(`${what} never happened`);
}

function header(request: ReceivedRequest, name: string): string {
  const value = request.headers[name.toLowerCase()];
  assert.equal(typeof value, 'string', `header ${name}`);
  return value as string;
}

/** The queues the role is tested on: each opens a fresh queue beside the SQLite file given. */
const QUEUES: { name: string; skip: string | false; open: (file: string) => QueueBackend }[] = [
  { name: 'embedded queue', skip: false, open: (file) => new EmbeddedQueue({ file, pollIntervalMs: 25 }) },
  {
    name: 'BullMQ on Redis',
    skip: skipWithout('redis'),
    open: () =>
      new BullMqQueue({
        redis: { url: serviceValue('redis')! },
        prefix: `squish-test-webhooks-${randomUUID()}`,
        waitPollIntervalMs: 100,
      }),
  },
];

for (const backend of QUEUES) {
  describe(`the webhooks role (${backend.name})`, { skip: backend.skip }, () => describeRole(backend.open));
}

function describeRole(openQueue: (file: string) => QueueBackend): void {
  let dir: string;
  let db: SquishDatabase;
  let queue: QueueBackend;
  let receiver: Receiver;
  let accountId: string;
  let apiKey: string;
  let signingSecret: string;
  const consumers: Consumer[] = [];

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'squish-webhooks-'));
    const file = path.join(dir, 'squish.db');
    db = await openDatabase(`sqlite:${file}`);
    queue = openQueue(file);
    const credentials = await db.accounts.create({ name: 'hooks', quotaBytes: null });
    accountId = credentials.account.id;
    apiKey = credentials.account.apiKey;
    signingSecret = credentials.signingSecret;
    receiver = await startReceiver();
  });

  after(async () => {
    receiver.release();
    for (const consumer of consumers) await consumer.close(1000);
    await queue.close();
    await db.close();
    await receiver.stop();
    await closeOutboundAgents();
    rmSync(dir, { recursive: true, force: true });
  });

  function start(options: { policy?: OutboundPolicy; settings?: Partial<WebhookSettings> } = {}): Consumer {
    const consumer = startWebhookDeliverer({
      db,
      queue,
      policy: options.policy ?? open,
      settings: { ...SETTINGS, ...options.settings },
      responders: [krakenResponder, echoResponder],
      downloadUrl,
      log,
    });
    consumers.push(consumer);
    return consumer;
  }

  async function stopAll(): Promise<void> {
    for (const consumer of consumers.splice(0)) await consumer.close(1000);
  }

  /** Stores a finished callback job as the worker does (creating its delivery) and wakes it. */
  async function callbackJob(url: string, options: { api?: string; failed?: boolean } = {}): Promise<string> {
    const id = nextJobId();
    const job: NewJob = {
      id,
      accountId,
      source: { kind: 'upload', blobKey: `inputs/${id}`, fileName: 'photo.png', size: 5000 },
      plan: parsePlan({ lossy: false }),
      delivery: { mode: 'callback', url },
      dev: false,
      compat: { api: options.api ?? 'kraken', data: { endpoint: 'upload' } },
      expiresAt: new Date(Date.now() + 3600_000),
    };
    await db.jobs.create(job);
    if (options.failed) await db.jobs.fail(id, { code: 'UNSUPPORTED_FORMAT', message: 'Not an image.' });
    else await db.jobs.complete(id, result(id));
    await enqueueCallback(queue, id);
    return id;
  }

  /** The job's delivery once it is no longer pending. */
  function settled(jobId: string): Promise<WebhookDelivery> {
    return until(`the delivery of ${jobId} settling`, async () => {
      const delivery = await db.deliveries.forJob(jobId);
      return delivery && delivery.status !== 'pending' ? delivery : undefined;
    });
  }

  function requestsFor(delivery: WebhookDelivery, at: Receiver = receiver): ReceivedRequest[] {
    return at.requests.filter((request) => request.headers['squish-delivery-id'] === delivery.id);
  }

  /** Each delivery ends with exactly one successful attempt, the last, and the receiver answered 2xx once. */
  function assertDeliveredOnce(delivery: WebhookDelivery, at: Receiver = receiver): void {
    assert.equal(delivery.status, 'delivered');
    const successes = delivery.history.filter((attempt) => attempt.error === null);
    assert.equal(successes.length, 1);
    assert.equal(delivery.history.at(-1)?.error, null);
    assert.ok(delivery.deliveredAt);
    const answered = requestsFor(delivery, at).filter(
      (request) => (request.answered ?? 0) >= 200 && (request.answered ?? 0) < 300,
    );
    assert.equal(answered.length, 1);
  }

  describe('with private networks allowed (receivers on loopback)', () => {
    before(() => {
      start();
    });

    it('POSTs the compat body plus id once, signed, with the delivery headers', async () => {
      const id = await callbackJob(`${receiver.origin}/hook?secret=abc`);
      const delivery = await settled(id);
      assertDeliveredOnce(delivery);
      assert.equal(delivery.attempts, 1);
      assert.equal(delivery.history[0]?.httpStatus, 200);
      assert.ok((delivery.history[0]?.durationMs ?? -1) >= 0);

      const [request] = requestsFor(delivery);
      assert.ok(request);
      assert.equal(request.path, '/hook');
      assert.equal(request.headers['content-type'], 'application/json');
      assert.equal(header(request, WEBHOOK_HEADERS.deliveryId), delivery.id);
      assert.equal(header(request, WEBHOOK_HEADERS.attempt), '1');
      assert.match(header(request, WEBHOOK_HEADERS.timestamp), /^\d+$/);
      assert.match(header(request, WEBHOOK_HEADERS.signature), /^v1=[0-9a-f]{64}$/);
      const body = JSON.parse(request.body.toString('utf8'));
      assert.equal(body.id, id);
      assert.equal(body.success, true);
      assert.equal(body.kraked_url, downloadUrl(`${'0'.repeat(16)}${id.slice(-16)}`, 'photo.png'));
      assert.equal(body.original_size, 5000);
      assert.equal(body.kraked_size, 3000);

      // The receiver's check: the right secret on the raw body verifies; anything else does not.
      assert.equal(
        verifyWebhookSignature({ secret: signingSecret, body: request.body, headers: request.headers }),
        true,
      );
      assert.equal(
        verifyWebhookSignature({
          secret: signingSecret,
          body: request.body.toString('utf8'),
          headers: request.headers,
        }),
        true,
      );
      const tampered = request.body.toString('utf8').replace('"success":true', '"success":false');
      assert.notEqual(tampered, request.body.toString('utf8'));
      assert.equal(
        verifyWebhookSignature({ secret: signingSecret, body: tampered, headers: request.headers }),
        false,
      );
      assert.equal(
        verifyWebhookSignature({ secret: `${signingSecret}x`, body: request.body, headers: request.headers }),
        false,
      );
      const sentAt = Number(header(request, WEBHOOK_HEADERS.timestamp));
      assert.equal(
        verifyWebhookSignature({
          secret: signingSecret,
          body: request.body,
          headers: request.headers,
          now: sentAt + 301,
        }),
        false,
        'an old timestamp (a replay) is refused',
      );
    });

    it('delivers a failed job’s error the same way, and chooses the responder by compat API', async () => {
      const failed = await settled(await callbackJob(`${receiver.origin}/failed`, { failed: true }));
      assertDeliveredOnce(failed);
      const failedBody = JSON.parse(requestsFor(failed)[0]!.body.toString());
      assert.equal(failedBody.success, false);
      assert.equal(failedBody.id, failed.jobId);
      assert.equal(typeof failedBody.message, 'string');

      const echo = await settled(await callbackJob(`${receiver.origin}/echo`, { api: 'echo' }));
      assert.deepEqual(JSON.parse(requestsFor(echo)[0]!.body.toString()), {
        echo: echo.jobId,
        status: 'done',
      });
    });

    it('retries a receiver that fails the first attempts, with the same id and body, until it takes it', async () => {
      receiver.on('/flaky', { kind: 'flaky', failures: 2, status: 503 });
      const delivery = await settled(await callbackJob(`${receiver.origin}/flaky`));
      assertDeliveredOnce(delivery);
      assert.deepEqual(
        delivery.history.map((attempt) => [attempt.attempt, attempt.httpStatus]),
        [
          [1, 503],
          [2, 503],
          [3, 200],
        ],
      );
      assert.equal(delivery.history[0]?.error, 'HTTP 503: busy, try later');
      const requests = requestsFor(delivery);
      assert.deepEqual(
        requests.map((request) => header(request, WEBHOOK_HEADERS.attempt)),
        ['1', '2', '3'],
      );
      const bodies = new Set(requests.map((request) => request.body.toString()));
      assert.equal(bodies.size, 1, 'every attempt carries the same body');
      for (const request of requests) {
        assert.equal(
          verifyWebhookSignature({ secret: signingSecret, body: request.body, headers: request.headers }),
          true,
        );
      }
    });

    it('marks a delivery dead after the last attempt, keeps only the start of a long answer, and re-sends it on demand', async () => {
      receiver.on('/broken', { kind: 'status', status: 500, body: 'x'.repeat(20_000) });
      const dead = await settled(await callbackJob(`${receiver.origin}/broken`));
      assert.equal(dead.status, 'dead');
      assert.equal(dead.attempts, 3);
      assert.equal(requestsFor(dead).length, 3);
      assert.deepEqual(
        dead.history.map((attempt) => attempt.httpStatus),
        [500, 500, 500],
      );
      const error = dead.history[0]?.error ?? '';
      assert.ok(error.startsWith('HTTP 500: xxx'));
      assert.ok(error.length <= 'HTTP 500: '.length + 4096, `error text of ${error.length} characters`);

      receiver.on('/broken', { kind: 'status', status: 200 });
      const again = await redeliverWebhook({ db, queue }, dead.id);
      assert.equal(again?.status, 'pending');
      const delivered = await settled(dead.jobId);
      assertDeliveredOnce(delivered);
      assert.equal(delivered.attempts, 4, 'attempts count on across a redelivery');
      assert.equal(header(requestsFor(delivered).at(-1)!, WEBHOOK_HEADERS.attempt), '4');
      assert.equal(await redeliverWebhook({ db, queue }, '0'.repeat(32)), undefined);
    });

    it('stops at once on 410 Gone', async () => {
      receiver.on('/gone', { kind: 'status', status: 410 });
      const delivery = await settled(await callbackJob(`${receiver.origin}/gone`));
      assert.equal(delivery.status, 'dead');
      assert.equal(delivery.attempts, 1);
      assert.equal(requestsFor(delivery).length, 1);
      assert.equal(delivery.history[0]?.httpStatus, 410);
    });

    it('retries a receiver that hangs past the timeout, and waits for one that answers slowly within it', async () => {
      receiver.on('/hang', { kind: 'hold' });
      const jobId = await callbackJob(`${receiver.origin}/hang`);
      const firstTimedOut = await until('the first attempt timing out', async () => {
        const delivery = await db.deliveries.forJob(jobId);
        return delivery && delivery.attempts >= 1 ? delivery : undefined;
      });
      assert.equal(firstTimedOut.history[0]?.httpStatus, null);
      assert.match(firstTimedOut.history[0]?.error ?? '', /did not answer|timed out/);
      receiver.on('/hang', { kind: 'status', status: 200 });
      const delivery = await settled(jobId);
      assertDeliveredOnce(delivery);
      assert.ok(delivery.attempts >= 2);

      receiver.on('/slow', { kind: 'late', ms: 400, status: 202 });
      const slow = await settled(await callbackJob(`${receiver.origin}/slow`));
      assertDeliveredOnce(slow);
      assert.equal(slow.attempts, 1);
      assert.equal(slow.history[0]?.httpStatus, 202);
    });

    it('retries a receiver that is down until it comes back', async () => {
      const downstairs = await startReceiver();
      await downstairs.stop();
      const jobId = await callbackJob(`${downstairs.origin}/hook`);
      const refused = await until('an attempt on the stopped receiver', async () => {
        const delivery = await db.deliveries.forJob(jobId);
        return delivery && delivery.attempts >= 1 ? delivery : undefined;
      });
      assert.equal(refused.history[0]?.httpStatus, null);
      assert.match(refused.history[0]?.error ?? '', /failed|ECONNREFUSED/);
      await downstairs.start();
      try {
        const delivery = await settled(jobId);
        assertDeliveredOnce(delivery, downstairs);
        assert.equal(downstairs.requests.length, 1);
        assert.equal(header(downstairs.requests[0]!, WEBHOOK_HEADERS.attempt), String(delivery.attempts));
      } finally {
        await downstairs.stop();
      }
    });

    it('signs with both secrets during a rotation’s grace, and with the new one only after it', async () => {
      const newSecret = await db.accounts.rotateSigningSecret(apiKey);
      assert.ok(newSecret);
      const during = await settled(await callbackJob(`${receiver.origin}/rotating`));
      const request = requestsFor(during)[0]!;
      assert.match(header(request, WEBHOOK_HEADERS.signature), /^v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
      for (const secret of [newSecret, signingSecret]) {
        assert.equal(verifyWebhookSignature({ secret, body: request.body, headers: request.headers }), true);
      }

      const newest = await db.accounts.rotateSigningSecret(apiKey, 0);
      assert.ok(newest);
      const afterGrace = await settled(await callbackJob(`${receiver.origin}/rotated`));
      const next = requestsFor(afterGrace)[0]!;
      assert.match(header(next, WEBHOOK_HEADERS.signature), /^v1=[0-9a-f]{64}$/);
      assert.equal(verifyWebhookSignature({ secret: newest, body: next.body, headers: next.headers }), true);
      assert.equal(
        verifyWebhookSignature({ secret: newSecret, body: next.body, headers: next.headers }),
        false,
      );
      signingSecret = newest;
    });
  });

  describe('limits and failures of the process', () => {
    before(stopAll);

    it('a receiver that hangs does not delay deliveries to another host', async () => {
      // Two slots in all, one per host: without the put-back, three deliveries waiting for the
      // hanging host would hold both slots and the other host's delivery would wait behind them.
      const consumer = start({
        settings: { webhookConcurrency: 2, webhookHostConcurrency: 1, webhookTimeoutSeconds: 60 },
      });
      const other = await startReceiver('127.0.0.2');
      try {
        receiver.on('/held', { kind: 'hold' });
        const held = [];
        for (let n = 0; n < 3; n++) held.push(await callbackJob(`${receiver.origin}/held`));
        await until('the hanging host receiving a request', async () =>
          receiver.requests.some((request) => request.path === '/held') ? true : undefined,
        );
        const fast = await settled(await callbackJob(`${other.origin}/fast`));
        assertDeliveredOnce(fast, other);
        assert.equal(other.requests.length, 1);

        // Meanwhile the hanging host had one request in flight, never more, and nothing was recorded.
        assert.equal(receiver.requests.filter((request) => request.path === '/held').length, 1);
        const waiting = [];
        for (const jobId of held) waiting.push(await db.deliveries.forJob(jobId));
        assert.deepEqual(
          waiting.map((delivery) => delivery?.attempts),
          [0, 0, 0],
        );
        // The ones put back moved their due time, so the janitor does not take them for lost.
        const postponed = waiting.filter(
          (delivery) => delivery?.nextAttemptAt && delivery.nextAttemptAt > delivery.createdAt,
        );
        assert.ok(postponed.length >= 1);

        receiver.release();
        for (const jobId of held) assertDeliveredOnce(await settled(jobId));
      } finally {
        receiver.release();
        await other.stop();
        await consumer.close(1000);
        consumers.splice(consumers.indexOf(consumer), 1);
      }
    });

    it('an attempt in flight when its process stops is made again by the next one, and delivered once', async () => {
      receiver.on('/interrupted', { kind: 'hold' });
      const first = start({ settings: { webhookTimeoutSeconds: 60 } });
      const jobId = await callbackJob(`${receiver.origin}/interrupted`);
      await until('the request arriving', async () =>
        receiver.requests.some((request) => request.path === '/interrupted') ? true : undefined,
      );
      // The process stops without waiting: its running wake goes back to the queue, unrecorded.
      await first.close(0);
      consumers.splice(consumers.indexOf(first), 1);
      assert.equal((await db.deliveries.forJob(jobId))?.attempts, 0);

      start({ settings: { webhookTimeoutSeconds: 60 } });
      await until('the attempt being made again', async () =>
        receiver.requests.filter((request) => request.path === '/interrupted').length >= 2 ? true : undefined,
      );
      receiver.release();
      const delivery = await settled(jobId);
      assert.equal(delivery.status, 'delivered');
      assert.equal(delivery.attempts, 1, 'the same attempt, recorded once');
      assert.equal(delivery.history.length, 1);
      const requests = requestsFor(delivery);
      assert.ok(requests.length >= 2, 'at least once: the receiver may see it twice, with one delivery id');
      assert.ok(requests.every((request) => header(request, WEBHOOK_HEADERS.attempt) === '1'));
      await stopAll();
    });

    it('refuses a callback URL the guard does not allow: dead at once, no connection', async () => {
      start({ policy: strict });
      const before = receiver.requests.length;
      const delivery = await settled(await callbackJob(`${receiver.origin}/hook`));
      assert.equal(delivery.status, 'dead');
      assert.equal(delivery.attempts, 1);
      assert.equal(delivery.history[0]?.httpStatus, null);
      assert.match(delivery.history[0]?.error ?? '', /not a public internet address/);
      assert.equal(receiver.requests.length, before);

      // Not even a URL: dead at once, and its text (which may hold a secret) is not recorded.
      const garbled = await settled(await callbackJob('hooks.example.com/in?token=s3cret'));
      assert.equal(garbled.status, 'dead');
      assert.equal(garbled.attempts, 1);
      assert.doesNotMatch(garbled.history[0]?.error ?? '', /s3cret/);
      await stopAll();
    });
  });
}
