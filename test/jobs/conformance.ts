/**
 * The job queue conformance suite: every QueueBackend (embedded SQLite now, BullMQ on Redis when
 * scaled out) must pass it. `open` connects to the backend under test; calling it twice gives two
 * independent instances on the same backend (two nodes). Each test uses its own queue name, so
 * the tests share one backend without seeing each other's jobs.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { describe, type TestContext, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SquishError } from '../../src/errors/index.js';
import type { Consumer, EnqueueOptions, QueueBackend, QueueJob } from '../../src/jobs/index.js';

/**
 * How a child process opens the same backend: it imports `module` (a file URL or path) and
 * calls its export `exportName` with `arg` (JSON). Needed by the test that kills a consumer.
 */
export interface SpawnableBackend {
  module: string;
  exportName: string;
  arg: unknown;
}

/** Short leases keep the lease-expiry tests fast. */
const LEASE_MS = 300;
/** Generous bound for anything that should happen "soon": a test fails on it, never a benchmark. */
const PATIENCE_MS = 10_000;
const CHILD_CONSUMER = fileURLToPath(new URL('./child-consumer.ts', import.meta.url));

interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
}

function deferred<T = void>(): Deferred<T> {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function newQueueName(): string {
  return `test-${randomUUID()}`;
}

/**
 * Runs the conformance suite against one backend.
 * @param spawnable how a child process opens the same backend; without it the test that kills a
 *   consumer process is skipped.
 */
export function describeQueueConformance(
  name: string,
  open: () => Promise<QueueBackend>,
  spawnable?: SpawnableBackend,
): void {
  /** Opens an instance that is closed (with its consumers) when the test ends. */
  async function instance(t: TestContext): Promise<QueueBackend> {
    const backend = await open();
    const consumers: Consumer[] = [];
    const consume = backend.consume.bind(backend);
    backend.consume = (queue, handler, options) => {
      const consumer = consume(queue, handler, options);
      consumers.push(consumer);
      return consumer;
    };
    t.after(async () => {
      await Promise.all(consumers.map((consumer) => consumer.close(0)));
      await backend.close();
    });
    return backend;
  }

  async function settled(backend: QueueBackend, queue: string, id: string) {
    const outcome = await backend.waitFor(queue, id, PATIENCE_MS);
    assert.ok(outcome, `job ${id} did not end within ${PATIENCE_MS} ms`);
    return outcome;
  }

  describe(`queue conformance: ${name}`, () => {
    test('a consumer runs an enqueued job and its result is the outcome', async (t) => {
      const backend = await instance(t);
      const queue = newQueueName();
      const seen: QueueJob[] = [];
      await backend.enqueue(queue, 'job-1', { n: 21 });
      backend.consume<{ n: number }>(
        queue,
        async (job) => {
          seen.push(job);
          return { doubled: job.data.n * 2 };
        },
        { concurrency: 1, leaseMs: LEASE_MS },
      );
      assert.deepEqual(await settled(backend, queue, 'job-1'), {
        state: 'completed',
        result: { doubled: 42 },
      });
      assert.equal(seen.length, 1);
      assert.deepEqual(seen[0], { id: 'job-1', queue, data: { n: 21 }, attempt: 1, maxAttempts: 3 });
    });

    test('enqueueing an id the queue holds does nothing, before and after it ran', async (t) => {
      const backend = await instance(t);
      const queue = newQueueName();
      const runs: unknown[] = [];
      await backend.enqueue(queue, 'same', { v: 'first' });
      await backend.enqueue(queue, 'same', { v: 'second' });
      assert.equal((await backend.counts(queue)).waiting, 1);
      backend.consume(
        queue,
        async (job) => {
          runs.push(job.data);
          return runs.length;
        },
        { concurrency: 2, leaseMs: LEASE_MS },
      );
      assert.deepEqual(await settled(backend, queue, 'same'), { state: 'completed', result: 1 });
      await backend.enqueue(queue, 'same', { v: 'third' });
      await backend.enqueue(queue, 'marker', {});
      await settled(backend, queue, 'marker');
      assert.deepEqual(runs, [{ v: 'first' }, {}]);
    });

    test('a consumer never runs more jobs at once than its concurrency', async (t) => {
      const backend = await instance(t);
      const queue = newQueueName();
      const ids = ['a', 'b', 'c', 'd', 'e', 'f'];
      for (const id of ids) await backend.enqueue(queue, id, {});
      let running = 0;
      let most = 0;
      backend.consume(
        queue,
        async () => {
          running++;
          most = Math.max(most, running);
          await sleep(40);
          running--;
        },
        { concurrency: 2, leaseMs: LEASE_MS },
      );
      for (const id of ids) assert.equal((await settled(backend, queue, id)).state, 'completed');
      assert.equal(most, 2);
    });

    test('a thrown error is retried with backoff until an attempt succeeds', async (t) => {
      const backend = await instance(t);
      const queue = newQueueName();
      const attempts: number[] = [];
      await backend.enqueue(queue, 'flaky', {}, { attempts: 3, backoffMs: 20 });
      backend.consume(
        queue,
        async (job) => {
          attempts.push(job.attempt);
          if (job.attempt < 3) throw new Error(`transient failure ${job.attempt}`);
          return 'third time lucky';
        },
        { concurrency: 1, leaseMs: LEASE_MS },
      );
      assert.deepEqual(await settled(backend, queue, 'flaky'), {
        state: 'completed',
        result: 'third time lucky',
      });
      assert.deepEqual(attempts, [1, 2, 3]);
    });

    test('a refused input (a 4xx SquishError) fails at once with its code', async (t) => {
      const backend = await instance(t);
      const queue = newQueueName();
      let runs = 0;
      await backend.enqueue(queue, 'corrupt', {}, { attempts: 3, backoffMs: 10 });
      backend.consume(
        queue,
        async () => {
          runs++;
          throw new SquishError('CORRUPT_IMAGE', 'truncated after 12 bytes');
        },
        { concurrency: 1, leaseMs: LEASE_MS },
      );
      assert.deepEqual(await settled(backend, queue, 'corrupt'), {
        state: 'failed',
        error: { code: 'CORRUPT_IMAGE', message: 'truncated after 12 bytes' },
      });
      assert.equal(runs, 1);
    });

    test('a job that fails every attempt ends failed with the last error', async (t) => {
      const backend = await instance(t);
      const queue = newQueueName();
      let runs = 0;
      await backend.enqueue(queue, 'doomed', {}, { attempts: 2, backoffMs: 10 });
      backend.consume(
        queue,
        async () => {
          runs++;
          throw new Error(`broken ${runs}`);
        },
        { concurrency: 1, leaseMs: LEASE_MS },
      );
      const outcome = await settled(backend, queue, 'doomed');
      assert.equal(outcome.state, 'failed');
      assert.ok(outcome.state === 'failed');
      assert.equal(outcome.error.code, 'INTERNAL');
      assert.equal(outcome.error.message, 'broken 2');
      assert.equal(runs, 2);
    });

    test('a delayed job waits for its delay and counts as delayed meanwhile', async (t) => {
      const backend = await instance(t);
      const queue = newQueueName();
      const delayMs = 300;
      let startedAt = 0;
      const enqueuedAt = Date.now();
      await backend.enqueue(queue, 'later', {}, { delayMs });
      backend.consume(
        queue,
        async () => {
          startedAt = Date.now();
        },
        { concurrency: 1, leaseMs: LEASE_MS },
      );
      const counts = await backend.counts(queue);
      assert.equal(counts.delayed, 1);
      assert.equal(counts.waiting, 0);
      assert.equal((await settled(backend, queue, 'later')).state, 'completed');
      // A lower bound only: when the job runs after its delay is the machine's business.
      assert.ok(startedAt - enqueuedAt >= delayMs, `started ${startedAt - enqueuedAt} ms after enqueue`);
    });

    test('waitFor on a second instance sees a job end that the first ran', async (t) => {
      const first = await instance(t);
      const second = await instance(t);
      const queue = newQueueName();
      await first.enqueue(queue, 'shared', { x: 1 });
      const waiting = second.waitFor(queue, 'shared', PATIENCE_MS);
      first.consume(queue, async () => 'from the first', { concurrency: 1, leaseMs: LEASE_MS });
      assert.deepEqual(await waiting, { state: 'completed', result: 'from the first' });
      // An ended job answers at once, on any instance.
      assert.deepEqual(await second.waitFor(queue, 'shared', 0), {
        state: 'completed',
        result: 'from the first',
      });
    });

    test('a job added here is run by a consumer in another process, and the wait here sees it end', {
      skip: spawnable ? false : 'no recipe to open this backend in a child process',
    }, async (t) => {
      const backend = await instance(t);
      const queue = newQueueName();
      const child = spawnConsumer(t, spawnable!, queue, 'complete');
      await backend.enqueue(queue, 'elsewhere', {});
      const outcome = await settled(backend, queue, 'elsewhere');
      assert.deepEqual(outcome, { state: 'completed', result: `done by ${child.pid}` });
      assert.equal(await firstLine(child), 'started elsewhere 1');
    });

    test('waitFor gives undefined after its timeout for a job that does not end', async (t) => {
      const backend = await instance(t);
      const queue = newQueueName();
      await backend.enqueue(queue, 'never-consumed', {});
      assert.equal(await backend.waitFor(queue, 'never-consumed', 100), undefined);
      assert.equal(await backend.waitFor(queue, 'no-such-job', 50), undefined);
    });

    test('a job whose consumer process was killed mid-handler is run again once its lease runs out', {
      skip: spawnable ? false : 'no recipe to open this backend in a child process',
    }, async (t) => {
      const backend = await instance(t);
      const queue = newQueueName();
      await backend.enqueue(queue, 'orphan', { image: 'x' });
      const child = spawnConsumer(t, spawnable!, queue, 'hang');
      assert.equal(await firstLine(child), 'started orphan 1');
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
      assert.equal((await backend.counts(queue)).active, 1, 'the dead consumer still holds the job');
      const attempts: number[] = [];
      backend.consume(
        queue,
        async (job) => {
          attempts.push(job.attempt);
          return 'rescued';
        },
        { concurrency: 1, leaseMs: LEASE_MS },
      );
      assert.deepEqual(await settled(backend, queue, 'orphan'), { state: 'completed', result: 'rescued' });
      assert.deepEqual(attempts, [2]);
    });

    test('close() waits for the running jobs to finish', async (t) => {
      const backend = await instance(t);
      const queue = newQueueName();
      const started = deferred();
      let finished = false;
      await backend.enqueue(queue, 'slow', {});
      const consumer = backend.consume(
        queue,
        async () => {
          started.resolve();
          await sleep(200);
          finished = true;
          return 'finished';
        },
        { concurrency: 1, leaseMs: LEASE_MS },
      );
      await started.promise;
      await consumer.close();
      assert.equal(finished, true, 'close() resolved before the running job ended');
      assert.deepEqual(await backend.waitFor(queue, 'slow', 0), { state: 'completed', result: 'finished' });
      // A closed consumer takes no more jobs.
      await backend.enqueue(queue, 'after-close', {});
      assert.equal(await backend.waitFor(queue, 'after-close', 300), undefined);
      assert.equal((await backend.counts(queue)).waiting, 1);
    });

    test('close(timeout) aborts a job still running after the timeout and hands it back at once', async (t) => {
      const first = await instance(t);
      const second = await instance(t);
      const queue = newQueueName();
      const started = deferred();
      let abortedWith: unknown;
      await first.enqueue(queue, 'stuck', {});
      // A long lease: if the job were not handed back, the second consumer could not have it in time.
      const consumer = first.consume(
        queue,
        (_job, signal) => {
          started.resolve();
          return new Promise((_resolve, reject) => {
            signal.addEventListener('abort', () => {
              abortedWith = signal.reason;
              reject(signal.reason);
            });
          });
        },
        { concurrency: 1, leaseMs: 60_000 },
      );
      await started.promise;
      await consumer.close(50);
      assert.ok(abortedWith, 'the running handler was not aborted');
      second.consume(queue, async () => 'taken over', { concurrency: 1, leaseMs: LEASE_MS });
      assert.deepEqual(await settled(second, queue, 'stuck'), { state: 'completed', result: 'taken over' });
    });

    test('counts tell waiting, active, delayed, completed and failed jobs apart', async (t) => {
      const backend = await instance(t);
      const queue = newQueueName();
      await backend.enqueue(queue, 'good', {});
      await backend.enqueue(queue, 'bad', {}, { attempts: 1 });
      await backend.enqueue(queue, 'later', {}, { delayMs: 60_000 });
      const settling = backend.consume(
        queue,
        async (job) => {
          if (job.id === 'bad') throw new Error('bad job');
        },
        { concurrency: 1, leaseMs: LEASE_MS },
      );
      await settled(backend, queue, 'good');
      await settled(backend, queue, 'bad');
      await settling.close();

      await backend.enqueue(queue, 'held', {});
      const started = deferred();
      const release = deferred();
      const holding = backend.consume(
        queue,
        async () => {
          started.resolve();
          await release.promise;
        },
        { concurrency: 1, leaseMs: LEASE_MS },
      );
      await started.promise;
      await backend.enqueue(queue, 'queued', {});
      assert.deepEqual(await backend.counts(queue), {
        waiting: 1,
        active: 1,
        delayed: 1,
        completed: 1,
        failed: 1,
      });
      release.resolve();
      await holding.close(PATIENCE_MS);
    });

    test('clean drops ended jobs older than asked, and only those', async (t) => {
      const backend = await instance(t);
      const queue = newQueueName();
      await backend.enqueue(queue, 'done', {});
      await backend.enqueue(queue, 'broken', {}, { attempts: 1 });
      await backend.enqueue(queue, 'later', {}, { delayMs: 60_000 });
      const consumer = backend.consume(
        queue,
        async (job) => {
          if (job.id === 'broken') throw new Error('broken');
        },
        { concurrency: 1, leaseMs: LEASE_MS },
      );
      await settled(backend, queue, 'done');
      await settled(backend, queue, 'broken');
      await consumer.close();
      assert.equal(await backend.clean(queue, 60_000), 0, 'jobs that ended just now are kept');
      await sleep(20);
      assert.equal(await backend.clean(queue, 10), 2);
      const counts = await backend.counts(queue);
      assert.equal(counts.completed + counts.failed, 0);
      assert.equal(counts.delayed, 1, 'a job that has not ended is never cleaned');
      assert.equal(await backend.waitFor(queue, 'done', 0), undefined);
    });

    test('options out of range and bad names are refused with a TypeError naming them; nothing is queued', async (t) => {
      const backend = await instance(t);
      const queue = newQueueName();
      const refused: [EnqueueOptions, RegExp][] = [
        [{ attempts: 0 }, /^attempts/],
        [{ attempts: 1.5 }, /^attempts/],
        [{ delayMs: -1 }, /^delayMs/],
        [{ delayMs: Number.POSITIVE_INFINITY }, /^delayMs/],
        [{ backoffMs: Number.NaN }, /^backoffMs/],
      ];
      for (const [options, message] of refused) {
        await assert.rejects(backend.enqueue(queue, 'job', {}, options), { name: 'TypeError', message });
      }
      await assert.rejects(backend.enqueue(queue, '', {}), { name: 'TypeError', message: /^id/ });
      await assert.rejects(backend.enqueue(queue, 'x'.repeat(201), {}), {
        name: 'TypeError',
        message: /^id/,
      });
      await assert.rejects(backend.enqueue('', 'job', {}), { name: 'TypeError', message: /^queue/ });
      const handler = async () => null;
      assert.throws(() => backend.consume(queue, handler, { concurrency: 0 }), {
        name: 'TypeError',
        message: /^concurrency/,
      });
      assert.throws(() => backend.consume(queue, handler, { concurrency: 1, leaseMs: 10 }), {
        name: 'TypeError',
        message: /^leaseMs/,
      });
      const counts = await backend.counts(queue);
      assert.equal(counts.waiting + counts.active + counts.delayed + counts.completed + counts.failed, 0);
      assert.equal(await backend.waitFor(queue, 'job', 0), undefined);
    });

    test('ping answers while open, and the instance refuses work once closed', async () => {
      const backend = await open();
      await backend.ping();
      await backend.close();
      await assert.rejects(backend.enqueue(newQueueName(), 'x', {}));
      await assert.rejects(backend.ping());
    });
  });
}

/** Starts `child-consumer.ts` on the queue; the child is killed when the test ends. */
function spawnConsumer(
  t: TestContext,
  spawnable: SpawnableBackend,
  queue: string,
  mode: 'hang' | 'complete',
): ChildProcess {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', CHILD_CONSUMER, JSON.stringify(spawnable), queue, String(LEASE_MS), mode],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  t.after(() => {
    child.kill('SIGKILL');
  });
  return child;
}

/** The first line the child prints (or a failure when it exits first). */
function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      lines.close();
      resolve(line);
    });
    child.once('exit', (code, signal) => reject(new Error(`child exited (${signal ?? code}) before a line`)));
  });
}
