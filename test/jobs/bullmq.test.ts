/**
 * The BullMQ queue on a real Redis against the queue conformance suite, plus what only this
 * backend has to get right: ids that clash with BullMQ's own keys or that it refuses, failure
 * codes kept through BullMQ's one reason string, a handed-back job keeping its attempt, a lease
 * running out on the last attempt, Sentinel connections, and openQueue choosing it.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { describe, type TestContext, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { BullMqQueue } from '../../src/jobs/bullmq/bullmq-queue.js';
import { decodeFailure, encodeFailure } from '../../src/jobs/bullmq/job-failure.js';
import { fromBullId, toBullId } from '../../src/jobs/bullmq/job-ids.js';
import { openQueue, parseSentinels, type QueueBackend, type RedisTarget } from '../../src/jobs/index.js';
import { serviceValue, skipWithout } from '../helpers/services.js';
import { describeQueueConformance } from './conformance.js';
import { openRedisQueue, type RedisBackendArg } from './redis-backend.js';

const url = serviceValue('redis');
const sentinels = serviceValue('sentinels');
const master = process.env.SQUISH_TEST_REDIS_MASTER ?? 'squish';
const prefix = `squish-test-${randomUUID()}`;
const CHILD_CONSUMER = fileURLToPath(new URL('./child-consumer.ts', import.meta.url));

if (url) {
  const redis: RedisTarget = { url };
  describeQueueConformance('bullmq', () => openRedisQueue({ redis, prefix }), {
    module: new URL('./redis-backend.ts', import.meta.url).href,
    exportName: 'openRedisQueue',
    arg: { redis, prefix },
  });
} else {
  test('queue conformance: bullmq', { skip: skipWithout('redis') }, () => {});
}

describe('BullMQ job ids and failure reasons', () => {
  test('every id survives the escaping, and different ids stay different', () => {
    const ids = ['job-1', '42', '007', 'a:b', 'a%3Ab', '%', '%25:', '#x', 'marker', 'meta', ':::'];
    const bullIds = ids.map(toBullId);
    assert.equal(new Set(bullIds).size, ids.length);
    for (const bullId of bullIds) {
      assert.ok(!bullId.includes(':'), bullId);
      assert.notEqual(`${Number.parseInt(bullId, 10)}`, bullId);
    }
    assert.deepEqual(bullIds.map(fromBullId), ids);
  });

  test('a failure keeps its code through the reason string; an unknown reason is INTERNAL', () => {
    const failure = { code: 'CORRUPT_IMAGE', message: 'truncated: after 12 bytes' };
    assert.deepEqual(decodeFailure(encodeFailure(failure)), failure);
    assert.deepEqual(decodeFailure('job stalled more than allowable limit'), {
      code: 'INTERNAL',
      message: 'job stalled more than allowable limit',
    });
    assert.deepEqual(decodeFailure('NOT_A_CODE: x'), { code: 'INTERNAL', message: 'NOT_A_CODE: x' });
  });

  test('Sentinel lists are parsed into hosts and ports', () => {
    assert.deepEqual(parseSentinels(['10.0.0.1:26379', '[::1]:26380']), [
      { host: '10.0.0.1', port: 26379 },
      { host: '::1', port: 26380 },
    ]);
    assert.throws(() => parseSentinels(['no-port']));
  });
});

describe('BullMQ queue without a Redis to talk to', () => {
  test('a wait still ends at its timeout and ping fails, instead of hanging', async (t) => {
    // Port 1 on loopback: nothing listens, every connection attempt is refused.
    const backend = new BullMqQueue({ redis: { url: 'redis://127.0.0.1:1' }, pingTimeoutMs: 300 });
    t.after(() => backend.close());
    assert.equal(await backend.waitFor('optimize', 'nowhere', 300), undefined);
    await assert.rejects(backend.ping());
  });

  test('a consumer closes while Redis is away (a worker node shutting down during an outage)', async (t) => {
    const backend = new BullMqQueue({ redis: { url: 'redis://127.0.0.1:1' } });
    t.after(() => backend.close());
    const consumer = backend.consume('optimize', async () => 'never', { concurrency: 1 });
    await consumer.close(100);
  });
});

describe('BullMQ queue on Redis', { skip: skipWithout('redis') }, () => {
  const arg = (): RedisBackendArg => ({ redis: { url: url! }, prefix });

  async function instance(t: TestContext, redis?: RedisTarget): Promise<QueueBackend> {
    const backend = redis
      ? new BullMqQueue({ redis, prefix, waitPollIntervalMs: 100 })
      : await openRedisQueue(arg());
    t.after(() => backend.close());
    return backend;
  }

  test('ids that name BullMQ keys, whole numbers and ids with colons are ordinary jobs', async (t) => {
    const backend = await instance(t);
    const queue = `ids-${randomUUID()}`;
    const ids = ['marker', 'meta', 'events', 'wait', 'id', '12345', 'a:b:c', 'cb-x:y'];
    for (const id of ids) await backend.enqueue(queue, id, { id });
    await backend.enqueue(queue, 'marker', { id: 'again' });
    const seen: string[] = [];
    const consumer = backend.consume<{ id: string }>(
      queue,
      async (job) => {
        seen.push(job.id);
        return job.data.id;
      },
      { concurrency: 2, leaseMs: 1000 },
    );
    for (const id of ids) {
      assert.deepEqual(await backend.waitFor(queue, id, 10_000), { state: 'completed', result: id });
    }
    await consumer.close();
    assert.deepEqual(seen.sort(), [...ids].sort());
  });

  test('a job handed back by close(timeout) keeps its attempt number', async (t) => {
    const first = await instance(t);
    const second = await instance(t);
    const queue = `handback-${randomUUID()}`;
    await first.enqueue(queue, 'kept', {}, { attempts: 2 });
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const consumer = first.consume(
      queue,
      (_job, signal) => {
        started();
        return new Promise((_resolve, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason)),
        );
      },
      { concurrency: 1, leaseMs: 60_000 },
    );
    await running;
    await consumer.close(20);
    const attempts: number[] = [];
    const taker = second.consume(
      queue,
      async (job) => {
        attempts.push(job.attempt);
      },
      { concurrency: 1, leaseMs: 1000 },
    );
    assert.equal((await second.waitFor(queue, 'kept', 10_000))?.state, 'completed');
    await taker.close();
    assert.deepEqual(attempts, [1]);
  });

  test('a lease that runs out on the last attempt fails the job with INTERNAL, without running it again', async (t) => {
    const backend = await instance(t);
    const queue = `last-lease-${randomUUID()}`;
    await backend.enqueue(queue, 'once', {}, { attempts: 1 });
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', CHILD_CONSUMER, JSON.stringify(recipe(arg())), queue, '300', 'hang'],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    t.after(() => child.kill('SIGKILL'));
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', resolve);
      child.once('exit', () => reject(new Error('the child exited before starting the job')));
    });
    assert.equal(line, 'started once 1');
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
    let runs = 0;
    const consumer = backend.consume(
      queue,
      async () => {
        runs++;
      },
      { concurrency: 1, leaseMs: 300 },
    );
    const outcome = await backend.waitFor(queue, 'once', 10_000);
    await consumer.close();
    assert.equal(outcome?.state, 'failed');
    assert.ok(outcome?.state === 'failed');
    assert.equal(outcome.error.code, 'INTERNAL');
    assert.match(outcome.error.message, /lease ran out on its last attempt/);
    assert.equal(runs, 0);
  });

  test('through the Sentinels, jobs run and their ends are seen', {
    skip: skipWithout('sentinels'),
  }, async (t) => {
    const redis: RedisTarget = { sentinels: parseSentinels(sentinels!.split(',')), masterName: master };
    const backend = await instance(t, redis);
    const queue = `sentinel-${randomUUID()}`;
    await backend.ping();
    await backend.enqueue(queue, 'via-sentinel', { n: 1 });
    const consumer = backend.consume<{ n: number }>(queue, async (job) => job.data.n + 1, {
      concurrency: 1,
      leaseMs: 1000,
    });
    assert.deepEqual(await backend.waitFor(queue, 'via-sentinel', 10_000), { state: 'completed', result: 2 });
    await consumer.close();
  });

  test('openQueue picks BullMQ when SQUISH_REDIS_URL is set, and Sentinels over the URL', async (t) => {
    const log = pino({ level: 'silent' });
    const base = {
      redisSentinels: undefined,
      redisMaster: master,
      databaseUrl: 'sqlite:unused.db',
      dataDir: '.',
    };
    const byUrl = await openQueue({ ...base, redisUrl: url }, log);
    t.after(() => byUrl.close());
    assert.equal(byUrl.kind, 'bullmq');
    await byUrl.ping();
    if (sentinels) {
      // A wrong URL beside the Sentinels: the Sentinels must be the ones used.
      const bySentinels = await openQueue(
        { ...base, redisUrl: 'redis://127.0.0.1:1', redisSentinels: sentinels.split(',') },
        log,
      );
      t.after(() => bySentinels.close());
      await bySentinels.ping();
    }
  });
});

function recipe(arg: RedisBackendArg) {
  return { module: new URL('./redis-backend.ts', import.meta.url).href, exportName: 'openRedisQueue', arg };
}
