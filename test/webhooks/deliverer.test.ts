/**
 * The webhook deliverer on real backends: a SQLite file holding the jobs and the embedded queue,
 * and a real HTTP receiver on 127.0.0.1. Jobs are put in the database as the worker leaves them
 * (done or failed, with a callback URL) and their delivery enqueued as the worker enqueues it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { krakenResponder } from '../../src/compat/kraken/index.js';
import type { CompatResponder } from '../../src/compat/responder.js';
import { type JobResult, type NewJob, openDatabase, type SquishDatabase } from '../../src/db/index.js';
import {
  type Consumer,
  callbackJobId,
  EmbeddedQueue,
  type JobOutcome,
  WEBHOOKS_QUEUE,
} from '../../src/jobs/index.js';
import type { OutboundPolicy } from '../../src/net/index.js';
import { closeOutboundAgents } from '../../src/net/index.js';
import { parsePlan } from '../../src/plan/index.js';
import { startWebhookDeliverer } from '../../src/webhooks/index.js';
import { type LocalServer, startLocalServer } from '../net/local-server.js';

const open: OutboundPolicy = { allowPrivateNetworks: true, timeoutMs: 3000, maxBytes: 1 << 20 };
const strict: OutboundPolicy = { ...open, allowPrivateNetworks: false };
const downloadUrl = (token: string, fileName: string) => `https://squish.example/dl/${token}/${fileName}`;
/** A second compat API, to show the responder is chosen by the job's `compat.api`. */
const echoResponder: CompatResponder = {
  api: 'echo',
  callbackBody: (job) => ({ echo: job.id, status: job.status }),
};

let jobCounter = 0;
function nextJobId(): string {
  jobCounter += 1;
  return jobCounter.toString(16).padStart(32, 'a');
}

/** The download token of a job's one output (unique per job, as the worker's random ones are). */
function tokenOf(jobId: string): string {
  return `${'0'.repeat(16)}${jobId.slice(-16)}`;
}

function result(jobId: string): JobResult {
  const token = tokenOf(jobId);
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

describe('startWebhookDeliverer', () => {
  let dir: string;
  let db: SquishDatabase;
  let queue: EmbeddedQueue;
  let receiver: LocalServer;
  let accountId: string;
  /** How many more POSTs to /flaky answer 503 before it takes one. */
  let flakyFailures = 0;
  const consumers: Consumer[] = [];
  const log = pino({ level: 'silent' });

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'squish-webhooks-'));
    const file = path.join(dir, 'squish.db');
    db = await openDatabase(`sqlite:${file}`);
    queue = new EmbeddedQueue({ file, pollIntervalMs: 25 });
    accountId = (await db.accounts.create({ name: 'hooks', quotaBytes: null })).account.id;
    receiver = await startLocalServer({
      '/hook': (_request, response) => response.writeHead(200).end('ok'),
      '/accepted': (_request, response) => response.writeHead(202).end(),
      '/flaky': (_request, response) => {
        if (flakyFailures > 0) {
          flakyFailures -= 1;
          response.writeHead(503).end('busy');
        } else {
          response.writeHead(204).end();
        }
      },
      '/down': (_request, response) => response.writeHead(500).end('broken'),
      '/hang-up': (request) => request.socket.destroy(),
    });
  });

  after(async () => {
    for (const consumer of consumers) await consumer.close(1000);
    await queue.close();
    await db.close();
    await receiver.close();
    await closeOutboundAgents();
    rmSync(dir, { recursive: true, force: true });
  });

  function start(policy: OutboundPolicy): void {
    consumers.push(
      startWebhookDeliverer({
        db,
        queue,
        policy,
        responders: [krakenResponder, echoResponder],
        downloadUrl,
        log,
        concurrency: 2,
      }),
    );
  }

  /** Creates a finished job the way the worker leaves it and enqueues its delivery. */
  async function finishedJob(
    callbackUrl: string | undefined,
    options: { api?: string; failed?: boolean; attempts?: number } = {},
  ): Promise<string> {
    const id = nextJobId();
    const job: NewJob = {
      id,
      accountId,
      source: { kind: 'upload', blobKey: `inputs/${id}`, fileName: 'photo.png', size: 5000 },
      plan: parsePlan({ lossy: false }),
      delivery: callbackUrl ? { mode: 'callback', url: callbackUrl } : { mode: 'wait' },
      dev: false,
      compat: { api: options.api ?? 'kraken', data: { endpoint: 'upload' } },
      expiresAt: new Date(Date.now() + 3600_000),
    };
    await db.jobs.create(job);
    if (options.failed) {
      await db.jobs.fail(id, { code: 'UNSUPPORTED_FORMAT', message: 'Not an image.' });
    } else {
      await db.jobs.complete(id, result(id));
    }
    await queue.enqueue(
      WEBHOOKS_QUEUE,
      callbackJobId(id),
      { jobId: id },
      { attempts: options.attempts ?? 5, backoffMs: 20 },
    );
    return id;
  }

  async function outcome(id: string): Promise<JobOutcome> {
    const ended = await queue.waitFor(WEBHOOKS_QUEUE, callbackJobId(id), 20_000);
    assert.ok(ended, `delivery of ${id} did not end`);
    return ended;
  }

  function postsFor(id: string) {
    return receiver.requests.filter((request) => request.body.toString().includes(id));
  }

  describe('with private networks allowed (the receiver is on loopback)', () => {
    before(() => start(open));

    it('POSTs the compat API’s callback body to the callback URL, once', async () => {
      const id = await finishedJob(`${receiver.origin}/hook?secret=abc`);
      assert.deepEqual(await outcome(id), {
        state: 'completed',
        result: { status: 'delivered', httpStatus: 200, attempt: 1 },
      });
      const posts = postsFor(id);
      assert.equal(posts.length, 1);
      assert.equal(posts[0]!.url, '/hook?secret=abc');
      assert.equal(posts[0]!.headers['content-type'], 'application/json');
      const body = JSON.parse(posts[0]!.body.toString());
      assert.equal(body.id, id);
      assert.equal(body.success, true);
      assert.equal(body.kraked_url, downloadUrl(tokenOf(id), 'photo.png'));
      assert.equal(body.original_size, 5000);
      assert.equal(body.kraked_size, 3000);
    });

    it('delivers a failed job’s error the same way', async () => {
      const id = await finishedJob(`${receiver.origin}/accepted`, { failed: true });
      assert.equal((await outcome(id)).state, 'completed');
      const body = JSON.parse(postsFor(id)[0]!.body.toString());
      assert.equal(body.success, false);
      assert.equal(body.id, id);
      assert.equal(typeof body.message, 'string');
    });

    it('chooses the responder by the job’s compat API', async () => {
      const id = await finishedJob(`${receiver.origin}/hook`, { api: 'echo' });
      assert.equal((await outcome(id)).state, 'completed');
      assert.deepEqual(JSON.parse(postsFor(id)[0]!.body.toString()), { echo: id, status: 'done' });
    });

    it('retries while the receiver answers an error status, until it takes the callback', async () => {
      flakyFailures = 2;
      const id = await finishedJob(`${receiver.origin}/flaky`);
      assert.deepEqual(await outcome(id), {
        state: 'completed',
        result: { status: 'delivered', httpStatus: 204, attempt: 3 },
      });
      assert.equal(postsFor(id).length, 3);
    });

    it('gives up after the attempts the delivery was enqueued with', async () => {
      const id = await finishedJob(`${receiver.origin}/down`, { attempts: 3 });
      const ended = await outcome(id);
      assert.equal(ended.state, 'failed');
      assert.match(ended.state === 'failed' ? ended.error.message : '', /HTTP 500/);
      assert.equal(postsFor(id).length, 3);
    });

    it('retries when the connection breaks before an answer, and when nothing listens', async () => {
      const id = await finishedJob(`${receiver.origin}/hang-up`, { attempts: 3 });
      const ended = await outcome(id);
      assert.equal(ended.state, 'failed');
      assert.match(ended.state === 'failed' ? ended.error.message : '', /could not be sent/);
      assert.equal(postsFor(id).length, 3);
      const gone = await startLocalServer({});
      const url = `${gone.origin}/hook`;
      await gone.close();
      const unreachable = await finishedJob(url, { attempts: 2 });
      assert.equal((await outcome(unreachable)).state, 'failed');
    });

    it('ends at once, without retries, for a job that is gone or an unknown compat API', async () => {
      const ghost = nextJobId();
      await queue.enqueue(
        WEBHOOKS_QUEUE,
        callbackJobId(ghost),
        { jobId: ghost },
        { attempts: 5, backoffMs: 20 },
      );
      const ghostEnd = await outcome(ghost);
      assert.equal(ghostEnd.state === 'failed' && ghostEnd.error.code, 'NOT_FOUND');
      const id = await finishedJob(`${receiver.origin}/hook`, { api: 'tinify' });
      const end = await outcome(id);
      assert.equal(end.state === 'failed' && end.error.code, 'NOT_FOUND');
      assert.equal(postsFor(id).length, 0);
    });

    it('skips a job that is waited for rather than called back', async () => {
      const id = await finishedJob(undefined);
      assert.deepEqual(await outcome(id), {
        state: 'completed',
        result: { status: 'skipped', reason: 'the job has no callback URL' },
      });
    });
  });

  describe('with the strict policy', () => {
    before(async () => {
      for (const consumer of consumers.splice(0)) await consumer.close(1000);
      start(strict);
    });

    it('refuses a callback URL on loopback at once: one attempt, no connection', async () => {
      const connections = receiver.connections;
      const id = await finishedJob(`${receiver.origin}/hook`, { attempts: 5 });
      const ended = await outcome(id);
      assert.equal(ended.state === 'failed' && ended.error.code, 'URL_NOT_ALLOWED');
      assert.equal(receiver.connections, connections);
      const counts = await queue.counts(WEBHOOKS_QUEUE);
      assert.equal(counts.delayed + counts.waiting + counts.active, 0);
    });
  });
});
