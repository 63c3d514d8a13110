/**
 * Opens the BullMQ queue for the conformance suite, in the test process and in the child process
 * that the suite kills (which imports this module by name). Each test run uses its own key
 * prefix, so runs on one Redis never see each other's jobs.
 */
import { BullMqQueue } from '../../src/jobs/bullmq/bullmq-queue.js';
import type { RedisTarget } from '../../src/jobs/index.js';

export interface RedisBackendArg {
  redis: RedisTarget;
  prefix: string;
}

/** A short wait poll keeps the suite fast when an end event is missed. */
export async function openRedisQueue(arg: RedisBackendArg): Promise<BullMqQueue> {
  return new BullMqQueue({ redis: arg.redis, prefix: arg.prefix, waitPollIntervalMs: 100 });
}
