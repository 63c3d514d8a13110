/**
 * A Sentinel failover under load, on a topology of this test's own (it kills the master): a
 * producer enqueues without pause, a consumer on another connection runs the jobs, and the master
 * is SIGKILLed. After the Sentinels promote the replica, the queue keeps working and every
 * enqueue that was acknowledged is run: at least once (BullMQ redelivers a job whose completion
 * was lost with the old master), and the test reports how many ran more than once. A wait on a
 * third connection, for a job that a consumer completes after the failover, gets its outcome.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import pino from 'pino';
import { BullMqQueue } from '../../src/jobs/bullmq/bullmq-queue.js';
import type { JobOutcome } from '../../src/jobs/index.js';
import { skipWithout } from '../helpers/services.js';
import { startRedisTopology } from './redis-topology.js';

/** Ports of this topology: the shared offset plus this (6440/6441, 26440-26442 at offset 0). */
const TOPOLOGY_OFFSET = 50;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A logger that keeps the connection-error lines, to check they stay rate-limited. */
function capturingLogger(lines: string[]) {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).trim().split('\n'));
      done();
    },
  });
  return pino({ level: 'warn' }, sink);
}

test('a Sentinel failover loses no acknowledged job and a wait across it gets its outcome', {
  skip: skipWithout('redis'),
  timeout: 120_000,
}, async (t) => {
  const topology = await startRedisTopology(TOPOLOGY_OFFSET);
  // One hook, last opened first closed: the consumer and the queues must close while Redis still
  // runs, or their connections keep retrying dead Sentinels and the test process never exits.
  const cleanups: (() => Promise<unknown>)[] = [() => topology.stop()];
  t.after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });
  const queue = 'failover';
  const logLines: string[] = [];
  const open = () =>
    new BullMqQueue({ redis: topology.target, log: capturingLogger(logLines), waitPollIntervalMs: 500 });
  const producer = open();
  const worker = open();
  const api = open();
  cleanups.push(() => Promise.all([producer.close(), worker.close(), api.close()]));

  const runs = new Map<string, number>();
  let killedAt = 0;
  const consumer = worker.consume<{ n: number }>(
    queue,
    async (job) => {
      runs.set(job.id, (runs.get(job.id) ?? 0) + 1);
      if (job.id === 'across') {
        // Held until well after the kill, so that it completes on the new master.
        while (killedAt === 0 || Date.now() - killedAt < 4000) await sleep(50);
      }
      return job.data.n;
    },
    // The service's own worker lease: a failover (about 2 s) must not look like a dead worker.
    { concurrency: 4, leaseMs: 10_000 },
  );
  cleanups.push(() => consumer.close(5000));

  const acknowledged: string[] = [];
  const refused: string[] = [];
  const ackTimes: number[] = [];
  let producing = true;
  const produce = (async () => {
    for (let n = 0; producing; n++) {
      const id = `job-${n}`;
      try {
        await producer.enqueue(queue, id, { n });
        acknowledged.push(id);
        ackTimes.push(Date.now());
      } catch {
        refused.push(id);
      }
      await sleep(5);
    }
  })();

  await producer.enqueue(queue, 'across', { n: -1 });
  const acrossWait: Promise<JobOutcome | undefined> = api.waitFor(queue, 'across', 60_000);
  await sleep(2000);
  const oldMaster = await topology.killMaster();
  killedAt = Date.now();
  await sleep(8000);
  producing = false;
  await produce;
  const newMaster = await topology.master();

  // Every acknowledged job ends, completed with its own number, seen from the api connection.
  for (const id of acknowledged) {
    const outcome = await api.waitFor(queue, id, 30_000);
    assert.deepEqual(outcome, { state: 'completed', result: Number(id.slice('job-'.length)) }, id);
  }
  assert.deepEqual(await acrossWait, { state: 'completed', result: -1 });

  const lost = acknowledged.filter((id) => !runs.has(id));
  const duplicates = acknowledged.filter((id) => (runs.get(id) ?? 0) > 1);
  const afterKill = ackTimes.filter((time) => time > killedAt).length;
  let longestGap = 0;
  for (let i = 1; i < ackTimes.length; i++)
    longestGap = Math.max(longestGap, ackTimes[i]! - ackTimes[i - 1]!);
  const errorLines = logLines.filter((line) => line.includes('redis queue: error')).length;
  t.diagnostic(
    `master ${oldMaster} killed, now ${newMaster.port}; acknowledged ${acknowledged.length} ` +
      `(${afterKill} after the kill), refused ${refused.length}, lost ${lost.length}, ` +
      `ran more than once ${duplicates.length}, longest pause between acknowledgements ${longestGap} ms, ` +
      `connection-error log lines ${errorLines}`,
  );
  assert.notEqual(newMaster.port, oldMaster, 'the Sentinels did not promote the replica');
  assert.ok(afterKill > 0, 'no enqueue was acknowledged after the kill');
  assert.deepEqual(lost, []);
  // Three connections, 10 s: one line each at first, then at most one per 10 s each.
  assert.ok(errorLines <= 6, `${errorLines} connection-error lines: the error log is not rate-limited`);
});
